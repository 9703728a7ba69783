"""The claim table's store (``claims``) against moto's DynamoDB over HTTP: conditional writes,
consistent reads, errors that name the table and the action, malformed items reported."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest

import proxy_contract as contract
from chime_calls import RetryPolicy
from claims import (
    CLAIMED,
    ENDED,
    FAILED,
    MADE,
    ClaimError,
    ClaimKey,
    ClaimTable,
    fingerprint,
    parse_claim,
    resource_key,
    table_from_environment,
)
from harness.dynamodb import DynamoDBServer
from tests.claim_tables import ClaimTableInfo

RESOURCE = resource_key("arn:aws:cloudformation:us-east-1:123456789012:stack/S/1", "Line")
KEY = ClaimKey(RESOURCE, "request-1")


def table_of(info: ClaimTableInfo, *, name: str | None = None, **policy: Any) -> ClaimTable:
    return ClaimTable(
        name or info.name,
        info.server.client,
        deadline=time.monotonic() + 30.0,
        policy=RetryPolicy(sleep=lambda _: None, **policy),
    )


@pytest.fixture
def table(claim_table: ClaimTableInfo) -> ClaimTable:
    return table_of(claim_table)


def test_the_first_claim_wins_and_the_second_finds_it(table: ClaimTable) -> None:
    first = table.start(KEY, owner="inv-1", lease=time.time() + 60, fingerprint="f")
    assert first is not None
    assert first.state == CLAIMED
    assert table.start(KEY, owner="inv-2", lease=time.time() + 60, fingerprint="f") is None
    found = table.get(KEY)
    assert found is not None
    assert (found.owner, found.state, found.fingerprint) == ("inv-1", CLAIMED, "f")


def test_made_records_the_answer_and_facts(table: ClaimTable) -> None:
    claim = table.start(KEY, owner="inv-1", lease=time.time() + 60, fingerprint="f")
    assert claim is not None
    claim = table.note(claim, {"existing": "false"})
    table.made(claim, "phys-1", {"Status": "Open"})
    found = table.get(KEY)
    assert found is not None
    assert (found.state, found.physical_id, found.data, found.facts) == (
        MADE,
        "phys-1",
        {"Status": "Open"},
        {"existing": "false"},
    )


def test_a_failed_claim_keeps_its_reason_and_expires(
    table: ClaimTable, claim_table: ClaimTableInfo
) -> None:
    claim = table.start(KEY, owner="inv-1", lease=time.time() + 60, fingerprint="f")
    assert claim is not None
    table.failed(claim, "CreateProxySession rejected the request", physical_id="")
    found = table.get(KEY)
    assert found is not None
    assert found.state == FAILED
    assert found.reason == "CreateProxySession rejected the request"
    (item,) = claim_table.items()
    expires = int(item[contract.CLAIM_TTL_ATTRIBUTE]["N"])
    assert expires - time.time() == pytest.approx(contract.FINISHED_CLAIM_DAYS * 86_400, abs=60)


def test_only_the_holder_writes_the_outcome(table: ClaimTable) -> None:
    claim = table.start(KEY, owner="inv-1", lease=time.time() - 1, fingerprint="f")
    assert claim is not None
    taken = table.take_over(claim, owner="inv-2", lease=time.time() + 60)
    assert taken is not None
    assert taken.owner == "inv-2"
    with pytest.raises(ClaimError, match="taken over by another run"):
        table.made(claim, "phys-late", {})
    table.made(taken, "phys-1", {})
    found = table.get(KEY)
    assert found is not None
    assert found.physical_id == "phys-1"


def test_a_claim_is_taken_over_once(table: ClaimTable) -> None:
    claim = table.start(KEY, owner="inv-1", lease=time.time() - 1, fingerprint="f")
    assert claim is not None
    assert table.take_over(claim, owner="inv-2", lease=time.time() + 60) is not None
    assert table.take_over(claim, owner="inv-3", lease=time.time() + 60) is None


def test_ended_marks_a_claim_finished_for_the_ttl(
    table: ClaimTable, claim_table: ClaimTableInfo
) -> None:
    claim = table.start(KEY, owner="inv-1", lease=time.time() + 60, fingerprint="f")
    assert claim is not None
    table.ended(table.made(claim, "phys-1", {}))
    (item,) = claim_table.items()
    assert item["State"] == {"S": ENDED}
    assert contract.CLAIM_TTL_ATTRIBUTE in item


def test_a_resources_claims_come_oldest_first_and_other_resources_stay_out(
    table: ClaimTable,
) -> None:
    for request in ("r-b", "r-a", "r-c"):
        table.start(ClaimKey(RESOURCE, request), owner="i", lease=1.0, fingerprint=request)
    table.start(ClaimKey(f"{RESOURCE}x", "r-z"), owner="i", lease=1.0, fingerprint="other")
    assert [claim.key.request for claim in table.of_resource(RESOURCE)] == ["r-b", "r-a", "r-c"]


def test_a_missing_table_is_named_with_the_action(claim_table: ClaimTableInfo) -> None:
    table = table_of(claim_table, name="no-such-table")
    with pytest.raises(ClaimError) as raised:
        table.start(KEY, owner="i", lease=1.0, fingerprint="f")
    message = str(raised.value)
    assert "dynamodb:PutItem" in message
    assert "'no-such-table' does not exist" in message
    assert contract.CLAIM_TABLE_VARIABLE in message
    assert "Nothing was created" in message


def test_an_unreachable_endpoint_names_the_gateway_endpoint(claim_table: ClaimTableInfo) -> None:
    def unreachable() -> Any:
        return boto3.client("dynamodb", endpoint_url="http://127.0.0.1:9", region_name="us-east-1")

    table = ClaimTable(
        claim_table.name,
        unreachable,
        deadline=time.monotonic() + 1.0,
        policy=RetryPolicy(sleep=lambda _: None, attempt_cost=0.5),
    )
    with pytest.raises(ClaimError) as raised:
        table.get(KEY)
    message = str(raised.value)
    assert "dynamodb:GetItem: could not reach http://127.0.0.1:9" in message
    assert "DynamoDB gateway endpoint" in message


def test_access_denied_names_the_actions_the_role_needs(
    claim_table: ClaimTableInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A client of its own: the server's shared one must not keep the denying hook.
    client = boto3.client(
        "dynamodb", endpoint_url=claim_table.server.endpoint_url, region_name="us-east-1"
    )

    def deny(**_: Any) -> None:
        from botocore.exceptions import ClientError

        raise ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}, "Query"
        )

    client.meta.events.register("before-call.dynamodb.Query", deny)
    table = ClaimTable(
        claim_table.name,
        lambda: client,
        deadline=time.monotonic() + 5.0,
        policy=RetryPolicy(sleep=lambda _: None),
    )
    with pytest.raises(ClaimError) as raised:
        table.of_resource(RESOURCE)
    message = str(raised.value)
    assert "dynamodb:Query: access denied" in message
    assert ", ".join(contract.CLAIM_ACTIONS) in message


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"State": {"S": "done"}}, "State 'done' is not one of"),
        ({"Lease": {"S": "soon"}}, "Lease is missing or not a number"),
        ({"Owner": {"N": "1"}}, "Owner is not a string"),
        ({"State": {"S": MADE}}, "State is made but PhysicalId is missing"),
        ({"Data": {"S": "x"}}, "Data is not a map"),
    ],
)
def test_a_claim_edited_by_hand_is_reported_not_trusted(
    table: ClaimTable, claim_table: ClaimTableInfo, change: dict[str, Any], problem: str
) -> None:
    table.start(KEY, owner="inv-1", lease=time.time() + 60, fingerprint="f")
    item = {**claim_table.items()[0], **change}
    claim_table.server.client().put_item(TableName=claim_table.name, Item=item)
    with pytest.raises(ClaimError) as raised:
        table.get(KEY)
    assert problem in str(raised.value)
    assert "not trusted" in str(raised.value)
    assert claim_table.name in str(raised.value)


def test_parse_claim_reads_what_start_writes() -> None:
    item = {
        "State": {"S": CLAIMED},
        "Owner": {"S": "o"},
        "Lease": {"N": "12.5"},
        "Fingerprint": {"S": "f"},
    }
    claim = parse_claim(KEY, item)
    assert (claim.lease, claim.physical_id, claim.data) == (12.5, "", {})


def test_the_fingerprint_follows_the_replacing_properties_only() -> None:
    replacing = ("VoiceConnectorId", "Name")
    base = {"VoiceConnectorId": "vc", "Name": "a", "Capabilities": ["Voice"]}
    same = fingerprint("T", {**base, "Capabilities": ["SMS"]}, replacing)
    assert fingerprint("T", base, replacing) == same
    assert fingerprint("T", {**base, "Name": "b"}, replacing) != same
    assert fingerprint("U", base, replacing) != same


def test_the_table_comes_from_the_environment(
    dynamodb: DynamoDBServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(contract.CLAIM_TABLE_VARIABLE, raising=False)
    assert table_from_environment(deadline=0.0, policy=RetryPolicy()) is None
    monkeypatch.setenv(contract.CLAIM_TABLE_VARIABLE, " claims-x ")
    table = table_from_environment(deadline=0.0, policy=RetryPolicy(), connect=dynamodb.client)
    assert table is not None
    assert table.name == "claims-x"
    assert table._client == []  # no client until the first call
