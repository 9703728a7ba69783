"""ProxySession end to end: the synthesized asset under awslambdaric, CloudFormation's requests,
the emulator over HTTP. Exactly one session per resource, whatever CloudFormation repeats."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import proxy_contract as contract
from harness.emulator import ChimeVoiceEmulator
from harness.lifecycle import STACK_ID, CloudFormationStack, Invocation, LambdaRunner
from harness.lifecycle import resource_properties as cfn_properties
from harness.synth import Assembly
from proxy_session_dedup import marker_name
from tests.e2e.apps import DESK_PHONES, LINE_PHONES, VC
from tests.e2e.session_tools import changed, live_sessions, logical_id

pytestmark = pytest.mark.slow

TYPE = contract.PROXY_SESSION_RESOURCE_TYPE


@pytest.fixture
def proxy_emu(emu: ChimeVoiceEmulator) -> ChimeVoiceEmulator:
    """The emulator holding only the voice connector and its proxy configuration
    (CreateProxySession needs one), none of the settings apps' sessions."""
    emu.reset()
    emu.configure_proxy(VC)
    return emu


@pytest.fixture
def app(assemblies: dict[str, Assembly]) -> dict[str, Any]:
    return assemblies["sessions"].template


def answer(invocation: Invocation) -> dict[str, Any]:
    """What CloudFormation received for ``invocation``."""
    assert invocation.response is not None, invocation.logs
    return dict(invocation.response)


def calls(emu: ChimeVoiceEmulator, operation: str) -> int:
    return len(emu.calls_for(operation))


def test_create_makes_one_named_session_each(
    stack: CloudFormationStack, app: dict[str, Any], proxy_emu: ChimeVoiceEmulator
) -> None:
    operation = stack.deploy(app)
    assert operation.status == "CREATE_COMPLETE"
    sessions = {session["Name"]: session for session in live_sessions(proxy_emu)}
    line_marker = marker_name(STACK_ID, logical_id(app, "Line"))
    assert set(sessions) == {line_marker, "Front desk"}
    line = sessions[line_marker]
    assert {p["PhoneNumber"] for p in line["Participants"]} == set(LINE_PHONES)
    assert (line["Capabilities"], line["ExpiryMinutes"]) == (["Voice", "SMS"], 60)
    assert calls(proxy_emu, "CreateProxySession") == 2
    by_id = {item.request["LogicalResourceId"]: answer(item) for item in operation.invocations}
    data = by_id[logical_id(app, "Line")]["Data"]
    assert data["ProxySessionId"] == line["ProxySessionId"]
    assert data["ProxyPhoneNumbers"] == line["Participants"][0]["ProxyPhoneNumber"]
    assert stack.resources[logical_id(app, "Line")].physical_id == (
        f"chime-created-proxy-session:{VC}:{line['ProxySessionId']}"
    )


def test_capabilities_and_expiry_change_in_place(
    stack: CloudFormationStack, app: dict[str, Any], proxy_emu: ChimeVoiceEmulator
) -> None:
    stack.deploy(app)
    before = {lid: resource.physical_id for lid, resource in stack.resources.items()}
    proxy_emu.reset_calls()
    update = changed(app, "Line", Capabilities=["SMS"], ExpiryMinutes=90)
    operation = stack.deploy(update, "update")
    assert operation.status == "UPDATE_COMPLETE"
    assert {lid: resource.physical_id for lid, resource in stack.resources.items()} == before
    assert calls(proxy_emu, "UpdateProxySession") == 1
    assert calls(proxy_emu, "CreateProxySession") == 0
    (line,) = [s for s in live_sessions(proxy_emu) if s["Name"] != "Front desk"]
    assert (line["Capabilities"], line["ExpiryMinutes"]) == (["SMS"], 90)


