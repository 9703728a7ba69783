"""ProxySession under faults, through the real asset against the emulator, and a leak scan.

Each scenario injects a fault, drives CloudFormation's requests for the ``sessions`` app, and
checks the answer and how many sessions are left. Every scenario's Lambda output and answers are
kept; the last test greps all of it for the participants' phone numbers.
"""

from __future__ import annotations

import re
import time

import pytest

import proxy_contract as contract
from harness.dynamodb import DynamoDBServer
from harness.emulator import ChimeVoiceEmulator
from harness.response_sink import ResponseSink
from harness.synth import Assembly
from tests.e2e.apps import DESK_PHONES, LINE_PHONES, VC
from tests.e2e.faults import Env, Faults, first
from tests.e2e.session_tools import changed, live_sessions

pytestmark = pytest.mark.slow

PARTICIPANTS = (*LINE_PHONES, *DESK_PHONES)
E164 = re.compile(r"\+[1-9]\d{6,14}\b")


def count(emu: ChimeVoiceEmulator, operation: str) -> int:
    """The calls of ``operation`` so far: count ListProxySessions before ``live_sessions``,
    which lists through the API too."""
    return len(emu.calls_for(operation))


def throttling_that_clears(env: Env) -> None:
    """Two throttled CreateProxySession attempts, then one that succeeds: one session. A
    throttled answer made nothing, so a retry cannot duplicate it, and nothing lists."""
    env.emu.faults.throttle_next(2, operation="CreateProxySession")
    assert first(env.stack().deploy(env.template("Line")))["Status"] == "SUCCESS"
    assert count(env.emu, "CreateProxySession") == 3
    assert count(env.emu, "ListProxySessions") == 0
    assert len(live_sessions(env.emu)) == 1


def bursts_of_5xx(env: Env) -> None:
    env.emu.faults.fail_next(1, status=500, operation="CreateProxySession")
    env.emu.faults.fail_next(1, status=503, operation="CreateProxySession")
    assert first(env.stack().deploy(env.template("Line")))["Status"] == "SUCCESS"
    assert count(env.emu, "CreateProxySession") == 3
    assert count(env.emu, "ListProxySessions") == 0
    assert len(live_sessions(env.emu)) == 1


def create_that_lands_after_its_retry(env: Env) -> None:
    """What can remain (README): the one window the service causes. The first
    CreateProxySession hangs past the client's 10 s read timeout, and the service creates its
    session only after the function retried, created a second one and answered. Nothing lists
    the voice connector for duplicates any more: the claim records the session answered, and
    the late one, which carries the resource's mark (how a user finds it), closes at its
    expiry."""
    env.emu.faults.hang_next(1, seconds=11.0, operation="CreateProxySession")
    stack = env.stack()
    response = first(stack.deploy(env.template("Line")))
    assert response["Status"] == "SUCCESS"
    deadline = time.monotonic() + 10.0
    while count(env.emu, "CreateProxySession") < 2 and time.monotonic() < deadline:
        time.sleep(0.1)  # the late call is recorded once the service has answered it
    left = env.emu.sessions(VC)  # read directly: a listing through the API would be counted
    assert len(left) == 2
    assert len({session["Name"] for session in left}) == 1  # both carry the marker
    assert count(env.emu, "CreateProxySession") == 2
    assert count(env.emu, "ListProxySessions") == 0
    answered = response["PhysicalResourceId"]
    assert answered.rsplit(":", 1)[1] in {session["ProxySessionId"] for session in left}
    assert stack.runner.claim_table is not None
    (claim,) = env.dynamodb.items(stack.runner.claim_table)
    assert (claim["State"], claim["PhysicalId"]) == ("made", answered)


def listing_forbidden(env: Env) -> None:
    """A Create never lists the voice connector, so chime:ListProxySessions does not matter to
    it (only a retry after a run that died looks for that run's session)."""
    env.emu.faults.forbid("ListProxySessions")
    operation = env.stack().deploy(env.template("Line"))
    assert operation.status == "CREATE_COMPLETE"
    assert count(env.emu, "CreateProxySession") == 1
    assert count(env.emu, "ListProxySessions") == 0
    assert len(env.emu.sessions(VC)) == 1  # read directly: listing through the API is forbidden


def create_forbidden(env: Env) -> None:
    env.emu.faults.forbid("CreateProxySession")
    operation = env.stack().deploy(env.template("Line"))
    assert "chime:CreateProxySession" in first(operation)["Reason"]
    assert count(env.emu, "DeleteProxySession") == 0


