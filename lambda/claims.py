"""The claim table: the exactly-once store of what each Create request made, in DynamoDB.

A Create of a type that makes something (``ResourceType.creates``) writes its claim before it
calls the service: one item per resource and request (``Resource`` = stack id and logical id,
``Request`` = CloudFormation's RequestId, the same in every delivery of one request), written with
a condition that no item has that key. The write that wins does the work; a delivery that finds
the item reads what the winner recorded. An item is:

- ``State``: ``claimed`` (work under way), ``made`` (done, the answer recorded), ``failed`` (the
  Create answered FAILED), or ``ended`` (the resource was deleted, or what it made was removed);
- ``Owner`` and ``Lease``: the Lambda request id of the invocation doing the work and its deadline
  (epoch seconds); a claim whose lease ran out, or whose owner is a retry of the same invocation,
  was left by a run that died;
- ``Fingerprint``: a digest of the properties whose change replaces the resource, so a Delete
  whose Create never answered finds the claims of that Create and no other;
- ``PhysicalId``, ``Data`` and ``Facts``: what was made, the answer, and what a type recorded on
  the way (its own progress, read back by a run that takes over);
- ``ExpiresAt``: set once the claim is finished (failed or ended), for DynamoDB's TTL.

Only item actions on one table: GetItem, PutItem, UpdateItem and Query. The client is the
function's own (its account and region) and is made on the first use.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.exceptions import ClientError

import proxy_contract as contract
from chime_calls import (
    ACCESS_DENIED_CODES,
    RetriesExhaustedError,
    RetryPolicy,
    call_with_retries,
    client_config,
    error_code,
    error_message,
)
from claim_records import (
    CLAIMED,
    ENDED,
    FAILED,
    KEY_NAMES,
    MADE,
    Claim,
    ClaimKey,
    fingerprint,
    parse_claim,
    resource_key,
    strings_value,
    text,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

logger = logging.getLogger(__name__)

# Re-exported: the records of ``claim_records`` are part of this module's interface.
__all__ = [
    "CLAIMED",
    "ENDED",
    "FAILED",
    "MADE",
    "Claim",
    "ClaimError",
    "ClaimKey",
    "ClaimTable",
    "fingerprint",
    "new_dynamodb_client",
    "parse_claim",
    "resource_key",
    "table_from_environment",
]

_FINISHED_SECONDS: Final = contract.FINISHED_CLAIM_DAYS * 86_400
# A Reason is at most this long in the item (CloudFormation shows far less).
_REASON_CHARS: Final = 1000


class ClaimError(Exception):
    """The claim table could not be used, or holds something not to be trusted; the message is the
    Reason CloudFormation shows, naming the table and what to do."""


class ClaimTable:
    """The claim table of the function: conditional writes and consistent reads of one item."""

    __slots__ = ("_client", "clock", "connect", "deadline", "name", "policy")

    def __init__(
        self,
        name: str,
        connect: Callable[[], DynamoDBClient],
        *,
        deadline: float,
        policy: RetryPolicy,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.connect = connect
        self.deadline = deadline
        self.policy = policy
        self.clock = clock
        self._client: list[DynamoDBClient] = []

    @property
    def client(self) -> DynamoDBClient:
        """The DynamoDB client, made on first use."""
        if not self._client:
            self._client.append(self.connect())
        return self._client[0]

    # the calls ----------------------------------------------------------------------------
    def _call(self, action: str, **request: Any) -> dict[str, Any]:
        method = getattr(self.client, _METHODS[action])
        try:
            outcome = call_with_retries(
                f"dynamodb:{action}",
                lambda: method(TableName=self.name, **request),
                deadline=self.deadline,
                policy=self.policy,
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise
            raise ClaimError(self._explain(action, error)) from None
        except RetriesExhaustedError as error:
            raise ClaimError(self._explain(action, error)) from None
        response: dict[str, Any] = outcome.response
        return response

    def _explain(self, action: str, error: Exception) -> str:
        table = f"claim table {self.name!r}"
        if isinstance(error, RetriesExhaustedError):
            last = error.last_error
            if isinstance(last, ClientError):
                return (
                    f"dynamodb:{action} on the {table} kept failing ({error}). Nothing was "
                    "created; deploy again later."
                )
            endpoint = getattr(self.client.meta, "endpoint_url", "DynamoDB")
            return (
                f"dynamodb:{action}: could not reach {endpoint} for the {table} "
                f"({type(last).__name__}, {error.attempts} attempt(s)). Nothing was created. In a "
                "VPC without internet access the function needs a DynamoDB gateway endpoint "
                "(README 'Running in a VPC'); then deploy again."
            )
        assert isinstance(error, ClientError)
        code, message = error_code(error), error_message(error)
        detail = f"{code}: {message}" if message else code
        if code == "ResourceNotFoundException":
            return (
                f"dynamodb:{action}: the {table} does not exist ({detail}). The stack's "
                f"ProxySessionProvider creates it and names it in the function's "
                f"{contract.CLAIM_TABLE_VARIABLE}; deploy the stack again so that both match. "
                "Nothing was created."
            )
        if code in ACCESS_DENIED_CODES:
            return (
                f"dynamodb:{action}: access denied on the {table} ({detail}). The function's "
                f"role needs {', '.join(contract.CLAIM_ACTIONS)} on that table (the provider "
                "grants them); check a permission boundary, an SCP or the key policy of the "
                "table's KMS key. Nothing was created."
            )
        return f"dynamodb:{action} failed on the {table} ({detail}). Nothing was created."

    def _parse(self, key: ClaimKey, item: Mapping[str, Any]) -> Claim:
        try:
            return parse_claim(key, item)
        except ValueError as problem:
            raise ClaimError(
                f"The claim of request {key.request} in the claim table {self.name!r} is "
                f"malformed ({problem}): it was changed outside this function and is not "
                "trusted. Nothing was changed. Delete that item (or restore the table to a "
                "point in time before the change) and deploy again."
            ) from None

    # what the protocol uses ----------------------------------------------------------------
    def start(self, key: ClaimKey, *, owner: str, lease: float, fingerprint: str) -> Claim | None:
        """Claim ``key`` for ``owner`` until ``lease``; None when a claim already exists."""
        claim = Claim(key=key, state=CLAIMED, owner=owner, lease=lease, fingerprint=fingerprint)
        item = {
            **key.item_key(),
            "State": {"S": CLAIMED},
            "Owner": {"S": owner},
            "Lease": {"N": repr(lease)},
            "Fingerprint": {"S": fingerprint},
            "ClaimedAt": {"N": repr(self.clock())},
        }
        try:
            self._call(
                "PutItem",
                Item=item,
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": KEY_NAMES[0]},
            )
        except ClientError:  # ConditionalCheckFailedException: another delivery claimed it
            return None
        return claim

    def get(self, key: ClaimKey) -> Claim | None:
        """The claim at ``key`` (a consistent read), or None."""
        item = self._call("GetItem", Key=key.item_key(), ConsistentRead=True).get("Item")
        return None if item is None else self._parse(key, item)

    def take_over(self, claim: Claim, *, owner: str, lease: float) -> Claim | None:
        """Take a claim whose holder died; None when another run took it first or it settled."""
        try:
            self._call(
                "UpdateItem",
                Key=claim.key.item_key(),
                UpdateExpression="SET #owner = :owner, #lease = :lease",
                ConditionExpression="#state = :claimed AND #owner = :was AND #lease = :until",
                ExpressionAttributeNames={"#owner": "Owner", "#lease": "Lease", "#state": "State"},
                ExpressionAttributeValues={
                    ":owner": {"S": owner},
                    ":lease": {"N": repr(lease)},
                    ":claimed": {"S": CLAIMED},
                    ":was": {"S": claim.owner},
                    ":until": {"N": repr(claim.lease)},
                },
            )
        except ClientError:
            return None
        taken: Claim = claim._replace(owner=owner, lease=lease)
        return taken

    def note(self, claim: Claim, facts: Mapping[str, str]) -> Claim:
        """Record a type's progress on a claim it holds (read back by a run that takes over)."""
        merged = {**claim.facts, **facts}
        self._settle(claim, {"Facts": strings_value(merged)}, holder=True)
        noted: Claim = claim._replace(facts=merged)
        return noted

    def made(self, claim: Claim, physical_id: str, data: Mapping[str, str]) -> Claim:
        """Record what the Create made and answered."""
        self._settle(
            claim,
            {
                "State": {"S": MADE},
                "PhysicalId": {"S": physical_id},
                "Data": strings_value(data),
                "Facts": strings_value(claim.facts),
            },
            holder=True,
        )
        done: Claim = claim._replace(state=MADE, physical_id=physical_id, data=dict(data))
        return done

    def failed(self, claim: Claim, reason: str, physical_id: str = "") -> Claim:
        """Record that the Create failed (and what it made before failing, if anything)."""
        values: dict[str, Any] = {
            "State": {"S": FAILED},
            "Reason": {"S": reason[:_REASON_CHARS] or "failed"},
            "Facts": strings_value(claim.facts),
            contract.CLAIM_TTL_ATTRIBUTE: {"N": str(int(self.clock()) + _FINISHED_SECONDS)},
        }
        if physical_id:
            values["PhysicalId"] = {"S": physical_id}
        self._settle(claim, values, holder=True)
        failed: Claim = claim._replace(state=FAILED, reason=reason, physical_id=physical_id)
        return failed

    def ended(self, claim: Claim) -> None:
        """Mark a claim finished: its resource was deleted or what it made was removed."""
        self._settle(
            claim,
            {
                "State": {"S": ENDED},
                contract.CLAIM_TTL_ATTRIBUTE: {"N": str(int(self.clock()) + _FINISHED_SECONDS)},
            },
            holder=False,
        )

    def _settle(self, claim: Claim, values: Mapping[str, Any], *, holder: bool) -> None:
        names = {f"#a{index}": name for index, name in enumerate(values)}
        update = ", ".join(f"#a{index} = :a{index}" for index in range(len(values)))
        attribute_values = {f":a{index}": value for index, value in enumerate(values.values())}
        request: dict[str, Any] = {
            "Key": claim.key.item_key(),
            "UpdateExpression": f"SET {update}",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": attribute_values,
        }
        if holder:
            # Only the invocation that holds the claim writes its outcome.
            names["#owner"] = "Owner"
            attribute_values[":me"] = {"S": claim.owner}
            request["ConditionExpression"] = "#owner = :me"
        try:
            self._call("UpdateItem", **request)
        except ClientError:
            raise ClaimError(
                f"The claim of request {claim.key.request} in the claim table {self.name!r} was "
                "taken over by another run of the same request while this one still worked on "
                "it; that run answers CloudFormation."
            ) from None

    def of_resource(self, resource: str) -> list[Claim]:
        """Every claim of one resource (its Create requests), oldest first; malformed ones are
        reported, never trusted."""
        request: dict[str, Any] = {
            "KeyConditionExpression": "#pk = :resource",
            "ExpressionAttributeNames": {"#pk": KEY_NAMES[0]},
            "ExpressionAttributeValues": {":resource": {"S": resource}},
            "ConsistentRead": True,
        }
        found: list[tuple[float, Claim]] = []
        while True:
            page = self._call("Query", **request)
            for item in page.get("Items") or []:
                key = ClaimKey(resource=resource, request=text(item, KEY_NAMES[1]))
                claimed_at = item.get("ClaimedAt", {}).get("N", "0")
                found.append((float(claimed_at), self._parse(key, item)))
            last = page.get("LastEvaluatedKey")
            if not last:
                break
            request = {**request, "ExclusiveStartKey": last}
        return [claim for _, claim in sorted(found, key=lambda pair: pair[0])]


_METHODS: Final = {
    "GetItem": "get_item",
    "PutItem": "put_item",
    "UpdateItem": "update_item",
    "Query": "query",
}


def new_dynamodb_client() -> DynamoDBClient:
    """A DynamoDB client with the handler's client settings, in the function's own region."""
    return boto3.client("dynamodb", config=client_config())


def table_from_environment(
    *, deadline: float, policy: RetryPolicy, connect: Callable[[], DynamoDBClient] | None = None
) -> ClaimTable | None:
    """The function's claim table (``CLAIM_TABLE_VARIABLE``), or None when it has none."""
    name = os.environ.get(contract.CLAIM_TABLE_VARIABLE, "").strip()
    if not name:
        return None
    return ClaimTable(name, connect or new_dynamodb_client, deadline=deadline, policy=policy)
