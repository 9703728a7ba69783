"""PhoneNumbers end to end: the synthesized asset, CloudFormation's requests, the emulator.

The ``numbers`` app (``tests/e2e/apps.py``) makes two voice connectors
(``AWS::Chime::VoiceConnector``, created by the lifecycle driver through the emulator's
CreateVoiceConnector, as CloudFormation would) and three PhoneNumbers: Lines (on Connector,
Destroy; the proxy configuration waits for them), Moving (on Connector, Destroy) and Kept
(unassigned, Retain). Its ``changed`` variant,
synthesized here by the CDK CLI too, orders two more Lines and moves Moving to Other. The
function runs with the environment the template gives it: its claim table in moto's DynamoDB.
What the account holds is read from the emulator's inventory (``phone_numbers()``), which keeps
a released number in the deletion queue (``DeleteInProgress``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import proxy_contract as contract
from harness.emulator import ChimeVoiceEmulator
from harness.lifecycle import CloudFormationStack, Invocation, LambdaRunner, StackOperation
from harness.synth import Assembly, synth
from tests.e2e.apps import (
    APP_CONTEXT_KEY,
    E2E_APP,
    KEPT_AREA_CODE,
    LINES_AREA_CODE,
    LINES_COUNT,
    LINES_COUNT_CHANGED,
    MOVING_AREA_CODE,
    NUMBERS_VARIANT_KEY,
)
from tests.e2e.conftest import RunnerFor
from tests.e2e.session_tools import logical_id

pytestmark = pytest.mark.slow

ORDER, SEARCH = "CreatePhoneNumberOrder", "SearchAvailablePhoneNumbers"
ASSOCIATE = "AssociatePhoneNumbersWithVoiceConnector"
DISASSOCIATE = "DisassociatePhoneNumbersFromVoiceConnector"
ASSIGNED, UNASSIGNED, QUEUED = "Assigned", "Unassigned", "DeleteInProgress"
# Where an order is still under way at the deadline: the handler keeps 8 s of the timeout to
# answer and starts no call that could outlast what is left (13 s: connect plus read timeout), so
# with 27 s it polls at most three times (1 s, then 2 s apart) and never a fourth; the order ends
# at its fourth poll, which the rollback Delete makes.
SHORT_TIMEOUT = 27.0
POLLS_UNTIL_DONE = 4


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    """The ``numbers`` app's update: Lines two more, Moving on Other."""
    out: Path = tmp_path_factory.mktemp("assembly-numbers-changed")
    return synth(out, {APP_CONTEXT_KEY: "numbers", NUMBERS_VARIANT_KEY: "changed"}, app=E2E_APP)


@pytest.fixture
def base(assemblies: dict[str, Assembly]) -> Assembly:
    return assemblies["numbers"]


@pytest.fixture
def runner(base: Assembly, runner_for: RunnerFor) -> LambdaRunner:
    """The handler from the ``numbers`` app's own asset, with its claim table."""
    return runner_for(base)


@pytest.fixture
def stack(runner: LambdaRunner) -> CloudFormationStack:
    return CloudFormationStack(runner)


def invocation(operation: StackOperation, name: str, request_type: str) -> Invocation:
    """The operation's one request of ``request_type`` to the resource named ``name``."""
    (found,) = [
        item
        for item in operation.requests(request_type)
        if item.request["LogicalResourceId"].startswith(name)
    ]
    return found


def answer(item: Invocation) -> dict[str, Any]:
    assert item.response is not None, item.logs
    return dict(item.response)


def held(item: Invocation) -> list[str]:
    """The numbers a SUCCESS answer says the resource holds."""
    data = answer(item)["Data"]
    return str(data[contract.ATTR_PHONE_NUMBERS]).split(",")


def connector_id(stack: CloudFormationStack, name: str) -> str:
    """The id of the voice connector the stack made for the logical id ``name``."""
    return stack.voice_connectors.made[name].voice_connector_id


def inventory(emu: ChimeVoiceEmulator) -> dict[str, dict[str, Any]]:
    """The account's numbers (inventory and deletion queue), by E.164 number."""
    return {number["E164PhoneNumber"]: number for number in emu.phone_numbers()}


def on(number: dict[str, Any]) -> list[str]:
    """The voice connectors the number is associated with."""
    return [a["Value"] for a in number["Associations"] if a["Name"] == "VoiceConnectorId"]


