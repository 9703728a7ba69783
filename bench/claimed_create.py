"""Measure 10: one ProxySession Create beside S sessions already Open on its voice connector.

Before the claim table (issue 15), a Create made sure it ran once by listing the voice
connector's sessions (``ListProxySessions``, both live statuses, every page) before and after
creating, so its calls and its time grew with the sessions already there. Now it claims its
request in the claim table and calls ``CreateProxySession`` once; this measure shows whether the
Create still depends on S.

For each S of ``Plan.live_sessions`` the emulator is reset to hold exactly S Open sessions on the
voice connector, seeded directly in its state (``seed_session``, one at a time: the emulator has
no bulk seed; the seconds that took are reported), and one ProxySession is created through the
lifecycle driver: the synthesized asset in a fresh process (``LambdaRunner.for_assembly``, cold,
as measure 6 runs it), the stack's claim table in moto behind a proxy that counts its calls
(``bench.dynamodb_calls``). Rounds of every S repeat ``Plan.claimed_create_runs`` times, so a
change in the machine's load falls on each S alike.

The time is the handler's Duration as its REPORT line gives it (the Runtime API's hand-out of the
event to the handler's answer; the process start and the import are not in it); the invocation's
wall time (the whole cold process) is given beside it.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from bench.cold_runner import cold_runner
from bench.common import VOICE_CONNECTOR_ID, BenchError, Plan, Timing, log
from bench.created_sessions import session_stack
from bench.dynamodb_calls import DynamoDBCallCounter

if TYPE_CHECKING:
    from harness.dynamodb import DynamoDBServer
    from harness.emulator import ChimeVoiceEmulator
    from harness.lifecycle import Invocation, LambdaRunner
    from harness.response_sink import ResponseSink

CALLS_TARGET: Final = 2
TIME_TARGET: Final = 1.5
MODE: Final = (
    "cold: a fresh process per Create running the synthesized asset under AWS's runtime "
    "interface client (LambdaRunner.for_assembly, as measure 6)"
)
TIMING: Final = (
    "the handler's Duration from its REPORT line (event handed out to answer sent; the cold "
    "process's start and import are not in it)"
)


@dataclass(frozen=True)
class CreateSample:
    """One Create beside ``live_sessions`` Open sessions: what it called, how long it took."""

    live_sessions: int
    status: str | None  # the Status CloudFormation received
    chime_calls: tuple[str, ...]  # each ChimeSDKVoice call, "Operation -> status"
    dynamodb_calls: tuple[str, ...]  # each claim table call, "Operation -> status"
    duration_seconds: float
    wall_seconds: float
    seeding_seconds: float  # seeding the S sessions before it


@dataclass(frozen=True)
class LiveSessionsRow:
    """Every Create at one S: calls per Create by operation (mean), and the time figures."""

    live_sessions: int
    creates: int
    succeeded: int
    chime_calls_per_create: float
    most_chime_calls: int
    chime_operations: Mapping[str, float]
    dynamodb_calls_per_create: float
    dynamodb_operations: Mapping[str, float]
    duration: Timing
    wall: Timing
    seeding_seconds: float  # median over the rounds


@dataclass(frozen=True)
class ClaimedCreate:
    """The table over S, and the two targets: calls at every S, time at the largest S."""

    mode: str
    timing: str
    runs_each: int
    rows: tuple[LiveSessionsRow, ...]
    calls_target: str
    calls_met: bool
    time_target: str
    time_ratio: float
    time_met: bool


def _per_create(labels: Sequence[str], creates: int) -> dict[str, float]:
    counts = Counter(labels)
    return {label: round(count / creates, 2) for label, count in counts.items()}


def _row(live_sessions: int, samples: Sequence[CreateSample]) -> LiveSessionsRow:
    creates = len(samples)
    return LiveSessionsRow(
        live_sessions=live_sessions,
        creates=creates,
        succeeded=sum(1 for sample in samples if sample.status == "SUCCESS"),
        chime_calls_per_create=round(sum(len(s.chime_calls) for s in samples) / creates, 2),
        most_chime_calls=max(len(sample.chime_calls) for sample in samples),
        chime_operations=_per_create([c for s in samples for c in s.chime_calls], creates),
        dynamodb_calls_per_create=round(sum(len(s.dynamodb_calls) for s in samples) / creates, 2),
        dynamodb_operations=_per_create([c for s in samples for c in s.dynamodb_calls], creates),
        duration=Timing.of([sample.duration_seconds for sample in samples]),
        wall=Timing.of([sample.wall_seconds for sample in samples]),
        seeding_seconds=round(statistics.median(s.seeding_seconds for s in samples), 3),
    )


def claimed_create(samples: Sequence[CreateSample]) -> ClaimedCreate:
    """The figures from every Create: a row per S (ascending), the targets on them.

    The call target holds when every Create succeeded with at most CALLS_TARGET calls; the time
    target compares the median Durations at the largest S and the smallest (S = 0).
    """
    by_s: dict[int, list[CreateSample]] = {}
    for sample in samples:
        by_s.setdefault(sample.live_sessions, []).append(sample)
    if not by_s:
        raise BenchError("no Create was measured")
    rows = tuple(_row(s, by_s[s]) for s in sorted(by_s))
    first, last = rows[0], rows[-1]
    ratio = last.duration.median / first.duration.median
    every_s = " / ".join(f"{row.live_sessions:,}" for row in rows)
    return ClaimedCreate(
        mode=MODE,
        timing=TIMING,
        runs_each=min(row.creates for row in rows),
        rows=rows,
        calls_target=(
            f"ProxySession Create beside S = {every_s} live sessions: at most {CALLS_TARGET} "
            "ChimeSDKVoice calls per Create at every S"
        ),
        calls_met=all(
            row.succeeded == row.creates and row.most_chime_calls <= CALLS_TARGET for row in rows
        ),
        time_target=(
            f"ProxySession Create beside S = {last.live_sessions:,} live sessions: handler "
            f"Duration <= {TIME_TARGET}x that beside S = {first.live_sessions:,}"
        ),
        time_ratio=round(ratio, 3),
        time_met=ratio <= TIME_TARGET and last.succeeded == last.creates,
    )


def live_phones(index: int) -> tuple[str, str]:
    """Two participants of seeded session ``index``, none of them the created session's."""
    return (f"+1312{index:07d}", f"+1773{index:07d}")


