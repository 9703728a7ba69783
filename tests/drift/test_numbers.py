"""PhoneNumbers: the numbers its claim record holds (or its order's, with a note), each still in
the inventory, of the declared product type, and associated with the declared voice connector."""

from __future__ import annotations

from typing import Any

import pytest

from chime_proxy_session.drift import Difference, ResourceDrift, Status, check_stack
from tests.drift.stubs import (
    NUMBERS,
    ORDER,
    OTHER_VC,
    STACK,
    TABLE,
    StubSession,
    claim_item,
    claims_query,
    no_sleep,
    number_answer,
    proxy_answer,
    stub_stack,
    template,
)

HELD = [(NUMBERS[0], ORDER), (NUMBERS[1], ORDER)]


def check(session: StubSession) -> tuple[ResourceDrift, ...]:
    return check_stack(STACK, session=session, policy=no_sleep()).resources


def claims(session: StubSession, *items: dict[str, Any]) -> None:
    session.stub("dynamodb").add_response("query", {"Items": list(items)}, claims_query())


def inventory(
    session: StubSession, *answers: dict[str, Any] | None, numbers: tuple[str, ...] = NUMBERS
) -> None:
    stub = session.stub("chime-sdk-voice")
    for number, answer in zip(numbers, answers, strict=True):
        if answer is None:
            stub.add_client_error("get_phone_number", "NotFoundException", http_status_code=404)
        else:
            stub.add_response("get_phone_number", answer, {"PhoneNumberId": number})


def test_in_sync(session: StubSession) -> None:
    stub_stack(session, template("Numbers"))
    claims(session, claim_item(HELD))
    inventory(session, number_answer(NUMBERS[0]), number_answer(NUMBERS[1]))
    (found,) = check(session)
    assert (found.status, found.differences, found.reason) == (Status.IN_SYNC, (), None)


def test_the_latest_record_counts_numbers_later_updates_ordered(session: StubSession) -> None:
    stub_stack(session, template("Numbers", Numbers={"Count": 3}))
    later = claim_item([*HELD, ("+12065550122", "order-2")])
    later["ClaimedAt"] = {"N": "1800000000.0"}
    later["Request"] = {"S": "request-2"}
    claims(session, later, claim_item(HELD))
    inventory(
        session,
        *(number_answer(n) for n in (*NUMBERS, "+12065550122")),
        numbers=(*NUMBERS, "+12065550122"),
    )
    assert check(session)[0].status is Status.IN_SYNC


def test_a_released_number_is_missing(session: StubSession) -> None:
    stub_stack(session, template("Numbers"))
    claims(session, claim_item(HELD))
    inventory(
        session, number_answer(NUMBERS[0], status="DeleteInProgress"), number_answer(NUMBERS[1])
    )
    (found,) = check(session)
    assert found.status is Status.MODIFIED
    assert found.differences == (
        Difference(f"PhoneNumbers[{NUMBERS[0]}]", "held", "DeleteInProgress"),
        Difference("Count", "2", "1"),
    )


def test_no_number_left_is_deleted_with_what_to_do(session: StubSession) -> None:
    stub_stack(session, template("Numbers"))
    claims(session, claim_item(HELD))
    inventory(session, None, number_answer(NUMBERS[1], status="ReleaseInProgress"))
    (found,) = check(session)
    assert found.status is Status.DELETED
    assert found.reason is not None
    assert f"({NUMBERS[0]} not found, {NUMBERS[1]} ReleaseInProgress)" in found.reason
    assert "RestorePhoneNumber" in found.reason


def test_a_moved_number_and_another_product_type(session: StubSession) -> None:
    stub_stack(session, template("Numbers"))
    claims(session, claim_item(HELD))
    inventory(
        session,
        number_answer(NUMBERS[0], voice_connector=OTHER_VC),
        number_answer(NUMBERS[1], product="SipMediaApplicationDialIn", voice_connector=None),
    )
    (found,) = check(session)
    assert found.differences == (
        Difference(f"ProductType[{NUMBERS[1]}]", "VoiceConnector", "SipMediaApplicationDialIn"),
        Difference(f"VoiceConnectorId[{NUMBERS[0]}]", "abcdefghij0123456789k", OTHER_VC),
        Difference(f"VoiceConnectorId[{NUMBERS[1]}]", "abcdefghij0123456789k", None),
    )


def test_numbers_declared_unassigned_must_stay_unassigned(session: StubSession) -> None:
    stub_stack(session, template("Numbers", Numbers={"VoiceConnectorId": None}))
    claims(session, claim_item(HELD))
    inventory(session, number_answer(NUMBERS[0], voice_connector=None), number_answer(NUMBERS[1]))
    (found,) = check(session)
    assert found.differences == (
        Difference(f"VoiceConnectorId[{NUMBERS[1]}]", None, "abcdefghij0123456789k"),
    )


@pytest.mark.parametrize("table", ["denied", "no-record"])
def test_without_the_claim_record_the_order_says_which_numbers(
    session: StubSession, table: str
) -> None:
    stub_stack(session, template("Numbers", Numbers={"Count": 5}))
    if table == "denied":
        session.stub("dynamodb").add_client_error("query", "AccessDeniedException", "no")
    else:
        claims(session, claim_item(HELD, physical_id="chime-phone-numbers:us-east-1:other"))
    lines = [{"E164PhoneNumber": n, "Status": "Acquired"} for n in NUMBERS]
    session.stub("chime-sdk-voice").add_response(
        "get_phone_number_order",
        {
            "PhoneNumberOrder": {
                "PhoneNumberOrderId": ORDER,
                "OrderedPhoneNumbers": [
                    *lines,
                    {"E164PhoneNumber": "+12065550133", "Status": "Failed"},
                ],
            }
        },
        {"PhoneNumberOrderId": ORDER},
    )
    inventory(session, number_answer(NUMBERS[0]), number_answer(NUMBERS[1]))
    (found,) = check(session)
    # Count is not compared: later updates may have ordered more.
    assert (found.status, found.differences) == (Status.IN_SYNC, ())
    assert found.reason is not None
    why = {
        "denied": f"dynamodb:Query on the claim table {TABLE} failed: AccessDeniedException: no",
        "no-record": "the claim table has no record of its numbers",
    }[table]
    assert found.reason == (
        f"Numbers of its first order only ({why}): numbers that later updates ordered, and "
        "Count, are not compared"
    )


def test_the_numbers_attribute_is_the_handlers_data(session: StubSession) -> None:
    """A proxy whose fall-back number is the first of the stack's numbers (Fn::Select of
    Fn::Split of Fn::GetAtt): the attribute is what the handler answers (sorted, comma-joined)."""
    first = {"Fn::Select": [0, {"Fn::Split": [",", {"Fn::GetAtt": ["Numbers", "PhoneNumbers"]}]}]}
    stub_stack(session, template("Proxy", "Numbers", Proxy={"FallBackPhoneNumber": first}))
    claims(session, claim_item(list(reversed(HELD))))
    inventory(session, number_answer(NUMBERS[1]), number_answer(NUMBERS[0]), numbers=NUMBERS[::-1])
    session.stub("chime-sdk-voice").add_response(
        "get_voice_connector_proxy",
        proxy_answer(FallBackPhoneNumber=NUMBERS[0]),
        {"VoiceConnectorId": "abcdefghij0123456789k"},
    )
    proxy, numbers = check(session)
    assert (proxy.status, numbers.status) == (Status.IN_SYNC, Status.IN_SYNC)