def calls(emu: ChimeVoiceEmulator, operation: str) -> int:
    return len(emu.calls_for(operation))


def ordered(emu: ChimeVoiceEmulator) -> dict[str, list[str]]:
    """The numbers of every phone number order placed, by order id."""
    return {
        order["PhoneNumberOrderId"]: [
            line["E164PhoneNumber"] for line in order["OrderedPhoneNumbers"]
        ]
        for order in emu.phone_number_orders()
    }


def test_create_orders_exactly_count_numbers_and_assigns_them(
    stack: CloudFormationStack, base: Assembly, emu: ChimeVoiceEmulator
) -> None:
    operation = stack.deploy(base.template)
    assert operation.status == "CREATE_COMPLETE", operation.errors
    connector = connector_id(stack, "Connector")
    lines, moving, kept = (
        invocation(operation, name, "Create") for name in ("Lines", "Moving", "Kept")
    )
    # One search and one order per resource, each of exactly its count, as the props narrow it.
    assert (calls(emu, SEARCH), calls(emu, ORDER)) == (3, 3)
    orders = ordered(emu)
    for item, count, area_code in (
        (lines, LINES_COUNT, LINES_AREA_CODE),
        (moving, 1, MOVING_AREA_CODE),
        (kept, 1, KEPT_AREA_CODE),
    ):
        data = answer(item)["Data"]
        order_id = data[contract.ATTR_PHONE_NUMBER_ORDER_ID]
        assert answer(item)["PhysicalResourceId"].endswith(f":{order_id}")
        assert data[contract.ATTR_COUNT] == str(count)
        assert sorted(orders[order_id]) == held(item)
        assert len(held(item)) == count
        assert all(number.startswith(f"+1{area_code}") for number in held(item))
    account = inventory(emu)
    assert set(account) == {*held(lines), *held(moving), *held(kept)}
    # Assigned to the voice connector the stack made (its id by Fn::GetAtt); Kept has none.
    for number in [*held(lines), *held(moving)]:
        assert account[number]["Status"] == ASSIGNED
        assert on(account[number]) == [connector]
    (alone,) = held(kept)
    assert account[alone]["Status"] == UNASSIGNED
    assert on(account[alone]) == []
    associated = emu.calls_for(ASSOCIATE)
    assert [call.voice_connector_id for call in associated] == [connector, connector]


def test_the_proxy_waits_for_its_numbers(
    stack: CloudFormationStack, base: Assembly, emu: ChimeVoiceEmulator
) -> None:
    """Created after Lines are assigned; deleted before they are released."""
    created = stack.deploy(base.template)
    assert created.status == "CREATE_COMPLETE", created.errors
    sent = [item.request["LogicalResourceId"] for item in created.invocations]
    lines, proxy = logical_id(base.template, "Lines"), logical_id(base.template, "Proxy")
    assert sent.index(lines) < sent.index(proxy)
    operations = [call.operation for call in emu.calls]
    connector = connector_id(stack, "Connector")
    assigned = [
        index
        for index, call in enumerate(emu.calls)
        if call.operation == ASSOCIATE and call.voice_connector_id == connector
    ]
    assert max(assigned) < operations.index("GetVoiceConnectorProxy")
    emu.reset_calls()
    deleted = stack.delete()
    assert deleted.status == "DELETE_COMPLETE", deleted.errors
    sent = [item.request["LogicalResourceId"] for item in deleted.invocations]
    assert sent.index(proxy) < sent.index(lines)
    operations = [call.operation for call in emu.calls]
    assert operations.index("DeleteVoiceConnectorProxy") < operations.index(DISASSOCIATE)


def again(runner: LambdaRunner, item: Invocation) -> Invocation:
    """The same event in a new process under a new Lambda request id (a duplicate delivery)."""
    return runner.invoke(item.request, item.key)


@pytest.mark.parametrize(
    "deliver",
    [LambdaRunner.redeliver, again],
    ids=["lambda-retry", "duplicate-delivery"],
)
def test_a_create_delivered_twice_orders_once(
    stack: CloudFormationStack,
    runner: LambdaRunner,
    base: Assembly,
    emu: ChimeVoiceEmulator,
    deliver: Callable[[LambdaRunner, Invocation], Invocation],
) -> None:
    operation = stack.deploy(base.template)
    assert operation.status == "CREATE_COMPLETE", operation.errors
    first = invocation(operation, "Lines", "Create")
    before = inventory(emu)
    emu.reset_calls()
    second = deliver(runner, first)
    assert answer(second)["Status"] == "SUCCESS", answer(second).get("Reason")
    assert answer(second)["PhysicalResourceId"] == answer(first)["PhysicalResourceId"]
    assert answer(second)["Data"] == answer(first)["Data"]
    assert (calls(emu, SEARCH), calls(emu, ORDER)) == (0, 0)
    assert len(emu.phone_number_orders()) == 3
    assert inventory(emu) == before


