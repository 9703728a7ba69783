"""Custom::ChimePhoneNumbers: phone numbers the stack orders, keeps, moves and releases.

Create searches (SearchAvailablePhoneNumbers), orders (CreatePhoneNumberOrder), waits for the order
(GetPhoneNumberOrder, backing off within the deadline) and assigns the numbers to the voice
connector, if one is given (AssociatePhoneNumbersWithVoiceConnector). It runs under its request's
claim (``once``), and records on the claim the numbers it chose before ordering them and the
order's id once placed, so a repeated delivery or a retry after a crash never orders twice: an
order costs money. A Create that fails keeps nothing it ordered: what an order acquired is
released (DeletePhoneNumber) before the FAILED answer, or by the rollback Delete when the order had
not finished, whatever the removal policy.

The resource's numbers, oldest first with the order each came from, are the ``held`` fact of its
latest record in the claim table. An in-place Update (claimed too) orders the difference when
Count grows, releases the surplus (the latest ordered first) when it shrinks, and moves the numbers
when the voice connector changes. These are the company's numbers, not personal data: they appear
in the Data and the log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import unquote

import once
import proxy_contract as contract
from call_reasons import ChimeCallError
from cfn_lifecycle import Job
from cfn_request import CfnResult
from claims import FAILED, MADE, Claim

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


def _data_of(physical_id: str, held: Held) -> dict[str, str]:
    """The Data of the resource ``physical_id`` (which names its first order) holding ``held``."""
    return response_data(held, physical_id.rsplit(":", 1)[-1])


def _held(facts: Mapping[str, str]) -> Held:
    return [(str(number), str(order)) for number, order in json.loads(facts.get(HELD, "[]"))]


def _progress(job: Job) -> once.Progress:
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


def _placed(job: Job, chosen: Sequence[str]) -> str | None:
    """The order a dead run placed for ``chosen`` (the account holds its first number), or None."""
    found = job.calls.find("GetPhoneNumber", PhoneNumberId=chosen[0])
    number = None if found is None else found.get("PhoneNumber") or {}
    order = None if number is None else number.get("OrderId")
    return str(order) if order else None


def _wait(job: Job, order_id: str) -> dict[str, Any]:
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


def _release(job: Job, numbers: Sequence[str]) -> None:
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
    progress = _progress(job)
    facts = progress.facts
    order_id = facts.get(ORDER)
    chosen = [n for n in facts.get(CHOSEN, "").split(",") if n]
    if order_id is None and chosen and progress.recovering:
        order_id = _placed(job, chosen)
    if order_id is None:
        chosen = _search(job, count)
        progress.note(**{CHOSEN: ",".join(chosen)})
        request: dict[str, Any] = {
            "ProductType": job.properties[contract.PRODUCT_TYPE],
            "E164PhoneNumbers": chosen,
        }
        if job.properties[contract.NAME] is not None:
            request["Name"] = job.properties[contract.NAME]
        placed = job.calls.call("CreatePhoneNumberOrder", **request)
        order_id = str((placed.get("PhoneNumberOrder") or {}).get("PhoneNumberOrderId"))
        progress.note(**{ORDER: order_id})
        logger.info("Ordered %d numbers (order %s): %s", count, order_id, ", ".join(chosen))
    if not progress.made:
        progress.made = physical_resource_id(job.calls.region, order_id)
    ended = _wait(job, order_id)
    lines = ended.get("OrderedPhoneNumbers") or []
    acquired = [str(line["E164PhoneNumber"]) for line in lines if line.get("Status") == _ACQUIRED]
    if ended.get("Status") != "Successful" or len(acquired) < count:
        _release(job, acquired)
        progress.keep(**{RELEASED: "true"})
        raise PhoneNumbersError(
            f"Phone number order {order_id} ended {ended.get('Status')}: {len(acquired)} of "
            f"{count} numbers acquired, {len(lines) - len(acquired)} not. What it acquired was "
            "released (DeletePhoneNumber): nothing was kept. Deploy again (another search finds "
            "other numbers), or change the search."
        )
    return [(number, order_id) for number in acquired]


# Assigning ----------------------------------------------------------------------------------


def _assign(job: Job, operation: str, voice_connector_id: str, numbers: Sequence[str]) -> None:
    """Associate or disassociate ``numbers``; a number the service refuses fails the request
    (a disassociation of one that is not there counts as done)."""
    if not numbers:
        return
    response = job.calls.about(f"the numbers on voice connector {voice_connector_id}").call(
        operation, VoiceConnectorId=voice_connector_id, E164PhoneNumbers=list(numbers)
    )
    errors = response.get("PhoneNumberErrors") or []
    refused = [e for e in errors if e.get("ErrorCode") != "NotFound" or "Associate" in operation]
    if refused:
        shown = "; ".join(
            f"{e.get('PhoneNumberId')}: {e.get('ErrorCode')} {e.get('ErrorMessage') or ''}".strip()
            for e in refused
        )
        # The service answers a PhoneNumberId URL-encoded ("%2B1206...").
        refused_ids = {unquote(str(e.get("PhoneNumberId"))) for e in refused}
        raise PhoneNumbersError(
            f"{operation} on voice connector {voice_connector_id} refused {len(refused)} of "
            f"{len(numbers)} numbers: {shown}.",
            taken=[number for number in numbers if number not in refused_ids],
        )


# The resource's steps ------------------------------------------------------------------------


def create(job: Job) -> CfnResult:
    """Order the numbers, then assign them to the voice connector if one is given."""
    progress = _progress(job)
    if progress.previous is not None:  # the rollback of a replacement: back to what it held
        _sweep(job)
        logger.info("Returning to the numbers the resource held: %s", progress.previous.physical_id)
        physical_id = progress.previous.physical_id
        state = _state(job, physical_id)
        held = _held(state.facts) if state else []
        progress.keep(**{HELD: json.dumps(held)})
        return CfnResult(physical_resource_id=physical_id, data=_data_of(physical_id, held))
    count = job.properties[contract.COUNT]
    held = order(job, count)
    voice_connector_id = job.properties[contract.VOICE_CONNECTOR_ID]
    numbers = [number for number, _ in held]
    try:
        if voice_connector_id is not None:
            _assign(job, "AssociatePhoneNumbersWithVoiceConnector", voice_connector_id, numbers)
    except (ChimeCallError, PhoneNumbersError) as error:
        taken = error.taken if isinstance(error, PhoneNumbersError) else []
        if taken and voice_connector_id is not None:
            _assign(job, "DisassociatePhoneNumbersFromVoiceConnector", voice_connector_id, taken)
        _release(job, numbers)
        _progress(job).keep(**{RELEASED: "true"})
        raise PhoneNumbersError(
            f"{error} The {len(numbers)} numbers ordered were released: nothing was kept."
        ) from None
    _progress(job).keep(**{HELD: json.dumps(held)})
    return CfnResult(physical_resource_id=_progress(job).made, data=response_data(held, held[0][1]))


def _sweep(job: Job) -> None:
    """Release what earlier failed requests of this resource ordered and never kept (an Update
    that ran out of time before its order ended)."""
    table = job.claims
    if table is None:
        return
    for claim in once.claims_of_resource(job):
        if claim.state == FAILED and claim.facts.get(ORDER) and not claim.facts.get(RELEASED):
            _release_order(job, claim.facts[ORDER])
            table.ended(claim)


def _release_order(job: Job, order_id: str) -> None:
    """Release what an order acquired (waiting for it to end first)."""
    ended = _wait(job, order_id)
    lines = ended.get("OrderedPhoneNumbers") or []
    _release(job, [str(x["E164PhoneNumber"]) for x in lines if x.get("Status") == _ACQUIRED])


def _state(job: Job, physical_id: str) -> Claim | None:
    """The latest claim that says which numbers ``physical_id`` holds: its Create's record, or a
    later Update's (kept even when that Update failed part way, so what it released is known)."""
    for claim in reversed(once.claims_of_resource(job)):
        if HELD in claim.facts and physical_id in (claim.physical_id, claim.facts.get(OF)):
            return claim
    return None


