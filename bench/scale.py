"""Measure 8: a full stack against a slow API, as a table over N and R.

Real handler processes cannot run 494 at a time for ten minutes per point on a 2-core machine,
so the table comes from ``bench.virtual_fleet``: the handler's own retry loop
(``chime_calls.call_with_retries``, the default timeout and response reserve from the contract)
against the emulator's own token bucket, on a virtual clock. The same measure runs real warm
handler processes against the emulator at the points in ``Plan.scale_real`` and at the fleet's
point, and simulates those points too: the ``agreement`` rows show how close the two are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from bench.common import Plan, log
from bench.fleet import Fleet, run_fleet
from bench.virtual_fleet import HandlerOutcome, simulate

if TYPE_CHECKING:
    from harness.dynamodb import DynamoDBServer
    from harness.emulator import ChimeVoiceEmulator
    from harness.response_sink import ResponseSink

import proxy_contract as contract

SCALE_TARGET: Final = 1.25
# About the most sessions one stack holds (CloudFormation's 500 resources, less the provider's).
FULL_STACK: Final = 494
# The handler's API budget with the construct's defaults: the timeout less the response reserve.
BUDGET_SECONDS: Final = (
    contract.DEFAULT_FUNCTION_TIMEOUT_SECONDS - contract.RESPONSE_RESERVE_SECONDS
)
# One attempt's round trip in the simulation (the emulator on loopback answers in milliseconds).
SIMULATED_LATENCY: Final = 0.01


@dataclass(frozen=True)
class ScaleRow:
    """N resources at R requests/s: how many succeeded, how long it took, what it cost."""

    resources: int
    rate_limit_per_second: float
    mode: str
    succeeded: int
    total_seconds: float
    ideal_seconds: float
    ratio: float
    function_seconds: float
    attempts: int
    met: bool


@dataclass(frozen=True)
class Agreement:
    """One point run both ways: real handler processes and the virtual clock."""

    resources: int
    rate_limit_per_second: float
    real_ratio: float
    virtual_ratio: float
    difference: float


@dataclass(frozen=True)
class Scale:
    """The table, the agreement between real and virtual runs, and the target."""

    budget_seconds: float
    simulated_latency: float
    target: str
    rows: tuple[ScaleRow, ...]
    real_rows: tuple[ScaleRow, ...]
    agreement: tuple[Agreement, ...]
    met: bool


def virtual_row(n: int, rate: float, outcomes: Sequence[HandlerOutcome]) -> ScaleRow:
    """The figures of a simulated run."""
    total = max(outcome.finished_at for outcome in outcomes)
    succeeded = sum(1 for outcome in outcomes if outcome.succeeded)
    ideal = n / rate
    return ScaleRow(
        resources=n,
        rate_limit_per_second=rate,
        mode="virtual clock",
        succeeded=succeeded,
        total_seconds=round(total, 1),
        ideal_seconds=round(ideal, 1),
        ratio=round(total / ideal, 3),
        function_seconds=round(sum(outcome.finished_at for outcome in outcomes), 0),
        attempts=sum(outcome.attempts for outcome in outcomes),
        met=succeeded == n and total / ideal <= SCALE_TARGET,
    )


def real_row(fleet: Fleet, invocation_seconds_total: float) -> ScaleRow:
    """The figures of a real-process fleet run."""
    return ScaleRow(
        resources=fleet.resources,
        rate_limit_per_second=fleet.rate_limit_per_second,
        mode="real processes",
        succeeded=fleet.succeeded,
        total_seconds=round(fleet.total_seconds, 1),
        ideal_seconds=round(fleet.ideal_seconds, 1),
        ratio=round(fleet.ratio, 3),
        function_seconds=round(invocation_seconds_total, 0),
        attempts=fleet.attempts,
        met=fleet.all_succeeded and fleet.ratio <= SCALE_TARGET,
    )


def simulated(n: int, rate: float) -> ScaleRow:
    """Simulate ``n`` handlers at ``rate``/s with the construct's defaults."""
    retry_log = logging.getLogger("chime_calls")
    level = retry_log.level
    retry_log.setLevel(logging.ERROR)  # one warning per throttled attempt, tens of thousands
    try:
        started = time.perf_counter()
        outcomes = simulate(n, rate, budget_seconds=BUDGET_SECONDS, latency=SIMULATED_LATENCY)
    finally:
        retry_log.setLevel(level)
    row = virtual_row(n, rate, outcomes)
    log(
        f"scale: virtual N={n} R={rate:g}: {row.succeeded}/{n} in {row.total_seconds:.0f} s "
        f"({row.ratio:.3f}x N/R), simulated in {time.perf_counter() - started:.1f} s"
    )
    return row


