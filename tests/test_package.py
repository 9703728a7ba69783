"""The package's public names load on first use: the drift check runs without aws-cdk-lib."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import chime_proxy_session

REPO = Path(__file__).resolve().parents[1]


def test_every_public_name_is_exported_and_loads() -> None:
    lazy = set(chime_proxy_session._MODULES)
    assert set(chime_proxy_session.__all__) == {"RESOURCE_TYPE", *lazy}
    for name in lazy:
        assert getattr(chime_proxy_session, name).__name__ == name


def test_the_drift_check_imports_no_cdk() -> None:
    script = (
        "import sys\n"
        "import chime_proxy_session.drift\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii')))\n"
    )
    finished = subprocess.run(  # fixed argv, no shell
        [sys.executable, "-c", script],
        cwd=REPO,
        env={"PYTHONPATH": f"{REPO / 'constructs'}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert finished.stdout.strip() == "[]"
