"""The exactly-once protocol (``once``) on a real claim table (moto over HTTP), around a type
module of the test's own that counts what it makes: concurrency, takeover, failures, deletes."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import once
import proxy_contract as contract
from cfn_lifecycle import Job
from cfn_request import CfnRequest, CfnResult, failed_create_physical_id
from chime_calls import ChimeCallError, RetryPolicy
from claims import CLAIMED, ENDED, FAILED, MADE, ClaimError, ClaimKey, ClaimTable, resource_key
from resource_types import PROXY_SESSION
from tests.claim_tables import ClaimTableInfo
from tests.helpers import STACK_ID, job, sample

PREFIX = contract.PROXY_SESSION_PHYSICAL_ID_PREFIX


class Maker:
    """A type module that makes numbered things, optionally slowly or failing."""

    def __init__(self, *, pause: float = 0.0, fail: str = "") -> None:
        self.pause = pause
        self.fail = fail
        self.made: list[str] = []
        self.deleted: list[str] = []
        self.recovering: list[bool] = []
        self.lost: list[str] = []
        self._lock = threading.Lock()

    def create(self, job: Job) -> CfnResult:
        assert job.progress is not None
        self.recovering.append(job.progress.recovering)
        if job.progress.recovering and self.lost:
            return CfnResult(physical_resource_id=self.lost[0], data={"found": "yes"})
        if job.progress.previous is not None:
            return CfnResult(physical_resource_id=job.progress.previous.physical_id, data={})
        with self._lock:
            physical_id = f"{PREFIX}vc:s-{len(self.made) + 1}"
            self.made.append(physical_id)
        job.progress.made = physical_id
        time.sleep(self.pause)
        if self.fail:
            raise RuntimeError(self.fail)
        return CfnResult(physical_resource_id=physical_id, data={"n": str(len(self.made))})

    def delete(self, job: Job) -> None:
        self.deleted.append(job.physical_id)

    def made_by_lost_run(self, job: Job) -> list[str]:
        return list(self.lost)

    def update(self, job: Job) -> CfnResult:  # pragma: no cover - not used by once
        raise AssertionError

    def kept(self, job: Job) -> dict[str, str]:  # pragma: no cover - not used by once
        raise AssertionError


def table_of(info: ClaimTableInfo) -> ClaimTable:
    return ClaimTable(
        info.name,
        info.server.client,
        deadline=time.monotonic() + 60.0,
        policy=RetryPolicy(sleep=time.sleep),
    )


def a_job(
    info: ClaimTableInfo,
    request_type: str = "Create",
    *,
    invocation: str = "inv-1",
    lease: float | None = None,
    request_id: str = "req-1",
    physical_id: str | None = None,
    **overrides: Any,
) -> Job:
    base = job(PROXY_SESSION, request_type, **overrides)
    request: CfnRequest = base.request._replace(
        request_id=request_id, physical_resource_id=physical_id
    )
    built: Job = base._replace(
        request=request,
        invocation=invocation,
        lease=time.time() + 60.0 if lease is None else lease,
        claims=table_of(info),
    )
    return built


KEY = ClaimKey(resource_key(STACK_ID, sample(PROXY_SESSION).logical_id), "req-1")


def test_one_delivery_makes_one_thing_and_records_it(claim_table: ClaimTableInfo) -> None:
    maker = Maker()
    result = once.create(a_job(claim_table), maker)
    found = table_of(claim_table).get(KEY)
    assert found is not None
    assert found.state == MADE
    assert (found.physical_id, found.data) == (result.physical_resource_id, {"n": "1"})
    assert maker.made == [result.physical_resource_id]


def test_a_repeated_delivery_answers_the_record_and_makes_nothing(
    claim_table: ClaimTableInfo,
) -> None:
    maker = Maker()
    first = once.create(a_job(claim_table, invocation="inv-1"), maker)
    second = once.create(a_job(claim_table, invocation="inv-2"), maker)
    assert second == first
    assert len(maker.made) == 1


def test_deliveries_at_once_make_one_thing_and_answer_alike(claim_table: ClaimTableInfo) -> None:
    maker = Maker(pause=0.5)
    jobs = [a_job(claim_table, invocation=f"inv-{n}") for n in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda j: once.create(j, maker), jobs))
    assert len(maker.made) == 1
    assert {result.physical_resource_id for result in results} == set(maker.made)


def test_a_claim_left_by_a_dead_run_is_taken_over_after_its_lease(
    claim_table: ClaimTableInfo,
) -> None:
    table_of(claim_table).start(KEY, owner="dead", lease=time.time() - 1, fingerprint="f")
    maker = Maker()
    maker.lost = [f"{PREFIX}vc:s-orphan"]
    result = once.create(a_job(claim_table, invocation="inv-2"), maker)
    assert result.physical_resource_id == f"{PREFIX}vc:s-orphan"
    assert maker.recovering == [True]
    assert maker.made == []


def test_lambdas_retry_of_the_same_invocation_takes_over_at_once(
    claim_table: ClaimTableInfo,
) -> None:
    table_of(claim_table).start(KEY, owner="inv-1", lease=time.time() + 600, fingerprint="f")
    maker = Maker()
    started = time.monotonic()
    once.create(a_job(claim_table, invocation="inv-1"), maker)
    assert time.monotonic() - started < 5.0
    assert maker.recovering == [True]
    assert len(maker.made) == 1


def test_a_live_holder_is_waited_for(claim_table: ClaimTableInfo) -> None:
    table = table_of(claim_table)
    claim = table.start(KEY, owner="inv-1", lease=time.time() + 30, fingerprint="f")
    assert claim is not None

    def finish_later() -> None:
        time.sleep(1.0)
        table.made(claim, f"{PREFIX}vc:s-first", {"n": "1"})

    threading.Thread(target=finish_later).start()
    maker = Maker()
    result = once.create(a_job(claim_table, invocation="inv-2"), maker)
    assert result.physical_resource_id == f"{PREFIX}vc:s-first"
    assert maker.made == []


def test_a_live_holder_past_this_runs_deadline_fails_this_run_only(
    claim_table: ClaimTableInfo,
) -> None:
    table_of(claim_table).start(KEY, owner="inv-1", lease=time.time() + 600, fingerprint="f")
    late = a_job(claim_table, invocation="inv-2")
    late = late._replace(calls=late.calls.about("x"))
    late.calls.deadline = time.monotonic() + 1.0
    with pytest.raises(ClaimError, match="holds its claim and has not finished"):
        once.create(late, Maker())


def test_a_failed_create_is_recorded_with_what_it_made(claim_table: ClaimTableInfo) -> None:
    maker = Maker(fail="UpdateProxySession failed")
    with pytest.raises(RuntimeError):
        once.create(a_job(claim_table), maker)
    found = table_of(claim_table).get(KEY)
    assert found is not None
    assert found.state == FAILED
    assert (found.reason, found.physical_id) == ("UpdateProxySession failed", maker.made[0])
    with pytest.raises(ClaimError, match="failed in an earlier delivery: UpdateProxySession"):
        once.create(a_job(claim_table, invocation="inv-2"), maker)
    assert len(maker.made) == 1


def test_the_rollback_delete_of_a_failed_create_ends_what_it_made(
    claim_table: ClaimTableInfo,
) -> None:
    maker = Maker(fail="boom")
    with pytest.raises(RuntimeError):
        once.create(a_job(claim_table), maker)
    marker = failed_create_physical_id("req-1")
    once.delete(a_job(claim_table, "Delete", physical_id=marker, request_id="req-2"), maker)
    assert maker.deleted == maker.made
    found = table_of(claim_table).get(KEY)
    assert found is not None
    assert found.state == ENDED


def test_the_rollback_delete_of_a_create_that_never_answered_finds_it_by_fingerprint(
    claim_table: ClaimTableInfo,
) -> None:
    maker = Maker()
    made = once.create(a_job(claim_table), maker).physical_resource_id
    other = once.create(
        a_job(claim_table, request_id="req-other", Name="Other name"), maker
    ).physical_resource_id
    foreign = "ChimeProxySessionDemo-Line-1ABCDEF"  # CloudFormation's id, not this function's
    once.delete(a_job(claim_table, "Delete", physical_id=foreign, request_id="req-3"), maker)
    assert maker.deleted == [made]
    assert other not in maker.deleted


def test_the_rollback_delete_of_a_dead_run_looks_for_what_it_made(
    claim_table: ClaimTableInfo,
) -> None:
    table_of(claim_table).start(KEY, owner="dead", lease=time.time() - 1, fingerprint="f")
    maker = Maker()
    maker.lost = [f"{PREFIX}vc:s-orphan"]
    marker = failed_create_physical_id("req-1")
    once.delete(a_job(claim_table, "Delete", physical_id=marker, request_id="req-2"), maker)
    assert maker.deleted == [f"{PREFIX}vc:s-orphan"]


def test_a_create_whose_answer_was_lost_is_looked_for_by_its_rollback(
    claim_table: ClaimTableInfo,
) -> None:
    class LostAnswer(Maker):
        def create(self, job: Job) -> CfnResult:
            raise ChimeCallError("CreateProxySession: ReadTimeoutError", uncertain=True)

    maker = LostAnswer()
    maker.lost = [f"{PREFIX}vc:s-landed-late"]
    with pytest.raises(ChimeCallError):
        once.create(a_job(claim_table), maker)
    marker = failed_create_physical_id("req-1")
    once.delete(a_job(claim_table, "Delete", physical_id=marker, request_id="req-2"), maker)
    assert maker.deleted == [f"{PREFIX}vc:s-landed-late"]


def test_a_create_refused_for_certain_is_not_looked_for(claim_table: ClaimTableInfo) -> None:
    class Refused(Maker):
        def create(self, job: Job) -> CfnResult:
            raise ChimeCallError("CreateProxySession: access denied")

    maker = Refused()
    maker.lost = [f"{PREFIX}vc:s-not-ours"]
    with pytest.raises(ChimeCallError):
        once.create(a_job(claim_table), maker)
    marker = failed_create_physical_id("req-1")
    once.delete(a_job(claim_table, "Delete", physical_id=marker, request_id="req-2"), maker)
    assert maker.deleted == []


def test_the_rollback_of_a_replacement_returns_to_what_the_resource_held(
    claim_table: ClaimTableInfo,
) -> None:
    maker = Maker()
    old = once.create(a_job(claim_table), maker).physical_resource_id
    new = once.create(
        a_job(claim_table, "Update", request_id="req-2", physical_id=old, Name="New name"), maker
    ).physical_resource_id
    back = once.create(a_job(claim_table, "Update", request_id="req-3", physical_id=new), maker)
    assert back.physical_resource_id == old
    assert maker.made == [old, new]


def test_a_replacement_after_the_old_resource_was_deleted_makes_a_new_one(
    claim_table: ClaimTableInfo,
) -> None:
    maker = Maker()
    old = once.create(a_job(claim_table), maker).physical_resource_id
    new = once.create(
        a_job(claim_table, "Update", request_id="req-2", physical_id=old, Name="New name"), maker
    ).physical_resource_id
    once.delete(a_job(claim_table, "Delete", request_id="req-3", physical_id=old), maker)
    again = once.create(a_job(claim_table, "Update", request_id="req-4", physical_id=new), maker)
    assert again.physical_resource_id not in (old, new)


def test_a_late_duplicate_after_the_delete_makes_nothing(claim_table: ClaimTableInfo) -> None:
    maker = Maker()
    made = once.create(a_job(claim_table), maker).physical_resource_id
    once.delete(a_job(claim_table, "Delete", physical_id=made, request_id="req-2"), maker)
    with pytest.raises(ClaimError, match="since been deleted"):
        once.create(a_job(claim_table, invocation="inv-9"), maker)
    assert maker.made == [made]


def test_retire_marks_the_claims_ended_and_calls_nothing(claim_table: ClaimTableInfo) -> None:
    maker = Maker()
    made = once.create(a_job(claim_table), maker).physical_resource_id
    retiring = a_job(claim_table, "Delete", physical_id=made, request_id="req-2")
    once.retire(retiring.claims, retiring.request)
    found = table_of(claim_table).get(KEY)
    assert found is not None
    assert found.state == ENDED
    assert maker.deleted == []


def test_the_record_of_a_resource_is_its_made_claim(claim_table: ClaimTableInfo) -> None:
    maker = Maker()
    made = once.create(a_job(claim_table), maker).physical_resource_id
    record = once.record_of(a_job(claim_table, "Update", physical_id=made, request_id="r-9"))
    assert record is not None
    assert record.data == {"n": "1"}
    assert once.record_of(a_job(claim_table, "Update", physical_id="x", request_id="r")) is None


def test_without_a_table_a_create_fails_clearly_and_makes_nothing(
    claim_table: ClaimTableInfo,
) -> None:
    maker = Maker()
    with pytest.raises(ClaimError, match=contract.CLAIM_TABLE_VARIABLE):
        once.create(a_job(claim_table)._replace(claims=None), maker)
    assert maker.made == []


def test_claimed_state_is_what_a_run_holds_while_it_works(claim_table: ClaimTableInfo) -> None:
    seen: list[str] = []

    class Peek(Maker):
        def create(self, job: Job) -> CfnResult:
            found = table_of(claim_table).get(KEY)
            seen.append("" if found is None else found.state)
            return super().create(job)

    once.create(a_job(claim_table), Peek())
    assert seen == [CLAIMED]


# In-place Updates that make something, facts kept with the outcome, a resource's claims --------


class Updater(Maker):
    """A type module whose in-place Update makes something (as a larger Count orders numbers)."""

    def __init__(self) -> None:
        super().__init__()
        self.updates: list[Job] = []

    def update(self, job: Job) -> CfnResult:
        assert job.progress is not None
        self.updates.append(job)
        job.progress.keep(ordered=str(len(self.updates)))
        return CfnResult(physical_resource_id=job.physical_id, data={"u": str(len(self.updates))})


def test_an_update_in_place_runs_once_under_its_claim(claim_table: ClaimTableInfo) -> None:
    maker = Updater()
    made = once.create(a_job(claim_table), maker).physical_resource_id

    def delivery(invocation: str) -> Job:
        return a_job(
            claim_table,
            "Update",
            invocation=invocation,
            physical_id=made,
            request_id="req-2",
            ExpiryMinutes="30",
        )

    first = once.update(delivery("inv-2"), maker)
    again = once.update(delivery("inv-3"), maker)
    assert first == again == CfnResult(physical_resource_id=made, data={"u": "1"})
    assert len(maker.updates) == 1
    # An Update in place never returns to an earlier resource: that is a replacement's rollback.
    progress = maker.updates[0].progress
    assert progress is not None
    assert progress.previous is None
    found = table_of(claim_table).get(KEY._replace(request="req-2"))
    assert found is not None
    assert (found.state, found.physical_id, found.facts) == (MADE, made, {"ordered": "1"})


def test_facts_kept_are_written_with_the_outcome_and_noted_ones_at_once(
    claim_table: ClaimTableInfo,
) -> None:
    seen: list[dict[str, str]] = []

    class Noting(Maker):
        def create(self, job: Job) -> CfnResult:
            assert job.progress is not None
            job.progress.note(chosen="a,b")
            job.progress.keep(held="[]")
            assert job.progress.facts == {"chosen": "a,b", "held": "[]"}
            found = table_of(claim_table).get(KEY)
            seen.append({} if found is None else dict(found.facts))
            return super().create(job)

    with pytest.raises(RuntimeError, match="after keeping"):
        once.create(a_job(claim_table), Noting(fail="after keeping"))
    assert seen == [{"chosen": "a,b"}]  # kept facts are not written before the outcome
    found = table_of(claim_table).get(KEY)
    assert found is not None
    assert (found.state, found.facts) == (FAILED, {"chosen": "a,b", "held": "[]"})


def test_the_claims_of_a_resource_are_all_of_its_requests_oldest_first(
    claim_table: ClaimTableInfo,
) -> None:
    maker = Maker()
    once.create(a_job(claim_table), maker)
    with pytest.raises(RuntimeError):
        once.create(a_job(claim_table, request_id="req-2", Name="Other"), Maker(fail="no"))
    found = once.claims_of_resource(a_job(claim_table, "Update", request_id="req-3"))
    assert [(claim.key.request, claim.state) for claim in found] == [
        ("req-1", MADE),
        ("req-2", FAILED),
    ]
    with pytest.raises(ClaimError, match=contract.CLAIM_TABLE_VARIABLE):
        once.claims_of_resource(a_job(claim_table)._replace(claims=None))
