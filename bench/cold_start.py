"""Measure 5: the handler's cold start (its import from the asset) against a bare boto3 client."""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from bench.common import BenchError, Plan, Timing, log

if TYPE_CHECKING:
    from harness.lifecycle import LambdaRunner

COLD_START_TARGET: Final = 1.05

# The only work before the timer is `import sys, time`, the same in both programs.
HANDLER_IMPORT: Final = (
    "import sys, time\n"
    "sys.path[:0] = sys.argv[1:3]\n"
    "started = time.perf_counter()\n"
    "import index\n"
    "print(time.perf_counter() - started)\n"
)
BARE_CLIENT: Final = (
    "import sys, time\n"
    "sys.path[:0] = sys.argv[1:3]\n"
    "started = time.perf_counter()\n"
    "import boto3\n"
    "boto3.client('chime-sdk-voice')\n"
    "print(time.perf_counter() - started)\n"
)
COLD_PROGRAMS: Final = {"handler": HANDLER_IMPORT, "bare_client": BARE_CLIENT}
_IMPORTTIME_LINE: Final = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)")


@dataclass(frozen=True)
class ImportBreakdown:
    """What the handler imports beyond boto3 (``-X importtime`` self times), and its own cost."""

    extra_modules: int
    extra_modules_self_ms: float
    top_extra_modules_ms: Mapping[str, float]
    index_self_ms: float
    note: str


@dataclass(frozen=True)
class ColdStart:
    """Both programs' timings, three ways to compare them, and the target on the first."""

    handler: Timing
    bare_client: Timing
    ratio: float
    median_of_paired_ratios: float
    ratio_of_minimums: float
    target: str
    met: bool
    runs_each: int
    breakdown: ImportBreakdown


def _run_cold(
    program: str, asset_dir: Path, runner: LambdaRunner, *flags: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the project's Python with a fixed program
        [
            sys.executable,
            "-I",
            "-S",
            *flags,
            "-c",
            program,
            str(asset_dir),
            str(runner.runtime_dir),
        ],
        env=runner.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def parse_importtime(stderr: str) -> dict[str, int]:
    """Self time in microseconds of every module in ``-X importtime`` output."""
    modules: dict[str, int] = {}
    for line in stderr.splitlines():
        match = _IMPORTTIME_LINE.match(line)
        if match:
            modules[match.group(4)] = int(match.group(1))
    return modules


def _importtime(program: str, asset_dir: Path, runner: LambdaRunner) -> dict[str, int]:
    finished = _run_cold(program, asset_dir, runner, "-X", "importtime")
    if finished.returncode != 0:
        raise BenchError(f"-X importtime run failed:\n{finished.stderr[-2000:]}")
    return parse_importtime(finished.stderr)


def import_breakdown(ours: Mapping[str, int], bare: Mapping[str, int]) -> ImportBreakdown:
    """The modules (self times in microseconds) the handler imports beyond the bare client's."""
    extra = {name: micros for name, micros in ours.items() if name not in bare and name != "index"}
    top = sorted(extra.items(), key=lambda item: item[1], reverse=True)[:8]
    return ImportBreakdown(
        extra_modules=len(extra),
        extra_modules_self_ms=round(sum(extra.values()) / 1000, 2),
        top_extra_modules_ms={name: round(micros / 1000, 2) for name, micros in top},
        index_self_ms=round(ours.get("index", 0) / 1000, 2),
        note=(
            "index's self time includes building the chime-sdk-voice client at import, which the "
            "bare program does after its import; -X importtime adds its own overhead"
        ),
    )


def cold_start(
    handler: Sequence[float], bare_client: Sequence[float], breakdown: ImportBreakdown
) -> ColdStart:
    """Compare paired samples (seconds; run i of each ran back to back) against the target."""
    ours, bare = Timing.of(handler), Timing.of(bare_client)
    ratio = ours.median / bare.median
    return ColdStart(
        handler=ours,
        bare_client=bare,
        ratio=round(ratio, 3),
        # Sturdier on a busy machine: each pair ran back to back; the fastest saw the least noise.
        median_of_paired_ratios=round(
            statistics.median(a / b for a, b in zip(handler, bare_client, strict=True)), 3
        ),
        ratio_of_minimums=round(min(handler) / min(bare_client), 3),
        target=f"handler import <= {COLD_START_TARGET}x a bare boto3 client",
        met=ratio <= COLD_START_TARGET,
        runs_each=len(handler),
        breakdown=breakdown,
    )


def measure_cold_start(plan: Plan, asset_dir: Path, runner: LambdaRunner) -> ColdStart:
    """Import time of the handler from the asset vs ``import boto3; boto3.client(...)``."""
    samples: dict[str, list[float]] = {name: [] for name in COLD_PROGRAMS}
    names = list(COLD_PROGRAMS)
    for run in range(plan.cold_start_runs):
        for name in names if run % 2 == 0 else names[::-1]:
            finished = _run_cold(COLD_PROGRAMS[name], asset_dir, runner)
            if finished.returncode != 0:
                raise BenchError(f"cold start of {name} failed:\n{finished.stderr[-2000:]}")
            samples[name].append(float(finished.stdout.strip().splitlines()[-1]))
    breakdown = import_breakdown(
        _importtime("import sys\nsys.path[:0] = sys.argv[1:3]\nimport index\n", asset_dir, runner),
        _importtime("import sys\nsys.path[:0] = sys.argv[1:3]\nimport boto3\n", asset_dir, runner),
    )
    results = cold_start(samples["handler"], samples["bare_client"], breakdown)
    log(
        f"cold start: handler {results.handler.median * 1000:.0f} ms, bare client "
        f"{results.bare_client.median * 1000:.0f} ms "
        f"({results.handler.median / results.bare_client.median:.2f}x)"
    )
    return results
