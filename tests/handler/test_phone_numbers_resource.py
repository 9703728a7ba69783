"""Custom::ChimePhoneNumbers (``phone_numbers_resource``): its id and Data, and the type end to end
through the real index.handler with a Stubber on its real client and a claim table of its own.

Every call the handler makes is queued with the parameters it must carry; the Stubber fails on an
unexpected call or a parameter out of place, and the ``stub`` fixture on a call left unmade. The
order is polled with the ``sleeps`` fixture's policy: the backoff is recorded, never slept. An
order costs money: a Create orders once under its request's claim, whatever the deliveries and
retries, and a Create that fails keeps nothing it ordered, whatever the removal policy.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

import pytest
from botocore.stub import Stubber

import cfn_request
import claims
import phone_number_orders as resource
from resource_types import PHONE_NUMBERS
from tests.claim_tables import ClaimTableInfo
from tests.helpers import (
    ORDER_ID,
    OWN_REGION,
    VC_ID,
    Invoke,
    claim_of,
    event,
    left_claim,
    new_request_id,
    properties,
)
from tests.phone_helpers import (
    FIRST,
    FOURTH,
    ORDER_2,
    OTHER_VC,
    PHYSICAL_ID,
    SECOND,
    THIRD,
    data,
    dead_run_facts,
    expect_associate,
    expect_disassociate,
    expect_get_number,
    expect_order,
    expect_poll,
    expect_release,
    expect_search,
    held,
    record,
)

KIND = PHONE_NUMBERS
numbers_event = functools.partial(event, kind=KIND)
numbers_properties = functools.partial(properties, KIND)
SEARCH, ORDER, POLL = (
    "SearchAvailablePhoneNumbers",
    "CreatePhoneNumberOrder",
    "GetPhoneNumberOrder",
)
ASSOCIATE = "AssociatePhoneNumbersWithVoiceConnector"
DISASSOCIATE = "DisassociatePhoneNumbersFromVoiceConnector"
RELEASE = "DeletePhoneNumber"
# 20 s of Lambda time, less 8 s kept for the answer: no room to wait for an order.
SHORT = 20.0


def create(invoke: Invoke, **options: Any) -> dict[str, Any]:
    return invoke(lambda url: numbers_event("Create", url, **options))


def update(invoke: Invoke, props: dict[str, Any], **options: Any) -> dict[str, Any]:
    return invoke(lambda url: numbers_event("Update", url, props=props, **options))


def delete(invoke: Invoke, **options: Any) -> dict[str, Any]:
    return invoke(lambda url: numbers_event("Delete", url, **options))


def request_id_of(body: dict[str, Any]) -> str:
    """The RequestId of the request that ``body`` answered."""
    request_id: str = body["_event"]["RequestId"]
    return request_id


def claim_state(body: dict[str, Any]) -> str:
    """The state of the claim of the request ``body`` answered."""
    claim = claim_of(KIND, request_id_of(body))
    assert claim is not None
    return claim.state


def expect_bought(stub: Stubber, *numbers: str, order_id: str = ORDER_ID, **search: Any) -> None:
    """Queue a search that finds ``numbers``, their order, and a poll that finds it Successful."""
    expect_search(stub, numbers, **search)
    expect_order(stub, numbers, order_id)
    expect_poll(stub, numbers, order_id=order_id)


# The pure parts -----------------------------------------------------------------------------------


def test_the_physical_id_is_the_region_and_the_first_order() -> None:
    """A new scheme would replace every deployed resource: the sample's id is written out."""
    physical_id = resource.physical_resource_id(OWN_REGION, ORDER_ID)
    assert physical_id == PHYSICAL_ID == f"chime-phone-numbers:us-east-1:{ORDER_ID}"
    assert physical_id.startswith(KIND.physical_id_prefix)