def measure_scale(
    plan: Plan,
    workdir: Path,
    emulator: ChimeVoiceEmulator,
    sink: ResponseSink,
    dynamodb: DynamoDBServer,
    asset_dir: Path,
    fleet: Fleet,
) -> Scale:
    """The virtual table over ``plan.scale_grid``, and real runs to check it against."""
    rows = tuple(simulated(n, rate) for n, rate in plan.scale_grid)
    real: list[tuple[ScaleRow, Fleet]] = []
    for n, rate in plan.scale_real:
        # The construct's default timeout, so the handler's budget is the one simulated.
        run = run_fleet(
            n,
            rate,
            workdir,
            emulator,
            sink,
            dynamodb,
            asset_dir,
            timeout_seconds=contract.DEFAULT_FUNCTION_TIMEOUT_SECONDS,
        )
        real.append((real_row(run, run.invocation_seconds_total), run))
    real.append((real_row(fleet, fleet.invocation_seconds_total), fleet))
    agreement = []
    for row, _ in real:
        twin = simulated(row.resources, row.rate_limit_per_second)
        agreement.append(
            Agreement(
                resources=row.resources,
                rate_limit_per_second=row.rate_limit_per_second,
                real_ratio=row.ratio,
                virtual_ratio=twin.ratio,
                difference=round(abs(row.ratio - twin.ratio) / row.ratio, 3),
            )
        )
    return Scale(
        budget_seconds=BUDGET_SECONDS,
        simulated_latency=SIMULATED_LATENCY,
        target=f"every resource succeeds, total <= {SCALE_TARGET}x N/R",
        rows=rows,
        real_rows=tuple(row for row, _ in real),
        agreement=tuple(agreement),
        met=any(
            row.met
            for row in rows
            if (row.resources, row.rate_limit_per_second) == (FULL_STACK, 1.0)
        ),
    )


def _ratio(value: float) -> str:
    return f"{value:.2f}x"


def scale_markdown(scale: Scale) -> list[str]:
    """The Scale section of results.md: the table and the real-versus-virtual agreement."""
    return [
        "## Scale: a full stack against a slow API",
        "",
        "Each handler's API budget is the default timeout less the response reserve "
        f"({scale.budget_seconds:g} s); backoff is full jitter, 0.5 s doubling to 8 s. "
        "Virtual clock: the handler's own `call_with_retries` against the emulator's own token "
        f"bucket, {scale.simulated_latency * 1000:g} ms per attempt, all N invoked at once. Real "
        "processes: warm handler processes from the asset against the emulator over HTTP. "
        "Function-seconds add up every invocation's duration (what Lambda bills).",
        "",
        "| N | R (req/s) | run | succeeded | total | N / R | ratio | function-seconds | attempts |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {row.resources} | {row.rate_limit_per_second:g} | {row.mode} | "
            f"{row.succeeded} | {row.total_seconds:,.1f} s | {row.ideal_seconds:,.1f} s | "
            f"{_ratio(row.ratio)} | {row.function_seconds:,.0f} | {row.attempts:,} |"
            for row in (*scale.rows, *scale.real_rows)
        ),
        "",
        "Real processes against the virtual clock at the same points (ratio to N / R):",
        "",
        "| N | R (req/s) | real | virtual | difference |",
        "| ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {item.resources} | {item.rate_limit_per_second:g} | "
            f"{_ratio(item.real_ratio)} | {_ratio(item.virtual_ratio)} | {item.difference:.1%} |"
            for item in scale.agreement
        ),
        "",
    ]
