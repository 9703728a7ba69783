"""What a drift check finds, as typed records, and how it is shown: a table for people, JSON for
pipelines, and the exit status.

Values are shown as the resource's attributes show them (lists comma-joined, booleans ``true`` or
``false``); ``None`` is a value that is not set. A value that is a phone number of a participant
or a fall-back number, or that CloudFormation resolved from a secret, never reaches a record: the
check puts a placeholder there before it makes one.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any, Final


class Status(enum.Enum):
    """Where a resource stands against the service."""

    IN_SYNC = "IN_SYNC"
    MODIFIED = "MODIFIED"
    DELETED = "DELETED"
    NOT_CHECKED = "NOT_CHECKED"


DRIFTED: Final = frozenset({Status.MODIFIED, Status.DELETED})

# Exit statuses of the command line.
EXIT_IN_SYNC: Final = 0
EXIT_DRIFTED: Final = 1
EXIT_NOT_RUN: Final = 2


@dataclass(frozen=True)
class Difference:
    """One declared property whose live value is another (``None``: not set)."""

    property: str
    declared: str | None
    live: str | None


@dataclass(frozen=True)
class ResourceDrift:
    """One custom resource of the library: its status and what differs.

    ``reason`` says why a resource is DELETED (and what to do), why it was NOT_CHECKED, or what
    was left out of the comparison; ``None`` when there is nothing to say.
    """

    logical_id: str
    type: str
    physical_id: str | None
    status: Status
    differences: tuple[Difference, ...] = ()
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The resource as ``--json`` prints it."""
        return {
            "logical_id": self.logical_id,
            "type": self.type,
            "physical_id": self.physical_id,
            "status": self.status.value,
            "differences": [
                {"property": item.property, "declared": item.declared, "live": item.live}
                for item in self.differences
            ],
            "reason": self.reason,
        }


@dataclass(frozen=True)
class DriftReport:
    """A stack's custom resources of this library, in template order."""

    stack: str
    region: str
    resources: tuple[ResourceDrift, ...]

    @property
    def drifted(self) -> tuple[ResourceDrift, ...]:
        """The resources that are MODIFIED or DELETED."""
        return tuple(item for item in self.resources if item.status in DRIFTED)

    def as_json(self) -> dict[str, Any]:
        """The report as ``--json`` prints it."""
        return {
            "stack": self.stack,
            "region": self.region,
            "resources": [item.as_json() for item in self.resources],
        }

    def to_json(self) -> str:
        """``as_json`` as indented JSON text."""
        return json.dumps(self.as_json(), indent=2)


@dataclass(frozen=True)
class Reverted:
    """What ``--revert`` did to one drifted resource: the operations it called and the
    differences it put back (``done``), or why it left the resource as it is."""

    logical_id: str
    type: str
    done: bool
    operations: tuple[str, ...] = ()
    differences: tuple[Difference, ...] = ()
    detail: str = ""


def exit_status(report: DriftReport, reverted: tuple[Reverted, ...] = ()) -> int:
    """0 when every resource is in sync (a MODIFIED one that ``reverted`` put back counts as in
    sync), 1 when any is still drifted, else 2 when any could not be checked."""
    back = {item.logical_id for item in reverted if item.done}
    left = [item for item in report.resources if item.logical_id not in back]
    if any(item.status in DRIFTED for item in left):
        return EXIT_DRIFTED
    if any(item.status is Status.NOT_CHECKED for item in left):
        return EXIT_NOT_RUN
    return EXIT_IN_SYNC


def _shown(value: str | None) -> str:
    return "(not set)" if value is None else value


def render_text(report: DriftReport) -> str:
    """A table, one line per resource (and one more per further difference), each reason below
    its resource, and a summary line."""
    header = ("LOGICAL ID", "TYPE", "STATUS", "PROPERTY", "DECLARED", "LIVE")
    rows: list[tuple[str, ...]] = []
    reasons: dict[int, str] = {}
    for item in report.resources:
        first = (item.logical_id, item.type, item.status.value)
        if not item.differences:
            rows.append((*first, "", "", ""))
        for index, difference in enumerate(item.differences):
            lead = first if index == 0 else ("", "", "")
            rows.append(
                (*lead, difference.property, _shown(difference.declared), _shown(difference.live))
            )
        if item.reason:
            reasons[len(rows) - 1] = item.reason
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(
            cell.ljust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()

    lines = [f"Stack {report.stack} in {report.region}", "", line(header)]
    for index, row in enumerate(rows):
        lines.append(line(row))
        if index in reasons:
            lines.append(f"    {reasons[index]}")
    counts = {status: 0 for status in Status}
    for item in report.resources:
        counts[item.status] += 1
    summary = ", ".join(f"{count} {status.value}" for status, count in counts.items() if count)
    if not report.resources:
        lines[2:] = ["No resource of cdk-chime-proxy-session in this stack."]
    else:
        lines += ["", f"{len(report.resources)} resources: {summary}"]
    return "\n".join(lines)


def render_reverted(reverted: tuple[Reverted, ...]) -> str:
    """Per drifted resource: what was put back and with which calls, and what was not, why."""
    lines: list[str] = []
    for item in reverted:
        if item.differences and item.operations:
            changes = "; ".join(
                f"{d.property} {_shown(d.live)} -> {_shown(d.declared)}" for d in item.differences
            )
            calls = ", ".join(item.operations)
            lines.append(f"Reverted {item.logical_id} ({item.type}) with {calls}: {changes}")
        if not item.done:
            lines.append(f"Not reverted {item.logical_id} ({item.type}): {item.detail}")
    return "\n".join(lines) if lines else "Nothing to revert."