def test_data_is_the_numbers_sorted_the_first_order_and_how_many() -> None:
    holding = held(FIRST, SECOND) + held(THIRD, order_id=ORDER_2)
    assert resource.response_data(holding, ORDER_ID) == {
        "PhoneNumbers": f"{SECOND},{THIRD},{FIRST}",
        "PhoneNumberOrderId": ORDER_ID,
        "Count": "3",
    }
    assert tuple(resource.response_data([], "")) == KIND.attributes


# Create -----------------------------------------------------------------------------------------


def test_create_searches_orders_waits_and_assigns(
    stub: Stubber, invoke: Invoke, api_calls: list[str], sleeps: list[float]
) -> None:
    expect_search(stub, [FIRST, SECOND])
    expect_order(stub, [FIRST, SECOND])
    expect_poll(stub, [FIRST, SECOND], "Processing")
    expect_poll(stub, [FIRST, SECOND], "Processing")
    expect_poll(stub, [FIRST, SECOND], "Successful")
    expect_associate(stub, [FIRST, SECOND])
    body = create(invoke)
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == f"chime-phone-numbers:us-east-1:{ORDER_ID}"
    # The numbers sorted, whatever order the service listed them in.
    assert body["Data"] == {
        "PhoneNumbers": f"{SECOND},{FIRST}",
        "PhoneNumberOrderId": ORDER_ID,
        "Count": "2",
    }
    assert api_calls == [SEARCH, ORDER, POLL, POLL, POLL, ASSOCIATE]
    assert sleeps == [1.0, 2.0]  # backing off, never slept
    claim = claim_of(KIND, request_id_of(body))
    assert claim is not None
    assert (claim.state, claim.physical_id, dict(claim.data)) == (
        claims.MADE,
        body["PhysicalResourceId"],
        body["Data"],
    )
    assert json.loads(claim.facts[resource.HELD]) == [[FIRST, ORDER_ID], [SECOND, ORDER_ID]]


