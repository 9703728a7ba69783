"""The numbers a PhoneNumbers resource holds, each compared with the service's inventory.

Which numbers: the resource's attribute ``PhoneNumbers`` is not in the template, so they are read
where the handler keeps them, the ``held`` fact of the resource's latest claim in the stack's claim
table (numbers that later Updates ordered included), with the caller's permissions. Without that
record (no table, no permission, no record), the numbers of the order its physical id names
(``GetPhoneNumberOrder``), with a note saying that numbers of later orders, and ``Count``, are not
compared then.

Each number (``GetPhoneNumber``): still in the inventory (not found, ``DeleteInProgress`` or
``ReleaseInProgress`` is released), its ``ProductType``, and its association with the declared
voice connector (or with none when none is declared). These are the company's numbers, which the
handler puts in the resource's attributes and its log; they are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from ..contract import contract
from .declared import NotChecked, Subject
from .fields import DELETED_ADVICE
from .handler import claims, phone_number_orders
from .reads import ChimeReads
from .report import Difference, ResourceDrift, Status

NOT_FOUND: Final = "not found"
RELEASED: Final = frozenset({NOT_FOUND, "DeleteInProgress", "ReleaseInProgress"})
_ACQUIRED: Final = "Acquired"
_ASSOCIATED_WITH: Final = "VoiceConnectorId"


class ClaimsUnavailable(Exception):
    """The claim table cannot say which numbers a resource holds; the message says why."""


@dataclass(frozen=True)
class Number:
    """One number as the inventory shows it (``status`` is ``not found`` when it is gone)."""

    e164: str
    status: str
    product_type: str | None = None
    voice_connectors: tuple[str, ...] = ()

    @property
    def held(self) -> bool:
        """Whether the number is still the account's (not released)."""
        return self.status not in RELEASED


@dataclass(frozen=True)
class Live:
    """The numbers a resource holds, as the handler records them (number, order id), each as the
    inventory shows it; ``note`` says how they were found when not from the claim table."""

    held: phone_number_orders.Held
    numbers: tuple[Number, ...]
    note: str = ""

    @property
    def from_claims(self) -> bool:
        """Whether the numbers are the claim table's record (all of them)."""
        return not self.note


def recorded(physical_id: str, found: Sequence[claims.Claim]) -> phone_number_orders.Held:
    """The numbers the latest claim of ``found`` (oldest first) records for ``physical_id``: its
    Create's record, or a later Update's, as the handler reads them."""
    for claim in reversed(found):
        facts = claim.facts
        if phone_number_orders.HELD in facts and physical_id in (
            claim.physical_id,
            facts.get(phone_number_orders.OF),
        ):
            return phone_number_orders.held_of(facts)
    raise ClaimsUnavailable("the claim table has no record of its numbers")


def _number(reads: ChimeReads, e164: str) -> Number:
    found = reads.find("GetPhoneNumber", PhoneNumberId=e164)
    if found is None:
        return Number(e164, NOT_FOUND)
    number = found.get("PhoneNumber") or {}
    return Number(
        e164,
        str(number.get("Status") or ""),
        number.get("ProductType"),
        tuple(
            str(item.get("Value"))
            for item in number.get("Associations") or []
            if item.get("Name") == _ASSOCIATED_WITH
        ),
    )


def read(
    subject: Subject, reads: ChimeReads, claims_of: Callable[[], Sequence[claims.Claim]]
) -> Live:
    """The resource's numbers and what the inventory says of each."""
    note = ""
    try:
        held = recorded(subject.physical_id, claims_of())
    except ClaimsUnavailable as why:
        order_id = subject.physical_id.rsplit(":", 1)[-1]
        found = reads.find("GetPhoneNumberOrder", PhoneNumberOrderId=order_id)
        if found is None:
            raise NotChecked(f"{why}, and its order {order_id} is not found") from None
        lines = (found.get("PhoneNumberOrder") or {}).get("OrderedPhoneNumbers") or []
        held = [
            (str(x["E164PhoneNumber"]), order_id) for x in lines if x.get("Status") == _ACQUIRED
        ]
        note = (
            f"Numbers of its first order only ({why}): numbers that later updates ordered, and "
            f"{contract.COUNT}, are not compared"
        )
    return Live(held, tuple(_number(reads, e164) for e164, _ in held), note)


def misplaced(subject: Subject, live: Live) -> tuple[Number, ...]:
    """The held numbers not associated as declared (with the declared voice connector only, or
    with none when none is declared)."""
    declared = subject.declared[contract.VOICE_CONNECTOR_ID]
    wanted = () if declared is None else (declared,)
    return tuple(n for n in live.numbers if n.held and n.voice_connectors != wanted)


def drift(subject: Subject, live: Live) -> ResourceDrift:
    """Compare each number with the declared product type and voice connector, and the count."""
    declared = subject.declared
    kept = [number for number in live.numbers if number.held]
    if not kept:
        statuses = ", ".join(f"{n.e164} {n.status}" for n in live.numbers) or "none recorded"
        advice = DELETED_ADVICE[subject.kind.type_name]
        reason = f"None of its numbers is in the inventory any more ({statuses}). {advice}"
        return subject.drift(Status.DELETED, reason=" ".join(filter(None, (reason, live.note))))
    differences = [
        Difference(f"{contract.ATTR_PHONE_NUMBERS}[{n.e164}]", "held", n.status)
        for n in live.numbers
        if not n.held
    ]
    product = declared[contract.PRODUCT_TYPE]
    differences += [
        declared.difference(
            contract.PRODUCT_TYPE, product, n.product_type, f"{contract.PRODUCT_TYPE}[{n.e164}]"
        )
        for n in kept
        if n.product_type != product
    ]
    differences += [
        declared.difference(
            contract.VOICE_CONNECTOR_ID,
            declared[contract.VOICE_CONNECTOR_ID],
            ",".join(n.voice_connectors) or None,
            f"{contract.VOICE_CONNECTOR_ID}[{n.e164}]",
        )
        for n in misplaced(subject, live)
    ]
    count = declared[contract.COUNT]
    if live.from_claims and len(kept) != count:
        differences.append(declared.difference(contract.COUNT, count, len(kept)))
    return subject.drift(
        Status.MODIFIED if differences else Status.IN_SYNC, tuple(differences), live.note or None
    )


def attributes(subject: Subject, live: Live) -> Mapping[str, str]:
    """The resource's attributes as the handler answers them for the numbers it holds."""
    return phone_number_orders.data_of(subject.physical_id, live.held)
