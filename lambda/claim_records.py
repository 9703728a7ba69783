"""The claim table's records: keys, claims and their items, read strictly (standard library only).

An item edited by hand is never trusted: ``parse_claim`` says what is malformed, and ``claims``
turns that into a Reason.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

import proxy_contract as contract
from records import Record

CLAIMED: Final = "claimed"
MADE: Final = "made"
FAILED: Final = "failed"
ENDED: Final = "ended"
STATES: Final = (CLAIMED, MADE, FAILED, ENDED)
KEY_NAMES: Final = (contract.CLAIM_PARTITION_KEY, contract.CLAIM_SORT_KEY)


class ClaimKey(Record):
    """Where one Create request's claim lives."""

    resource: str
    request: str

    def item_key(self) -> dict[str, Any]:
        """The DynamoDB key."""
        return {KEY_NAMES[0]: {"S": self.resource}, KEY_NAMES[1]: {"S": self.request}}


def resource_key(stack_id: str, logical_resource_id: str) -> str:
    """The partition of one resource: every Create request it ever had."""
    return f"{stack_id}|{logical_resource_id}"


def fingerprint(resource_type: str, properties: object, replacing: tuple[str, ...]) -> str:
    """A digest of the properties whose change replaces the resource, as sent: the same for every
    request about one generation of a resource, different for the next generation."""
    values = properties if isinstance(properties, Mapping) else {}
    chosen = {name: values.get(name) for name in replacing}
    canonical = json.dumps([resource_type, chosen], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


class Claim(Record):
    """One claim as the table holds it."""

    key: ClaimKey
    state: str
    owner: str
    lease: float
    fingerprint: str
    physical_id: str = ""
    data: Mapping[str, str] = {}
    facts: Mapping[str, str] = {}
    reason: str = ""

    def lease_over(self, now: float) -> bool:
        """Whether the invocation that holds the claim can no longer be running."""
        return now >= self.lease


def text(item: Mapping[str, Any], name: str, *, required: bool = True) -> str:
    value = item.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, Mapping) or set(value) != {"S"} or not isinstance(value["S"], str):
        raise ValueError(f"{name} is {'missing' if value is None else 'not a string'}")
    return value["S"]


def _strings(item: Mapping[str, Any], name: str) -> dict[str, str]:
    value = item.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping) or set(value) != {"M"} or not isinstance(value["M"], dict):
        raise ValueError(f"{name} is not a map")
    found: dict[str, str] = {}
    for key, member in value["M"].items():
        if not isinstance(member, Mapping) or set(member) != {"S"}:
            raise ValueError(f"{name}.{key} is not a string")
        found[str(key)] = str(member["S"])
    return found


def strings_value(values: Mapping[str, str]) -> dict[str, Any]:
    return {"M": {key: {"S": str(value)} for key, value in values.items()}}


def parse_claim(key: ClaimKey, item: Mapping[str, Any]) -> Claim:
    """A claim from its item; ValueError says what is malformed."""
    state = text(item, "State")
    if state not in STATES:
        raise ValueError(f"State {state[:40]!r} is not one of {', '.join(STATES)}")
    lease_value = item.get("Lease")
    if not isinstance(lease_value, Mapping) or set(lease_value) != {"N"}:
        raise ValueError("Lease is missing or not a number")
    try:
        lease = float(lease_value["N"])
    except (TypeError, ValueError):
        raise ValueError("Lease is not a number") from None
    claim = Claim(
        key=key,
        state=state,
        owner=text(item, "Owner"),
        lease=lease,
        fingerprint=text(item, "Fingerprint"),
        physical_id=text(item, "PhysicalId", required=False),
        data=_strings(item, "Data"),
        facts=_strings(item, "Facts"),
        reason=text(item, "Reason", required=False),
    )
    if state == MADE and not claim.physical_id:
        raise ValueError("State is made but PhysicalId is missing")
    return claim
