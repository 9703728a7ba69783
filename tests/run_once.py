"""Build a costly fixture once per test run, even when pytest-xdist runs it on several workers.

Each xdist worker has its own session, so a session-scoped fixture would otherwise be built once
per worker (a CLI synth costs seconds of both cores). ``once`` builds into a folder of the run's
base temp directory, which every worker of the run shares, under an exclusive file lock: the first
worker to ask builds, the others wait for it and read the same folder. Without xdist the folder is
a plain temp folder of the session.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

_DONE = ".built"


def once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """The folder ``build`` filled for this run; ``build`` runs in the first worker that asks.

    ``build`` gets an empty folder and must only write inside it. If it raises, the folder is
    removed and the next worker that asks builds again (and so fails the same way, with its own
    traceback).
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:
        folder = tmp_path_factory.mktemp(name, numbered=False)
        build(folder)
        return folder
    # A worker's base temp is <the controller's base temp>/<worker id>: unique to this run.
    shared = tmp_path_factory.getbasetemp().parent / f"shared-{name}"
    with open(f"{shared}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / _DONE).is_file():
            shutil.rmtree(shared, ignore_errors=True)
            shared.mkdir()
            try:
                build(shared)
            except BaseException:
                shutil.rmtree(shared, ignore_errors=True)
                raise
            (shared / _DONE).touch()
    return shared
