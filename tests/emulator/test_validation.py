"""Requests the model's shapes reject answer 400 with the service's messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

from harness.emulator import ChimeVoiceEmulator
from tests.emulator.helpers import PHONE_A, PHONE_B, SESSION, make_client

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
    raw = make_client(emu.endpoint_url)

    def replace_body(request: Any, **_: Any) -> None:
        request.data = body

    raw.meta.events.register("before-sign.chime-sdk-voice.UpdateProxySession", replace_body)
    with pytest.raises(raw.exceptions.BadRequestException, match="JSON"):
        raw.update_proxy_session(
            VoiceConnectorId=vc, ProxySessionId=session_id, Capabilities=["SMS"]
        )
