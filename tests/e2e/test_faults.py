"""Faults against the emulator, through the real asset in its own process, and a leak scan.

Each scenario injects a fault, drives CloudFormation's request, and checks the answer. Every
scenario's Lambda output is kept; the last test scans all of it for presigned-URL signatures,
phone numbers and credentials.
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
from tests.e2e.apps import VC
from tests.e2e.faults import Env, Faults, first

pytestmark = pytest.mark.slow

# Seeded by the emulator as each session's participants; they come back in every API response.
PHONES = ("+12065550100", "+12065550101")


def _prepare(emu: ChimeVoiceEmulator) -> None:
    emu.reset()
    emu.add_voice_connector(VC)
    for session_id in ("s-alpha", "s-beta"):
        emu.seed_session(VC, session_id=session_id, participants=PHONES)


def throttling_that_clears(env: Env) -> None:
    env.emu.faults.throttle_next(3)
    response = first(env.stack().deploy(env.template("Alpha")))
    assert response["Status"] == "SUCCESS"
    assert len(env.emu.calls_for("UpdateProxySession")) == 4


def throttling_that_does_not_clear(env: Env) -> None:
    env.emu.faults.throttle_next(10_000)
    started = time.monotonic()
    operation = env.stack(timeout=30.0).deploy(env.template("Alpha"))
    elapsed = time.monotonic() - started
    response = first(operation)
    assert response["Status"] == "FAILED"
    assert "ThrottledClientException" in response["Reason"]
    assert "deploy again later" in response["Reason"]
    # 30 s of Lambda time: the handler gives up with the 8 s answer reserve and one 13 s attempt
    # window still unused, far from the deadline.
    assert elapsed < 30.0 - 8.0
    env.emu.faults.clear()


def bursts_of_5xx(env: Env) -> None:
    env.emu.faults.fail_next(2, status=500)
    env.emu.faults.fail_next(2, status=503)
    response = first(env.stack().deploy(env.template("Alpha")))
    assert response["Status"] == "SUCCESS"


def connection_refused(env: Env) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    started = time.monotonic()
    operation = env.stack(timeout=25.0, endpoint=f"http://127.0.0.1:{closed_port}").deploy(
        env.template("Alpha")
    )
    response = first(operation)
    assert response["Status"] == "FAILED"
    assert "could not reach the ChimeSDKVoice endpoint" in response["Reason"]
    assert time.monotonic() - started < 25.0


def connection_reset(env: Env) -> None:
    env.emu.faults.reset_next(2)
    response = first(env.stack().deploy(env.template("Alpha")))
    assert response["Status"] == "SUCCESS"


def read_timeout(env: Env) -> None:
    env.emu.faults.hang_next(1, seconds=11.0)  # past the client's 10 s read timeout
    response = first(env.stack().deploy(env.template("Alpha")))
    assert response["Status"] == "SUCCESS"


def not_found_on_update(env: Env) -> None:
    env.emu.remove_session(VC, "s-alpha")
    response = first(env.stack().deploy(env.template("Alpha")))
    assert response["Status"] == "FAILED"
    assert f"proxy session 's-alpha' was not found on voice connector {VC}" in response["Reason"]


def not_found_on_destroy_delete(env: Env) -> None:
    stack = env.stack()
    stack.deploy(env.template("Beta"))
    env.emu.remove_session(VC, "s-beta")
    assert first(stack.delete())["Status"] == "SUCCESS"


def closed_session(env: Env) -> None:
    env.emu.close_session(VC, "s-alpha")
    response = first(env.stack().deploy(env.template("Alpha")))
    assert response["Status"] == "FAILED"
    assert "is closed" in response["Reason"]
    assert "BadRequestException" in response["Reason"]


def forbidden(env: Env) -> None:
    env.emu.faults.forbid("UpdateProxySession")
    response = first(env.stack().deploy(env.template("Alpha")))
    assert response["Status"] == "FAILED"
    assert "chime:UpdateProxySession" in response["Reason"]
    env.emu.faults.clear()


def response_url_fails_transiently(env: Env) -> None:
    env.sink.fail_next(2, status=503)
    env.sink.reset_next(1)
    response = first(env.stack().deploy(env.template("Alpha")))
    assert response["Status"] == "SUCCESS"


def deadline_close_at_hand(env: Env) -> None:
    env.emu.faults.latency_seconds = 2.0
    env.emu.faults.throttle_next(10_000)
    started = time.monotonic()
    response = first(env.stack(timeout=12.0).deploy(env.template("Alpha")))
    assert response["Status"] == "FAILED"
    assert time.monotonic() - started < 12.0
    env.emu.faults.clear()


FAULTS = Faults(
    "base",
    contract.SETTINGS_RESOURCE_TYPE,
    _prepare,
    {
        "throttling that clears": throttling_that_clears,
        "throttling that does not clear": throttling_that_does_not_clear,
        "5xx bursts": bursts_of_5xx,
        "connection refused": connection_refused,
        "connection reset": connection_reset,
        "read timeout": read_timeout,
        "NotFound on update": not_found_on_update,
        "NotFound on Destroy delete": not_found_on_destroy_delete,
        "Closed session": closed_session,
        "Forbidden": forbidden,
        "ResponseURL fails transiently": response_url_fails_transiently,
        "Lambda deadline close at hand": deadline_close_at_hand,
    },
)

test_fault = FAULTS.test()


SECRET_PATTERNS = {
    "presigned URL": re.compile(r"X-Amz-(Signature|Credential)|cfn-response/"),
    "E.164 phone number": re.compile(r"\+[1-9]\d{6,14}\b"),
    "access key id": re.compile(r"AKIA[0-9A-Z]{16}"),
    "secret access key": re.compile(r"wJalrXUtnFEMI"),
    "session token": re.compile(r"fake-session-token"),
}


def test_no_secret_or_phone_number_in_any_log(
    emu: ChimeVoiceEmulator,
    sink: ResponseSink,
    ddb: DynamoDBServer,
    assemblies: dict[str, Assembly],
) -> None:
    """Runs every scenario not yet run in this session, then scans all their output."""
    invocations = FAULTS.all_invocations(emu, sink, ddb, assemblies)
    text = "\n".join(invocation.logs + repr(invocation.response) for invocation in invocations)
    assert text.strip(), "no log output was captured"
    assert "UpdateProxySession" in text
    assert "Response delivered to CloudFormation" in text  # INFO logs were captured
    found = {label: pattern.findall(text) for label, pattern in SECRET_PATTERNS.items()}
    signatures = [signature for signature in sink.signatures if signature in text]
    phones = [phone for phone in PHONES if phone.lstrip("+") in text]
    assert {label: hits for label, hits in found.items() if hits} == {}
    assert signatures == []
    assert phones == []