def test_toll_free_numbers_with_an_order_name_and_no_voice_connector(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    toll_free = "+18885550101"
    expect_search(
        stub,
        [toll_free],
        AreaCode=None,
        PhoneNumberType="TollFree",
        TollFreePrefix="888",
    )
    expect_order(stub, [toll_free], Name="Support line")
    expect_poll(stub, [toll_free])
    props = numbers_properties(
        Count="1",
        AreaCode=None,
        PhoneNumberType="TollFree",
        TollFreePrefix="888",
        VoiceConnectorId=None,
        Name="Support line",
    )
    body = create(invoke, props=props)
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"] == data(toll_free)
    assert api_calls == [SEARCH, ORDER, POLL]  # nothing to assign them to


def test_a_short_page_is_followed_by_the_next(stub: Stubber, invoke: Invoke) -> None:
    expect_search(stub, [FIRST], more="page-2")
    expect_search(stub, [FIRST, SECOND], after="page-2")  # a number listed twice counts once
    expect_order(stub, [FIRST, SECOND])
    expect_poll(stub, [FIRST, SECOND])
    expect_associate(stub, [FIRST, SECOND])
    body = create(invoke)
    assert body["Status"] == "SUCCESS", body["Reason"]


def test_a_repeated_delivery_answers_the_same_numbers_with_no_call(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    expect_bought(stub, FIRST, SECOND)
    expect_associate(stub, [FIRST, SECOND])
    request_id = new_request_id()
    first = create(invoke, request_id=request_id)
    again = create(invoke, request_id=request_id)
    assert (first["Status"], again["Status"]) == ("SUCCESS", "SUCCESS")
    assert again["PhysicalResourceId"] == first["PhysicalResourceId"] == PHYSICAL_ID
    assert again["Data"] == first["Data"] == data(FIRST, SECOND)
    assert api_calls == [SEARCH, ORDER, POLL, ASSOCIATE]


@pytest.mark.parametrize("policy", ["Retain", "Destroy"])
def test_a_search_that_finds_too_few_orders_nothing(
    stub: Stubber, invoke: Invoke, api_calls: list[str], policy: str
) -> None:
    expect_search(stub, [FIRST])
    props = numbers_properties(RemovalPolicy=policy)
    body = create(invoke, props=props)
    assert body["Status"] == "FAILED"
    reason = body["Reason"]
    assert "SearchAvailablePhoneNumbers found 1 of the 2 numbers wanted" in reason
    assert "AreaCode 206" in reason
    assert "Nothing was ordered" in reason
    assert cfn_request.is_failed_create(body["PhysicalResourceId"])
    assert api_calls == [SEARCH]
    rollback = delete(invoke, props=props, physical_id=body["PhysicalResourceId"])
    assert rollback["Status"] == "SUCCESS", rollback["Reason"]
    assert api_calls == [SEARCH]
    assert claim_state(body) == claims.ENDED


@pytest.mark.parametrize(
    ("status", "acquired"),
    [("Partial", [FIRST]), ("Failed", [])],
)
def test_an_order_that_ends_short_releases_what_it_acquired(
    stub: Stubber, invoke: Invoke, api_calls: list[str], status: str, acquired: list[str]
) -> None:
    expect_search(stub, [FIRST, SECOND])
    expect_order(stub, [FIRST, SECOND])
    expect_poll(stub, [FIRST, SECOND], status, acquired=acquired)
    expect_release(stub, *acquired)
    props = numbers_properties(RemovalPolicy="Retain")
    body = create(invoke, props=props)
    assert body["Status"] == "FAILED"
    reason = body["Reason"]
    assert f"Phone number order {ORDER_ID} ended {status}: {len(acquired)} of 2 numbers " in reason
    assert f"acquired, {2 - len(acquired)} not" in reason
    assert "nothing was kept" in reason
    bought = [SEARCH, ORDER, POLL, *[RELEASE] * len(acquired)]
    assert api_calls == bought
    assert claim_state(body) == claims.FAILED
    # The rollback Delete finds it all released: no call, whatever the policy.
    rollback = delete(invoke, props=props, physical_id=body["PhysicalResourceId"])
    assert rollback["Status"] == "SUCCESS", rollback["Reason"]
    assert api_calls == bought
    assert claim_state(body) == claims.ENDED


def test_the_deadline_while_processing_fails_and_the_rollback_releases_the_order(
    stub: Stubber, invoke: Invoke, api_calls: list[str], sleeps: list[float]
) -> None:
    """Even with RemovalPolicy Retain: numbers a failed Create bought are never kept."""
    expect_search(stub, [FIRST, SECOND])
    expect_order(stub, [FIRST, SECOND])
    expect_poll(stub, [FIRST, SECOND], "Processing")
    props = numbers_properties(RemovalPolicy="Retain")
    body = invoke(lambda url: numbers_event("Create", url, props=props), timeout=SHORT)
    assert body["Status"] == "FAILED"
    assert (
        f"Phone number order {ORDER_ID} was still Processing at the function's deadline"
        in (body["Reason"])
    )
    marker = body["PhysicalResourceId"]
    assert marker == cfn_request.failed_create_physical_id(request_id_of(body))
    assert api_calls == [SEARCH, ORDER, POLL]
    assert sleeps == []
    claim = claim_of(KIND, request_id_of(body))
    assert claim is not None
    assert (claim.state, claim.physical_id, claim.facts[resource.ORDER]) == (
        claims.FAILED,
        PHYSICAL_ID,
        ORDER_ID,
    )
    # The rollback Delete waits for the order, then releases what it acquired.
    expect_poll(stub, [FIRST, SECOND], "Processing")
    expect_poll(stub, [FIRST, SECOND], "Successful")
    expect_release(stub, FIRST, SECOND)
    rollback = delete(invoke, props=props, physical_id=marker)
    assert (rollback["Status"], rollback["PhysicalResourceId"]) == ("SUCCESS", marker)
    assert api_calls == [SEARCH, ORDER, POLL, POLL, POLL, RELEASE, RELEASE]
    assert sleeps == [1.0]
    assert claim_state(body) == claims.ENDED


def test_an_association_refused_fails_the_create_and_releases_the_numbers(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    """Refused all: none is on the voice connector, so none comes off it."""
    expect_bought(stub, FIRST, SECOND)
    expect_associate(stub, [FIRST, SECOND], refused=[FIRST, SECOND])
    expect_release(stub, FIRST, SECOND)
    props = numbers_properties(RemovalPolicy="Retain")
    body = create(invoke, props=props)
    assert body["Status"] == "FAILED"
    reason = body["Reason"]
    assert f"{ASSOCIATE} on voice connector {VC_ID} refused 2 of 2 numbers" in reason
    assert "The 2 numbers ordered were released: nothing was kept." in reason
    assert cfn_request.is_failed_create(body["PhysicalResourceId"])
    assert api_calls == [SEARCH, ORDER, POLL, ASSOCIATE, RELEASE, RELEASE]
    rollback = delete(invoke, props=props, physical_id=body["PhysicalResourceId"])
    assert rollback["Status"] == "SUCCESS", rollback["Reason"]
    assert api_calls == [SEARCH, ORDER, POLL, ASSOCIATE, RELEASE, RELEASE]


def test_an_association_refused_in_part_unassigns_the_others_before_releasing(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    """The service deletes a number only once it is on no voice connector: the number the
    association took must come off it before it is released."""
    expect_bought(stub, FIRST, SECOND)
    expect_associate(stub, [FIRST, SECOND], refused=[SECOND])
    expect_disassociate(stub, [FIRST])  # what the association took, no more
    expect_release(stub, FIRST, SECOND)
    body = create(invoke)
    assert body["Status"] == "FAILED"
    assert api_calls == [SEARCH, ORDER, POLL, ASSOCIATE, DISASSOCIATE, RELEASE, RELEASE]


@pytest.mark.parametrize(
    ("changed", "named"),
    [
        ({"PhoneNumberType": "TollFree"}, "AreaCode narrows a search of local numbers"),
        ({"State": "WA"}, "Give at most one of AreaCode and State"),
        ({"AreaCode": None, "City": "Seattle"}, "City needs State"),
        ({"AreaCode": None, "TollFreePrefix": "888"}, "TollFreePrefix is for toll-free numbers"),
    ],
    ids=["AreaCode with TollFree", "two criteria", "City alone", "TollFreePrefix with Local"],
)
def test_a_search_the_service_refuses_is_refused_before_any_call(
    stub: Stubber,
    invoke: Invoke,
    api_calls: list[str],
    claim_table: ClaimTableInfo,
    changed: dict[str, Any],
    named: str,
) -> None:
    body = create(invoke, props=numbers_properties(**changed))
    assert body["Status"] == "FAILED"
    assert named in body["Reason"]
    assert cfn_request.is_failed_create(body["PhysicalResourceId"])
    assert api_calls == []
    assert claim_table.items() == []  # nothing claimed either


def test_a_forbidden_search_names_the_account_wide_action(stub: Stubber, invoke: Invoke) -> None:
    """Searching and ordering numbers act on no voice connector: the Reason must not send the
    reader to a grant on one (the action takes Resource "*")."""
    stub.add_client_error("search_available_phone_numbers", "ForbiddenException", "denied", 403)
    body = create(invoke)
    assert body["Status"] == "FAILED"
    assert "chime:SearchAvailablePhoneNumbers" in body["Reason"]
    assert ":vc/" not in body["Reason"], body["Reason"]


# A run that takes over from one that died -------------------------------------------------------


def test_a_run_that_takes_over_after_the_order_waits_for_it_and_orders_nothing(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    request_id = new_request_id()
    left_claim(KIND, request_id, facts=dead_run_facts([FIRST, SECOND], ORDER_ID))
    expect_poll(stub, [FIRST, SECOND])
    expect_associate(stub, [FIRST, SECOND])
    body = create(invoke, request_id=request_id)
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert (body["PhysicalResourceId"], body["Data"]) == (PHYSICAL_ID, data(FIRST, SECOND))
    assert api_calls == [POLL, ASSOCIATE]
    assert claim_state(body) == claims.MADE


def test_a_run_that_takes_over_before_the_order_was_recorded_finds_it(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    """The dead run noted the numbers it chose, then died with or without its order placed:
    the account holds the first of them from that order, so it is not placed again."""
    request_id = new_request_id()
    left_claim(KIND, request_id, facts=dead_run_facts([FIRST, SECOND]))
    expect_get_number(stub, FIRST, ORDER_ID)
    expect_poll(stub, [FIRST, SECOND])
    expect_associate(stub, [FIRST, SECOND])
    body = create(invoke, request_id=request_id)
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert (body["PhysicalResourceId"], body["Data"]) == (PHYSICAL_ID, data(FIRST, SECOND))
    assert api_calls == ["GetPhoneNumber", POLL, ASSOCIATE]


def test_a_run_that_takes_over_from_one_that_placed_no_order_orders(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    request_id = new_request_id()
    left_claim(KIND, request_id, facts=dead_run_facts([FIRST, SECOND]))
    expect_get_number(stub, FIRST, None)
    expect_bought(stub, THIRD, FOURTH)
    expect_associate(stub, [THIRD, FOURTH])
    body = create(invoke, request_id=request_id)
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"] == data(THIRD, FOURTH)
    assert api_calls == ["GetPhoneNumber", SEARCH, ORDER, POLL, ASSOCIATE]


def test_the_rollback_of_a_run_that_died_before_recording_its_order_looks_once(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    """The rollback Delete finds the dead run's order by the first number it chose, waits for
    it and releases what it acquired: one look-up, not one to find it and another to end it."""
    request_id = new_request_id()
    props = numbers_properties(RemovalPolicy="Retain")
    left_claim(KIND, request_id, props=props, facts=dead_run_facts([FIRST, SECOND]))
    expect_get_number(stub, FIRST, ORDER_ID)
    expect_poll(stub, [FIRST, SECOND])
    expect_release(stub, FIRST, SECOND)
    marker = cfn_request.failed_create_physical_id(request_id)
    body = delete(invoke, props=props, physical_id=marker)
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert api_calls == ["GetPhoneNumber", POLL, RELEASE, RELEASE]


def test_a_delete_whose_create_never_answered_releases_its_numbers_whatever_the_policy(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    """The Create bought and recorded its numbers, but its answer never reached CloudFormation,
    whose Delete carries an id the function never issued: the numbers are released."""
    expect_bought(stub, FIRST, SECOND)
    expect_associate(stub, [FIRST, SECOND])
    props = numbers_properties(RemovalPolicy="Retain")
    created = create(invoke, props=props)
    assert created["Status"] == "SUCCESS", created["Reason"]
    expect_disassociate(stub, [FIRST, SECOND])
    expect_release(stub, FIRST, SECOND)
    unknown = "ChimeNumbersFromATimedOutCreate"
    body = delete(invoke, props=props, physical_id=unknown)
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", unknown)
    assert api_calls[-3:] == [DISASSOCIATE, RELEASE, RELEASE]
    assert claim_state(created) == claims.ENDED


# Update ---------------------------------------------------------------------------------------


def test_a_larger_count_orders_the_difference_and_assigns_only_the_new(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    record(held(FIRST, SECOND))
    expect_bought(stub, THIRD, order_id=ORDER_2)
    expect_associate(stub, [THIRD])
    body = update(invoke, numbers_properties(Count="3"))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", PHYSICAL_ID), body["Reason"]
    assert body["Data"] == data(FIRST, SECOND, THIRD)  # the first order stays the resource's
    assert api_calls == [SEARCH, ORDER, POLL, ASSOCIATE]
    claim = claim_of(KIND, request_id_of(body))
    assert claim is not None
    assert claim.state == claims.MADE
    assert json.loads(claim.facts[resource.HELD]) == [
        [FIRST, ORDER_ID],
        [SECOND, ORDER_ID],
        [THIRD, ORDER_2],
    ]
    # A Delete then releases all three: the Update's record is the resource's latest.
    expect_disassociate(stub, [FIRST, SECOND, THIRD])
    expect_release(stub, FIRST, SECOND, THIRD)
    assert delete(invoke)["Status"] == "SUCCESS"


def test_a_smaller_count_releases_the_latest_ordered_first_and_says_so(
    stub: Stubber, invoke: Invoke, api_calls: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    record(held(FIRST, SECOND) + held(THIRD, order_id=ORDER_2))
    expect_disassociate(stub, [THIRD, SECOND])
    expect_release(stub, THIRD, SECOND)
    body = update(invoke, numbers_properties(Count="1"), old_props=numbers_properties(Count="3"))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", PHYSICAL_ID), body["Reason"]
    assert body["Data"] == data(FIRST)
    assert api_calls == [DISASSOCIATE, RELEASE, RELEASE]
    released = [r.getMessage() for r in caplog.records if "Released 2 numbers" in r.getMessage()]
    assert len(released) == 1
    assert "the latest ordered first" in released[0]
    assert released[0].index(THIRD) < released[0].index(SECOND)


@pytest.mark.parametrize(
    ("before", "after", "calls"),
    [
        # ForceAssociate moves them: no call on the old voice connector, whose grant the
        # stack's policy no longer holds when the Update runs.
        (VC_ID, OTHER_VC, [ASSOCIATE]),
        (VC_ID, None, [DISASSOCIATE]),
        (None, OTHER_VC, [ASSOCIATE]),
    ],
    ids=["moved", "unassigned", "assigned"],
)
def test_another_voice_connector_moves_the_numbers(
    stub: Stubber,
    invoke: Invoke,
    api_calls: list[str],
    before: str | None,
    after: str | None,
    calls: list[str],
) -> None:
    record(held(FIRST, SECOND))
    if after is not None:
        expect_associate(stub, [FIRST, SECOND], after, move=True)
    elif before is not None:
        expect_disassociate(stub, [FIRST, SECOND], before)
    body = update(
        invoke,
        numbers_properties(VoiceConnectorId=after),
        old_props=numbers_properties(VoiceConnectorId=before),
    )
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", PHYSICAL_ID), body["Reason"]
    assert body["Data"] == data(FIRST, SECOND)
    assert api_calls == calls


@pytest.mark.parametrize(
    "changed",
    [{"Name": "Renamed order"}, {"RemovalPolicy": "Retain"}, {"ServiceTimeout": "300"}],
    ids=["Name", "RemovalPolicy", "ServiceTimeout"],
)
def test_an_update_the_service_holds_nothing_of_makes_no_call(
    stub: Stubber, invoke: Invoke, api_calls: list[str], changed: dict[str, Any]
) -> None:
    """An order's name names the next orders only: the numbers held stay as they are."""
    record(held(FIRST, SECOND))
    body = update(invoke, numbers_properties(**changed))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", PHYSICAL_ID), body["Reason"]
    assert body["Data"] == data(FIRST, SECOND)
    assert api_calls == []


def test_an_update_that_ran_out_of_time_is_released_by_the_rollback(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    """A larger Count whose order was still processing at the deadline fails; CloudFormation's
    rollback Update (the old Count) releases what that order acquired and keeps the rest."""
    record(held(FIRST, SECOND))
    expect_search(stub, [THIRD])
    expect_order(stub, [THIRD], ORDER_2)
    expect_poll(stub, [THIRD], "Processing", ORDER_2)
    larger = numbers_properties(Count="3")
    failed = invoke(lambda url: numbers_event("Update", url, props=larger), timeout=SHORT)
    assert (failed["Status"], failed["PhysicalResourceId"]) == ("FAILED", PHYSICAL_ID)
    assert "was still Processing at the function's deadline" in failed["Reason"]
    expect_poll(stub, [THIRD], "Successful", ORDER_2)
    expect_release(stub, THIRD)
    back = update(invoke, numbers_properties(), old_props=larger)
    assert (back["Status"], back["PhysicalResourceId"]) == ("SUCCESS", PHYSICAL_ID), back["Reason"]
    assert back["Data"] == data(FIRST, SECOND)
    assert api_calls == [SEARCH, ORDER, POLL, POLL, RELEASE]
    assert claim_state(failed) == claims.ENDED


def test_an_update_in_place_needs_the_record_of_the_numbers(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    body = update(invoke, numbers_properties(Count="3"))
    assert (body["Status"], body["PhysicalResourceId"]) == ("FAILED", PHYSICAL_ID)
    assert f"No record of the numbers of {PHYSICAL_ID} in the claim table" in body["Reason"]
    assert api_calls == []


def test_the_rollback_of_a_replacement_returns_to_the_numbers_held_before(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    """CloudFormation's rollback Update: the old properties, the replacement's id. The old
    numbers are still held (the cleanup that would release them never ran): the rollback answers
    their id and Data, and buys nothing."""
    expect_bought(stub, FIRST, SECOND)
    expect_associate(stub, [FIRST, SECOND])
    created = create(invoke)
    assert created["Status"] == "SUCCESS", created["Reason"]
    elsewhere = numbers_properties(AreaCode="425")
    expect_bought(stub, THIRD, FOURTH, order_id=ORDER_2, AreaCode="425")
    expect_associate(stub, [THIRD, FOURTH])
    replaced = update(invoke, elsewhere, physical_id=PHYSICAL_ID)
    assert replaced["Status"] == "SUCCESS", replaced["Reason"]
    assert replaced["PhysicalResourceId"] == f"chime-phone-numbers:us-east-1:{ORDER_2}"
    bought = list(api_calls)
    back = update(
        invoke,
        numbers_properties(),
        old_props=elsewhere,
        physical_id=replaced["PhysicalResourceId"],
    )
    assert back["Status"] == "SUCCESS", back["Reason"]
    assert (back["PhysicalResourceId"], back["Data"]) == (PHYSICAL_ID, data(FIRST, SECOND))
    assert api_calls == bought


# Delete ---------------------------------------------------------------------------------------


def test_delete_with_destroy_unassigns_then_releases_each_number(
    stub: Stubber, invoke: Invoke, api_calls: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    made = record(held(FIRST, SECOND))
    expect_disassociate(stub, [FIRST, SECOND])
    expect_release(stub, FIRST, SECOND)
    body = delete(invoke)
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", PHYSICAL_ID), body["Reason"]
    assert api_calls == [DISASSOCIATE, RELEASE, RELEASE]
    assert "RestorePhoneNumber" in caplog.text  # where a released number can be had back
    ended = claim_of(KIND, made.key.request)
    assert ended is not None
    assert ended.state == claims.ENDED


def test_numbers_already_off_the_voice_connector_or_gone_are_released_anyway(
    stub: Stubber, invoke: Invoke
) -> None:
    record(held(FIRST, SECOND))
    expect_disassociate(stub, [FIRST, SECOND], refused=[FIRST], code="NotFound")
    expect_release(stub, FIRST)
    stub.add_client_error(
        "delete_phone_number",
        "NotFoundException",
        "gone",
        404,
        expected_params={"PhoneNumberId": SECOND},
    )
    body = delete(invoke)
    assert body["Status"] == "SUCCESS", body["Reason"]


def test_delete_with_retain_calls_nothing_and_ends_the_record(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    made = record(held(FIRST, SECOND))
    body = delete(invoke, props=numbers_properties(RemovalPolicy="Retain"))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", PHYSICAL_ID)
    assert api_calls == []
    ended = claim_of(KIND, made.key.request)
    assert ended is not None
    assert ended.state == claims.ENDED


def test_the_default_removal_policy_is_retain(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    record(held(FIRST, SECOND))
    body = delete(invoke, props=numbers_properties(RemovalPolicy=None))
    assert body["Status"] == "SUCCESS"
    assert api_calls == []


def test_unassigned_numbers_are_released_without_a_voice_connector_call(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    record(held(FIRST, SECOND))
    expect_release(stub, FIRST, SECOND)
    body = delete(invoke, props=numbers_properties(VoiceConnectorId=None))
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert api_calls == [RELEASE, RELEASE]
