"""Ordering phone numbers exactly once: search, order, wait, release (``phone_numbers_resource``).

Under a claim (``once``), the numbers chosen are recorded before CreatePhoneNumberOrder and the
order's id right after it, so a run that takes over finds an order a dead run placed (by its id,
or by GetPhoneNumber on a number it chose) instead of ordering again. An order that does not end
Successful keeps nothing: what it acquired is released (DeletePhoneNumber) before the error.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final

import once
import proxy_contract as contract
from call_reasons import ChimeCallError
from cfn_lifecycle import Job

logger = logging.getLogger(__name__)

# Facts on a claim: the numbers chosen for the next order, the order placed, what is held, and
# whether a failed request already released what its order acquired.
CHOSEN: Final = "chosen"
ORDER: Final = "order"
HELD: Final = "held"
RELEASED: Final = "released"
# On an Update's claim: the PhysicalResourceId whose numbers ``held`` describes.
OF: Final = "of"
# The order's end states, and those it would wait in for days (documents, porting steps), which
# a new order of numbers that need none should never reach: they count as failed.
_ACQUIRED: Final = "Acquired"
_DONE: Final = frozenset(
    {
        "Successful",
        "Failed",
        "Partial",
        "Exception",
        "Cancelled",
        "CancelRequested",
        "PendingDocuments",
        "ChangeRequested",
    }
)
_POLL_FIRST: Final = 1.0
_POLL_MAX: Final = 8.0
_SEARCH_PAGE: Final = 100

Held = list[tuple[str, str]]  # (E.164 number, order id), oldest first


class PhoneNumbersError(Exception):
    """Ordering, assigning or releasing numbers failed; the message is the Reason. ``taken``: the
    numbers an association took before the service refused the others."""

    def __init__(self, reason: str, taken: Sequence[str] = ()) -> None:
        super().__init__(reason)
        self.taken = list(taken)


def physical_resource_id(region: str, order_id: str) -> str:
    """The PhysicalResourceId: the region and the resource's first order."""
    return f"{contract.PHONE_NUMBERS_PHYSICAL_ID_PREFIX}{region}:{order_id}"


def response_data(held: Held, order_id: str) -> dict[str, str]:
    """The Data: the numbers (sorted, comma-joined), the first order's id, how many."""
    return {
        contract.ATTR_PHONE_NUMBERS: ",".join(sorted(number for number, _ in held)),
        contract.ATTR_PHONE_NUMBER_ORDER_ID: order_id,
        contract.ATTR_COUNT: str(len(held)),
    }


def data_of(physical_id: str, held: Held) -> dict[str, str]:
    """The Data of the resource ``physical_id`` (which names its first order) holding ``held``."""
    return response_data(held, physical_id.rsplit(":", 1)[-1])


def held_of(facts: Mapping[str, str]) -> Held:
    return [(str(number), str(order)) for number, order in json.loads(facts.get(HELD, "[]"))]


def progress_of(job: Job) -> once.Progress:
    if job.progress is None:  # pragma: no cover - cfn_lifecycle runs these under a claim
        raise RuntimeError("phone numbers are ordered under a claim only")
    return job.progress


# Ordering -----------------------------------------------------------------------------------


def _search(job: Job, count: int) -> list[str]:
    values = job.properties.values
    request: dict[str, Any] = {
        key: values[key]
        for key in (
            contract.COUNTRY,
            contract.AREA_CODE,
            contract.STATE,
            contract.CITY,
            contract.TOLL_FREE_PREFIX,
            contract.PHONE_NUMBER_TYPE,
        )
        if values.get(key) is not None
    }
    found: list[str] = []
    while len(found) < count:
        page = job.calls.call(
            "SearchAvailablePhoneNumbers", **request, MaxResults=max(count, _SEARCH_PAGE)
        )
        found.extend(n for n in page.get("E164PhoneNumbers") or [] if n not in found)
        token = page.get("NextToken")
        if not token:
            break
        request["NextToken"] = token
    if len(found) < count:
        criteria = ", ".join(
            f"{key} {value}" for key, value in request.items() if key != "NextToken"
        )
        raise PhoneNumbersError(
            f"SearchAvailablePhoneNumbers found {len(found)} of the {count} numbers wanted "
            f"({criteria}). Nothing was ordered. Widen the search (drop {contract.AREA_CODE}, "
            f"{contract.CITY} or {contract.STATE}) or lower {contract.COUNT}."
        )
    return found[:count]


