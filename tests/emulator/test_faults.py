"""Injected faults: rate limit, throttling, 5xx bursts, latency, resets, hangs, 403s."""

from __future__ import annotations

import time

import botocore.exceptions
import pytest
from botocore.config import Config
from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

from harness.emulator import ChimeVoiceEmulator, FaultKind
from tests.emulator.helpers import http_status, make_client


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
    assert http_status(client.list_proxy_sessions(VoiceConnectorId=vc)) == 200
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
    assert http_status(client.list_proxy_sessions(VoiceConnectorId=vc)) == 200


def test_hang_provokes_a_client_read_timeout(emu: ChimeVoiceEmulator, vc: str) -> None:
    impatient = make_client(emu.endpoint_url, Config(read_timeout=0.3))
    emu.faults.hang_next(1, seconds=1.0)
    started = time.monotonic()
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        impatient.list_proxy_sessions(VoiceConnectorId=vc)
    assert time.monotonic() - started < 1.0
    assert http_status(impatient.list_proxy_sessions(VoiceConnectorId=vc)) == 200


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


def test_records_name_the_fault_as_a_fault_kind(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    emu.reset_calls()
    emu.faults.fail_next(1, status=503, operation="ListProxySessions")
    emu.faults.forbid("GetVoiceConnectorProxy")
    with pytest.raises(client.exceptions.ServiceUnavailableException):
        client.list_proxy_sessions(VoiceConnectorId=vc)
    with pytest.raises(client.exceptions.ForbiddenException):
        client.get_voice_connector_proxy(VoiceConnectorId=vc)
    client.list_proxy_sessions(VoiceConnectorId=vc)

    assert [call.fault for call in emu.calls] == [FaultKind.FAIL, FaultKind.FORBID, None]
    assert all(isinstance(call.fault, FaultKind) for call in emu.calls[:2])
    assert emu.faults.forbidden == {"GetVoiceConnectorProxy"}
