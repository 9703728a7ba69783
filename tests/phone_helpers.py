"""Test helpers for Custom::ChimePhoneNumbers: the service's answers, the Stubber queues of its
calls, and the record a Create leaves in the claim table (its properties and events:
``tests.helpers.properties`` and ``event``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from claims import Claim, fingerprint
from phone_number_orders import CHOSEN, HELD, ORDER, response_data
from resource_types import PHONE_NUMBERS
from tests.helpers import (
    ORDER_ID,
    VC_ID,
    claim_key,
    claim_table,
    new_request_id,
    properties,
    sample,
)

if TYPE_CHECKING:
    from botocore.stub import Stubber

KIND = PHONE_NUMBERS
PHYSICAL_ID = sample(KIND).physical_id
# A later order of the same resource (a larger Count).
ORDER_2 = "5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f"
# The company's numbers the searches find, in the order the service lists them.
NUMBERS = ("+12065550144", "+12065550111", "+12065550133", "+12065550122")
FIRST, SECOND, THIRD, FOURTH = NUMBERS
OTHER_VC = "klmnopqrst9876543210a"
# The search of the sample: Country, AreaCode and the default type; a page of 100.
SEARCH = {"Country": "US", "AreaCode": "206", "PhoneNumberType": "Local", "MaxResults": 100}
WHEN = datetime(2026, 11, 28, 6, 30, tzinfo=UTC)


def expect_search(
    stub: Stubber,
    found: Sequence[str],
    *,
    after: str | None = None,
    more: str | None = None,
    **criteria: Any,
) -> None:
    """Queue one SearchAvailablePhoneNumbers page answering ``found``: with the sample's search
    (``criteria`` override it; a None drops one), the page after the NextToken ``after``, and the
    NextToken ``more`` when there is another page."""
    params = {name: value for name, value in {**SEARCH, **criteria}.items() if value is not None}
    if after is not None:
        params["NextToken"] = after
    response: dict[str, Any] = {"E164PhoneNumbers": list(found)}
    if more is not None:
        response["NextToken"] = more
    stub.add_response("search_available_phone_numbers", response, params)


def order_answer(
    order_id: str,
    numbers: Sequence[str],
    status: str = "Processing",
    *,
    acquired: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A PhoneNumberOrder as the service answers it. Each number is ``Acquired`` when it is in
    ``acquired`` (by default: all of them once the order is Successful), ``Failed`` when the
    order ended otherwise, ``Processing`` while it is under way."""
    got = set(numbers if acquired is None and status == "Successful" else acquired or ())

    def line(number: str) -> str:
        if number in got:
            return "Acquired"
        return "Processing" if status == "Processing" else "Failed"

    return {
        "PhoneNumberOrder": {
            "PhoneNumberOrderId": order_id,
            "ProductType": "VoiceConnector",
            "Status": status,
            "OrderType": "New",
            "OrderedPhoneNumbers": [
                {"E164PhoneNumber": number, "Status": line(number)} for number in numbers
            ],
            "CreatedTimestamp": WHEN,
            "UpdatedTimestamp": WHEN,
        }
    }


def expect_order(
    stub: Stubber,
    numbers: Sequence[str],
    order_id: str = ORDER_ID,
    **params: Any,
) -> None:
    """Queue CreatePhoneNumberOrder of ``numbers`` as the sample orders them (``params`` add to
    or override the expected input: a Name, another ProductType)."""
    expected = {"ProductType": "VoiceConnector", "E164PhoneNumbers": list(numbers), **params}
    stub.add_response("create_phone_number_order", order_answer(order_id, numbers), expected)


def expect_poll(
    stub: Stubber,
    numbers: Sequence[str],
    status: str = "Successful",
    order_id: str = ORDER_ID,
    *,
    acquired: Sequence[str] | None = None,
) -> None:
    """Queue one GetPhoneNumberOrder of ``order_id`` answering ``status``."""
    stub.add_response(
        "get_phone_number_order",
        order_answer(order_id, numbers, status, acquired=acquired),
        {"PhoneNumberOrderId": order_id},
    )