def test_other_changes_create_new_sessions_and_the_old_ones_follow_their_policy(
    stack: CloudFormationStack, app: dict[str, Any], proxy_emu: ChimeVoiceEmulator
) -> None:
    stack.deploy(app)
    old = {s["Name"]: s["ProxySessionId"] for s in live_sessions(proxy_emu)}
    new_phones = [LINE_PHONES[0], "+14255550100"]
    update = changed(
        changed(app, "Line", ParticipantPhoneNumbers=new_phones), "Desk", Name="Front desk 2"
    )
    operation = stack.deploy(update, "update")
    assert operation.status == "UPDATE_COMPLETE"
    assert len(operation.requests("Delete")) == 2
    left = {s["ProxySessionId"]: s for s in live_sessions(proxy_emu)}
    line_marker = marker_name(STACK_ID, logical_id(app, "Line"))
    assert old[line_marker] not in left  # Destroy: ended by the cleanup Delete
    assert old["Front desk"] in left  # Retain: kept
    assert sorted(s["Name"] for s in left.values()) == sorted(
        [line_marker, "Front desk", "Front desk 2"]
    )
    (line,) = [s for s in left.values() if s["Name"] == line_marker]
    assert {p["PhoneNumber"] for p in line["Participants"]} == set(new_phones)


def test_a_rolled_back_replacement_returns_to_the_old_session(
    stack: CloudFormationStack, app: dict[str, Any], proxy_emu: ChimeVoiceEmulator
) -> None:
    stack.deploy(app)
    before = {lid: resource.physical_id for lid, resource in stack.resources.items()}
    old_line = stack.resources[logical_id(app, "Line")].physical_id.rsplit(":", 1)[1]
    failing = changed(
        changed(app, "Line", NumberSelectionBehavior="AvoidSticky"), "Desk", Capabilities=[]
    )
    operation = stack.deploy(failing, "failing update")
    assert operation.status == "UPDATE_ROLLBACK_COMPLETE"
    assert {lid: resource.physical_id for lid, resource in stack.resources.items()} == before
    # The rollback Update found the old session and created nothing; the cleanup Delete ended
    # the replacement: one Line session is left, the old one.
    assert calls(proxy_emu, "CreateProxySession") == 2 + 1
    names = [s["ProxySessionId"] for s in live_sessions(proxy_emu) if s["Name"] != "Front desk"]
    assert names == [old_line]


def test_stack_delete_follows_each_policy(
    stack: CloudFormationStack, app: dict[str, Any], proxy_emu: ChimeVoiceEmulator
) -> None:
    stack.deploy(app)
    proxy_emu.reset_calls()
    assert stack.delete().status == "DELETE_COMPLETE"
    assert calls(proxy_emu, "DeleteProxySession") == 1
    assert [s["Name"] for s in live_sessions(proxy_emu)] == ["Front desk"]


def test_a_failed_create_rolls_back_without_a_delete(
    stack: CloudFormationStack, app: dict[str, Any], proxy_emu: ChimeVoiceEmulator
) -> None:
    proxy_emu.configure_proxy(VC, disabled=True)  # CreateProxySession answers BadRequest
    operation = stack.deploy(app)
    assert operation.status == "ROLLBACK_COMPLETE"
    failed = [answer(item) for item in operation.requests("Create")]
    assert [item["Status"] for item in failed] == ["FAILED", "FAILED"]
    assert "Proxy is disabled" in failed[0]["Reason"]
    assert calls(proxy_emu, "DeleteProxySession") == 0
    assert live_sessions(proxy_emu) == []


def test_a_region_is_where_the_session_is_made(
    stack: CloudFormationStack, app: dict[str, Any], proxy_emu: ChimeVoiceEmulator
) -> None:
    assert stack.deploy(changed(app, "Line", Region="us-west-2")).status == "CREATE_COMPLETE"
    regions = {(c.operation, c.region) for c in proxy_emu.calls if c.operation != "Unknown"}
    assert ("CreateProxySession", "us-west-2") in regions
    assert ("CreateProxySession", "us-east-1") in regions  # Desk, in the function's region


# The same request, more than once ------------------------------------------------------------


def create_request(runner: LambdaRunner, template: dict[str, Any], prefix: str) -> dict[str, Any]:
    lid = logical_id(template, prefix)
    return {
        "RequestType": "Create",
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:Handler",
        "ResponseURL": "",
        "StackId": STACK_ID,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": lid,
        "ResourceType": TYPE,
        "ResourceProperties": cfn_properties(template)[lid],
    }


