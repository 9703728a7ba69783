"""Voice connectors made, read, changed and deleted through the API; the new operations under
faults and after the end of support of proxy sessions."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

from harness.emulator import ChimeVoiceEmulator, end_of_support_operations
from harness.emulator.model import service_model
from tests.emulator.helpers import http_status, new_vc_id

NEW_OPERATIONS = (
    "CreateVoiceConnector",
    "UpdateVoiceConnector",
    "DeleteVoiceConnector",
    "SearchAvailablePhoneNumbers",
    "CreatePhoneNumberOrder",
    "GetPhoneNumberOrder",
    "ListPhoneNumberOrders",
    "GetPhoneNumber",
    "ListPhoneNumbers",
    "AssociatePhoneNumbersWithVoiceConnector",
    "DisassociatePhoneNumbersFromVoiceConnector",
    "DeletePhoneNumber",
    "RestorePhoneNumber",
)


@pytest.fixture(autouse=True)
def _fresh(emu: ChimeVoiceEmulator) -> Iterator[None]:
    emu.reset()
    yield
    emu.reset()


def test_create_get_update_delete_round_trip(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    created = client.create_voice_connector(
        Name="pbx-1", RequireEncryption=False, AwsRegion="us-west-2"
    )
    assert http_status(created) == 201
    connector = created["VoiceConnector"]
    vc = connector["VoiceConnectorId"]
    pattern = str(service_model().shape_for("VoiceConnectorId").metadata["pattern"])
    assert re.fullmatch(r"[a-z0-9]{22}", vc)
    assert re.fullmatch(pattern, vc)
    assert {key: value for key, value in connector.items() if "Timestamp" not in key} == {
        "VoiceConnectorId": vc,
        "AwsRegion": "us-west-2",
        "Name": "pbx-1",
        "OutboundHostName": f"{vc}.voiceconnector.chime.aws",
        "RequireEncryption": False,
        "VoiceConnectorArn": f"arn:aws:chime:us-west-2:123456789012:vc/{vc}",
    }
    assert client.get_voice_connector(VoiceConnectorId=vc)["VoiceConnector"] == connector
    assert emu.voice_connector(vc) == connector
    assert emu.calls_for("CreateVoiceConnector")[-1].voice_connector_id == vc

    updated = client.update_voice_connector(
        VoiceConnectorId=vc, Name="pbx-2", RequireEncryption=True
    )
    after = updated["VoiceConnector"]
    assert (after["Name"], after["RequireEncryption"], after["AwsRegion"]) == (
        "pbx-2",
        True,
        "us-west-2",
    )
    assert after["UpdatedTimestamp"] >= after["CreatedTimestamp"]

    assert http_status(client.delete_voice_connector(VoiceConnectorId=vc)) == 204
    assert emu.voice_connector(vc) is None
    for call in (client.get_voice_connector, client.delete_voice_connector):
        with pytest.raises(client.exceptions.NotFoundException, match=vc):
            call(VoiceConnectorId=vc)


def test_the_region_defaults_to_us_east_1_and_ids_differ(client: ChimeSDKVoiceClient) -> None:
    made = [
        client.create_voice_connector(Name="same", RequireEncryption=True)["VoiceConnector"]
        for _ in range(3)
    ]
    assert {connector["AwsRegion"] for connector in made} == {"us-east-1"}
    assert len({connector["VoiceConnectorId"] for connector in made}) == 3


def test_create_validates_against_the_model(unvalidated: ChimeSDKVoiceClient) -> None:
    with pytest.raises(unvalidated.exceptions.BadRequestException, match="requireEncryption"):
        unvalidated.create_voice_connector(Name="no-encryption-flag")  # type: ignore[call-arg]
    with pytest.raises(unvalidated.exceptions.BadRequestException, match="awsRegion"):
        unvalidated.create_voice_connector(
            Name="x",
            RequireEncryption=True,
            AwsRegion="mars-1",  # type: ignore[arg-type]
        )


def test_delete_is_refused_while_numbers_are_associated(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    vc = client.create_voice_connector(Name="busy", RequireEncryption=True)["VoiceConnector"][
        "VoiceConnectorId"
    ]
    number = emu.seed_phone_number(voice_connector_id=vc)
    with pytest.raises(client.exceptions.ConflictException, match="1 phone number") as raised:
        client.delete_voice_connector(VoiceConnectorId=vc)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    client.disassociate_phone_numbers_from_voice_connector(
        VoiceConnectorId=vc, E164PhoneNumbers=[number]
    )
    client.delete_voice_connector(VoiceConnectorId=vc)


def test_delete_takes_the_proxy_configuration_and_sessions_with_it(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    emu.configure_proxy(vc)
    emu.seed_session(vc)
    client.delete_voice_connector(VoiceConnectorId=vc)
    assert (emu.proxy(vc), emu.sessions(vc)) == (None, [])
    emu.add_voice_connector(vc)  # the same id again starts bare
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_voice_connector_proxy(VoiceConnectorId=vc)


def test_none_of_the_new_operations_ended_with_proxy_sessions() -> None:
    assert not set(NEW_OPERATIONS) & end_of_support_operations()


def test_voice_connectors_and_numbers_serve_after_the_end_of_support(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    emu.end_of_support()
    vc = client.create_voice_connector(Name="after", RequireEncryption=True)["VoiceConnector"][
        "VoiceConnectorId"
    ]
    [number] = client.search_available_phone_numbers(AreaCode="206", MaxResults=1)[
        "E164PhoneNumbers"
    ]
    order = client.create_phone_number_order(
        ProductType="VoiceConnector", E164PhoneNumbers=[number]
    )["PhoneNumberOrder"]
    client.get_phone_number_order(PhoneNumberOrderId=order["PhoneNumberOrderId"])
    client.associate_phone_numbers_with_voice_connector(
        VoiceConnectorId=vc, E164PhoneNumbers=[number]
    )
    with pytest.raises(client.exceptions.ForbiddenException, match="end of support"):
        client.get_voice_connector_proxy(VoiceConnectorId=vc)
    assert [call.fault for call in emu.calls] == [None] * 5 + ["end_of_support"]


@pytest.mark.parametrize("operation", ["CreatePhoneNumberOrder", "DeleteVoiceConnector"])
def test_faults_apply_to_the_new_operations(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, operation: str
) -> None:
    vc = new_vc_id()
    emu.add_voice_connector(vc)
    number = emu.available_numbers(area_code="212")[0]

    def call() -> object:
        if operation == "DeleteVoiceConnector":
            return client.delete_voice_connector(VoiceConnectorId=vc)
        return client.create_phone_number_order(
            ProductType="VoiceConnector", E164PhoneNumbers=[number]
        )

    emu.faults.throttle_next(1, operation=operation)
    with pytest.raises(client.exceptions.ThrottledClientException):
        call()
    emu.faults.fail_next(1, 503, operation=operation)
    with pytest.raises(client.exceptions.ServiceUnavailableException):
        call()
    emu.faults.forbid(operation)
    with pytest.raises(client.exceptions.ForbiddenException, match=f"chime:{operation}"):
        call()
    emu.faults.allow(operation)
    call()
    records = emu.calls_for(operation)
    assert [(r.status, r.fault) for r in records] == [
        (429, "throttle"),
        (503, "fail"),
        (403, "forbid"),
        (records[-1].status, None),
    ]
    assert records[-1].status in (201, 204)
    # Nothing happened before the last call: the number was ordered once, or the connector kept.
    assert len(emu.phone_number_orders()) == (operation == "CreatePhoneNumberOrder")
