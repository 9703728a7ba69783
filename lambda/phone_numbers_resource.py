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
from urllib.parse import unquote

import once
import proxy_contract as contract
from call_reasons import ChimeCallError
from cfn_lifecycle import Job
from cfn_request import CfnResult
from claims import FAILED, MADE, Claim
from phone_number_orders import (
    CHOSEN,
    HELD,
    OF,
    ORDER,
    RELEASED,
    Held,
    PhoneNumbersError,
    data_of,
    held_of,
    order,
    physical_resource_id,
    placed,
    progress_of,
    release,
    release_order,
    response_data,
)

logger = logging.getLogger(__name__)

# Assigning ----------------------------------------------------------------------------------


def _assign(
    job: Job,
    operation: str,
    voice_connector_id: str,
    numbers: Sequence[str],
    *,
    move: bool = False,
) -> None:
    """Associate or disassociate ``numbers``; a number the service refuses fails the request
    (a disassociation of one that is not there counts as done). ``move``: ForceAssociate, which
    takes the numbers off any other voice connector."""
    if not numbers:
        return
    extra = {"ForceAssociate": True} if move else {}
    response = job.calls.about(f"the numbers on voice connector {voice_connector_id}").call(
        operation, VoiceConnectorId=voice_connector_id, E164PhoneNumbers=list(numbers), **extra
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
    progress = progress_of(job)
    if progress.previous is not None:  # the rollback of a replacement: back to what it held
        _sweep(job)
        logger.info("Returning to the numbers the resource held: %s", progress.previous.physical_id)
        physical_id = progress.previous.physical_id
        state = _state(job, physical_id)
        held = held_of(state.facts) if state else []
        progress.keep(**{HELD: json.dumps(held)})
        return CfnResult(physical_resource_id=physical_id, data=data_of(physical_id, held))
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
        release(job, numbers)
        progress_of(job).keep(**{RELEASED: "true"})
        raise PhoneNumbersError(
            f"{error} The {len(numbers)} numbers ordered were released: nothing was kept."
        ) from None
    progress_of(job).keep(**{HELD: json.dumps(held)})
    return CfnResult(
        physical_resource_id=progress_of(job).made, data=response_data(held, held[0][1])
    )


def _sweep(job: Job) -> None:
    """Release what earlier failed requests of this resource ordered and never kept (an Update
    that ran out of time before its order ended)."""
    table = job.claims
    if table is None:
        return
    for claim in once.claims_of_resource(job):
        if claim.state == FAILED and claim.facts.get(ORDER) and not claim.facts.get(RELEASED):
            release_order(job, claim.facts[ORDER])
            table.ended(claim)


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
    held = held_of(record.facts)
    progress = progress_of(job)

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
        release(job, surplus)
        logger.info("Released %d numbers (the latest ordered first): %s", len(surplus), surplus)
        held = now_held(held[:count])
    if before != after:
        numbers = [number for number, _ in held]
        if after is not None:
            # ForceAssociate moves them: no call on the old voice connector, whose grant the
            # stack's policy no longer holds by the time this Update runs.
            _assign(job, "AssociatePhoneNumbersWithVoiceConnector", after, numbers, move=True)
        elif before is not None:
            _assign(job, "DisassociatePhoneNumbersFromVoiceConnector", before, numbers)
        logger.info("Moved %d numbers from %s to %s", len(numbers), before, after)
    if count > len(held):
        added = order(job, count - len(held))
        if after is not None:
            _assign(job, "AssociatePhoneNumbersWithVoiceConnector", after, [n for n, _ in added])
        held = now_held(held + added)
    return CfnResult(physical_resource_id=job.physical_id, data=data_of(job.physical_id, held))


def kept(job: Job) -> dict[str, str]:
    """The attributes of an Update that changes only RemovalPolicy: the record's, no call."""
    record = _state(job, job.physical_id)
    if record is None:
        return response_data([], "")
    return data_of(job.physical_id, held_of(record.facts))


def delete(job: Job) -> None:
    """Release the numbers (RemovalPolicy Destroy, or what a failed Create acquired)."""
    progress = job.progress
    if progress is not None and progress.claim.state != MADE:
        # A Create that failed or died: release what its order acquired, unless it did.
        facts = progress.facts
        chosen = [n for n in facts.get(CHOSEN, "").split(",") if n]
        order_id = facts.get(ORDER) or (placed(job, chosen) if chosen else None)
        if order_id and not facts.get(RELEASED):
            release_order(job, order_id)
        return
    record = _state(job, job.physical_id)
    if record is None:
        logger.warning("No record of the numbers of %s: nothing is released", job.physical_id)
        return
    numbers = [number for number, _ in held_of(record.facts)]
    voice_connector_id = job.properties[contract.VOICE_CONNECTOR_ID]
    if voice_connector_id is not None:
        _assign(job, "DisassociatePhoneNumbersFromVoiceConnector", voice_connector_id, numbers)
    release(job, numbers)
    logger.info(
        "Released %d numbers; each stays restorable in the service's deletion queue for a "
        "while (RestorePhoneNumber): %s",
        len(numbers),
        ", ".join(numbers),
    )


def made_by_lost_run(job: Job) -> list[str]:
    """What a run that died may have ordered: its order, recorded on the claim (or found by the
    numbers it chose)."""
    progress = progress_of(job)
    order_id = progress.facts.get(ORDER)
    chosen = [n for n in progress.facts.get(CHOSEN, "").split(",") if n]
    if order_id is None and chosen:
        order_id = placed(job, chosen)
        if order_id is not None:
            progress.keep(**{ORDER: order_id})
    return [] if order_id is None else [physical_resource_id(job.calls.region, order_id)]
