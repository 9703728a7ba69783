"""What the emulator records of each request it receives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

from harness.emulator import CallRecord, ChimeVoiceEmulator


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
