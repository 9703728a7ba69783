"""The Chime SDK Voice emulator, driven through real boto3 clients over loopback HTTP.

botocore's `retries={"max_attempts": N}` counts retries, not attempts: `max_attempts: 1` still
retries once (a reset or read timeout then looks like success). Clients here that must see the
first answer use `total_max_attempts: 1`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

from harness.emulator import ENDPOINT_ENV_VAR, CallRecord, ChimeVoiceEmulator

REPO_ROOT = Path(__file__).resolve().parents[2]
NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})
PHONE_A, PHONE_B = "+12065550100", "+12065550101"


def _vc_id() -> str:
    """A fresh id matching the service's pattern (22 lowercase hex characters)."""
    return uuid.uuid4().hex[:22]


def _client(endpoint_url: str, config: Config | None = None) -> ChimeSDKVoiceClient:
    merged = NO_RETRY if config is None else NO_RETRY.merge(config)
    return boto3.client("chime-sdk-voice", endpoint_url=endpoint_url, config=merged)


def _status(response: Any) -> int:
    return int(response["ResponseMetadata"]["HTTPStatusCode"])


@pytest.fixture(scope="module")
def emu() -> Iterator[ChimeVoiceEmulator]:
    with ChimeVoiceEmulator() as emulator:
        yield emulator
    assert not emulator.running


@pytest.fixture(autouse=True)
def _no_leftover_faults(emu: ChimeVoiceEmulator) -> Iterator[None]:
    yield
    emu.faults.clear()
    assert emu.internal_errors == []


@pytest.fixture(scope="module")
def client(emu: ChimeVoiceEmulator) -> ChimeSDKVoiceClient:
    return _client(emu.endpoint_url)


@pytest.fixture(scope="module")
def unvalidated(emu: ChimeVoiceEmulator) -> ChimeSDKVoiceClient:
    """A client that sends what botocore would refuse locally (missing members, ranges)."""
    return _client(emu.endpoint_url, Config(parameter_validation=False))


@pytest.fixture
def vc(emu: ChimeVoiceEmulator) -> str:
    vc_id = _vc_id()
    emu.add_voice_connector(vc_id)
    return vc_id


# Round trips ------------------------------------------------------------------------------


