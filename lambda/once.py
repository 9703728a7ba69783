"""Exactly once: how a type that makes something (``ResourceType.creates``) runs under its claims.

CloudFormation invokes the function asynchronously, so one Create request can run twice: one
delivery after the other, both at once, after an answer that was lost, or as Lambda's retry of an
invocation that crashed or timed out. ``create`` claims the request in the claim table
(``claims``) before any call to the service:

- the delivery whose claim wins does the work, records what it made, then answers;
- a delivery that finds the work recorded answers with the record (no call to the service);
- one that finds the work failed answers FAILED with the same Reason; one that finds the resource
  already deleted answers FAILED and makes nothing;
- one that finds the work under way waits for the record while the holder's lease (its Lambda
  deadline) runs; once the lease is over, or at once when it is Lambda's retry of the holder itself
  (the same Lambda request id), it takes the claim over with a conditional write and the type's
  module, told it is ``recovering``, first looks for what the dead run made.

``delete`` ends what the claims say was made: a Delete after a failed Create, or one whose Create
never answered (a PhysicalResourceId this function did not issue), finds that Create's claims by
the request id or by the fingerprint of its replacing properties. Nothing here lists the service.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import proxy_contract as contract
from cfn_request import CfnRequest, CfnResult, is_failed_create
from claims import (
    CLAIMED,
    ENDED,
    FAILED,
    MADE,
    Claim,
    ClaimError,
    ClaimKey,
    ClaimTable,
    fingerprint,
    resource_key,
)
from resource_types import BY_TYPE_NAME

if TYPE_CHECKING:
    from cfn_lifecycle import Job, TypeModule

logger = logging.getLogger(__name__)

# The fact a failed Create records when its last call's answer was lost (the service may have made
# the thing anyway): the rollback Delete then looks for it, as for a run that died.
UNCERTAIN: Final = "uncertain"
# How often a delivery that waits for the holder of its claim reads the claim again.
_POLL_FIRST: Final = 0.2
_POLL_MAX: Final = 5.0


class Progress:
    """What a type module sees of the claim it works under."""

    __slots__ = ("claim", "made", "previous", "recovering", "table")

    def __init__(
        self,
        table: ClaimTable,
        claim: Claim,
        *,
        recovering: bool,
        previous: Claim | None = None,
    ) -> None:
        self.table = table
        self.claim = claim
        # Whether an earlier run of this request died while holding the claim: what it made (if
        # anything) is not recorded, and the module looks for it first.
        self.recovering = recovering
        # In the rollback of a replacement: the claim of what the resource held before, made by
        # this same generation of its properties and not deleted since. The module returns to it
        # instead of making another.
        self.previous = previous
        # The PhysicalResourceId of what this run made, as soon as it exists (kept in the claim
        # if the Create then fails, so that the rollback Delete ends it).
        self.made = ""

    @property
    def facts(self) -> dict[str, str]:
        """What the module recorded on this claim so far (in this run or a dead one)."""
        return dict(self.claim.facts)

    def note(self, **facts: str) -> None:
        """Record progress before a call whose outcome a run that takes over must know."""
        self.claim = self.table.note(self.claim, facts)

    def keep(self, **facts: str) -> None:
        """Facts written with the outcome (made or failed), not before."""
        self.claim = self.claim._replace(facts={**self.claim.facts, **facts})


def table_of(job: Job) -> ClaimTable:
    """The function's claim table; a clear error when the function has none."""
    if job.claims is None:
        raise ClaimError(
            f"The function has no claim table (its environment lacks "
            f"{contract.CLAIM_TABLE_VARIABLE}), and {job.kind.construct} needs one to make "
            f"{job.kind.summary} exactly once. The ProxySessionProvider of this library adds it; "
            "synthesize and deploy the stack with this version of the library. Nothing was "
            "created."
        )
    return job.claims


def _key(job: Job, request_id: str) -> ClaimKey:
    request = job.request
    return ClaimKey(resource_key(request.stack_id, request.logical_resource_id), request_id)


def _fingerprint(job: Job) -> str:
    return fingerprint(job.kind.type_name, job.request.properties, job.kind.replacing)


