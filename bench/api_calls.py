"""Measure 6: ChimeSDKVoice calls per CloudFormation request (lifecycle driver and emulator)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from bench.common import OURS, VOICE_CONNECTOR_ID, BenchError, Session, log, template_of

if TYPE_CHECKING:
    from harness.emulator import ChimeVoiceEmulator
    from harness.lifecycle import Invocation, LambdaRunner

# AwsCustomResource's handler (aws-cdk-lib's bundled index.js) calls the SDK call configured for
# the request type, if any: onCreate, onUpdate, onDelete. With onDelete set (the Destroy
# equivalent) its Delete calls it whatever came before, a failed Create included.
THEIRS_CALLS: Final = {
    "Create": 1,
    "Update, in place": 1,
    "Update, replacement (new session)": 1,
    "Delete of the replaced resource (Retain)": 0,
    "Delete, Retain": 0,
    "Create (Destroy policy)": 1,
    "Delete, Destroy": 1,
    "Create that fails (session not found)": 1,
    "Rollback Delete after the failed Create (Destroy policy)": 1,
}
EXPECTED_CALLS: Final = {
    "Create": 1,
    "Update, in place": 1,
    "Update, replacement (new session)": 1,
    "Delete of the replaced resource (Retain)": 0,
    "Delete, Retain": 0,
    "Create (Destroy policy)": 1,
    "Delete, Destroy": 1,
    "Create that fails (session not found)": 1,
    "Rollback Delete after the failed Create (Destroy policy)": 0,
}
# The requests the target is about.
LIMITED: Final = (
    "Create",
    "Update, in place",
    "Update, replacement (new session)",
    "Delete, Retain",
)


@dataclass(frozen=True)
class Request:
    """One request the handler answered, and the emulator calls it caused."""

    request_type: str
    response: str | None
    api_calls: int
    operations: Mapping[str, int]


@dataclass(frozen=True)
class CallRow:
    """One CloudFormation event: our calls, what we expect, and AwsCustomResource's."""

    event: str
    request_type: str
    response: str | None
    api_calls: int
    operations: Mapping[str, int]
    expected: int
    as_expected: bool
    aws_custom_resource: int


@dataclass(frozen=True)
class ApiCalls:
    """Every event's row, and the target on the events in LIMITED."""

    rows: tuple[CallRow, ...]
    target: str
    met: bool
    all_as_expected: bool
    aws_custom_resource_note: str


def api_calls(events: Sequence[tuple[str, Request]]) -> ApiCalls:
    """The table from each (event label, request), checked against EXPECTED_CALLS."""
    rows = tuple(
        CallRow(
            event=label,
            request_type=request.request_type,
            response=request.response,
            api_calls=request.api_calls,
            operations=request.operations,
            expected=EXPECTED_CALLS[label],
            as_expected=request.api_calls == EXPECTED_CALLS[label],
            aws_custom_resource=THEIRS_CALLS[label],
        )
        for label, request in events
    )
    return ApiCalls(
        rows=rows,
        target="one call for Create and Update, none for a Retain Delete",
        met=all(row.as_expected for row in rows if row.event in LIMITED),
        all_as_expected=all(row.as_expected for row in rows),
        aws_custom_resource_note=(
            "AwsCustomResource figures come from its handler's code (aws-cdk-lib's bundled "
            "index.js: it runs the SDK call configured for the request type), not from a run: it "
            "needs the AWS SDK for JavaScript v3 that the Lambda Node.js runtime provides"
        ),
    )


class _CallsPerRequest:
    """on_invocation callback: the emulator calls each (sequential) invocation caused."""

    def __init__(self, emulator: ChimeVoiceEmulator) -> None:
        self.emulator = emulator
        self.seen = len(emulator.calls)
        self.requests: list[Request] = []

    def __call__(self, invocation: Invocation) -> None:
        calls = self.emulator.calls
        new, self.seen = calls[self.seen :], len(calls)
        response = invocation.response or {}
        self.requests.append(
            Request(
                request_type=invocation.request["RequestType"],
                response=response.get("Status"),
                api_calls=len(new),
                operations=dict(
                    Counter(f"{call.operation} -> {call.error_code or call.status}" for call in new)
                ),
            )
        )


def measure_api_calls(
    workdir: Path, emulator: ChimeVoiceEmulator, runner: LambdaRunner
) -> ApiCalls:
    """Run CloudFormation's request sequences for one resource at a time; count the calls."""
    from harness.lifecycle import CloudFormationStack

    first = template_of(OURS, [Session("Line", "s-api-1", ("Voice",), 60)], workdir / "api-create")
    in_place = template_of(
        OURS, [Session("Line", "s-api-1", ("Voice", "SMS"), 90)], workdir / "api-in-place"
    )
    replaced = template_of(
        OURS, [Session("Line", "s-api-2", ("Voice", "SMS"), 90)], workdir / "api-replacement"
    )
    destroy = template_of(
        OURS,
        [Session("Ending", "s-api-3", ("Voice",), None, destroy=True)],
        workdir / "api-destroy",
    )

    emulator.reset()
    emulator.add_voice_connector(VOICE_CONNECTOR_ID)
    for session_id in ("s-api-1", "s-api-2", "s-api-3"):
        emulator.seed_session(VOICE_CONNECTOR_ID, capabilities=["Voice"], session_id=session_id)
    counter = _CallsPerRequest(emulator)
    labels: list[str] = []

    def step(operation: Callable[[], object], *names: str) -> None:
        before = len(counter.requests)
        operation()
        if len(counter.requests) - before != len(names):
            raise BenchError(
                f"{names}: expected {len(names)} requests, saw {counter.requests[before:]}"
            )
        labels.extend(names)

    stack = CloudFormationStack(runner, on_invocation=counter)
    step(lambda: stack.deploy(first), "Create")
    step(lambda: stack.deploy(in_place), "Update, in place")
    step(
        lambda: stack.deploy(replaced),
        "Update, replacement (new session)",
        "Delete of the replaced resource (Retain)",
    )
    step(stack.delete, "Delete, Retain")
    ending = CloudFormationStack(runner, on_invocation=counter)
    step(lambda: ending.deploy(destroy), "Create (Destroy policy)")
    step(ending.delete, "Delete, Destroy")
    # s-api-3 is gone now: the same template's Create fails, and CloudFormation rolls it back.
    failing = CloudFormationStack(runner, on_invocation=counter)
    step(
        lambda: failing.deploy(destroy),
        "Create that fails (session not found)",
        "Rollback Delete after the failed Create (Destroy policy)",
    )

    results = api_calls(list(zip(labels, counter.requests, strict=True)))
    for row in results.rows:
        log(f"api calls: {row.event}: {row.api_calls} ({row.response})")
    return results