def test_count_up_orders_the_difference_and_assigns_it(
    stack: CloudFormationStack, base: Assembly, changed: Assembly, emu: ChimeVoiceEmulator
) -> None:
    created = stack.deploy(base.template)
    assert created.status == "CREATE_COMPLETE", created.errors
    first = held(invocation(created, "Lines", "Create"))
    emu.reset_calls()
    updated = stack.deploy(changed.template)
    assert updated.status == "UPDATE_COMPLETE", updated.errors
    lines = invocation(updated, "Lines", "Update")
    # In place: the same resource, its first order, every number.
    assert (
        answer(lines)["PhysicalResourceId"]
        == answer(invocation(created, "Lines", "Create"))["PhysicalResourceId"]
    )
    now = held(lines)
    assert len(now) == LINES_COUNT_CHANGED
    assert set(first) < set(now)
    (placed,) = emu.calls_for(ORDER)
    added = sorted(ordered(emu)[str(placed.order_id)])
    assert added == sorted(set(now) - set(first))
    assert len(added) == LINES_COUNT_CHANGED - LINES_COUNT
    connector = connector_id(stack, "Connector")
    account = inventory(emu)
    for number in now:
        assert (account[number]["Status"], on(account[number])) == (ASSIGNED, [connector])


def test_count_down_releases_the_latest_ordered(
    stack: CloudFormationStack, base: Assembly, changed: Assembly, emu: ChimeVoiceEmulator
) -> None:
    created = stack.deploy(base.template)
    first = held(invocation(created, "Lines", "Create"))
    updated = stack.deploy(changed.template)
    assert updated.status == "UPDATE_COMPLETE", updated.errors
    latest = sorted(set(held(invocation(updated, "Lines", "Update"))) - set(first))
    back = stack.deploy(base.template)
    assert back.status == "UPDATE_COMPLETE", back.errors
    assert held(invocation(back, "Lines", "Update")) == sorted(first)
    account = inventory(emu)
    connector = connector_id(stack, "Connector")
    for number in first:
        assert (account[number]["Status"], on(account[number])) == (ASSIGNED, [connector])
    for number in latest:  # released: unassigned, in the deletion queue (restorable)
        assert (account[number]["Status"], on(account[number])) == (QUEUED, [])


def test_another_voice_connector_moves_the_numbers(
    stack: CloudFormationStack, base: Assembly, changed: Assembly, emu: ChimeVoiceEmulator
) -> None:
    created = stack.deploy(base.template)
    (number,) = held(invocation(created, "Moving", "Create"))
    connector, other = connector_id(stack, "Connector"), connector_id(stack, "Other")
    assert on(inventory(emu)[number]) == [connector]
    emu.reset_calls()
    updated = stack.deploy(changed.template)
    assert updated.status == "UPDATE_COMPLETE", updated.errors
    moving = invocation(updated, "Moving", "Update")
    assert held(moving) == [number]  # the same number: nothing ordered for the move
    # One association with Other moves it (ForceAssociate): no call on Connector, which the
    # stack's policy may no longer grant by then (Lines' new numbers are associated with it
    # meanwhile, and nothing is disassociated).
    assert calls(emu, DISASSOCIATE) == 0
    assert [call.voice_connector_id for call in emu.calls_for(ASSOCIATE)].count(other) == 1
    assert (inventory(emu)[number]["Status"], on(inventory(emu)[number])) == (ASSIGNED, [other])


