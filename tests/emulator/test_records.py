"""What the emulator records of each request it receives."""

from __future__ import annotations

from datetime import UTC, datetime

import botocore.exceptions
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

from harness.emulator import CallRecord, ChimeVoiceEmulator
from harness.emulator.signing import SigningCredential, signing_credential
from tests.emulator.helpers import client_as, make_client


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


def test_calls_record_the_signing_region_and_access_key_id(
    emu: ChimeVoiceEmulator, vc: str
) -> None:
    west = client_as(emu.endpoint_url, "AKIDWESTEXAMPLE00001", region="us-west-2", temporary=True)
    frankfurt = client_as(emu.endpoint_url, "AKIDFRANKFURTEXAMPL2", region="eu-central-1")
    emu.reset_calls()

    west.list_proxy_sessions(VoiceConnectorId=vc)
    frankfurt.list_proxy_sessions(VoiceConnectorId=vc)
    make_client(emu.endpoint_url).list_proxy_sessions(VoiceConnectorId=vc)  # conftest's env

    assert [(call.region, call.access_key_id) for call in emu.calls] == [
        ("us-west-2", "AKIDWESTEXAMPLE00001"),
        ("eu-central-1", "AKIDFRANKFURTEXAMPL2"),
        ("us-east-1", "AKIAIOSFODNN7EXAMPLE"),
    ]


def test_unanswered_and_unsigned_requests_record_their_signer_or_none(
    emu: ChimeVoiceEmulator, vc: str
) -> None:
    west = client_as(emu.endpoint_url, "AKIDWESTEXAMPLE00001", region="us-west-2")
    unsigned = make_client(emu.endpoint_url, Config(signature_version=UNSIGNED))
    emu.reset_calls()
    emu.faults.reset_next(1)

    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        west.list_proxy_sessions(VoiceConnectorId=vc)
    with pytest.raises(unsigned.exceptions.UnauthorizedClientException):
        unsigned.list_proxy_sessions(VoiceConnectorId=vc)

    assert [(c.status, c.fault, c.region, c.access_key_id) for c in emu.calls] == [
        (0, "reset", "us-west-2", "AKIDWESTEXAMPLE00001"),
        (401, None, None, None),
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "AWS4-HMAC-SHA256 Credential=AKID/20261202/us-west-2/chime/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=abc",
            SigningCredential("AKID", "20261202", "us-west-2", "chime"),
        ),
        ("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc", None),
        ("AWS4-HMAC-SHA256 Credential=AKID/20261202/us-west-2/chime", None),
        ("AWS4-HMAC-SHA256 Credential=AKID//us-west-2/chime/aws4_request", None),
        ("AWS AKID:signature", None),
        (None, None),
    ],
    ids=["signed", "no credential", "short scope", "empty field", "sigv2", "absent"],
)
def test_signing_credential_parses_the_scope(
    header: str | None, expected: SigningCredential | None
) -> None:
    assert signing_credential(header) == expected