def proxy_disabled(env: Env) -> None:
    env.emu.configure_proxy(VC, disabled=True)
    response = first(env.stack().deploy(env.template("Desk")))
    assert response["Status"] == "FAILED"
    assert "CreateProxySession rejected the request" in response["Reason"]
    assert "Proxy is disabled" in response["Reason"]


def throttling_that_does_not_clear(env: Env) -> None:
    env.emu.faults.throttle_next(10_000, operation="CreateProxySession")
    started = time.monotonic()
    response = first(env.stack(timeout=30.0).deploy(env.template("Line")))
    assert response["Status"] == "FAILED"
    assert "ThrottledClientException" in response["Reason"]
    assert time.monotonic() - started < 30.0 - 8.0
    assert live_sessions(env.emu) == []


def repeated_create_without_list_or_delete(env: Env) -> None:
    """The same Create delivered again (a duplicate delivery, a lost answer) while
    ListProxySessions and DeleteProxySession are forbidden: it answers from the claim's record,
    with no call at all. Without the claim it would have made a duplicate to find and delete."""
    stack = env.stack()
    operation = stack.deploy(env.template("Desk"))
    answered = first(operation)["PhysicalResourceId"]
    env.emu.faults.forbid("ListProxySessions", "DeleteProxySession")
    env.emu.reset_calls()
    created = operation.invocations[0]
    again = stack.runner.invoke(created.request, created.key)  # a new Lambda request id
    env.invocations.append(again)
    assert again.request_id != created.request_id
    assert again.response is not None
    assert (again.response["Status"], again.response["PhysicalResourceId"]) == (
        "SUCCESS",
        answered,
    )
    assert env.emu.calls == []
    assert len(env.emu.sessions(VC)) == 1


def destroy_forbidden(env: Env) -> None:
    stack = env.stack()
    stack.deploy(env.template("Line"))
    env.emu.faults.forbid("DeleteProxySession")
    operation = stack.delete()
    assert operation.status == "DELETE_FAILED"
    assert "chime:DeleteProxySession" in first(operation)["Reason"]


def expired_session_on_update(env: Env) -> None:
    stack = env.stack()
    stack.deploy(env.template("Line"))
    (session,) = live_sessions(env.emu)
    env.emu.close_session(VC, session["ProxySessionId"])
    operation = stack.deploy(changed(env.template("Line"), "Line", ExpiryMinutes=30), "update")
    assert operation.status == "UPDATE_ROLLBACK_COMPLETE"
    assert "is closed" in first(operation)["Reason"]


def _prepare(emu: ChimeVoiceEmulator) -> None:
    emu.reset()
    emu.configure_proxy(VC)


FAULTS = Faults(
    "sessions",
    contract.PROXY_SESSION_RESOURCE_TYPE,
    _prepare,
    {
        "throttling that clears": throttling_that_clears,
        "5xx bursts": bursts_of_5xx,
        "a CreateProxySession that lands after its retry": create_that_lands_after_its_retry,
        "ListProxySessions forbidden": listing_forbidden,
        "CreateProxySession forbidden": create_forbidden,
        "proxy disabled": proxy_disabled,
        "throttling that does not clear": throttling_that_does_not_clear,
        "a repeated Create, listing and deleting forbidden": (
            repeated_create_without_list_or_delete
        ),
        "DeleteProxySession forbidden": destroy_forbidden,
        "an expired session on update": expired_session_on_update,
    },
)

test_fault = FAULTS.test()


def test_no_participant_number_anywhere(
    emu: ChimeVoiceEmulator,
    sink: ResponseSink,
    ddb: DynamoDBServer,
    assemblies: dict[str, Assembly],
) -> None:
    """Runs every scenario not yet run in this session, then greps all their output: logs,
    Reasons and Data. Logs and Reasons hold no phone number at all; Data holds only the proxy
    numbers the service assigned."""
    invocations = FAULTS.all_invocations(emu, sink, ddb, assemblies)
    logs = "\n".join(item.logs for item in invocations)
    answers = [item.response or {} for item in invocations]
    assert "CreateProxySession" in logs
    assert "Response delivered to CloudFormation" in logs  # INFO lines were captured
    assert "DeleteProxySession" in logs
    everything = logs + "".join(repr(answer) for answer in answers)
    assert [phone for phone in PARTICIPANTS if phone.lstrip("+") in everything] == []
    assert E164.findall(logs) == []
    assert [E164.findall(str(answer.get("Reason", ""))) for answer in answers] == [[]] * len(
        answers
    )
    proxies = {
        number
        for answer in answers
        for number in str(answer.get("Data", {}).get("ProxyPhoneNumbers", "")).split(",")
        if number
    }
    assert proxies
    assert all(number.startswith("+1555") for number in proxies)  # the emulator's proxy pool
