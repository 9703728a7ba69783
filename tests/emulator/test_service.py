"""ChimeVoiceEmulator itself: endpoint, clock, set-up helpers, concurrency, lifecycle."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config
from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

from harness.emulator import ENDPOINT_ENV_VAR, ChimeVoiceEmulator
from tests.emulator.helpers import NO_RETRY, PHONE_A, PHONE_B, make_client


def test_env_var_points_an_unchanged_client_at_the_emulator(
    emu: ChimeVoiceEmulator, vc: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENDPOINT_ENV_VAR, emu.endpoint_url)
    session_id = emu.seed_session(vc)
    plain = boto3.session.Session().client("chime-sdk-voice", config=NO_RETRY)

    got = plain.get_proxy_session(VoiceConnectorId=vc, ProxySessionId=session_id)

    assert got["ProxySession"]["ProxySessionId"] == session_id
    assert plain.meta.endpoint_url == emu.endpoint_url


def test_timestamps_come_from_the_clock_as_iso8601(vc: str) -> None:
    fixed = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    with ChimeVoiceEmulator(clock=lambda: fixed) as local:
        session_id = local.seed_session(vc, status="Closed")
        got = make_client(local.endpoint_url).get_proxy_session(
            VoiceConnectorId=vc, ProxySessionId=session_id
        )

    session = got["ProxySession"]
    assert session["CreatedTimestamp"] == session["EndedTimestamp"] == fixed
    assert session["Status"] == "Closed"


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


def test_twenty_concurrent_clients_all_succeed(emu: ChimeVoiceEmulator, vc: str) -> None:
    shared = make_client(emu.endpoint_url, Config(max_pool_connections=32))
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
    make_client(url).list_proxy_sessions(
        VoiceConnectorId=vc
    )  # leaves an idle keep-alive connection
    local.faults.hang_next(1, seconds=30)
    outcome: list[type[BaseException]] = []

    def hang() -> None:
        try:
            make_client(url).list_proxy_sessions(VoiceConnectorId=vc)
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
        make_client(url).list_proxy_sessions(VoiceConnectorId=vc)
