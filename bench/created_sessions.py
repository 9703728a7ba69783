"""Measure 9: creating N sessions at once (ProxySession, Custom::ChimeProxySession).

One stack of N ProxySession resources is created through the warm runner (one forked, warm
handler per resource, all N Creates sent at once, as CloudFormation sends independent resources)
against the emulator without a rate limit, each handler with the stack's claim table (moto,
through a proxy that counts the calls: ``bench.dynamodb_calls``). The figures: how many
succeeded, the total time, the ChimeSDKVoice calls and the claim table's DynamoDB calls per
resource by operation, and how many sessions the emulator holds afterwards, which must be exactly
N. There is no target: the measure shows what exactly-once costs.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from bench.common import (
    CLI_CONTEXT,
    STACK_NAME,
    VOICE_CONNECTOR_ID,
    BenchError,
    Plan,
    Synthesized,
    log,
)
from bench.dynamodb_calls import DynamoDBCallCounter
from bench.fleet import InvocationSeconds, percentile
from bench.warm_runner import WarmRunner

if TYPE_CHECKING:
    from harness.dynamodb import DynamoDBServer
    from harness.emulator import ChimeVoiceEmulator
    from harness.response_sink import ResponseSink

# The order the operations are listed in; any other operation follows.
OPERATIONS: Final = (
    "ListProxySessions",
    "CreateProxySession",
    "UpdateProxySession",
    "DeleteProxySession",
)


@dataclass(frozen=True)
class OperationCalls:
    """One operation's calls: in all, and per resource."""

    calls: int
    per_resource: float


@dataclass(frozen=True)
class CreatedSessions:
    """N ProxySession resources created at once: what succeeded, how long, what it called."""

    resources: int
    mode: str
    status: str
    succeeded: int
    total_seconds: float
    invocation_seconds: InvocationSeconds
    api_calls_per_resource: float
    operations: Mapping[str, OperationCalls]
    dynamodb_calls_per_resource: float
    dynamodb_operations: Mapping[str, OperationCalls]
    sessions_held: int
    exactly_n_sessions: bool


def _per_resource(
    counts: Counter[str], ordered: Sequence[str], n: int
) -> dict[str, OperationCalls]:
    return {
        name: OperationCalls(calls=counts[name], per_resource=round(counts[name] / n, 2))
        for name in ordered
    }


def created_sessions(
    n: int,
    *,
    status: str,
    succeeded: int,
    total_seconds: float,
    invocation_seconds: Sequence[float],
    operations: Sequence[str],
    dynamodb_operations: Sequence[str],
    sessions_held: int,
) -> CreatedSessions:
    """The figures of one run: ``operations`` names every call the emulator received,
    ``dynamodb_operations`` every call the claim table received (``Operation -> status``)."""
    counts = Counter(operations)
    ordered = [name for name in OPERATIONS if name in counts]
    ordered += sorted(name for name in counts if name not in OPERATIONS)
    table_counts = Counter(dynamodb_operations)
    return CreatedSessions(
        resources=n,
        mode=(
            f"warm: {n} workers forked from one process that imported the handler, one per "
            f"resource; all {n} Creates sent at once; no rate limit"
        ),
        status=status,
        succeeded=succeeded,
        total_seconds=round(total_seconds, 3),
        invocation_seconds=InvocationSeconds(
            median=round(statistics.median(invocation_seconds), 3),
            p90=round(percentile(invocation_seconds, 0.9), 3),
            max=round(max(invocation_seconds), 3),
        ),
        api_calls_per_resource=round(sum(counts.values()) / n, 2),
        operations=_per_resource(counts, ordered, n),
        dynamodb_calls_per_resource=round(sum(table_counts.values()) / n, 2),
        dynamodb_operations=_per_resource(table_counts, list(table_counts), n),
        sessions_held=sessions_held,
        exactly_n_sessions=sessions_held == n,
    )


def phones(index: int) -> list[str]:
    """Two distinct participants for session ``index`` (fictional 555 numbers)."""
    return [f"+1206555{index:04d}", f"+1425555{index:04d}"]


def session_stack(n: int, outdir: Path) -> Synthesized:
    """A stack of ``n`` ProxySession resources on one voice connector, synthesized in-process
    into ``outdir`` (kept: its asset is the function's code)."""
    import json

    import aws_cdk as cdk

    from bench.common import library_on_path

    library_on_path()
    from chime_proxy_session import Capability, ProxySession

    app = cdk.App(outdir=str(outdir), context=dict(CLI_CONTEXT))
    stack = cdk.Stack(app, STACK_NAME)
    for index in range(n):
        ProxySession(
            stack,
            f"Session{index:03d}",
            voice_connector_id=VOICE_CONNECTOR_ID,
            participant_phone_numbers=phones(index),
            capabilities=[Capability.VOICE, Capability.SMS],
            expiry=cdk.Duration.minutes(120),
        )
    assembly = app.synth()
    path = Path(assembly.get_stack_by_name(STACK_NAME).template_full_path)
    return Synthesized(outdir=outdir, template_path=path, template=json.loads(path.read_bytes()))


