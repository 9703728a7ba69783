"""The claim table end to end: the synthesized asset under awslambdaric, its claim table in moto's
DynamoDB over HTTP (created from the template, named in the function's environment), the
emulator for ChimeSDKVoice. A run that dies, a rollback whose Create never answered, a table
that is missing, unreachable or edited by hand, and a Create beside many live sessions."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

import proxy_contract as contract
from cfn_request import failed_create_physical_id
from harness.dynamodb import DynamoDBServer
from harness.emulator import ChimeVoiceEmulator
from harness.lifecycle import STACK_ID, Invocation, LambdaRunner
from harness.lifecycle import resource_properties as cfn_properties
from harness.synth import Assembly
from proxy_session_dedup import marker_name
from tests.e2e.apps import LINE_PHONES, VC
from tests.e2e.conftest import RunnerFor
from tests.e2e.session_tools import live_sessions, logical_id

pytestmark = pytest.mark.slow

TYPE = contract.PROXY_SESSION_RESOURCE_TYPE
# The function's timeout in the scenarios where a run dies: CreateProxySession hangs longer, so
# the runtime kills the process before the handler can record what it made.
SHORT_TIMEOUT = 6.0
HANG = SHORT_TIMEOUT + 1.5


@pytest.fixture
def proxy_emu(emu: ChimeVoiceEmulator) -> ChimeVoiceEmulator:
    """The voice connector with its proxy configuration and no session."""
    emu.reset()
    emu.configure_proxy(VC)
    return emu


@pytest.fixture
def app(assemblies: dict[str, Assembly]) -> dict[str, Any]:
    return assemblies["sessions"].template


def request(
    runner: LambdaRunner,
    template: dict[str, Any],
    request_type: str = "Create",
    *,
    physical_id: str | None = None,
) -> tuple[dict[str, Any], str]:
    """A CloudFormation request for the ``Line`` session (RemovalPolicy Destroy), and its key."""
    lid = logical_id(template, "Line")
    key = uuid.uuid4().hex
    body: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:Handler",
        "ResponseURL": runner.sink.url_for(key),
        "StackId": STACK_ID,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": lid,
        "ResourceType": TYPE,
        "ResourceProperties": cfn_properties(template)[lid],
    }
    if physical_id is not None:
        body["PhysicalResourceId"] = physical_id
    return body, key


def answer(invocation: Invocation) -> dict[str, Any]:
    assert invocation.response is not None, invocation.logs
    return dict(invocation.response)


def calls(emu: ChimeVoiceEmulator) -> dict[str, int]:
    counted: dict[str, int] = {}
    for call in emu.calls:
        if call.operation:
            counted[call.operation] = counted.get(call.operation, 0) + 1
    return counted


def claims(ddb: DynamoDBServer, runner: LambdaRunner) -> list[dict[str, Any]]:
    assert runner.claim_table is not None
    return ddb.items(runner.claim_table)


def died_after_creating(
    runner_for: RunnerFor, assemblies: dict[str, Assembly], emu: ChimeVoiceEmulator
) -> tuple[LambdaRunner, Invocation, str]:
    """A Create whose run dies inside CreateProxySession, which the service completes after the
    runtime killed the process: the session exists, the claim holds no record of it."""
    runner = runner_for(assemblies["sessions"], timeout_seconds=SHORT_TIMEOUT)
    emu.faults.hang_next(1, seconds=HANG, operation="CreateProxySession")
    body, key = request(runner, assemblies["sessions"].template)
    died = runner.invoke(body, key)
    assert died.timed_out, died.summary
    deadline = time.monotonic() + 10.0
    while not live_sessions(emu) and time.monotonic() < deadline:
        time.sleep(0.1)
    (made,) = live_sessions(emu)
    return runner, died, str(made["ProxySessionId"])


def test_lambdas_retry_of_a_run_that_died_answers_with_its_session(
    runner_for: RunnerFor,
    assemblies: dict[str, Assembly],
    proxy_emu: ChimeVoiceEmulator,
    ddb: DynamoDBServer,
) -> None:
    runner, died, made = died_after_creating(runner_for, assemblies, proxy_emu)
    (claim,) = claims(ddb, runner)
    assert claim["State"] == "claimed"  # no record: the run died before writing one
    proxy_emu.reset_calls()
    retried = runner.redeliver(died)
    assert answer(retried)["Status"] == "SUCCESS", answer(retried)["Reason"]
    assert answer(retried)["PhysicalResourceId"].endswith(f":{made}")
    assert "CreateProxySession" not in calls(proxy_emu)  # found by its mark, not made again
    assert calls(proxy_emu)["ListProxySessions"] >= 2  # the look-up: Open, then InProgress
    assert [s["ProxySessionId"] for s in live_sessions(proxy_emu)] == [made]
    (claim,) = claims(ddb, runner)
    assert claim["State"] == "made"


def test_the_rollback_delete_of_a_run_that_died_ends_its_session(
    runner_for: RunnerFor,
    assemblies: dict[str, Assembly],
    proxy_emu: ChimeVoiceEmulator,
    ddb: DynamoDBServer,
) -> None:
    runner, died, made = died_after_creating(runner_for, assemblies, proxy_emu)
    # The safety-net timer answered FAILED before the runtime killed the process, with the marker
    # that names the Create's request: the rollback Delete finds the claim by it.
    marker = answer(died)["PhysicalResourceId"]
    assert marker == failed_create_physical_id(died.request["RequestId"])
    body, key = request(runner, assemblies["sessions"].template, "Delete", physical_id=marker)
    deleted = runner.invoke(body, key)
    assert answer(deleted)["Status"] == "SUCCESS", answer(deleted)["Reason"]
    assert [call.session_id for call in proxy_emu.calls_for("DeleteProxySession")] == [made]
    assert live_sessions(proxy_emu) == []
    (claim,) = claims(ddb, runner)
    assert claim["State"] == "ended"
    assert contract.CLAIM_TTL_ATTRIBUTE in claim


def test_a_rollback_delete_with_an_id_the_function_never_issued_finds_the_create(
    runner: LambdaRunner, app: dict[str, Any], proxy_emu: ChimeVoiceEmulator, ddb: DynamoDBServer
) -> None:
    """The Create succeeded but its answer never reached CloudFormation, which timed out and
    rolled back with an id of its own: the claim of that Create is found by its properties."""
    body, key = request(runner, app)
    created = runner.invoke(body, key)
    session_id = answer(created)["PhysicalResourceId"].rsplit(":", 1)[1]
    body, key = request(runner, app, "Delete", physical_id="ChimeProxySessionDemo-Line-1A2B3C")
    deleted = runner.invoke(body, key)
    assert answer(deleted)["Status"] == "SUCCESS"
    assert [call.session_id for call in proxy_emu.calls_for("DeleteProxySession")] == [session_id]
    assert "ListProxySessions" not in calls(proxy_emu)
    assert [claim["State"] for claim in claims(ddb, runner)] == ["ended"]


def test_a_create_beside_many_live_sessions_makes_one_call(
    runner: LambdaRunner, app: dict[str, Any], proxy_emu: ChimeVoiceEmulator
) -> None:
    for index in range(300):
        proxy_emu.seed_session(VC, participants=(f"+1206555{index:04d}", "+14255550100"))
    proxy_emu.reset_calls()
    body, key = request(runner, app)
    created = runner.invoke(body, key)
    assert answer(created)["Status"] == "SUCCESS"
    assert calls(proxy_emu) == {"CreateProxySession": 1}


def test_a_session_with_the_mark_made_elsewhere_is_not_taken_by_a_create(
    runner: LambdaRunner, app: dict[str, Any], proxy_emu: ChimeVoiceEmulator
) -> None:
    """Only a run that takes over a dead run's claim looks for a marked session."""
    lid = logical_id(app, "Line")
    other = proxy_emu.seed_session(VC, participants=LINE_PHONES, name=marker_name(STACK_ID, lid))
    body, key = request(runner, app)
    created = runner.invoke(body, key)
    assert not answer(created)["PhysicalResourceId"].endswith(f":{other}")
    assert calls(proxy_emu)["CreateProxySession"] == 1