def placed(job: Job, chosen: Sequence[str]) -> str | None:
    """The order a dead run placed for ``chosen`` (the account holds its first number), or None."""
    found = job.calls.find("GetPhoneNumber", PhoneNumberId=chosen[0])
    number = None if found is None else found.get("PhoneNumber") or {}
    order = None if number is None else number.get("OrderId")
    return str(order) if order else None


def wait_for(job: Job, order_id: str) -> dict[str, Any]:
    """Poll the order until it ends; raise when the deadline comes first."""
    delay = _POLL_FIRST
    policy = job.calls.policy
    while True:
        order: dict[str, Any] = (
            job.calls.call("GetPhoneNumberOrder", PhoneNumberOrderId=order_id).get(
                "PhoneNumberOrder"
            )
            or {}
        )
        if order.get("Status") in _DONE:
            return order
        if policy.clock() + delay + policy.attempt_cost > job.calls.deadline:
            raise PhoneNumbersError(
                f"Phone number order {order_id} was still {order.get('Status')} at the "
                "function's deadline. The rollback releases what it acquires; deploy again, or "
                "raise the provider's timeout."
            )
        policy.sleep(delay)
        delay = min(_POLL_MAX, delay * 2)


def release(job: Job, numbers: Sequence[str]) -> None:
    """DeletePhoneNumber each; one already gone, or already in the deletion queue (a repeated
    release: the service refuses a second delete), counts as released."""
    for number in numbers:
        calls = job.calls.about(f"phone number {number}")
        try:
            calls.delete("DeletePhoneNumber", PhoneNumberId=number)
        except ChimeCallError:
            found = calls.find("GetPhoneNumber", PhoneNumberId=number)
            status = None if found is None else (found.get("PhoneNumber") or {}).get("Status")
            if found is not None and status != "DeleteInProgress":
                raise
            logger.info("%s was already released (%s)", number, status or "gone")


def order(job: Job, count: int) -> Held:
    """Order ``count`` numbers exactly once under the claim; what they are, oldest first."""
    progress = progress_of(job)
    facts = progress.facts
    order_id = facts.get(ORDER)
    chosen = [n for n in facts.get(CHOSEN, "").split(",") if n]
    if order_id is None and chosen and progress.recovering:
        order_id = placed(job, chosen)
    if order_id is None:
        chosen = _search(job, count)
        progress.note(**{CHOSEN: ",".join(chosen)})
        request: dict[str, Any] = {
            "ProductType": job.properties[contract.PRODUCT_TYPE],
            "E164PhoneNumbers": chosen,
        }
        if job.properties[contract.NAME] is not None:
            request["Name"] = job.properties[contract.NAME]
        answer = job.calls.call("CreatePhoneNumberOrder", **request)
        order_id = str((answer.get("PhoneNumberOrder") or {}).get("PhoneNumberOrderId"))
        progress.note(**{ORDER: order_id})
        logger.info("Ordered %d numbers (order %s): %s", count, order_id, ", ".join(chosen))
    if not progress.made:
        progress.made = physical_resource_id(job.calls.region, order_id)
    ended = wait_for(job, order_id)
    lines = ended.get("OrderedPhoneNumbers") or []
    acquired = [str(line["E164PhoneNumber"]) for line in lines if line.get("Status") == _ACQUIRED]
    if ended.get("Status") != "Successful" or len(acquired) < count:
        release(job, acquired)
        progress.keep(**{RELEASED: "true"})
        raise PhoneNumbersError(
            f"Phone number order {order_id} ended {ended.get('Status')}: {len(acquired)} of "
            f"{count} numbers acquired, {len(lines) - len(acquired)} not. What it acquired was "
            "released (DeletePhoneNumber): nothing was kept. Deploy again (another search finds "
            "other numbers), or change the search."
        )
    return [(number, order_id) for number in acquired]


def release_order(job: Job, order_id: str) -> None:
    """Release what an order acquired (waiting for it to end first)."""
    ended = wait_for(job, order_id)
    lines = ended.get("OrderedPhoneNumbers") or []
    release(job, [str(x["E164PhoneNumber"]) for x in lines if x.get("Status") == _ACQUIRED])
