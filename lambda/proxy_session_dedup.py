"""Finding the session a run that died made: the one listing of a voice connector, for recovery.

A Create works under its request's claim (``once``), so an ordinary Create, and any repeated
delivery of it, never lists. Listing is left for the one case a claim cannot settle: a run that
died (a crash, a timeout) after CreateProxySession and before recording what it made. The run that
takes its claim over, and a rollback Delete of that Create, look for the session by its owner mark:

- the mark is the session's Name: the user's name, or, when none is set, ``marker_name``, derived
  from the stack and the logical id (the same for every request of the resource);
- a session is the resource's when it is Open or InProgress on the voice connector and its Name,
  its two participants and (where the service reports them) its number selection and geo settings
  are the requested ones (``OwnerKey.matches``), found with ``ListProxySessions`` (both statuses,
  every page: ``owned``);
- of several marked sessions the earliest (CreatedTimestamp, then id) is kept (``settle``); the
  others are deleted, since a resource has one session.

Phone numbers are personal data: ``OwnerKey`` keeps them out of its repr, and nothing here logs a
participant or a user-given name (the model marks Name sensitive).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from botocore.exceptions import ClientError

import proxy_contract as contract
from chime_calls import Calls, RetriesExhaustedError, error_code

logger = logging.getLogger(__name__)

# The statuses of a session that still carries calls; a Closed session is never adopted.
LIVE_STATUSES: Final = ("Open", "InProgress")
# The model allows 100; the older Chime namespace documents 99. Either way, every page is read.
PAGE_SIZE: Final = 99
MARKER_PREFIX: Final = "cfn"
_DIGEST_CHARS: Final = 14
_LOGICAL_ID_CHARS: Final = contract.PROXY_SESSION_NAME_MAX_LENGTH - len(MARKER_PREFIX) - 2
_NOT_NAME: Final = re.compile(r"[^A-Za-z0-9]")
_LATEST: Final = datetime.max.replace(tzinfo=UTC)


def marker_name(stack_id: str, logical_resource_id: str) -> str:
    """The Name of a session created for a resource without ``name``: at most 30 characters of
    letters, digits and spaces, e.g. ``cfn SupportLine 4H7Q2MZK3ABCDE``.

    It holds the logical id's first letters and digits (to be recognised in a listing) and a
    base32 digest of the stack id and the logical id (to be unique to this resource).
    """
    digest = hashlib.sha256(f"{stack_id}\n{logical_resource_id}".encode()).digest()
    code = base64.b32encode(digest).decode("ascii")[:_DIGEST_CHARS]
    readable = _NOT_NAME.sub("", logical_resource_id)[: _LOGICAL_ID_CHARS - _DIGEST_CHARS]
    return " ".join(part for part in (MARKER_PREFIX, readable, code) if part)


def _digits(phone: object) -> str:
    return str(phone).lstrip("+")


@dataclass(frozen=True)
class OwnerKey:
    """What makes a listed session this resource's; participants and names never show in a repr."""

    name: str = field(repr=False)
    participants: frozenset[str] = field(repr=False)
    number_selection_behavior: str | None
    geo_match_level: str | None
    geo_match_params: Mapping[str, str] | None
    # The session this resource held before a replacing Update: never adopted, never deleted.
    exclude: str | None = None
    # How logs name the mark: "named '<marker>'", or "with the Name given" (never shown).
    label: str = "with the Name given"

    def matches(self, session: Mapping[str, Any]) -> bool:
        """Whether ``session`` (a ProxySession structure) is one this resource created."""
        if session.get("ProxySessionId") == self.exclude:
            return False
        if session.get("Status") not in LIVE_STATUSES or session.get("Name") != self.name:
            return False
        phones = {_digits(item.get("PhoneNumber")) for item in session.get("Participants") or []}
        if phones != {_digits(phone) for phone in self.participants}:
            return False
        # A setting the service does not report (or that was left to its default) is no evidence
        # either way; one it reports differently is.
        for wanted, reported in (
            (self.number_selection_behavior, session.get("NumberSelectionBehavior")),
            (self.geo_match_level, session.get("GeoMatchLevel")),
            (self.geo_match_params, session.get("GeoMatchParams")),
        ):
            if wanted is not None and reported is not None and wanted != reported:
                return False
        return True


def _order(session: Mapping[str, Any]) -> tuple[datetime, str]:
    created = session.get("CreatedTimestamp")
    return (created if isinstance(created, datetime) else _LATEST, str(session["ProxySessionId"]))


def owned(calls: Calls, key: OwnerKey) -> list[dict[str, Any]]:
    """Every live session on the voice connector that ``key`` matches (all pages)."""
    found: list[dict[str, Any]] = []
    for status in LIVE_STATUSES:
        request: dict[str, Any] = {
            "VoiceConnectorId": calls.target.voice_connector_id,
            "Status": status,
            "MaxResults": PAGE_SIZE,
        }
        while True:
            page = calls.call("ListProxySessions", **request)
            found.extend(s for s in page.get("ProxySessions") or [] if key.matches(s))
            token = page.get("NextToken")
            if not token:
                break
            request = {**request, "NextToken": token}
    return found


def delete_duplicate(calls: Calls, session_id: str) -> None:
    """DeleteProxySession of a duplicate (NotFound counts as done); a failure is logged."""
    try:
        calls.attempt(
            "DeleteProxySession",
            VoiceConnectorId=calls.target.voice_connector_id,
            ProxySessionId=session_id,
        )
    except ClientError as error:
        if error_code(error) != "NotFoundException":
            logger.warning("Could not delete duplicate %s: %s", session_id, error_code(error))
    except RetriesExhaustedError as error:
        logger.warning("Could not delete duplicate %s: %s", session_id, error)


def settle(calls: Calls, found: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Keep the earliest of ``found`` (CreatedTimestamp, then id), delete the others, and return
    the kept session. Only a run that took a claim over settles, so no other run of the request
    is making sessions meanwhile."""
    kept = min(found, key=_order)
    for session in sorted(found, key=_order):
        session_id = str(session["ProxySessionId"])
        if session_id != kept["ProxySessionId"]:
            logger.info(
                "Deleting duplicate session %s; keeping %s", session_id, kept["ProxySessionId"]
            )
            delete_duplicate(calls, session_id)
    return dict(kept)