# Bad claim tables: FAILED naming the table and what to do, no Chime call -----------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {contract.CLAIM_TABLE_VARIABLE: "claims-that-are-not-there"},
            ["dynamodb:PutItem", "'claims-that-are-not-there' does not exist", "deploy the stack"],
        ),
        (
            {"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9"},
            ["could not reach http://127.0.0.1:9", "DynamoDB gateway endpoint"],
        ),
        (
            {contract.CLAIM_TABLE_VARIABLE: ""},
            ["The function has no claim table", contract.CLAIM_TABLE_VARIABLE],
        ),
    ],
    ids=["missing table", "unreachable endpoint", "no table configured"],
)
def test_a_claim_table_that_cannot_be_used_fails_the_create_before_any_call(
    runner_for: RunnerFor,
    assemblies: dict[str, Assembly],
    proxy_emu: ChimeVoiceEmulator,
    env: dict[str, str],
    expected: list[str],
) -> None:
    runner = runner_for(assemblies["sessions"], timeout_seconds=30.0, extra_env=env)
    body, key = request(runner, assemblies["sessions"].template)
    created = runner.invoke(body, key)
    response = answer(created)
    assert response["Status"] == "FAILED"
    for part in expected:
        assert part in response["Reason"]
    assert "Nothing was created" in response["Reason"]
    assert calls(proxy_emu) == {}


def test_a_claim_edited_by_hand_is_reported_and_not_trusted(
    runner: LambdaRunner, app: dict[str, Any], proxy_emu: ChimeVoiceEmulator, ddb: DynamoDBServer
) -> None:
    body, key = request(runner, app)
    runner.invoke(body, key)
    assert runner.claim_table is not None
    (claim,) = ddb.items(runner.claim_table, raw=True)
    ddb.put_item(runner.claim_table, {**claim, "State": {"S": "done by hand"}}, raw=True)
    proxy_emu.reset_calls()
    again = runner.invoke(body, key)
    response = answer(again)
    assert response["Status"] == "FAILED"
    assert "is malformed (State 'done by hand' is not one of" in response["Reason"]
    assert "not trusted" in response["Reason"]
    assert calls(proxy_emu) == {}