def deliver(runner: LambdaRunner, request: dict[str, Any]) -> Invocation:
    """One delivery of ``request``, answered at a URL of its own (as a retry's would be)."""
    key = uuid.uuid4().hex
    invocation = runner.invoke({**request, "ResponseURL": runner.sink.url_for(key)}, key)
    assert answer(invocation)["Status"] == "SUCCESS", answer(invocation)["Reason"]
    return invocation


def test_the_same_create_twice_in_a_row_leaves_one_session(
    runner: LambdaRunner, app: dict[str, Any], proxy_emu: ChimeVoiceEmulator
) -> None:
    request = create_request(runner, app, "Line")
    first, second = deliver(runner, request), deliver(runner, request)
    assert answer(first)["PhysicalResourceId"] == answer(second)["PhysicalResourceId"]
    assert calls(proxy_emu, "CreateProxySession") == 1
    assert len(live_sessions(proxy_emu)) == 1


def test_the_same_create_twice_at_once_leaves_one_session(
    runner: LambdaRunner, app: dict[str, Any], proxy_emu: ChimeVoiceEmulator
) -> None:
    requests = [create_request(runner, app, prefix) for prefix in ("Line", "Desk")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda r: deliver(runner, r), [*requests, *requests]))
    assert calls(proxy_emu, "CreateProxySession") == 2  # one per request, whatever the deliveries
    assert calls(proxy_emu, "ListProxySessions") == 0
    left = live_sessions(proxy_emu)
    assert sorted(s["Name"] for s in left) == sorted(
        ["Front desk", marker_name(STACK_ID, logical_id(app, "Line"))]
    )
    for index in (0, 1):  # both deliveries of a request answer the session that is left
        ids = {answer(run)["PhysicalResourceId"] for run in runs[index::2]}
        assert len(ids) == 1
        assert ids.pop().rsplit(":", 1)[1] in {s["ProxySessionId"] for s in left}


def test_a_create_whose_answer_was_lost_is_answered_with_the_same_session(
    runner: LambdaRunner, app: dict[str, Any], proxy_emu: ChimeVoiceEmulator
) -> None:
    request = create_request(runner, app, "Desk")
    lost = deliver(runner, request)  # CloudFormation never reads this answer
    proxy_emu.reset_calls()
    retried = deliver(runner, request)
    assert answer(retried)["PhysicalResourceId"] == answer(lost)["PhysicalResourceId"]
    assert answer(retried)["Data"] == answer(lost)["Data"]
    assert calls(proxy_emu, "CreateProxySession") == 0
    assert [s["Name"] for s in live_sessions(proxy_emu)] == ["Front desk"]
    assert {p["PhoneNumber"] for p in live_sessions(proxy_emu)[0]["Participants"]} == set(
        DESK_PHONES
    )


def test_marked_sessions_made_outside_the_stack_are_neither_taken_nor_ended(
    stack: CloudFormationStack, app: dict[str, Any], proxy_emu: ChimeVoiceEmulator
) -> None:
    """Sessions carrying the resources' marks (Line's derived name, Desk's "Front desk") and
    participants, made outside the stack (by hand, another tool): a Create never lists, so it
    makes its own session; the stack's delete ends only what its Creates made. Only Lambda's
    retry of a run that died looks for a marked session (tests/e2e/test_claims.py)."""
    line_marker = marker_name(STACK_ID, logical_id(app, "Line"))
    outside = {
        proxy_emu.seed_session(VC, participants=LINE_PHONES, name=line_marker),
        proxy_emu.seed_session(VC, participants=DESK_PHONES, name="Front desk"),
    }
    proxy_emu.reset_calls()
    operation = stack.deploy(app)
    assert operation.status == "CREATE_COMPLETE"
    assert calls(proxy_emu, "CreateProxySession") == 2
    assert calls(proxy_emu, "ListProxySessions") == 0
    made = {answer(item)["PhysicalResourceId"].rsplit(":", 1)[1] for item in operation.invocations}
    assert len(made) == 2
    assert not made & outside
    assert stack.delete().status == "DELETE_COMPLETE"
    (deleted,) = proxy_emu.calls_for("DeleteProxySession")  # Line (Destroy); Desk is retained
    assert deleted.session_id in made
    assert outside <= {s["ProxySessionId"] for s in live_sessions(proxy_emu)}
