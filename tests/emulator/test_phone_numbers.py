"""The account's phone numbers: reading them, associations with voice connectors, the deletion
queue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

from harness.emulator import ChimeVoiceEmulator
from tests.emulator.helpers import http_status, make_client, new_vc_id


@pytest.fixture(autouse=True)
def _fresh(emu: ChimeVoiceEmulator) -> Iterator[None]:
    emu.reset()
    yield
    emu.reset()


def _errors(response: object) -> list[tuple[str, str]]:
    assert isinstance(response, dict)
    return [(e["PhoneNumberId"], e["ErrorCode"]) for e in response["PhoneNumberErrors"]]


def _id(e164: str) -> str:
    return "%2B" + e164[1:]


def test_a_number_is_named_by_its_e164_number_either_way(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    number = emu.seed_phone_number(area_code="617")
    plain = client.get_phone_number(PhoneNumberId=number)["PhoneNumber"]
    encoded = client.get_phone_number(PhoneNumberId=_id(number))["PhoneNumber"]
    assert plain == encoded
    assert (plain["PhoneNumberId"], plain["E164PhoneNumber"]) == (_id(number), number)
    with pytest.raises(client.exceptions.NotFoundException) as missing:
        client.get_phone_number(PhoneNumberId="+16175559999")
    assert "+1617" not in missing.value.response["Error"]["Message"]  # numbers are left out


def test_associate_assigns_and_list_filters_by_voice_connector(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    first, second, spare = (emu.seed_phone_number() for _ in range(3))
    answered = client.associate_phone_numbers_with_voice_connector(
        VoiceConnectorId=vc, E164PhoneNumbers=[first, second]
    )
    assert (http_status(answered), answered["PhoneNumberErrors"]) == (200, [])
    got = client.get_phone_number(PhoneNumberId=first)["PhoneNumber"]
    assert got["Status"] == "Assigned"
    [association] = got["Associations"]
    assert (association["Name"], association["Value"]) == ("VoiceConnectorId", vc)
    # Associating again with the same voice connector is no error.
    again = client.associate_phone_numbers_with_voice_connector(
        VoiceConnectorId=vc, E164PhoneNumbers=[first]
    )
    assert again["PhoneNumberErrors"] == []

    listed = client.list_phone_numbers(FilterName="VoiceConnectorId", FilterValue=vc)
    assert [n["E164PhoneNumber"] for n in listed["PhoneNumbers"]] == [first, second]
    assert emu.calls_for("ListPhoneNumbers")[-1].voice_connector_id == vc
    assert emu.calls_for("AssociatePhoneNumbersWithVoiceConnector")[-1].voice_connector_id == vc
    unassigned = client.list_phone_numbers(Status="Unassigned")["PhoneNumbers"]
    assert [n["E164PhoneNumber"] for n in unassigned] == [spare]
    assert client.list_phone_numbers(ProductType="SipMediaApplicationDialIn")["PhoneNumbers"] == []
    with pytest.raises(client.exceptions.BadRequestException, match="together"):
        client.list_phone_numbers(FilterName="VoiceConnectorId")


def test_associate_answers_an_error_per_number_it_cannot_associate(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    other = new_vc_id()
    taken = emu.seed_phone_number(voice_connector_id=other)
    sip = emu.seed_phone_number(product_type="SipMediaApplicationDialIn")
    deleted = emu.seed_phone_number()
    client.delete_phone_number(PhoneNumberId=deleted)
    fine = emu.seed_phone_number()
    unknown = "+12065559999"

    answered = client.associate_phone_numbers_with_voice_connector(
        VoiceConnectorId=vc, E164PhoneNumbers=[taken, sip, deleted, fine, unknown]
    )
    assert _errors(answered) == [
        (_id(taken), "PhoneNumberAssociationsExist"),
        (_id(sip), "BadRequest"),
        (_id(deleted), "BadRequest"),
        (_id(unknown), "NotFound"),
    ]
    assert all(e["ErrorMessage"] for e in answered["PhoneNumberErrors"])
    assert [n["E164PhoneNumber"] for n in emu.phone_numbers() if n["Status"] == "Assigned"] == [
        taken,
        fine,
    ]
    taken_now = emu.phone_number(taken)
    assert taken_now is not None
    assert taken_now["Associations"][0]["Value"] == other

    forced = client.associate_phone_numbers_with_voice_connector(
        VoiceConnectorId=vc, E164PhoneNumbers=[taken], ForceAssociate=True
    )
    assert forced["PhoneNumberErrors"] == []
    moved = emu.phone_number(taken)
    assert moved is not None
    assert [a["Value"] for a in moved["Associations"]] == [vc]


def test_associate_and_disassociate_need_the_voice_connector(
    client: ChimeSDKVoiceClient, emu: ChimeVoiceEmulator
) -> None:
    number = emu.seed_phone_number()
    unknown = new_vc_id()
    for call in (
        client.associate_phone_numbers_with_voice_connector,
        client.disassociate_phone_numbers_from_voice_connector,
    ):
        with pytest.raises(client.exceptions.NotFoundException, match=unknown):
            call(VoiceConnectorId=unknown, E164PhoneNumbers=[number])


def test_disassociate_unassigns_and_reports_numbers_not_on_it(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    on_it = emu.seed_phone_number(voice_connector_id=vc)
    elsewhere = emu.seed_phone_number(voice_connector_id=new_vc_id())
    loose = emu.seed_phone_number()
    answered = client.disassociate_phone_numbers_from_voice_connector(
        VoiceConnectorId=vc, E164PhoneNumbers=[on_it, elsewhere, loose, "+12065559999"]
    )
    assert _errors(answered) == [
        (_id(elsewhere), "NotFound"),
        (_id(loose), "NotFound"),
        (_id("+12065559999"), "NotFound"),
    ]
    got = client.get_phone_number(PhoneNumberId=on_it)["PhoneNumber"]
    assert (got["Status"], got["Associations"]) == ("Unassigned", [])


def test_an_assigned_number_cannot_be_deleted(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, vc: str
) -> None:
    number = emu.seed_phone_number(voice_connector_id=vc)
    with pytest.raises(
        client.exceptions.BadRequestException, match="PhoneNumberAssociationsExist"
    ) as raised:
        client.delete_phone_number(PhoneNumberId=number)
    assert vc in raised.value.response["Error"]["Message"]
    assert client.get_phone_number(PhoneNumberId=number)["PhoneNumber"]["Status"] == "Assigned"


def test_delete_queues_the_number_and_restore_brings_it_back(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    number = emu.seed_phone_number()
    deleted = client.delete_phone_number(PhoneNumberId=number)
    assert http_status(deleted) == 204
    queued = client.get_phone_number(PhoneNumberId=number)["PhoneNumber"]
    assert queued["Status"] == "DeleteInProgress"
    assert queued["DeletionTimestamp"] >= queued["CreatedTimestamp"]
    listed = client.list_phone_numbers(Status="DeleteInProgress")["PhoneNumbers"]
    assert [n["E164PhoneNumber"] for n in listed] == [number]
    with pytest.raises(client.exceptions.BadRequestException, match="already in the deletion"):
        client.delete_phone_number(PhoneNumberId=number)
    assert number not in emu.available_numbers(area_code="206")

    restored = client.restore_phone_number(PhoneNumberId=number)["PhoneNumber"]
    assert (restored["Status"], "DeletionTimestamp" in restored) == ("Unassigned", False)
    with pytest.raises(client.exceptions.BadRequestException, match="not in the deletion queue"):
        client.restore_phone_number(PhoneNumberId=number)


def test_release_deleted_numbers_empties_the_queue_for_good(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    kept, gone = emu.seed_phone_number(), emu.seed_phone_number()
    client.delete_phone_number(PhoneNumberId=_id(gone))
    assert emu.release_deleted_numbers() == [gone]
    assert [n["E164PhoneNumber"] for n in emu.phone_numbers()] == [kept]
    with pytest.raises(client.exceptions.NotFoundException):
        client.restore_phone_number(PhoneNumberId=gone)
    with pytest.raises(client.exceptions.NotFoundException):
        client.delete_phone_number(PhoneNumberId=gone)
    assert gone in emu.available_numbers(area_code="206")  # back in the number pool
    assert emu.release_deleted_numbers() == []


def test_the_queue_releases_numbers_after_seven_days() -> None:
    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    with ChimeVoiceEmulator(clock=lambda: now[0]) as timed:
        client = make_client(timed.endpoint_url)
        number = timed.seed_phone_number()
        client.delete_phone_number(PhoneNumberId=number)
        now[0] += timedelta(days=7, seconds=-1)
        assert client.get_phone_number(PhoneNumberId=number)["PhoneNumber"]["Status"] == (
            "DeleteInProgress"
        )
        now[0] += timedelta(seconds=1)
        with pytest.raises(client.exceptions.NotFoundException):
            client.restore_phone_number(PhoneNumberId=number)
        assert timed.phone_numbers() == []


def test_list_phone_numbers_pages(emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient) -> None:
    seeded = [emu.seed_phone_number() for _ in range(3)]
    first = client.list_phone_numbers(MaxResults=2)
    second = client.list_phone_numbers(MaxResults=2, NextToken=first["NextToken"])
    pages = first["PhoneNumbers"] + second["PhoneNumbers"]
    assert [n["E164PhoneNumber"] for n in pages] == seeded
    with pytest.raises(client.exceptions.BadRequestException, match="Invalid NextToken"):
        client.list_phone_numbers(NextToken="nope")


def test_seed_phone_number_refuses_numbers_not_available(emu: ChimeVoiceEmulator) -> None:
    number = emu.seed_phone_number("+13055550042")
    assert emu.phone_number(number) is not None
    with pytest.raises(ValueError, match="not available"):
        emu.seed_phone_number(number)
    emu.limit_available(0, area_code="305")
    with pytest.raises(ValueError, match="No available number"):
        emu.seed_phone_number(area_code="305")