def update(job: Job) -> CfnResult:
    """Count and voice connector in place: order the difference, release the surplus (latest
    first), move the numbers; Name and RemovalPolicy change nothing at the service."""
    record = _state(job, job.physical_id)
    if record is None:
        raise PhoneNumbersError(
            f"No record of the numbers of {job.physical_id} in the claim table, so they cannot be "
            "changed in place. Change a property that replaces the resource (a new order)."
        )
    held = _held(record.facts)
    progress = _progress(job)

    def now_held(numbers: Held) -> Held:
        progress.keep(**{HELD: json.dumps(numbers), OF: job.physical_id})
        return numbers

    now_held(held)
    old = job.request.old_properties
    before = old.get(contract.VOICE_CONNECTOR_ID) if isinstance(old, Mapping) else None
    after = job.properties[contract.VOICE_CONNECTOR_ID]
    _sweep(job)
    count = job.properties[contract.COUNT]
    if count < len(held):
        surplus = [number for number, _ in reversed(held[count:])]
        if before is not None:
            _assign(job, "DisassociatePhoneNumbersFromVoiceConnector", before, surplus)
        _release(job, surplus)
        logger.info("Released %d numbers (the latest ordered first): %s", len(surplus), surplus)
        held = now_held(held[:count])
    if before != after:
        numbers = [number for number, _ in held]
        if before is not None:
            _assign(job, "DisassociatePhoneNumbersFromVoiceConnector", before, numbers)
        if after is not None:
            _assign(job, "AssociatePhoneNumbersWithVoiceConnector", after, numbers)
        logger.info("Moved %d numbers from %s to %s", len(numbers), before, after)
    if count > len(held):
        added = order(job, count - len(held))
        if after is not None:
            _assign(job, "AssociatePhoneNumbersWithVoiceConnector", after, [n for n, _ in added])
        held = now_held(held + added)
    return CfnResult(physical_resource_id=job.physical_id, data=_data_of(job.physical_id, held))


