"""Phone number orders: placed Processing, ended as `order_behaviour` says, numbers acquired."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

from harness.emulator import ChimeVoiceEmulator
from tests.emulator.helpers import http_status, make_client

ORDER_ID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture(autouse=True)
def _fresh(emu: ChimeVoiceEmulator) -> Iterator[None]:
    emu.reset()
    yield
    emu.reset()


def _search(client: ChimeSDKVoiceClient, count: int, area_code: str = "206") -> list[str]:
    found = client.search_available_phone_numbers(AreaCode=area_code, MaxResults=count)
    return list(found["E164PhoneNumbers"])


def _order(client: ChimeSDKVoiceClient, numbers: list[str], **extra: str) -> str:
    placed = client.create_phone_number_order(
        ProductType="VoiceConnector", E164PhoneNumbers=numbers, **extra
    )
    assert http_status(placed) == 201
    return str(placed["PhoneNumberOrder"]["PhoneNumberOrderId"])


def _statuses(client: ChimeSDKVoiceClient, order_id: str) -> tuple[str, list[str]]:
    order = client.get_phone_number_order(PhoneNumberOrderId=order_id)["PhoneNumberOrder"]
    return order["Status"], [line["Status"] for line in order["OrderedPhoneNumbers"]]


def test_an_order_is_processing_then_successful_at_the_first_poll(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    numbers = _search(client, 2)
    placed = client.create_phone_number_order(
        ProductType="VoiceConnector", E164PhoneNumbers=numbers, Name="front desk"
    )["PhoneNumberOrder"]
    assert re.fullmatch(ORDER_ID_PATTERN, placed["PhoneNumberOrderId"])
    assert (placed["Status"], placed["OrderType"], placed["ProductType"]) == (
        "Processing",
        "New",
        "VoiceConnector",
    )
    assert placed["OrderedPhoneNumbers"] == [
        {"E164PhoneNumber": number, "Status": "Processing"} for number in numbers
    ]
    order_id = placed["PhoneNumberOrderId"]
    assert emu.phone_numbers() == []  # nothing in the inventory while it is acquired

    ended = client.get_phone_number_order(PhoneNumberOrderId=order_id)["PhoneNumberOrder"]
    assert ended["Status"] == "Successful"
    assert [line["Status"] for line in ended["OrderedPhoneNumbers"]] == ["Acquired"] * 2
    assert ended["UpdatedTimestamp"] >= ended["CreatedTimestamp"]
    number = client.get_phone_number(PhoneNumberId=numbers[0])["PhoneNumber"]
    assert {key: number[key] for key in ("E164PhoneNumber", "PhoneNumberId", "Status")} == {
        "E164PhoneNumber": numbers[0],
        "PhoneNumberId": "%2B" + numbers[0][1:],
        "Status": "Unassigned",
    }
    assert (number["Country"], number["Type"], number["ProductType"]) == (
        "US",
        "Local",
        "VoiceConnector",
    )
    assert (number["OrderId"], number["Name"], number["Associations"]) == (
        order_id,
        "front desk",
        [],
    )
    assert number["Capabilities"]["InboundCall"]
    assert number["Capabilities"]["OutboundCall"]
    records = emu.calls_for("GetPhoneNumberOrder") + emu.calls_for("CreatePhoneNumberOrder")
    assert {record.order_id for record in records} == {order_id}


def test_polls_until_done_keeps_it_processing(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    emu.order_behaviour(polls_until_done=3)
    order_id = _order(client, _search(client, 1))
    assert _statuses(client, order_id)[0] == "Processing"
    assert _statuses(client, order_id)[0] == "Processing"
    # Reading the orders through the set-up helpers or ListPhoneNumberOrders is no poll.
    assert emu.phone_number_orders()[0]["Status"] == "Processing"
    listed = client.list_phone_number_orders()["PhoneNumberOrders"]
    assert [order["Status"] for order in listed] == ["Processing"]
    assert _statuses(client, order_id) == ("Successful", ["Acquired"])


def test_seconds_until_done_follow_the_emulators_clock() -> None:
    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    with ChimeVoiceEmulator(clock=lambda: now[0]) as timed:
        client = make_client(timed.endpoint_url)
        timed.order_behaviour(polls_until_done=0, seconds_until_done=30)
        order_id = _order(client, _search(client, 1))
        now[0] += timedelta(seconds=29)
        assert _statuses(client, order_id)[0] == "Processing"
        now[0] += timedelta(seconds=1)
        # Time alone ends it (polls_until_done=0): the inventory shows the number.
        assert [number["Status"] for number in timed.phone_numbers()] == ["Unassigned"]
        assert _statuses(client, order_id)[0] == "Successful"


def test_a_failed_order_acquires_nothing_and_its_numbers_leave_the_supply(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    emu.order_behaviour(outcome="Failed")
    numbers = _search(client, 2)
    order_id = _order(client, numbers)
    assert _statuses(client, order_id) == ("Failed", ["Failed", "Failed"])
    assert emu.phone_numbers() == []
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_phone_number(PhoneNumberId=numbers[0])
    assert not set(numbers) & set(emu.available_numbers(area_code="206"))
    assert _search(client, 1) == ["+12065550002"]


def test_a_partial_order_fails_the_numbers_named_and_acquires_the_rest(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    numbers = _search(client, 3)
    emu.order_behaviour(outcome="Partial", failed_numbers=[numbers[1]])
    order_id = _order(client, numbers)
    assert _statuses(client, order_id) == ("Partial", ["Acquired", "Failed", "Acquired"])
    assert sorted(n["E164PhoneNumber"] for n in emu.phone_numbers()) == [numbers[0], numbers[2]]

    # Without failed_numbers, the order's last number fails; a one-number order then fails.
    emu.order_behaviour(outcome="Partial")
    two = _search(client, 2)
    assert _statuses(client, _order(client, two)) == ("Partial", ["Acquired", "Failed"])
    assert _statuses(client, _order(client, _search(client, 1)))[0] == "Failed"


def test_the_behaviour_applies_to_orders_placed_after_it(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    emu.order_behaviour(polls_until_done=2)
    early = _order(client, _search(client, 1))
    emu.order_behaviour()  # the default again
    late = _order(client, _search(client, 1))
    assert _statuses(client, late)[0] == "Successful"
    assert _statuses(client, early)[0] == "Processing"
    assert _statuses(client, early)[0] == "Successful"


def test_a_number_not_available_when_ordered_fails(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    held = emu.seed_phone_number()
    free = _search(client, 1)
    order_id = _order(client, [held, free[0], "+15005550006"])  # the last is never for sale
    assert _statuses(client, order_id) == ("Partial", ["Failed", "Acquired", "Failed"])
    assert emu.phone_number(held) is not None  # the account keeps what it held


@pytest.mark.parametrize(
    ("numbers", "message"),
    [
        ([], "at least one number"),
        (["+12065550000", "+12065550000"], "more than once"),
        (["+14165550000"], "outside the US \\(CA\\).*SipMediaApplicationDialIn"),
    ],
)
def test_orders_the_service_refuses(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient, numbers: list[str], message: str
) -> None:
    with pytest.raises(client.exceptions.BadRequestException, match=message):
        client.create_phone_number_order(ProductType="VoiceConnector", E164PhoneNumbers=numbers)
    assert emu.phone_number_orders() == []
    assert "+12065550000" in emu.available_numbers(area_code="206")[:1]


def test_non_us_numbers_are_ordered_for_sip_media_applications(
    client: ChimeSDKVoiceClient,
) -> None:
    [number] = client.search_available_phone_numbers(
        Country="GB", PhoneNumberType="Local", MaxResults=1
    )["E164PhoneNumbers"]
    placed = client.create_phone_number_order(
        ProductType="SipMediaApplicationDialIn", E164PhoneNumbers=[number]
    )["PhoneNumberOrder"]
    assert _statuses(client, placed["PhoneNumberOrderId"])[0] == "Successful"
    got = client.get_phone_number(PhoneNumberId=number)["PhoneNumber"]
    assert (got["Country"], got["ProductType"]) == ("GB", "SipMediaApplicationDialIn")


def test_unknown_orders_are_not_found_and_invalid_behaviours_refused(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    unknown = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    with pytest.raises(client.exceptions.NotFoundException, match=unknown):
        client.get_phone_number_order(PhoneNumberOrderId=unknown)
    assert emu.calls[-1].order_id == unknown
    with pytest.raises(ValueError, match="outcome must be one of"):
        emu.order_behaviour(outcome="Exception")
    with pytest.raises(ValueError, match="needs outcome='Partial'"):
        emu.order_behaviour(failed_numbers=["+12065550000"])
    with pytest.raises(ValueError, match=">= 0"):
        emu.order_behaviour(polls_until_done=-1)


def test_list_phone_number_orders_pages_oldest_first(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    placed = [_order(client, [number]) for number in _search(client, 3)]
    first = client.list_phone_number_orders(MaxResults=2)
    second = client.list_phone_number_orders(MaxResults=2, NextToken=first["NextToken"])
    listed = first["PhoneNumberOrders"] + second["PhoneNumberOrders"]
    assert [order["PhoneNumberOrderId"] for order in listed] == placed
    assert "NextToken" not in second