def test_create_get_update_list_delete_round_trip(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    proxy = client.put_voice_connector_proxy(
        VoiceConnectorId=vc, DefaultSessionExpiryMinutes=30, PhoneNumberPoolCountries=["US"]
    )
    assert _status(proxy) == 200
    assert proxy["Proxy"] == {
        "DefaultSessionExpiryMinutes": 30,
        "Disabled": False,
        "PhoneNumberCountries": ["US"],
    }

    created = client.create_proxy_session(
        VoiceConnectorId=vc,
        ParticipantPhoneNumbers=[PHONE_A, PHONE_B],
        Capabilities=["Voice"],
        Name="support line",
        NumberSelectionBehavior="PreferSticky",
    )
    assert _status(created) == 201
    session = created["ProxySession"]
    session_id = session["ProxySessionId"]
    assert session["Status"] == "Open"
    assert session["ExpiryMinutes"] == 30  # the proxy's default
    assert [p["PhoneNumber"] for p in session["Participants"]] == [PHONE_A, PHONE_B]
    assert all(p["ProxyPhoneNumber"].startswith("+") for p in session["Participants"])
    assert isinstance(session["CreatedTimestamp"], datetime)
    assert session["CreatedTimestamp"].tzinfo is not None

    got = client.get_proxy_session(VoiceConnectorId=vc, ProxySessionId=session_id)
    assert _status(got) == 200
    assert got["ProxySession"] == session

    updated = client.update_proxy_session(
        VoiceConnectorId=vc,
        ProxySessionId=session_id,
        Capabilities=["Voice", "SMS"],
        ExpiryMinutes=90,
    )
    assert _status(updated) == 201
    after = updated["ProxySession"]
    assert (after["Capabilities"], after["ExpiryMinutes"]) == (["Voice", "SMS"], 90)
    assert after["UpdatedTimestamp"] >= after["CreatedTimestamp"]
    assert emu.session(vc, session_id) == after

    listed = client.list_proxy_sessions(VoiceConnectorId=vc, Status="Open")
    assert _status(listed) == 200
    assert [s["ProxySessionId"] for s in listed["ProxySessions"]] == [session_id]
    assert client.list_proxy_sessions(VoiceConnectorId=vc, Status="Closed")["ProxySessions"] == []

    deleted = client.delete_proxy_session(VoiceConnectorId=vc, ProxySessionId=session_id)
    assert _status(deleted) == 204
    assert emu.session(vc, session_id) is None
    with pytest.raises(client.exceptions.NotFoundException):
        client.delete_proxy_session(VoiceConnectorId=vc, ProxySessionId=session_id)


def test_voice_connector_proxy_lifecycle_gates_create(client: ChimeSDKVoiceClient, vc: str) -> None:
    with pytest.raises(client.exceptions.BadRequestException, match="no proxy configuration"):
        client.create_proxy_session(
            VoiceConnectorId=vc, ParticipantPhoneNumbers=[PHONE_A, PHONE_B], Capabilities=["Voice"]
        )
    with pytest.raises(
        client.exceptions.NotFoundException, match=r"Proxy configuration .* not found"
    ):
        client.get_voice_connector_proxy(VoiceConnectorId=vc)

    client.put_voice_connector_proxy(
        VoiceConnectorId=vc,
        DefaultSessionExpiryMinutes=60,
        PhoneNumberPoolCountries=["US", "CA"],
        FallBackPhoneNumber=PHONE_A,
        Disabled=True,
    )
    proxy = client.get_voice_connector_proxy(VoiceConnectorId=vc)["Proxy"]
    assert (proxy["PhoneNumberCountries"], proxy["Disabled"]) == (["US", "CA"], True)
    with pytest.raises(client.exceptions.BadRequestException, match="Proxy is disabled"):
        client.create_proxy_session(
            VoiceConnectorId=vc, ParticipantPhoneNumbers=[PHONE_A, PHONE_B], Capabilities=["Voice"]
        )

    assert _status(client.delete_voice_connector_proxy(VoiceConnectorId=vc)) == 204
    with pytest.raises(client.exceptions.NotFoundException):
        client.delete_voice_connector_proxy(VoiceConnectorId=vc)


def test_env_var_points_an_unchanged_client_at_the_emulator(
    emu: ChimeVoiceEmulator, vc: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENDPOINT_ENV_VAR, emu.endpoint_url)
    session_id = emu.seed_session(vc)
    plain = boto3.session.Session().client("chime-sdk-voice", config=NO_RETRY)

    got = plain.get_proxy_session(VoiceConnectorId=vc, ProxySessionId=session_id)

    assert got["ProxySession"]["ProxySessionId"] == session_id
    assert plain.meta.endpoint_url == emu.endpoint_url


def test_list_paginates_with_next_token(
    client: ChimeSDKVoiceClient, emu: ChimeVoiceEmulator, vc: str
) -> None:
    seeded = [emu.seed_session(vc) for _ in range(3)]

    first = client.list_proxy_sessions(VoiceConnectorId=vc, MaxResults=2)
    second = client.list_proxy_sessions(
        VoiceConnectorId=vc, MaxResults=2, NextToken=first["NextToken"]
    )

    assert [s["ProxySessionId"] for s in first["ProxySessions"] + second["ProxySessions"]] == seeded
    assert "NextToken" not in second
    with pytest.raises(client.exceptions.BadRequestException, match="Invalid NextToken"):
        client.list_proxy_sessions(VoiceConnectorId=vc, NextToken="not-a-token")


def test_timestamps_come_from_the_clock_as_iso8601(vc: str) -> None:
    fixed = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    with ChimeVoiceEmulator(clock=lambda: fixed) as local:
        session_id = local.seed_session(vc, status="Closed")
        got = _client(local.endpoint_url).get_proxy_session(
            VoiceConnectorId=vc, ProxySessionId=session_id
        )

    session = got["ProxySession"]
    assert session["CreatedTimestamp"] == session["EndedTimestamp"] == fixed
    assert session["Status"] == "Closed"


# Validation -------------------------------------------------------------------------------

SESSION = "3b1e9f5a-6c2d-4e8f-9a0b-1c2d3e4f5a6b"

VALIDATION_CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    "bad enum": (
        "update_proxy_session",
        {"ProxySessionId": SESSION, "Capabilities": ["Sms"]},
        "1 validation error detected: Value 'Sms' at 'capabilities.1.member' failed to satisfy "
        "constraint: Member must satisfy enum value set: [Voice, SMS]",
    ),
    "missing required": (
        "update_proxy_session",
        {"ProxySessionId": SESSION, "ExpiryMinutes": 5},
        "1 validation error detected: Value null at 'capabilities' failed to satisfy constraint: "
        "Member must not be null",
    ),
    "ExpiryMinutes 0": (
        "update_proxy_session",
        {"ProxySessionId": SESSION, "Capabilities": ["Voice"], "ExpiryMinutes": 0},
        "1 validation error detected: Value '0' at 'expiryMinutes' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    ),
    "ExpiryMinutes wrong type": (
        "update_proxy_session",
        {"ProxySessionId": SESSION, "Capabilities": ["Voice"], "ExpiryMinutes": "sixty"},
        "Value 'sixty' at 'expiryMinutes' failed to satisfy constraint: "
        "Member must be of type integer",
    ),
    "session id over 128": (
        "get_proxy_session",
        {"ProxySessionId": "s" * 129},
        f"Value '{'s' * 129}' at 'proxySessionId' failed to satisfy constraint: "
        "Member must have length less than or equal to 128",
    ),
    "bad voice connector id": (
        "get_proxy_session",
        {"VoiceConnectorId": "BAD_ID", "ProxySessionId": SESSION},
        "Value 'BAD_ID' at 'voiceConnectorId' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: ([a-z0-9]{21,22}|",
    ),
    "query max": (
        "list_proxy_sessions",
        {"MaxResults": 101},
        "Value '101' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 100",
    ),
    "query enum": (
        "list_proxy_sessions",
        {"Status": "Expired"},
        "Value 'Expired' at 'status' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Open, InProgress, Closed]",
    ),
    "nested required and several errors": (
        "create_proxy_session",
        {
            "ParticipantPhoneNumbers": [PHONE_A, PHONE_B],
            "Capabilities": ["Voice"],
            "GeoMatchParams": {"Country": "us"},
        },
        "2 validation errors detected: Value 'us' at 'geoMatchParams.country' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: ^$|^[A-Z]{2,2}$; Value null "
        "at 'geoMatchParams.areaCode' failed to satisfy constraint: Member must not be null",
    ),
}


@pytest.mark.parametrize("case", list(VALIDATION_CASES), ids=list(VALIDATION_CASES))
def test_validation_errors_name_the_member(
    case: str, emu: ChimeVoiceEmulator, unvalidated: ChimeSDKVoiceClient, vc: str
) -> None:
    method, params, message = VALIDATION_CASES[case]
    emu.seed_session(vc, session_id=SESSION)
    call: Callable[..., Any] = getattr(unvalidated, method)

    with pytest.raises(unvalidated.exceptions.BadRequestException) as raised:
        call(**{"VoiceConnectorId": vc, **params})

    error = raised.value.response
    assert error["Error"]["Code"] == "BadRequestException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert message in error["Error"]["Message"]
    assert emu.session(vc, SESSION) is not None
    assert emu.session(vc, SESSION)["Capabilities"] == ["Voice"]  # type: ignore[index]


def test_sensitive_values_stay_out_of_validation_messages(
    unvalidated: ChimeSDKVoiceClient, vc: str
) -> None:
    bad_phone = "+0123"
    with pytest.raises(unvalidated.exceptions.BadRequestException) as raised:
        unvalidated.create_proxy_session(
            VoiceConnectorId=vc, ParticipantPhoneNumbers=[bad_phone], Capabilities=["Voice"]
        )

    message = raised.value.response["Error"]["Message"]
    assert message.startswith("2 validation errors detected: Value at 'participantPhoneNumbers' ")
    assert "Value at 'participantPhoneNumbers.1.member' failed to satisfy constraint" in message
    assert bad_phone not in message


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]"], ids=["malformed", "not an object"])
def test_unparseable_body_is_a_bad_request(emu: ChimeVoiceEmulator, vc: str, body: bytes) -> None:
    session_id = emu.seed_session(vc)
    raw = _client(emu.endpoint_url)

    def replace_body(request: Any, **_: Any) -> None:
        request.data = body

    raw.meta.events.register("before-sign.chime-sdk-voice.UpdateProxySession", replace_body)
    with pytest.raises(raw.exceptions.BadRequestException, match="JSON"):
        raw.update_proxy_session(
            VoiceConnectorId=vc, ProxySessionId=session_id, Capabilities=["SMS"]
        )