def hold_live_sessions(emulator: ChimeVoiceEmulator, count: int) -> float:
    """Reset the emulator to ``count`` Open sessions on the voice connector (its proxy
    configured); the seconds the seeding took."""
    emulator.reset()
    emulator.configure_proxy(VOICE_CONNECTOR_ID)
    started = time.perf_counter()
    for index in range(count):
        emulator.seed_session(VOICE_CONNECTOR_ID, ("Voice", "SMS"), 120, "Open", live_phones(index))
    return time.perf_counter() - started


def create_beside(
    live: int,
    runner: LambdaRunner,
    emulator: ChimeVoiceEmulator,
    counter: DynamoDBCallCounter,
    template: Mapping[str, Any],
) -> CreateSample:
    """Hold ``live`` Open sessions, then create the template's one ProxySession in a new stack."""
    from harness.lifecycle import CloudFormationStack

    seeding = hold_live_sessions(emulator, live)
    table_calls_before = len(counter.calls)
    # The Create is the first invocation; a failed one is followed by its rollback Delete.
    marks: list[tuple[Invocation, int, int]] = []

    def mark(invocation: Invocation) -> None:
        marks.append((invocation, len(emulator.calls), len(counter.calls)))

    created = CloudFormationStack(runner, on_invocation=mark).deploy(
        template, f"create beside {live}"
    )
    invocation, chime_end, table_end = marks[0]
    if invocation.duration_seconds is None:
        raise BenchError(f"the Create beside {live} sessions has no Duration:\n{invocation.logs}")
    sample = CreateSample(
        live_sessions=live,
        status=(invocation.response or {}).get("Status"),
        chime_calls=tuple(
            f"{call.operation} -> {call.error_code or call.status}"
            for call in emulator.calls[:chime_end]
        ),
        dynamodb_calls=tuple(call.label for call in counter.calls[table_calls_before:table_end]),
        duration_seconds=invocation.duration_seconds,
        wall_seconds=invocation.seconds,
        seeding_seconds=seeding,
    )
    log(
        f"claimed create: S={live:,}: {created.status}, {len(sample.chime_calls)} ChimeSDKVoice "
        f"and {len(sample.dynamodb_calls)} DynamoDB calls, "
        f"{sample.duration_seconds * 1000:.0f} ms (seeded in {seeding:.2f} s)"
    )
    return sample


