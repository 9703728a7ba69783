"""The account's phone numbers, its orders, and the supply the numbers come from.

An order takes its numbers out of the supply when it is placed (those no longer available then
fail when it ends) and ends once it has been polled and has waited as its `OrderBehaviour` says:
the numbers it acquired enter the inventory Unassigned; those it failed to acquire leave the
supply for good. DeletePhoneNumber moves a number to the deletion queue (DeleteInProgress) for 7
days on the emulator's clock (or until `release_deleted`); it then leaves the account and
returns to the supply. Orders end, and queued numbers leave, when the state is next read.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import unquote

from harness.emulator.model import ApiError
from harness.emulator.resources import (
    VOICE_CONNECTOR_ASSOCIATION,
    OrderBehaviour,
    PhoneNumber,
    PhoneNumberOrder,
)
from harness.emulator.supply import Criteria, Supply, find

DELETION_QUEUE: Final = timedelta(days=7)
"""How long a deleted number stays restorable (the Amazon Chime SDK administrator guide)."""
UNASSIGNED: Final = "Unassigned"
ASSIGNED: Final = "Assigned"
DELETE_IN_PROGRESS: Final = "DeleteInProgress"
OUTCOMES: Final = ("Successful", "Failed", "Partial")


def number_of(phone_number_id: str) -> str:
    """The E.164 number a request's PhoneNumberId names: "+12065550100" or "%2B12065550100"."""
    return unquote(phone_number_id) if "%" in phone_number_id else phone_number_id


class PhoneBook:
    """The account's numbers (by E.164 number), its orders (by id) and the supply.

    Attributes:
        behaviour: How orders placed from now on end.
    """

    def __init__(self) -> None:
        """Start with no numbers, no orders and the whole catalogue available."""
        self.supply = Supply()
        self.numbers: dict[str, PhoneNumber] = {}
        self.orders: dict[str, PhoneNumberOrder] = {}
        self.behaviour = OrderBehaviour()

    def settle(self, now: datetime) -> None:
        """End the orders that are due; release the numbers whose 7 days in the queue are over."""
        for order in self.orders.values():
            if order.due(now):
                self._finish(order, now)
        for number in list(self.numbers.values()):
            if number.deleted is not None and number.deleted + DELETION_QUEUE <= now:
                self.release(number.e164)

    def require(self, phone_number_id: str) -> PhoneNumber:
        """The account's number; ApiError (NotFoundException) when it has no such number."""
        found = self.numbers.get(number_of(phone_number_id))
        if found is None:
            raise ApiError(
                "NotFoundException",
                "Phone number not found in the account's inventory or deletion queue",
            )
        return found

    def require_order(self, order_id: str) -> PhoneNumberOrder:
        """The order; ApiError (NotFoundException) when there is none."""
        found = self.orders.get(order_id)
        if found is None:
            raise ApiError("NotFoundException", f"Phone number order {order_id} not found")
        return found

    def place(
        self, product_type: str, numbers: Sequence[str], name: str | None, now: datetime
    ) -> PhoneNumberOrder:
        """Place an order (Processing), taking its available numbers out of the supply."""
        if not numbers:
            raise ApiError("BadRequestException", "E164PhoneNumbers must list at least one number")
        if len(set(numbers)) != len(numbers):
            raise ApiError("BadRequestException", "E164PhoneNumbers lists a number more than once")
        foreign = sorted(
            {entry.country for entry in map(find, numbers) if entry and entry.country != "US"}
        )
        if product_type == "VoiceConnector" and foreign:
            raise ApiError(
                "BadRequestException",
                f"Numbers outside the US ({', '.join(foreign)}) must be ordered with ProductType "
                "SipMediaApplicationDialIn",
            )
        order = PhoneNumberOrder(
            order_id=str(uuid.uuid4()),
            product_type=product_type,
            status="Processing",
            lines=[(number, "Processing") for number in numbers],
            created=now,
            updated=now,
            behaviour=self.behaviour,
            reserved=frozenset(number for number in numbers if self.supply.take(number)),
            name=name,
        )
        self.orders[order.order_id] = order
        return order

    def _finish(self, order: PhoneNumberOrder, now: datetime) -> None:
        numbers = [number for number, _ in order.lines]
        failed = order.behaviour.failures(numbers) | (set(numbers) - order.reserved)
        order.lines = [(n, "Failed" if n in failed else "Acquired") for n in numbers]
        order.status = (
            "Successful" if not failed else "Failed" if len(failed) == len(numbers) else "Partial"
        )
        order.updated = now
        for number in numbers:
            entry = find(number)
            if number in failed or entry is None:
                continue
            self.numbers[number] = PhoneNumber(
                e164=number,
                country=entry.country,
                type=entry.type,
                product_type=order.product_type,
                status=UNASSIGNED,
                created=now,
                updated=now,
                order_id=order.order_id,
                name=order.name,
            )

    def release(self, e164: str) -> None:
        """Take the number out of the account for good and return it to the supply."""
        del self.numbers[e164]
        self.supply.give_back(e164)

    def seed(
        self,
        e164: str | None,
        criteria: Criteria,
        *,
        product_type: str,
        voice_connector_id: str | None,
        name: str | None,
        now: datetime,
    ) -> str:
        """Put a number straight into the inventory (the first available one meeting `criteria`
        unless `e164` is given), assigned to `voice_connector_id` if given; returns it."""
        if e164 is None:
            e164 = next((entry.e164 for entry in self.supply.available(criteria)), None)
            if e164 is None:
                raise ValueError(f"No available number meets {criteria}: restock or widen it")
        entry = find(e164)
        if entry is None or not self.supply.take(e164):
            raise ValueError(
                "That number is not available: pass one from available_numbers(), or none"
            )
        number = PhoneNumber(
            e164=e164,
            country=entry.country,
            type=entry.type,
            product_type=product_type,
            status=UNASSIGNED,
            created=now,
            updated=now,
            name=name,
        )
        if voice_connector_id is not None:
            number.status = ASSIGNED
            number.associations = [(VOICE_CONNECTOR_ASSOCIATION, voice_connector_id, now)]
        self.numbers[e164] = number
        return e164

    def configure(
        self,
        *,
        polls_until_done: int,
        seconds_until_done: float,
        outcome: str,
        failed_numbers: Sequence[str],
    ) -> None:
        """Set how orders placed from now on end (see `OrderBehaviour`)."""
        if polls_until_done < 0 or not seconds_until_done >= 0:
            raise ValueError(
                "polls_until_done and seconds_until_done must be >= 0, got "
                f"{polls_until_done!r} and {seconds_until_done!r}"
            )
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {list(OUTCOMES)}, got {outcome!r}")
        if failed_numbers and outcome != "Partial":
            raise ValueError("failed_numbers needs outcome='Partial' (the rest are acquired)")
        self.behaviour = OrderBehaviour(
            polls_until_done, seconds_until_done, outcome, frozenset(failed_numbers)
        )

    def restock(self) -> None:
        """Make the catalogue available again, but for the account's numbers and those of orders
        still under way."""
        held = set(self.numbers)
        for order in self.orders.values():
            if order.status == "Processing":
                held.update(order.reserved)
        self.supply.restock(held)

    def clear(self) -> None:
        """Forget every number and order; restock the supply; orders end as by default."""
        self.numbers.clear()
        self.orders.clear()
        self.supply.restock(())
        self.behaviour = OrderBehaviour()