# Not found, closed, auth -------------------------------------------------------------------


def test_missing_session_and_unknown_voice_connector_are_not_found(
    client: ChimeSDKVoiceClient, vc: str
) -> None:
    with pytest.raises(client.exceptions.NotFoundException) as missing:
        client.update_proxy_session(
            VoiceConnectorId=vc, ProxySessionId=SESSION, Capabilities=["Voice"]
        )
    assert missing.value.response["Error"] == {
        "Code": "NotFoundException",
        "Message": f"Proxy session {SESSION} not found on voice connector {vc}",
    }
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404

    unknown = _vc_id()
    with pytest.raises(client.exceptions.NotFoundException) as no_vc:
        client.get_proxy_session(VoiceConnectorId=unknown, ProxySessionId=SESSION)
    assert no_vc.value.response["Error"]["Message"] == f"Voice connector {unknown} not found"
    with pytest.raises(client.exceptions.NotFoundException):
        client.list_proxy_sessions(VoiceConnectorId=unknown)


def test_updating_a_closed_session_is_a_bad_request(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    session_id = emu.seed_session(vc, expiry_minutes=60)
    emu.close_session(vc, session_id)

    with pytest.raises(client.exceptions.BadRequestException, match="is closed") as raised:
        client.update_proxy_session(
            VoiceConnectorId=vc, ProxySessionId=session_id, Capabilities=["SMS"], ExpiryMinutes=5
        )

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    snapshot = emu.session(vc, session_id)
    assert snapshot is not None
    assert (snapshot["Status"], snapshot["Capabilities"], snapshot["ExpiryMinutes"]) == (
        "Closed",
        ["Voice"],
        60,
    )
    assert "EndedTimestamp" in snapshot


def test_unsigned_request_is_unauthorized(emu: ChimeVoiceEmulator, vc: str) -> None:
    unsigned = _client(emu.endpoint_url, Config(signature_version=UNSIGNED))
    with pytest.raises(unsigned.exceptions.UnauthorizedClientException) as raised:
        unsigned.list_proxy_sessions(VoiceConnectorId=vc)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 401


def test_operations_outside_the_emulator_answer_501(client: ChimeSDKVoiceClient, vc: str) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.get_voice_connector(VoiceConnectorId=vc)
    assert raised.value.response["Error"]["Code"] == "NotImplemented"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


# Faults -----------------------------------------------------------------------------------


def test_rate_limit_throttles_above_the_rate(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    emu.faults.rate_limit_per_second = 2.0
    emu.reset_calls()
    outcomes = []
    for _ in range(6):
        try:
            client.list_proxy_sessions(VoiceConnectorId=vc)
            outcomes.append("ok")
        except client.exceptions.ThrottledClientException as error:
            outcomes.append(error.response["Error"]["Code"])

    assert outcomes[:2] == ["ok", "ok"]  # the burst
    assert "ThrottledClientException" in outcomes
    throttled = [call for call in emu.calls if call.fault == "rate_limit"]
    assert throttled
    assert {call.status for call in throttled} == {429}
    emu.faults.rate_limit_per_second = None
    client.list_proxy_sessions(VoiceConnectorId=vc)


def test_throttle_next_answers_429_then_recovers(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    session_id = emu.seed_session(vc)
    emu.faults.throttle_next(2)
    for _ in range(2):
        with pytest.raises(client.exceptions.ThrottledClientException) as raised:
            client.get_proxy_session(VoiceConnectorId=vc, ProxySessionId=session_id)
        assert raised.value.response["Error"]["Code"] == "ThrottledClientException"
    client.get_proxy_session(VoiceConnectorId=vc, ProxySessionId=session_id)

    emu.faults.throttle_next(1, operation="UpdateProxySession")
    client.get_proxy_session(VoiceConnectorId=vc, ProxySessionId=session_id)
    with pytest.raises(client.exceptions.ThrottledClientException):
        client.update_proxy_session(
            VoiceConnectorId=vc, ProxySessionId=session_id, Capabilities=["SMS"]
        )
    client.update_proxy_session(
        VoiceConnectorId=vc, ProxySessionId=session_id, Capabilities=["SMS"]
    )


@pytest.mark.parametrize(
    ("status", "code"), [(503, "ServiceUnavailableException"), (500, "ServiceFailureException")]
)
def test_fail_next_answers_a_5xx_burst(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str, status: int, code: str
) -> None:
    emu.faults.fail_next(2, status=status)
    for _ in range(2):
        with pytest.raises(getattr(client.exceptions, code)) as raised:
            client.list_proxy_sessions(VoiceConnectorId=vc)
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert _status(client.list_proxy_sessions(VoiceConnectorId=vc)) == 200
    with pytest.raises(ValueError, match="500"):
        emu.faults.fail_next(1, status=502)


def test_latency_is_added_to_every_request(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    emu.faults.latency_seconds = 0.2
    started = time.monotonic()
    client.list_proxy_sessions(VoiceConnectorId=vc)
    assert time.monotonic() - started >= 0.2
    assert emu.calls[-1].fault == "latency"


def test_reset_drops_the_connection(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    emu.faults.reset_next(1)
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        client.list_proxy_sessions(VoiceConnectorId=vc)
    last = emu.calls[-1]
    assert (last.operation, last.status, last.fault) == ("ListProxySessions", 0, "reset")
    assert _status(client.list_proxy_sessions(VoiceConnectorId=vc)) == 200


def test_hang_provokes_a_client_read_timeout(emu: ChimeVoiceEmulator, vc: str) -> None:
    impatient = _client(emu.endpoint_url, Config(read_timeout=0.3))
    emu.faults.hang_next(1, seconds=1.0)
    started = time.monotonic()
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        impatient.list_proxy_sessions(VoiceConnectorId=vc)
    assert time.monotonic() - started < 1.0
    assert _status(impatient.list_proxy_sessions(VoiceConnectorId=vc)) == 200


def test_forbid_answers_403_for_that_operation_only(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    session_id = emu.seed_session(vc)
    emu.faults.forbid("UpdateProxySession")

    with pytest.raises(client.exceptions.ForbiddenException) as raised:
        client.update_proxy_session(
            VoiceConnectorId=vc, ProxySessionId=session_id, Capabilities=["SMS"]
        )
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    client.get_proxy_session(VoiceConnectorId=vc, ProxySessionId=session_id)

    emu.faults.allow("UpdateProxySession")
    client.update_proxy_session(
        VoiceConnectorId=vc, ProxySessionId=session_id, Capabilities=["SMS"]
    )
    with pytest.raises(ValueError, match="Unknown chime-sdk-voice operation"):
        emu.faults.forbid("UpdateProxySessions")


def test_twenty_concurrent_clients_all_succeed(emu: ChimeVoiceEmulator, vc: str) -> None:
    shared = _client(emu.endpoint_url, Config(max_pool_connections=32))
    session_ids = [emu.seed_session(vc) for _ in range(20)]
    emu.faults.latency_seconds = 0.3
    barrier = threading.Barrier(len(session_ids))
    errors: list[BaseException] = []

    def update(session_id: str) -> None:
        barrier.wait()
        try:
            shared.update_proxy_session(
                VoiceConnectorId=vc, ProxySessionId=session_id, Capabilities=["Voice", "SMS"]
            )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=update, args=(session_id,)) for session_id in session_ids]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert time.monotonic() - started < 3.0  # serially it would take 6 s
    for session_id in session_ids:
        assert emu.session(vc, session_id)["Capabilities"] == ["Voice", "SMS"]  # type: ignore[index]


# Records, helpers, lifecycle ----------------------------------------------------------------


def test_calls_record_every_request(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    session_id = emu.seed_session(vc)
    emu.reset_calls()
    before = datetime.now(UTC)

    client.update_proxy_session(
        VoiceConnectorId=vc, ProxySessionId=session_id, Capabilities=["SMS"]
    )
    emu.faults.throttle_next(1)
    with pytest.raises(client.exceptions.ThrottledClientException):
        client.get_proxy_session(VoiceConnectorId=vc, ProxySessionId=session_id)

    calls = emu.calls
    assert [(c.operation, c.status, c.error_code, c.fault) for c in calls] == [
        ("UpdateProxySession", 201, None, None),
        ("GetProxySession", 429, "ThrottledClientException", "throttle"),
    ]
    update = emu.calls_for("UpdateProxySession")
    assert update == calls[:1]
    assert isinstance(update[0], CallRecord)
    assert (update[0].voice_connector_id, update[0].session_id, update[0].method) == (
        vc,
        session_id,
        "POST",
    )
    assert update[0].timestamp >= before.replace(microsecond=before.microsecond // 1000 * 1000)
    calls.clear()
    assert len(emu.calls) == 2
    emu.reset_calls()
    assert emu.calls == []


def test_seeding_helpers_validate_and_snapshot(emu: ChimeVoiceEmulator, vc: str) -> None:
    session_id = emu.seed_session(
        vc, capabilities=["SMS"], status="InProgress", session_id="custom-id"
    )
    snapshot = emu.session(vc, session_id)
    assert snapshot is not None
    assert (session_id, snapshot["Status"], snapshot["Capabilities"]) == (
        "custom-id",
        "InProgress",
        ["SMS"],
    )
    snapshot["Capabilities"].append("Voice")
    assert emu.session(vc, session_id)["Capabilities"] == ["SMS"]  # type: ignore[index]

    with pytest.raises(ValueError, match="already exists"):
        emu.seed_session(vc, session_id="custom-id")
    with pytest.raises(ValueError, match="status"):
        emu.seed_session(vc, status="Expired")
    with pytest.raises(ValueError, match=r"E\.164") as bad_phone:
        emu.seed_session(vc, participants=("+0999", PHONE_B))
    assert "+0999" not in str(bad_phone.value)
    with pytest.raises(ValueError, match="pattern"):
        emu.add_voice_connector("Not-A-Voice-Connector")

    assert emu.remove_session(vc, session_id) is True
    assert emu.remove_session(vc, session_id) is False
    with pytest.raises(KeyError):
        emu.close_session(vc, session_id)


def test_emulator_writes_nothing_to_stdout_or_stderr(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str, capfd: pytest.CaptureFixture[str]
) -> None:
    emu.faults.reset_next(1, operation="PutVoiceConnectorProxy")
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        client.put_voice_connector_proxy(
            VoiceConnectorId=vc, DefaultSessionExpiryMinutes=5, PhoneNumberPoolCountries=["US"]
        )
    client.put_voice_connector_proxy(
        VoiceConnectorId=vc, DefaultSessionExpiryMinutes=5, PhoneNumberPoolCountries=["US"]
    )
    client.create_proxy_session(
        VoiceConnectorId=vc, ParticipantPhoneNumbers=[PHONE_A, PHONE_B], Capabilities=["Voice"]
    )

    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")


def test_stop_is_idempotent_and_leaves_no_threads(vc: str) -> None:
    threads_before = set(threading.enumerate())
    local = ChimeVoiceEmulator()
    with pytest.raises(RuntimeError, match="not running"):
        _ = local.endpoint_url
    local.start()
    local.add_voice_connector(vc)
    url = local.endpoint_url
    _client(url).list_proxy_sessions(VoiceConnectorId=vc)  # leaves an idle keep-alive connection
    local.faults.hang_next(1, seconds=30)
    outcome: list[type[BaseException]] = []

    def hang() -> None:
        try:
            _client(url).list_proxy_sessions(VoiceConnectorId=vc)
        except botocore.exceptions.BotoCoreError as error:
            outcome.append(type(error))

    hanging = threading.Thread(target=hang)
    hanging.start()
    time.sleep(0.2)

    started = time.monotonic()
    local.stop()
    local.stop()
    hanging.join(timeout=5)

    assert time.monotonic() - started < 2.0
    assert outcome == [botocore.exceptions.ConnectionClosedError]  # dropped, not answered
    assert set(threading.enumerate()) <= threads_before
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        _client(url).list_proxy_sessions(VoiceConnectorId=vc)


def test_cli_serves_until_sigterm(vc: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.emulator", "--port", "0", "--voice-connector", vc],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        cli_client = _client(url)
        cli_client.put_voice_connector_proxy(
            VoiceConnectorId=vc,
            DefaultSessionExpiryMinutes=5,
            PhoneNumberPoolCountries=["US"],
            FallBackPhoneNumber=PHONE_A,
        )
        assert (
            cli_client.get_voice_connector_proxy(VoiceConnectorId=vc)["Proxy"][
                "FallBackPhoneNumber"
            ]
            == PHONE_A
        )
        with pytest.raises(cli_client.exceptions.NotFoundException):
            cli_client.get_voice_connector_proxy(VoiceConnectorId=_vc_id())
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)

    assert process.returncode == 0
    assert ENDPOINT_ENV_VAR in err
    assert PHONE_A not in err
