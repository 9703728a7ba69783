"""The eight proxy-session operations and GetVoiceConnector, through real boto3 clients."""

from __future__ import annotations

from datetime import datetime

import pytest
from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

from harness.emulator import SUPPORTED_OPERATIONS, ChimeVoiceEmulator
from harness.emulator.model import utc_now
from harness.emulator.operations import Operations
from harness.emulator.state import ProxySessionStore
from tests.emulator.helpers import PHONE_A, PHONE_B, SESSION, http_status, new_vc_id


def test_create_get_update_list_delete_round_trip(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    proxy = client.put_voice_connector_proxy(
        VoiceConnectorId=vc, DefaultSessionExpiryMinutes=30, PhoneNumberPoolCountries=["US"]
    )
    assert http_status(proxy) == 200
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
    assert http_status(created) == 201
    session = created["ProxySession"]
    session_id = session["ProxySessionId"]
    assert session["Status"] == "Open"
    assert session["ExpiryMinutes"] == 30  # the proxy's default
    assert [p["PhoneNumber"] for p in session["Participants"]] == [PHONE_A, PHONE_B]
    assert all(p["ProxyPhoneNumber"].startswith("+") for p in session["Participants"])
    assert isinstance(session["CreatedTimestamp"], datetime)
    assert session["CreatedTimestamp"].tzinfo is not None

    got = client.get_proxy_session(VoiceConnectorId=vc, ProxySessionId=session_id)
    assert http_status(got) == 200
    assert got["ProxySession"] == session

    updated = client.update_proxy_session(
        VoiceConnectorId=vc,
        ProxySessionId=session_id,
        Capabilities=["Voice", "SMS"],
        ExpiryMinutes=90,
    )
    assert http_status(updated) == 201
    after = updated["ProxySession"]
    assert (after["Capabilities"], after["ExpiryMinutes"]) == (["Voice", "SMS"], 90)
    assert after["UpdatedTimestamp"] >= after["CreatedTimestamp"]
    assert emu.session(vc, session_id) == after

    listed = client.list_proxy_sessions(VoiceConnectorId=vc, Status="Open")
    assert http_status(listed) == 200
    assert [s["ProxySessionId"] for s in listed["ProxySessions"]] == [session_id]
    assert client.list_proxy_sessions(VoiceConnectorId=vc, Status="Closed")["ProxySessions"] == []

    deleted = client.delete_proxy_session(VoiceConnectorId=vc, ProxySessionId=session_id)
    assert http_status(deleted) == 204
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

    assert http_status(client.delete_voice_connector_proxy(VoiceConnectorId=vc)) == 204
    with pytest.raises(client.exceptions.NotFoundException):
        client.delete_voice_connector_proxy(VoiceConnectorId=vc)


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

    unknown = new_vc_id()
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


def test_the_operations_table_implements_exactly_the_supported_operations() -> None:
    operations = Operations(ProxySessionStore(utc_now))
    assert operations.names == SUPPORTED_OPERATIONS
    with pytest.raises(KeyError):
        operations.call("ListVoiceConnectors", {})


def test_get_voice_connector_proxy_answers_the_proxy_shape_or_not_found(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    with pytest.raises(client.exceptions.NotFoundException) as missing:
        client.get_voice_connector_proxy(VoiceConnectorId=vc)
    assert missing.value.response["Error"] == {
        "Code": "NotFoundException",
        "Message": f"Proxy configuration for voice connector {vc} not found: "
        "call PutVoiceConnectorProxy first",
    }
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404

    emu.configure_proxy(vc, default_session_expiry_minutes=45, countries=["US", "CA"])
    got = client.get_voice_connector_proxy(VoiceConnectorId=vc)
    assert http_status(got) == 200
    # Exactly the members of botocore's Proxy shape that were set.
    assert got["Proxy"] == {
        "DefaultSessionExpiryMinutes": 45,
        "Disabled": False,
        "PhoneNumberCountries": ["US", "CA"],
    }
    unknown = new_vc_id()
    with pytest.raises(
        client.exceptions.NotFoundException, match=f": Voice connector {unknown} not found$"
    ):
        client.get_voice_connector_proxy(VoiceConnectorId=unknown)

    records = emu.calls_for("GetVoiceConnectorProxy")[-3:]
    assert [(r.voice_connector_id, r.method, r.status, r.error_code) for r in records] == [
        (vc, "GET", 404, "NotFoundException"),
        (vc, "GET", 200, None),
        (unknown, "GET", 404, "NotFoundException"),
    ]


def test_get_voice_connector_describes_a_voice_connector_that_exists(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    connector = client.get_voice_connector(VoiceConnectorId=vc)["VoiceConnector"]
    created = connector.pop("CreatedTimestamp")
    assert connector.pop("UpdatedTimestamp") == created
    assert created.tzinfo is not None
    assert connector == {
        "VoiceConnectorId": vc,
        "AwsRegion": "us-east-1",
        "Name": vc,
        "OutboundHostName": f"{vc}.voiceconnector.chime.aws",
        "RequireEncryption": True,
        "VoiceConnectorArn": f"arn:aws:chime:us-east-1:123456789012:vc/{vc}",
    }
    emu.add_voice_connector(vc)  # idempotent: the connector keeps its creation time
    assert client.get_voice_connector(VoiceConnectorId=vc)["VoiceConnector"][
        "CreatedTimestamp"
    ] == (created)
    unknown = new_vc_id()
    with pytest.raises(client.exceptions.NotFoundException, match=f"Voice connector {unknown}"):
        client.get_voice_connector(VoiceConnectorId=unknown)
    assert emu.calls_for("GetVoiceConnector")[-1].voice_connector_id == unknown
