"""End-of-support mode: every proxy operation is refused, the rest of the service still serves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from botocore import UNSIGNED, xform_name
from botocore.config import Config
from botocore.exceptions import ClientError
from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

from harness.emulator import (
    END_OF_SUPPORT_DATE,
    END_OF_SUPPORT_MESSAGE,
    ChimeVoiceEmulator,
    end_of_support_operations,
)
from tests.emulator.helpers import PHONE_A, PHONE_B, REPO_ROOT, http_status, make_client

SESSION_ID = "eos-session"


def requests(vc: str) -> dict[str, dict[str, Any]]:
    """A valid request to each proxy operation, against a configured proxy and an open session."""
    return {
        "CreateProxySession": {
            "VoiceConnectorId": vc,
            "ParticipantPhoneNumbers": [PHONE_A, PHONE_B],
            "Capabilities": ["Voice"],
        },
        "GetProxySession": {"VoiceConnectorId": vc, "ProxySessionId": SESSION_ID},
        "UpdateProxySession": {
            "VoiceConnectorId": vc,
            "ProxySessionId": SESSION_ID,
            "Capabilities": ["SMS"],
        },
        "DeleteProxySession": {"VoiceConnectorId": vc, "ProxySessionId": SESSION_ID},
        "ListProxySessions": {"VoiceConnectorId": vc},
        "PutVoiceConnectorProxy": {
            "VoiceConnectorId": vc,
            "DefaultSessionExpiryMinutes": 5,
            "PhoneNumberPoolCountries": ["GB"],
        },
        "GetVoiceConnectorProxy": {"VoiceConnectorId": vc},
        "DeleteVoiceConnectorProxy": {"VoiceConnectorId": vc},
    }


def call(client: ChimeSDKVoiceClient, operation: str, params: dict[str, Any]) -> Any:
    """Call ``operation`` by its model name."""
    return getattr(client, xform_name(operation))(**params)


@pytest.fixture
def ended(emu: ChimeVoiceEmulator, vc: str) -> Iterator[ChimeVoiceEmulator]:
    """The emulator past the end of support, with a proxy configuration and an open session."""
    emu.configure_proxy(vc, default_session_expiry_minutes=30)
    emu.seed_session(vc, capabilities=["Voice"], session_id=SESSION_ID)
    emu.end_of_support()
    emu.reset_calls()
    yield emu
    emu.end_of_support(False)


def test_the_refused_operations_are_the_proxy_operations_botocore_deprecates() -> None:
    assert end_of_support_operations() == {
        "CreateProxySession",
        "DeleteProxySession",
        "GetProxySession",
        "ListProxySessions",
        "UpdateProxySession",
        "GetVoiceConnectorProxy",
        "PutVoiceConnectorProxy",
        "DeleteVoiceConnectorProxy",
    }
    assert set(requests("vc")) == end_of_support_operations()
    assert END_OF_SUPPORT_DATE in END_OF_SUPPORT_MESSAGE


@pytest.mark.parametrize("operation", sorted(requests("vc")))
def test_each_proxy_operation_is_refused_and_changes_nothing(
    ended: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str, operation: str
) -> None:
    proxy_before, sessions_before = ended.proxy(vc), ended.sessions(vc)

    with pytest.raises(client.exceptions.ForbiddenException) as raised:
        call(client, operation, requests(vc)[operation])

    assert raised.value.response["Error"] == {
        "Code": "ForbiddenException",
        "Message": END_OF_SUPPORT_MESSAGE,
    }
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    [record] = ended.calls
    assert (record.operation, record.status, record.error_code, record.fault) == (
        operation,
        403,
        "ForbiddenException",
        "end_of_support",
    )
    assert record.voice_connector_id == vc
    assert (ended.proxy(vc), ended.sessions(vc)) == (proxy_before, sessions_before)


def test_the_rest_of_the_service_still_serves(
    ended: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    connector = client.get_voice_connector(VoiceConnectorId=vc)
    assert http_status(connector) == 200
    assert connector["VoiceConnector"]["VoiceConnectorId"] == vc
    # Unimplemented operations answer as before, not with the end of support.
    with pytest.raises(ClientError) as raised:
        client.list_voice_connectors()
    assert raised.value.response["Error"]["Code"] == "NotImplemented"
    # Authorization is checked first, as for every request.
    unsigned = make_client(ended.endpoint_url, Config(signature_version=UNSIGNED))
    with pytest.raises(unsigned.exceptions.UnauthorizedClientException):
        unsigned.get_voice_connector_proxy(VoiceConnectorId=vc)
    assert [(c.operation, c.status, c.fault) for c in ended.calls] == [
        ("GetVoiceConnector", 200, None),
        ("ListVoiceConnectors", 501, None),
        ("GetVoiceConnectorProxy", 401, None),
    ]
    # The set-up helpers bypass the API and keep working.
    assert ended.seed_session(vc, session_id="seeded-after-the-end") == "seeded-after-the-end"


def test_switching_it_off_serves_the_proxy_operations_from_the_kept_state(
    ended: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    assert ended.faults.end_of_support
    ended.end_of_support(False)
    assert not ended.faults.end_of_support

    session = client.get_proxy_session(VoiceConnectorId=vc, ProxySessionId=SESSION_ID)
    assert session["ProxySession"]["Capabilities"] == ["Voice"]
    proxy = client.get_voice_connector_proxy(VoiceConnectorId=vc)["Proxy"]
    assert proxy["DefaultSessionExpiryMinutes"] == 30


def test_reset_and_clearing_the_faults_end_it(emu: ChimeVoiceEmulator) -> None:
    emu.end_of_support()
    emu.faults.clear()
    assert not emu.faults.end_of_support
    emu.end_of_support(True)
    emu.reset()
    assert not emu.faults.end_of_support


def test_the_cli_starts_past_the_end_of_support(vc: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.emulator", "--voice-connector", vc, "--end-of-support"],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        cli_client = make_client(process.stdout.readline().strip())
        with pytest.raises(cli_client.exceptions.ForbiddenException, match="end of support"):
            cli_client.list_proxy_sessions(VoiceConnectorId=vc)
        assert cli_client.get_voice_connector(VoiceConnectorId=vc)["VoiceConnector"]["Name"] == vc
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "end of support" in err
