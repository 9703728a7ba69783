"""SearchAvailablePhoneNumbers over the emulator's catalogue, and the supply controls tests use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

from harness.emulator import ChimeVoiceEmulator
from harness.emulator.supply import catalogue
from tests.emulator.helpers import http_status


@pytest.fixture(autouse=True)
def _fresh(emu: ChimeVoiceEmulator) -> Iterator[None]:
    emu.reset()
    yield
    emu.reset()


def test_the_catalogue_is_plentiful_deterministic_and_unique() -> None:
    numbers = [entry.e164 for entry in catalogue()]
    assert len(numbers) == len(set(numbers)) >= 25_000
    assert {entry.country for entry in catalogue()} == {"US", "CA", "GB"}
    assert all(number.startswith("+") and number[1:].isdigit() for number in numbers)


@pytest.mark.parametrize(
    ("request_", "first", "every"),
    [
        ({"AreaCode": "206"}, "+12065550000", {"area_code": "206", "type": "Local"}),
        ({"State": "NY"}, "+12125550000", {"state": "NY"}),
        ({"State": "WA", "City": "Bellevue"}, "+14255550000", {"city": "Bellevue"}),
        ({"State": "wa", "City": "BELLEVUE"}, "+14255550000", {"city": "Bellevue"}),
        ({"TollFreePrefix": "844"}, "+18445550000", {"toll_free_prefix": "844"}),
        (
            {"TollFreePrefix": "800", "PhoneNumberType": "TollFree"},
            "+18005550000",
            {"type": "TollFree"},
        ),
        ({"Country": "CA", "PhoneNumberType": "Local"}, "+14165550000", {"country": "CA"}),
        ({"Country": "GB", "PhoneNumberType": "TollFree"}, "+448081570000", {"country": "GB"}),
    ],
)
def test_search_finds_numbers_meeting_every_criterion(
    client: ChimeSDKVoiceClient, request_: dict[str, Any], first: str, every: dict[str, str]
) -> None:
    found = client.search_available_phone_numbers(**request_, MaxResults=50)
    numbers = found["E164PhoneNumbers"]
    assert http_status(found) == 200
    assert (numbers[0], len(numbers)) == (first, 50)
    by_number = {entry.e164: entry for entry in catalogue()}
    for number in numbers:
        entry = by_number[number]
        assert all(getattr(entry, key) == value for key, value in every.items())


def test_max_results_defaults_to_100_and_next_token_pages_through(
    client: ChimeSDKVoiceClient,
) -> None:
    first = client.search_available_phone_numbers(AreaCode="425")
    assert len(first["E164PhoneNumbers"]) == 100
    second = client.search_available_phone_numbers(
        AreaCode="425", MaxResults=500, NextToken=first["NextToken"]
    )
    assert second["E164PhoneNumbers"][0] == "+14255550100"
    third = client.search_available_phone_numbers(
        AreaCode="425", MaxResults=500, NextToken=second["NextToken"]
    )
    # 1,000 numbers in the block: 100 + 500 + 400, and no token after the last page.
    assert len(third["E164PhoneNumbers"]) == 400
    assert "NextToken" not in third
    everything = first["E164PhoneNumbers"] + second["E164PhoneNumbers"] + third["E164PhoneNumbers"]
    assert len(set(everything)) == 1000
    with pytest.raises(client.exceptions.BadRequestException, match="Invalid NextToken"):
        client.search_available_phone_numbers(AreaCode="425", NextToken="not-a-token")


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({}, "needs one of AreaCode, State"),
        ({"PhoneNumberType": "TollFree"}, "needs one of AreaCode, State"),
        ({"City": "Seattle"}, "City needs State"),
        ({"AreaCode": "206", "State": "WA"}, "not AreaCode and State"),
        ({"AreaCode": "206", "TollFreePrefix": "800"}, "not AreaCode and TollFreePrefix"),
        ({"TollFreePrefix": "800", "PhoneNumberType": "Local"}, "use PhoneNumberType TollFree"),
        ({"AreaCode": "206", "PhoneNumberType": "TollFree"}, "use PhoneNumberType Local"),
        ({"Country": "GB"}, "PhoneNumberType is required"),
        ({"Country": "CA", "PhoneNumberType": "Local", "AreaCode": "416"}, "only support"),
        ({"Country": "FR", "PhoneNumberType": "Local"}, "FR is not supported"),
    ],
)
def test_search_refuses_what_the_service_refuses(
    emu: ChimeVoiceEmulator,
    client: ChimeSDKVoiceClient,
    request_: dict[str, Any],
    message: str,
) -> None:
    with pytest.raises(client.exceptions.BadRequestException, match=message) as raised:
        client.search_available_phone_numbers(**request_)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert emu.calls[-1].operation == "SearchAvailablePhoneNumbers"


def test_the_model_constraints_are_validated(unvalidated: ChimeSDKVoiceClient) -> None:
    with pytest.raises(unvalidated.exceptions.BadRequestException, match="maxResults"):
        unvalidated.search_available_phone_numbers(AreaCode="206", MaxResults=501)
    with pytest.raises(unvalidated.exceptions.BadRequestException, match="tollFreePrefix"):
        unvalidated.search_available_phone_numbers(TollFreePrefix="900")


def test_limit_available_makes_a_search_find_too_few(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    assert emu.limit_available(2, area_code="206") == 998
    assert client.search_available_phone_numbers(AreaCode="206")["E164PhoneNumbers"] == [
        "+12065550000",
        "+12065550001",
    ]
    # The other criteria keep their supply; a State search sees what is left of 206 too.
    wa = client.search_available_phone_numbers(State="WA", MaxResults=500)["E164PhoneNumbers"]
    assert wa[:3] == ["+12065550000", "+12065550001", "+14255550000"]

    assert emu.limit_available(0, country="US", phone_number_type="TollFree") == 7000
    assert client.search_available_phone_numbers(TollFreePrefix="800")["E164PhoneNumbers"] == []
    assert emu.available_numbers(phone_number_type="TollFree", country="US") == []

    emu.restock()
    assert len(client.search_available_phone_numbers(AreaCode="206")["E164PhoneNumbers"]) == 100
    with pytest.raises(ValueError, match="count must be >= 0"):
        emu.limit_available(-1)


def test_a_number_ordered_is_no_longer_available_and_restock_keeps_it_out(
    emu: ChimeVoiceEmulator, client: ChimeSDKVoiceClient
) -> None:
    wanted = client.search_available_phone_numbers(AreaCode="312", MaxResults=2)
    first, second = wanted["E164PhoneNumbers"]
    emu.order_behaviour(polls_until_done=5)
    client.create_phone_number_order(ProductType="VoiceConnector", E164PhoneNumbers=[first])
    emu.seed_phone_number(second)

    again = client.search_available_phone_numbers(AreaCode="312", MaxResults=2)
    assert again["E164PhoneNumbers"] == ["+13125550002", "+13125550003"]
    emu.restock()  # the order under way and the account's number stay taken
    assert emu.available_numbers(area_code="312")[:2] == ["+13125550002", "+13125550003"]
