"""Measure 7: a fleet of resources updated at once by warm handlers against a rate limit."""

from __future__ import annotations

import math
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

from bench.common import (
    OURS,
    VOICE_CONNECTOR_ID,
    BenchError,
    Plan,
    log,
    numbered_sessions,
    template_of,
)
from bench.warm_runner import WarmRunner

if TYPE_CHECKING:
    from harness.dynamodb import DynamoDBServer
    from harness.emulator import ChimeVoiceEmulator
    from harness.response_sink import ResponseSink

FLEET_TARGET: Final = 1.5


@dataclass(frozen=True)
class AttemptsPerResource:
    """UpdateProxySession attempts per resource."""

    mean: float
    max: int


@dataclass(frozen=True)
class InvocationSeconds:
    """How long each invocation took, as the driver saw it."""

    median: float
    p90: float
    max: float


@dataclass(frozen=True)
class Fleet:
    """The timed Update of the whole fleet, its target, and how the attempts spread over time."""

    resources: int
    rate_limit_per_second: float
    mode: str
    status: str
    succeeded: int
    sessions_updated: int
    all_succeeded: bool
    total_seconds: float
    ideal_seconds: float
    ratio: float
    target: str
    met: bool
    last_success_seconds: float
    attempts: int
    throttled: int
    attempts_per_resource: AttemptsPerResource
    invocation_seconds: InvocationSeconds
    invocation_seconds_total: float
    attempts_per_second: tuple[int, ...]
    successes_per_second: tuple[int, ...]
    seconds_below_rate_before_last_success: int
    tail_starts_at_second: int
    resources_waiting_at_tail_start: int
    tail_attempts_per_second: tuple[int, ...]
    burst: float


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value with ``fraction`` of them at or below."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


class Call(Protocol):
    """What the fleet's figures read of one emulator call record."""

    @property
    def session_id(self) -> str | None:
        """The proxy session the call was for."""

    @property
    def error_code(self) -> str | None:
        """The error answered, None on success."""

    @property
    def fault(self) -> str | None:
        """The injected fault that shaped the answer ("rate_limit" when throttled)."""

    @property
    def timestamp(self) -> datetime:
        """When the emulator received the call."""


@dataclass(frozen=True)
class Update:
    """What the timed Update produced, as the fleet's figures need it."""

    status: str
    succeeded: int
    sessions_updated: int
    total_seconds: float
    invocation_seconds: Sequence[float]
    calls: Sequence[Call]
    started_at: datetime


def fleet(n: int, rate: float, update: Update) -> Fleet:
    """The fleet's figures from the timed Update of ``n`` resources at ``rate`` requests/s."""
    calls = update.calls
    offsets = [(call.timestamp - update.started_at).total_seconds() for call in calls]
    success_offsets = sorted(
        offset for call, offset in zip(calls, offsets, strict=True) if call.error_code is None
    )
    per_session = Counter(call.session_id for call in calls)
    seconds = max(1, math.ceil(max(offsets, default=0.0)))
    attempts_per_second = [0] * seconds
    successes_per_second = [0] * seconds
    for call, offset in zip(calls, offsets, strict=True):
        bucket = min(seconds - 1, max(0, int(offset)))
        attempts_per_second[bucket] += 1
        if call.error_code is None:
            successes_per_second[bucket] += 1
    last_success = success_offsets[-1] if success_offsets else float("nan")
    busy = math.ceil(last_success) if success_offsets else 0
    starved = sum(1 for count in attempts_per_second[:busy] if count < rate)
    # The tail: from the first second (after the opening one) in which fewer than R attempts
    # arrived, the limit had room the sleeping handlers did not use.
    tail_start = next(
        (second for second in range(1, busy) if attempts_per_second[second] < rate), busy
    )
    ideal = n / rate
    ratio = update.total_seconds / ideal
    durations = update.invocation_seconds
    return Fleet(
        resources=n,
        rate_limit_per_second=rate,
        mode=(
            "warm: one process imports the handler from the asset once (building its client), "
            f"then forks {n} workers, one per concurrent invocation, as Lambda runs {n} warm "
            "containers; each worker handled the warm-up Create and the timed Update"
        ),
        status=update.status,
        succeeded=update.succeeded,
        sessions_updated=update.sessions_updated,
        all_succeeded=(
            update.succeeded == n
            and update.sessions_updated == n
            and update.status == "UPDATE_COMPLETE"
        ),
        total_seconds=round(update.total_seconds, 3),
        ideal_seconds=round(ideal, 3),
        ratio=round(ratio, 3),
        target=f"total <= {FLEET_TARGET}x the ideal N/R",
        met=ratio <= FLEET_TARGET and update.succeeded == n,
        last_success_seconds=round(last_success, 3),
        attempts=len(calls),
        throttled=sum(1 for call in calls if call.fault == "rate_limit"),
        attempts_per_resource=AttemptsPerResource(
            mean=round(len(calls) / n, 2), max=max(per_session.values(), default=0)
        ),
        invocation_seconds=InvocationSeconds(
            median=round(statistics.median(durations), 3),
            p90=round(percentile(durations, 0.9), 3),
            max=round(max(durations), 3),
        ),
        invocation_seconds_total=round(sum(durations), 1),
        attempts_per_second=tuple(attempts_per_second),
        successes_per_second=tuple(successes_per_second),
        seconds_below_rate_before_last_success=starved,
        tail_starts_at_second=tail_start,
        resources_waiting_at_tail_start=n - sum(successes_per_second[:tail_start]),
        tail_attempts_per_second=tuple(attempts_per_second[tail_start:busy]),
        burst=max(rate, 1.0),
    )