def _hold(job: Job, table: ClaimTable, claim: Claim) -> Claim:
    """Wait while another live run holds ``claim``; return it once settled, or taken over (with
    this invocation as owner; ``CLAIMED`` then means this run now holds it)."""
    delay = _POLL_FIRST
    while claim.state == CLAIMED:
        now = time.time()
        if claim.owner == job.invocation or claim.lease_over(now):
            taken = table.take_over(claim, owner=job.invocation, lease=job.lease)
            if taken is not None:
                logger.info(
                    "Took over the claim of request %s from %s (%s): it died before recording "
                    "what it made",
                    claim.key.request,
                    claim.owner,
                    "this invocation, retried" if claim.owner == job.invocation else "lease over",
                )
                return taken
        else:
            wait = min(delay, max(0.0, claim.lease - now))
            if time.monotonic() + wait + job.calls.policy.attempt_cost > job.calls.deadline:
                raise ClaimError(
                    f"Another run of request {claim.key.request} (Lambda request "
                    f"{claim.owner}) holds its claim and has not finished; it answers "
                    "CloudFormation. Nothing was created by this run."
                )
            logger.info("Request %s is under way in %s; waiting", claim.key.request, claim.owner)
            job.calls.policy.sleep(wait)
            delay = min(_POLL_MAX, delay * 2)
        again = table.get(claim.key)
        if again is None:
            raise ClaimError(
                f"The claim of request {claim.key.request} vanished from the claim table "
                f"{table.name!r} while it was under way (deleted by hand?). Nothing was created "
                "by this run; check the voice connector for what the other run made."
            )
        claim = again
    return claim


def create(job: Job, module: TypeModule) -> CfnResult:
    """The Create of a type that makes something, exactly once per request."""
    return _claimed(job, module.create, returns=True)


def update(job: Job, module: TypeModule) -> CfnResult:
    """An in-place Update that makes something (orders numbers), exactly once per request."""
    return _claimed(job, module.update, returns=False)


def _claimed(job: Job, step: Callable[[Job], CfnResult], *, returns: bool) -> CfnResult:
    """Run ``step`` under the request's claim; ``returns``: a replacing Update may return to what
    the resource held before (``Progress.previous``)."""
    table = table_of(job)
    key = _key(job, job.request.request_id)
    claim = table.start(key, owner=job.invocation, lease=job.lease, fingerprint=_fingerprint(job))
    recovering = False
    if claim is None:
        found = table.get(key)
        if found is None:  # settled and removed by hand between the two calls: start again
            found = table.start(
                key, owner=job.invocation, lease=job.lease, fingerprint=_fingerprint(job)
            )
            if found is None:
                raise ClaimError(f"The claim of request {key.request} keeps changing; retry.")
            claim = found
        else:
            held = _hold(job, table, found)
            if held.state == MADE:
                logger.info(
                    "Request %s was served already (a repeated delivery): answering with its "
                    "record, no API call",
                    key.request,
                )
                return CfnResult(physical_resource_id=held.physical_id, data=held.data)
            if held.state == FAILED:
                raise ClaimError(
                    f"This request failed in an earlier delivery: {held.reason or 'failed'}"
                )
            if held.state == ENDED:
                raise ClaimError(
                    f"Request {key.request} was served already and what it made has since been "
                    "deleted; a repeated delivery makes nothing."
                )
            claim, recovering = held, True
    previous = _previous(job, table, claim.fingerprint) if returns else None
    progress = Progress(table, claim, recovering=recovering, previous=previous)
    try:
        result = step(job._replace(progress=progress))
    except Exception as error:
        if getattr(error, "uncertain", False) and not progress.made:
            progress.claim = progress.claim._replace(
                facts={**progress.claim.facts, UNCERTAIN: "true"}
            )
        try:
            table.failed(progress.claim, str(error), physical_id=progress.made)
        except ClaimError as problem:
            logger.warning("Could not record the failure in the claim table: %s", problem)
        raise
    table.made(progress.claim, result.physical_resource_id, result.data)
    return result


def _previous(job: Job, table: ClaimTable, wanted: str) -> Claim | None:
    """For a replacing Update: the latest claim of this resource whose Create made something with
    the same replacing properties, still there (not ended). That is the rollback of a replacement:
    of one that succeeded (the old resource's cleanup never ran), or of one that failed (the
    request still names the old resource)."""
    if job.request.request_type != "Update":
        return None
    for claim in reversed(table.of_resource(_key(job, "").resource)):
        if (
            claim.state == MADE
            and claim.fingerprint == wanted
            and claim.key.request != job.request.request_id
        ):
            return claim
    return None


