"""The machine and toolchain a run's figures come from (``bench.report.machine_line`` names it)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path


@dataclass(frozen=True)
class Machine:
    """The machine and toolchain the figures come from.

    The last three fields are known only when the run ends; the driver fills them in with
    ``dataclasses.replace``.
    """

    arch: str
    cpu: str
    cores: int | None
    memory_gib: float
    python: str
    node: str
    aws_cdk_lib: str
    boto3: str
    date: str
    load_average_at_start: tuple[float, ...]
    section_seconds: Mapping[str, float] = field(default_factory=dict)
    load_average_at_end: tuple[float, ...] = ()
    bench_seconds: float = 0.0


def load_average() -> tuple[float, ...]:
    """The 1, 5 and 15 minute load averages, rounded."""
    return tuple(round(value, 2) for value in os.getloadavg())


def machine() -> Machine:
    """Describe this machine and the toolchain versions, as the run starts."""
    from harness.synth import cli_env

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    node = subprocess.run(
        ["node", "--version"],  # noqa: S607 - the pinned Node.js, first on cli_env's PATH
        env=cli_env(),
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return Machine(
        arch=os.uname().machine,
        cpu=cpu,
        cores=os.cpu_count(),
        memory_gib=round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        python=sys.version.split()[0],
        node=node,
        aws_cdk_lib=metadata.version("aws-cdk-lib"),
        boto3=metadata.version("boto3"),
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        load_average_at_start=load_average(),
    )
