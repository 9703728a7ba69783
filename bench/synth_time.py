"""Measure 4: synth wall time of a fresh Python process, for each construct (kinds alternate)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.common import KINDS, REPO, BenchError, Plan, Timing, log


@dataclass(frozen=True)
class SynthTime:
    """Timings keyed by N for each construct, and the ratio of the medians at each N."""

    ours: Mapping[int, Timing]
    theirs: Mapping[int, Timing]
    ratio: Mapping[int, float]
    runs_each: int


def synth_time(samples: Mapping[str, Mapping[int, list[float]]], runs_each: int) -> SynthTime:
    """Summarize the samples (seconds) taken for each construct at each N."""
    ours, theirs = ({n: Timing.of(values) for n, values in samples[kind].items()} for kind in KINDS)
    return SynthTime(
        ours=ours,
        theirs=theirs,
        ratio={n: round(ours[n].median / theirs[n].median, 3) for n in ours},
        runs_each=runs_each,
    )


def measure_synth_time(plan: Plan, workdir: Path) -> SynthTime:
    """Time ``python -m bench.synth_once`` for each construct and N, alternating the order."""
    from harness.synth import cli_env

    env = cli_env()
    samples: dict[str, dict[int, list[float]]] = {
        kind: {n: [] for n in plan.synth_sizes} for kind in KINDS
    }
    for n in plan.synth_sizes:
        for run in range(plan.synth_runs):
            for kind in KINDS if run % 2 == 0 else KINDS[::-1]:
                outdir = workdir / f"synth-{kind}-{n}-{run}"
                started = time.perf_counter()
                finished = subprocess.run(  # noqa: S603 - the bench's own module, fixed arguments
                    [sys.executable, "-m", "bench.synth_once", kind, str(n), str(outdir)],
                    cwd=REPO,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=900,
                    check=False,
                )
                elapsed = time.perf_counter() - started
                if finished.returncode != 0:
                    raise BenchError(
                        f"synth of {kind} with N={n} failed ({finished.returncode}):\n"
                        f"{finished.stderr[-3000:]}"
                    )
                samples[kind][n].append(elapsed)
                shutil.rmtree(outdir, ignore_errors=True)
                log(f"synth {kind} N={n} run {run + 1}: {elapsed:.2f} s")
    return synth_time(samples, plan.synth_runs)