def kept(job: Job) -> dict[str, str]:
    """The attributes of an Update that changes only RemovalPolicy: the record's, no call."""
    record = _state(job, job.physical_id)
    if record is None:
        return response_data([], "")
    return _data_of(job.physical_id, _held(record.facts))


def delete(job: Job) -> None:
    """Release the numbers (RemovalPolicy Destroy, or what a failed Create acquired)."""
    progress = job.progress
    if progress is not None and progress.claim.state != MADE:
        # A Create that failed or died: release what its order acquired, unless it did.
        facts = progress.facts
        chosen = [n for n in facts.get(CHOSEN, "").split(",") if n]
        order_id = facts.get(ORDER) or (_placed(job, chosen) if chosen else None)
        if order_id and not facts.get(RELEASED):
            _release_order(job, order_id)
        return
    record = _state(job, job.physical_id)
    if record is None:
        logger.warning("No record of the numbers of %s: nothing is released", job.physical_id)
        return
    numbers = [number for number, _ in _held(record.facts)]
    voice_connector_id = job.properties[contract.VOICE_CONNECTOR_ID]
    if voice_connector_id is not None:
        _assign(job, "DisassociatePhoneNumbersFromVoiceConnector", voice_connector_id, numbers)
    _release(job, numbers)
    logger.info(
        "Released %d numbers; each stays restorable in the service's deletion queue for a "
        "while (RestorePhoneNumber): %s",
        len(numbers),
        ", ".join(numbers),
    )


def made_by_lost_run(job: Job) -> list[str]:
    """What a run that died may have ordered: its order, recorded on the claim (or found by the
    numbers it chose)."""
    progress = _progress(job)
    order_id = progress.facts.get(ORDER)
    chosen = [n for n in progress.facts.get(CHOSEN, "").split(",") if n]
    if order_id is None and chosen:
        order_id = _placed(job, chosen)
        if order_id is not None:
            progress.keep(**{ORDER: order_id})
    return [] if order_id is None else [physical_resource_id(job.calls.region, order_id)]