def held_sessions(endpoint_url: str, env: Mapping[str, str]) -> int:
    """How many Open or InProgress sessions the emulator holds on the voice connector, asked with
    the runner's (fake) credentials and region ``env``."""
    import boto3

    client = boto3.client(
        "chime-sdk-voice",
        endpoint_url=endpoint_url,
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
    )
    held = 0
    for status in ("Open", "InProgress"):
        request: dict[str, Any] = {"VoiceConnectorId": VOICE_CONNECTOR_ID, "Status": status}
        while True:
            page = client.list_proxy_sessions(**request)
            held += len(page["ProxySessions"])
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
    return held


def measure_created_sessions(
    plan: Plan,
    workdir: Path,
    emulator: ChimeVoiceEmulator,
    sink: ResponseSink,
    dynamodb: DynamoDBServer,
    asset_dir: Path,
) -> CreatedSessions:
    """Create ``plan.session_count`` sessions at once; count the calls and the sessions left."""
    from harness.lifecycle import CloudFormationStack

    n = plan.session_count
    workdir = workdir / f"created-sessions-{n}"
    workdir.mkdir(parents=True, exist_ok=True)
    template = session_stack(n, workdir / "assembly").template
    emulator.reset()
    emulator.configure_proxy(VOICE_CONNECTOR_ID)
    log(f"created sessions: starting {n} warm workers")
    with (
        DynamoDBCallCounter(dynamodb.endpoint_url) as counter,
        WarmRunner.for_template(
            template,
            asset_dir=asset_dir,
            endpoint_url=emulator.endpoint_url,
            sink=sink,
            dynamodb=dynamodb,
            dynamodb_endpoint_url=counter.endpoint_url,
            workers=n,
            workdir=workdir,
        ) as runner,
    ):
        stack = CloudFormationStack(runner, max_workers=n)
        started = time.perf_counter()
        created = stack.deploy(template, "create sessions")
        total = time.perf_counter() - started
        table_calls = [call.label for call in counter.calls]
    operations = [call.operation for call in emulator.calls]
    responses = [item.response or {} for item in created.invocations]
    figures = created_sessions(
        n,
        status=created.status,
        succeeded=sum(1 for response in responses if response.get("Status") == "SUCCESS"),
        total_seconds=total,
        invocation_seconds=[item.seconds for item in created.invocations],
        operations=operations,
        dynamodb_operations=table_calls,
        sessions_held=held_sessions(emulator.endpoint_url, runner.env),
    )
    if figures.succeeded == 0:
        raise BenchError(f"no session was created; the stack ended {created.status}")
    log(
        f"created sessions: {figures.succeeded}/{n} in {total:.1f} s, "
        f"{figures.api_calls_per_resource:g} ChimeSDKVoice and "
        f"{figures.dynamodb_calls_per_resource:g} DynamoDB calls per resource, "
        f"{figures.sessions_held} held"
    )
    return figures


def created_sessions_markdown(figures: CreatedSessions) -> list[str]:
    """The results.md section: one table, no target."""
    return [
        f"## Creating {figures.resources} sessions",
        "",
        f"{figures.resources} `ProxySession` resources (`Custom::ChimeProxySession`) created in "
        f"one stack deploy. Handlers ran {figures.mode}. Each Create claims its request in the "
        "stack's claim table (DynamoDB, a conditional write) before it calls `CreateProxySession`, "
        "and records the session it made there, so a repeated or concurrent delivery of the "
        "request is answered from the record; an ordinary Create lists nothing.",
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| succeeded | {figures.succeeded} / {figures.resources} ({figures.status}) |",
        f"| total time (first request sent → last response received) | "
        f"{figures.total_seconds:.2f} s |",
        f"| invocation time, median / p90 / max | {figures.invocation_seconds.median:.2f} / "
        f"{figures.invocation_seconds.p90:.2f} / {figures.invocation_seconds.max:.2f} s |",
        f"| ChimeSDKVoice calls per resource | {figures.api_calls_per_resource:g} |",
        *(
            f"| `{name}` calls (per resource) | {item.calls} ({item.per_resource:g}) |"
            for name, item in figures.operations.items()
        ),
        f"| DynamoDB calls per resource (the claim table) | "
        f"{figures.dynamodb_calls_per_resource:g} |",
        *(
            f"| `{name}` calls (per resource) | {item.calls} ({item.per_resource:g}) |"
            for name, item in figures.dynamodb_operations.items()
        ),
        f"| sessions the emulator holds afterwards | {figures.sessions_held} "
        f"({'exactly N' if figures.exactly_n_sessions else '**not N**'}) |",
        "",
    ]