def test_a_search_that_finds_too_few_orders_nothing(
    stack: CloudFormationStack, base: Assembly, emu: ChimeVoiceEmulator
) -> None:
    emu.limit_available(1, area_code=LINES_AREA_CODE)
    operation = stack.deploy(base.template)
    assert operation.status == "ROLLBACK_COMPLETE"
    reason = answer(invocation(operation, "Lines", "Create"))["Reason"]
    assert f"found 1 of the {LINES_COUNT} numbers wanted" in reason
    assert f"AreaCode {LINES_AREA_CODE}" in reason
    assert "Nothing was ordered" in reason
    # Lines' search only: no order holds, and the account has, no number of its area code. (The
    # others' orders went through; the rollback released Moving's and kept Kept's, Retain.)
    wanted = f"+1{LINES_AREA_CODE}"
    assert [n for numbers in ordered(emu).values() for n in numbers if n.startswith(wanted)] == []
    assert [n for n in inventory(emu) if n.startswith(wanted)] == []
    assert calls(emu, ORDER) == 2


def test_a_partial_order_fails_and_keeps_nothing(
    stack: CloudFormationStack, base: Assembly, emu: ChimeVoiceEmulator
) -> None:
    emu.order_behaviour(outcome="Partial")
    operation = stack.deploy(base.template)
    assert operation.status == "ROLLBACK_COMPLETE"
    lines = answer(invocation(operation, "Lines", "Create"))
    assert lines["Status"] == "FAILED"
    assert "ended Partial" in lines["Reason"]
    assert f"{LINES_COUNT - 1} of {LINES_COUNT} numbers acquired, 1 not" in lines["Reason"]
    assert "nothing was kept" in lines["Reason"]
    # What the orders acquired is released, whatever the removal policy (Kept: Retain).
    orders = emu.phone_number_orders()
    assert len(orders) == 3
    # Each order failed its last number: Lines' is Partial, the one-number orders Failed.
    assert sorted(order["Status"] for order in orders) == ["Failed", "Failed", "Partial"]
    account = inventory(emu)
    for order in orders:
        for line in order["OrderedPhoneNumbers"]:
            number = account.get(line["E164PhoneNumber"])
            # An acquired number waits in the deletion queue; a failed one never was the account's.
            status = None if number is None else number["Status"]
            assert status == (QUEUED if line["Status"] == "Acquired" else None)
    assert not [n for n in account.values() if n["Status"] != QUEUED]


def test_an_order_under_way_at_the_deadline_is_released_by_the_rollback_even_retained(
    base: Assembly, runner_for: RunnerFor, emu: ChimeVoiceEmulator
) -> None:
    emu.order_behaviour(polls_until_done=POLLS_UNTIL_DONE)
    stack = CloudFormationStack(runner_for(base, timeout_seconds=SHORT_TIMEOUT))
    operation = stack.deploy(base.template)
    assert operation.status == "ROLLBACK_COMPLETE"
    kept = invocation(operation, "Kept", "Create")
    assert kept.request["ResourceProperties"][contract.REMOVAL_POLICY] == "Retain"
    reason = answer(kept)["Reason"]
    assert "was still Processing at the function's deadline" in reason
    assert "The rollback releases what it acquires" in reason
    rollback = invocation(operation, "Kept", "Delete")
    assert answer(rollback)["Status"] == "SUCCESS", answer(rollback).get("Reason")
    # The rollback waited for each order to end (its last poll), then released what it acquired.
    orders = emu.phone_number_orders()
    assert len(orders) == 3
    assert {order["Status"] for order in orders} == {"Successful"}
    account = inventory(emu)
    for order in orders:
        for line in order["OrderedPhoneNumbers"]:
            assert account[line["E164PhoneNumber"]]["Status"] == QUEUED
    assert stack.voice_connectors.made == {}


def test_stack_delete_releases_destroy_and_keeps_retain(
    stack: CloudFormationStack, base: Assembly, emu: ChimeVoiceEmulator
) -> None:
    created = stack.deploy(base.template)
    destroyed = [
        number
        for name in ("Lines", "Moving")
        for number in held(invocation(created, name, "Create"))
    ]
    (retained,) = held(invocation(created, "Kept", "Create"))
    connectors = [connector_id(stack, "Connector"), connector_id(stack, "Other")]
    emu.reset_calls()
    deleted = stack.delete()
    assert deleted.status == "DELETE_COMPLETE", deleted.errors
    account = inventory(emu)
    for number in destroyed:
        assert (account[number]["Status"], on(account[number])) == (QUEUED, [])
    assert account[retained]["Status"] == UNASSIGNED
    assert [call.operation for call in emu.calls].count("DeletePhoneNumber") == len(destroyed)
    # The voice connectors go last, once no number is assigned to them.
    for vc_id in connectors:
        assert emu.voice_connector(vc_id) is None