def measure_fleet(
    plan: Plan,
    workdir: Path,
    emulator: ChimeVoiceEmulator,
    sink: ResponseSink,
    dynamodb: DynamoDBServer,
    asset_dir: Path,
) -> Fleet:
    """Create N resources (no limit, warm-up), then update all N at once at R requests/s."""
    return run_fleet(plan.fleet_size, plan.fleet_rate, workdir, emulator, sink, dynamodb, asset_dir)


def run_fleet(
    n: int,
    rate: float,
    workdir: Path,
    emulator: ChimeVoiceEmulator,
    sink: ResponseSink,
    dynamodb: DynamoDBServer,
    asset_dir: Path,
    *,
    timeout_seconds: float = 120.0,
) -> Fleet:
    """The fleet of ``n`` at ``rate``/s, each warm handler given ``timeout_seconds`` and the
    environment the fleet's template gives the function."""
    from harness.lifecycle import CloudFormationStack

    workdir = workdir / f"fleet-{n}-at-{rate:g}"
    workdir.mkdir(parents=True, exist_ok=True)
    sessions = numbered_sessions(n)
    before = template_of(
        OURS, numbered_sessions(n, capabilities=("Voice",), expiry_minutes=60), workdir / "fleet-a"
    )
    after = template_of(OURS, sessions, workdir / "fleet-b")
    emulator.reset()
    emulator.add_voice_connector(VOICE_CONNECTOR_ID)
    for session in sessions:
        emulator.seed_session(
            VOICE_CONNECTOR_ID, capabilities=["Voice"], session_id=session.session_id
        )

    log(f"fleet: starting {n} warm workers")
    with WarmRunner.for_template(
        before,
        asset_dir=asset_dir,
        endpoint_url=emulator.endpoint_url,
        sink=sink,
        dynamodb=dynamodb,
        workers=n,
        workdir=workdir,
        timeout_seconds=timeout_seconds,
    ) as runner:
        stack = CloudFormationStack(runner, max_workers=n)
        created = stack.deploy(before, "fleet create")
        if created.status != "CREATE_COMPLETE":
            raise BenchError(f"fleet create ended {created.status}")
        emulator.reset_calls()
        emulator.faults.rate_limit_per_second = rate
        wall_start = datetime.now(UTC)
        started = time.perf_counter()
        updated = stack.deploy(after, "fleet update")
        total = time.perf_counter() - started
        emulator.faults.rate_limit_per_second = None

    responses = [item.response or {} for item in updated.invocations]
    results = fleet(
        n,
        rate,
        Update(
            status=updated.status,
            succeeded=sum(1 for response in responses if response.get("Status") == "SUCCESS"),
            sessions_updated=sum(
                1
                for session in sessions
                if (emulator.session(VOICE_CONNECTOR_ID, session.session_id) or {}).get(
                    "Capabilities"
                )
                == ["Voice", "SMS"]
            ),
            total_seconds=total,
            invocation_seconds=[item.seconds for item in updated.invocations],
            calls=emulator.calls_for("UpdateProxySession"),
            started_at=wall_start,
        ),
    )
    log(
        f"fleet: {results.succeeded}/{n} succeeded in {total:.1f} s (ideal {n / rate:.1f} s, "
        f"{total / (n / rate):.2f}x), {results.attempts} attempts"
    )
    return results