def expect_get_number(stub: Stubber, number: str, order_id: str | None) -> None:
    """Queue GetPhoneNumber of ``number``: the account holds it from ``order_id``, or (None) it
    does not hold it (NotFoundException)."""
    params = {"PhoneNumberId": number}
    if order_id is None:
        stub.add_client_error(
            "get_phone_number", "NotFoundException", "not found", 404, expected_params=params
        )
        return
    answer = {
        "PhoneNumber": {
            "PhoneNumberId": number,
            "E164PhoneNumber": number,
            "Country": "US",
            "Type": "Local",
            "ProductType": "VoiceConnector",
            "Status": "Unassigned",
            "OrderId": order_id,
        }
    }
    stub.add_response("get_phone_number", answer, params)


def _errors(refused: Sequence[str], code: str) -> list[dict[str, str]]:
    return [
        {"PhoneNumberId": number, "ErrorCode": code, "ErrorMessage": "refused"}
        for number in refused
    ]


def expect_associate(
    stub: Stubber,
    numbers: Sequence[str],
    vc_id: str = VC_ID,
    *,
    refused: Sequence[str] = (),
    code: str = "BadRequest",
    move: bool = False,
) -> None:
    """Queue AssociatePhoneNumbersWithVoiceConnector of ``numbers``, refusing ``refused``;
    ``move``: with ForceAssociate."""
    expected: dict[str, Any] = {"VoiceConnectorId": vc_id, "E164PhoneNumbers": list(numbers)}
    if move:
        expected["ForceAssociate"] = True
    stub.add_response(
        "associate_phone_numbers_with_voice_connector",
        {"PhoneNumberErrors": _errors(refused, code)},
        expected,
    )


def expect_disassociate(
    stub: Stubber,
    numbers: Sequence[str],
    vc_id: str = VC_ID,
    *,
    refused: Sequence[str] = (),
    code: str = "NotFound",
) -> None:
    """Queue DisassociatePhoneNumbersFromVoiceConnector of ``numbers``, refusing ``refused``."""
    stub.add_response(
        "disassociate_phone_numbers_from_voice_connector",
        {"PhoneNumberErrors": _errors(refused, code)},
        {"VoiceConnectorId": vc_id, "E164PhoneNumbers": list(numbers)},
    )


def expect_release(stub: Stubber, *numbers: str) -> None:
    """Queue one DeletePhoneNumber for each of ``numbers``, in that order."""
    for number in numbers:
        stub.add_response("delete_phone_number", {}, {"PhoneNumberId": number})


def held(*numbers: str, order_id: str = ORDER_ID) -> list[tuple[str, str]]:
    """``numbers``, each with the order it came from."""
    return [(number, order_id) for number in numbers]


def record(
    holding: Sequence[tuple[str, str]],
    *,
    physical_id: str = PHYSICAL_ID,
    props: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> Claim:
    """The record a Create of the sample resource left in the claim table: it made
    ``physical_id`` and holds ``holding`` (number and order, oldest first)."""
    table = claim_table()
    sent = props or properties(KIND)
    claim = table.start(
        claim_key(KIND, request_id or new_request_id()),
        owner="lambda-request-that-created",
        lease=0.0,
        fingerprint=fingerprint(KIND.type_name, sent, KIND.replacing),
    )
    assert claim is not None
    first = holding[0][1] if holding else ""
    facts = {HELD: json.dumps([list(pair) for pair in holding])}
    return table.made(claim._replace(facts=facts), physical_id, response_data(list(holding), first))


def dead_run_facts(chosen: Sequence[str], order_id: str | None = None) -> dict[str, str]:
    """What a run that died had noted on its claim: the numbers it chose, and its order if it
    had placed one and recorded it."""
    facts = {CHOSEN: ",".join(chosen)}
    if order_id is not None:
        facts[ORDER] = order_id
    return facts


def data(*numbers: str, order_id: str = ORDER_ID) -> dict[str, str]:
    """The Data that answers a resource holding ``numbers`` since its first order ``order_id``."""
    return {
        "PhoneNumbers": ",".join(sorted(numbers)),
        "PhoneNumberOrderId": order_id,
        "Count": str(len(numbers)),
    }