def measure_claimed_create(
    plan: Plan,
    workdir: Path,
    emulator: ChimeVoiceEmulator,
    sink: ResponseSink,
    dynamodb: DynamoDBServer,
) -> ClaimedCreate:
    """One ProxySession Create at each S of ``plan.live_sessions``, in rounds."""
    from harness.dynamodb import DYNAMODB_ENDPOINT_ENV_VAR

    stack = session_stack(1, workdir / "claimed-create")
    with (
        DynamoDBCallCounter(dynamodb.endpoint_url) as counter,
        cold_runner(
            stack,
            endpoint_url=emulator.endpoint_url,
            sink=sink,
            dynamodb=dynamodb,
            extra_env={DYNAMODB_ENDPOINT_ENV_VAR: counter.endpoint_url},
        ) as runner,
    ):
        samples = [
            create_beside(live, runner, emulator, counter, stack.template)
            for _ in range(plan.claimed_create_runs)
            for live in plan.live_sessions
        ]
    return claimed_create(samples)


def _operations(operations: Mapping[str, float]) -> str:
    return ", ".join(f"`{name}` {count:g}" for name, count in operations.items()) or "none"


def claimed_create_markdown(figures: ClaimedCreate) -> list[str]:
    """The results.md section: the table over S and the targets' verdicts."""
    return [
        "## A ProxySession Create beside live sessions",
        "",
        "One `ProxySession` Create (`Custom::ChimeProxySession`) with S sessions already Open on "
        "its voice connector, seeded directly in the emulator's state (one `seed_session` call "
        f"each). Handlers ran {figures.mode}; the stack's claim table in moto, its calls counted "
        f"by a proxy. Time: {figures.timing}; median (min-max) of {figures.runs_each} "
        "Create(s) per S, the S taken in rounds.",
        "",
        "| S | ChimeSDKVoice calls per Create | by operation | DynamoDB calls per Create | "
        "by operation | handler Duration | invocation wall time | seeding S sessions |",
        "| ---: | ---: | --- | ---: | --- | ---: | ---: | ---: |",
        *(
            f"| {row.live_sessions:,} | {row.chime_calls_per_create:g} (most "
            f"{row.most_chime_calls}) | {_operations(row.chime_operations)} | "
            f"{row.dynamodb_calls_per_create:g} | {_operations(row.dynamodb_operations)} | "
            f"{_seconds(row.duration)} | {_seconds(row.wall)} | {row.seeding_seconds:.2f} s |"
            for row in figures.rows
        ),
        "",
        f"- {figures.calls_target}: {'met' if figures.calls_met else '**missed**'}.",
        f"- {figures.time_target}: {figures.time_ratio:.2f}x, "
        f"{'met' if figures.time_met else '**missed**'}.",
        "",
    ]


def _seconds(figures: Timing) -> str:
    return f"{figures.median:.3f} s ({figures.min:.3f}-{figures.max:.3f})"
