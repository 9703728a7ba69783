"""The reliability ledger: what the reliability tests tried, for one summary line per run.

At the end of a run that used this module, ``tests/conftest.py`` prints

    reliability: N bad inputs tried, M faults injected, K leaks found

and writes the same counts, with the labels recorded, to ``reliability-report.json`` at the
repository root (gitignored).

API, for any test (import it as ``from tests.reliability import ledger``):

- ``ledger.bad_input(label)``: count one malformed input that was sent to the code under test
  (a bad CloudFormation request, a bad construct prop). Call it once per case, when the case runs.
- ``ledger.fault(label)``: count one injected fault (a throttled or failing API call, a dropped
  connection, a ResponseURL answering 503, a missing asset file, ...).
- ``ledger.leak(label)``: count one leak FOUND (a secret, a presigned URL or a phone number where
  it must not be: logs, Reason, Data, templates). A leak check that finds nothing records nothing;
  a test that records a leak should also fail, so a green run reports 0.

``label`` is a short, stable description (e.g. ``"Create: Capabilities null"``); labels are
listed in the JSON report. Counters live in this process: the suite runs without pytest-xdist.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Final

BAD_INPUT: Final = "bad_inputs"
FAULT: Final = "faults"
LEAK: Final = "leaks"

_labels: dict[str, list[str]] = {BAD_INPUT: [], FAULT: [], LEAK: []}


def bad_input(label: str) -> None:
    """Count one malformed input sent to the code under test."""
    _labels[BAD_INPUT].append(label)


def fault(label: str) -> None:
    """Count one injected fault."""
    _labels[FAULT].append(label)


def leak(label: str) -> None:
    """Count one leak found (the test that finds it should fail too)."""
    _labels[LEAK].append(label)


def counts() -> dict[str, int]:
    """The counters: bad inputs tried, faults injected, leaks found."""
    return {kind: len(labels) for kind, labels in _labels.items()}


def summary_line() -> str:
    """The one-line summary printed at the end of the run."""
    tally = counts()
    return (
        f"reliability: {tally[BAD_INPUT]} bad inputs tried, {tally[FAULT]} faults injected, "
        f"{tally[LEAK]} leaks found"
    )


def write_report(path: Path) -> None:
    """Write the counts and the labels (with how often each was recorded) as JSON."""
    report = {
        "counts": counts(),
        "labels": {kind: dict(Counter(labels)) for kind, labels in _labels.items()},
    }
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