def _end(job: Job, module: TypeModule, table: ClaimTable, claim: Claim) -> None:
    """End what one claim says its Create made, then mark the claim ended."""
    claim = _hold(job, table, claim)
    made = [claim.physical_id] if claim.physical_id else []
    # Its run died before recording, or its last call's answer was lost: look for what it made.
    if claim.state == CLAIMED or (not made and claim.facts.get(UNCERTAIN) == "true"):
        lost = Progress(table, claim, recovering=True)
        made = module.made_by_lost_run(job._replace(progress=lost))
        claim = lost.claim  # with what the look-up found
    for physical_id in made:
        logger.info("Ending %s, made by request %s", physical_id, claim.key.request)
        request = job.request._replace(physical_resource_id=physical_id)
        module.delete(
            job._replace(request=request, progress=Progress(table, claim, recovering=False))
        )
    table.ended(claim)


def delete(job: Job, module: TypeModule) -> None:
    """A Delete with RemovalPolicy Destroy of a type that makes something: end what it made and
    finish its claims."""
    physical_id = job.physical_id
    if physical_id.startswith(job.kind.physical_id_prefix):
        module.delete(job)
        if job.claims is not None:
            _finish(job.claims, job.request, lambda claim: claim.physical_id == physical_id)
        return
    table = table_of(job)
    claims = [claim for claim in _claims_of(table, job.request) if claim.state != ENDED]
    if not claims:
        logger.info("No claim of this Create: it made nothing, no API call")
    for claim in claims:
        _end(job, module, table, claim)


def _claims_of(table: ClaimTable, request: CfnRequest) -> list[Claim]:
    """The claims of the Create that a Delete without an issued PhysicalResourceId undoes: the
    failed Create's own (its RequestId is in the marker), or, when the Create never answered, those
    of its generation (the fingerprint of its replacing properties)."""
    physical_id = request.physical_resource_id or ""
    resource = resource_key(request.stack_id, request.logical_resource_id)
    if is_failed_create(physical_id):
        claim = table.get(ClaimKey(resource, physical_id[len(contract.FAILED_CREATE_PREFIX) :]))
        return [] if claim is None else [claim]
    kind = BY_TYPE_NAME[request.resource_type]
    wanted = fingerprint(kind.type_name, request.properties, kind.replacing)
    found = [claim for claim in table.of_resource(resource) if claim.fingerprint == wanted]
    logger.info(
        "Delete of PhysicalResourceId %r, which this function did not issue (its Create never "
        "answered): %d claim(s) of that Create",
        physical_id,
        len(found),
    )
    return found


def retire(table: ClaimTable | None, request: CfnRequest) -> None:
    """A Delete with RemovalPolicy Retain: no call to the service; the claims of what is left are
    marked ended (best effort) so that the table's TTL removes them."""
    if table is None:
        return
    physical_id = request.physical_resource_id or ""
    if physical_id.startswith(BY_TYPE_NAME[request.resource_type].physical_id_prefix):
        _finish(table, request, lambda claim: claim.physical_id == physical_id)
        return
    try:
        for claim in _claims_of(table, request):
            if claim.state != ENDED:
                table.ended(claim)
    except ClaimError as problem:
        logger.warning("Could not mark the claims of this resource ended: %s", problem)


def _finish(table: ClaimTable, request: CfnRequest, matches: Callable[[Claim], bool]) -> None:
    """Mark the claims of a deleted resource ended (for the table's TTL); best effort."""
    try:
        for claim in table.of_resource(resource_key(request.stack_id, request.logical_resource_id)):
            if claim.state != ENDED and matches(claim):
                table.ended(claim)
    except ClaimError as problem:
        logger.warning("Could not mark the claims of this resource ended: %s", problem)


def claims_of_resource(job: Job) -> list[Claim]:
    """Every claim of the resource a request names, oldest first."""
    return table_of(job).of_resource(_key(job, "").resource)


def record_of(job: Job) -> Claim | None:
    """The claim whose Create made the resource this request names, or None (best effort)."""
    table = job.claims
    if table is None:
        return None
    try:
        claims = table.of_resource(_key(job, "").resource)
    except ClaimError as problem:
        logger.warning("Could not read this resource's record: %s", problem)
        return None
    for claim in reversed(claims):
        if claim.physical_id == job.physical_id and claim.state == MADE:
            return claim
    return None
