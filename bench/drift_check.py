"""Measure 11: a drift check of a stack with N resources of this library (issue 17).

The stack holds every type the check reads, N custom resources in all: its ``PhoneNumbers`` (2)
on a voice connector it makes, their ``VoiceConnectorProxy``, and the other N - 2 split between
``ProxySession`` resources created on it and ``ProxySessionSettings`` of sessions already on the
bench's voice connector (N = 100: 49 and 49; the template then holds more than 100 resources, so
the check lists them with ListStackResources, page by page). It is deployed once through the
lifecycle driver (the synthesized asset, its claim table in moto) against the emulator and
published in the CloudFormation stand-in (``harness.cloudformation``).

The check then runs ``Plan.drift_runs`` times as ``check_stack`` in this process (its clients
pointed at the three stand-ins by ``AWS_ENDPOINT_URL_*``) and as many times as the command line in
a fresh process (``COMMAND``, as a pipeline step runs it). The figures: one check's API calls by
service and operation (the stand-in's record, the emulator's, a proxy in front of moto), whether
every run made the same and found every resource in sync, and the seconds. No target.
``python -m bench.drift_check [--quick]`` runs this measure alone and prints its section.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from bench.cold_runner import cold_runner
from bench.common import (
    CLI_CONTEXT,
    FULL_PLAN,
    QUICK_PLAN,
    REPO,
    STACK_NAME,
    VOICE_CONNECTOR_ID,
    BenchError,
    Plan,
    Synthesized,
    Timing,
    library_on_path,
    log,
    numbered_sessions,
)
from bench.created_sessions import phones
from bench.dynamodb_calls import DynamoDBCallCounter
from harness.local_env import local_aws

if TYPE_CHECKING:
    from harness.cloudformation import CloudFormationServer
    from harness.dynamodb import DynamoDBServer
    from harness.emulator import ChimeVoiceEmulator
    from harness.response_sink import ResponseSink

REGION: Final = "us-east-1"
NUMBERS: Final = 2  # the PhoneNumbers resource's count
# The services as results.md names them, in the order a check calls them.
SERVICES: Final = ("CloudFormation", "ChimeSDKVoice", "DynamoDB")
COMMAND: Final = "python -m chime_proxy_session.drift STACK --json"
# Concurrent requests while deploying: cold processes on a machine of two cores.
DEPLOY_WORKERS: Final = 4
_CREDENTIALS: Final = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


@dataclass(frozen=True)
class CheckRun:
    """One drift check: its seconds, the statuses it found (how many of each) and its calls by
    service, then ``Operation -> HTTP status``."""

    seconds: float
    statuses: Mapping[str, int]
    calls: Mapping[str, Mapping[str, int]]


@dataclass(frozen=True)
class DriftCheck:
    """The stack checked, one check's calls, and the seconds in each mode (no target)."""

    resources: int  # custom resources of this library
    template_resources: int
    composition: Mapping[str, int]  # by resource type
    deploy_status: str
    deploy_seconds: float
    statuses: Mapping[str, int]
    all_in_sync: bool
    api_calls: int  # in one check, every service
    calls: Mapping[str, Mapping[str, int]]
    same_calls_every_run: bool
    runs_each: int
    in_process: Timing
    command_line: Timing


def drift_check(
    *,
    composition: Mapping[str, int],
    template_resources: int,
    deploy_status: str,
    deploy_seconds: float,
    in_process: Sequence[CheckRun],
    command_line: Sequence[CheckRun],
) -> DriftCheck:
    """The figures of every run: the calls and statuses are the first run's, and each run is
    compared with it."""
    runs = [*in_process, *command_line]
    if not in_process or not command_line:
        raise BenchError("the drift check ran in neither mode, or in one only")
    first = runs[0]
    return DriftCheck(
        resources=sum(composition.values()),
        template_resources=template_resources,
        composition=dict(composition),
        deploy_status=deploy_status,
        deploy_seconds=round(deploy_seconds, 1),
        statuses=dict(first.statuses),
        all_in_sync=all(set(run.statuses) == {"IN_SYNC"} for run in runs),
        api_calls=sum(sum(operations.values()) for operations in first.calls.values()),
        calls={service: dict(first.calls.get(service, {})) for service in SERVICES},
        same_calls_every_run=all(run.calls == first.calls for run in runs),
        runs_each=min(len(in_process), len(command_line)),
        in_process=Timing.of([run.seconds for run in in_process]),
        command_line=Timing.of([run.seconds for run in command_line]),
    )


def composition_of(n: int) -> tuple[int, int]:
    """How many ProxySession and ProxySessionSettings resources a stack of ``n`` holds beside
    its PhoneNumbers and VoiceConnectorProxy."""
    if n < 4:
        raise BenchError(f"a drift check stack holds every type: N >= 4, not {n}")
    created = (n - 2) // 2
    return created, n - 2 - created


def drift_stack(n: int, outdir: Path) -> Synthesized:
    """The stack of ``n`` resources, synthesized in-process into ``outdir`` (kept: its asset is
    the function's code)."""
    import aws_cdk as cdk
    from aws_cdk import aws_chime as chime

    library_on_path()
    from chime_proxy_session import (
        Capability,
        PhoneNumbers,
        ProxySession,
        ProxySessionSettings,
        VoiceConnectorProxy,
    )

    created, settings = composition_of(n)
    app = cdk.App(outdir=str(outdir), context=dict(CLI_CONTEXT))
    stack = cdk.Stack(app, STACK_NAME)
    connector = chime.CfnVoiceConnector(
        stack, "Connector", name="drift-bench", require_encryption=True, aws_region=REGION
    )
    numbers = PhoneNumbers(
        stack,
        "Numbers",
        count=NUMBERS,
        area_code="206",
        voice_connector=connector,
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    proxy = VoiceConnectorProxy(
        stack,
        "Proxy",
        voice_connector=connector,
        default_session_expiry=cdk.Duration.minutes(60),
        phone_number_pool_countries=["US"],
        phone_numbers=[numbers],
    )
    for index in range(created):
        ProxySession(
            stack,
            f"Created{index:03d}",
            voice_connector_proxy=proxy,
            participant_phone_numbers=phones(index),
            capabilities=[Capability.VOICE, Capability.SMS],
            expiry=cdk.Duration.minutes(120),
        )
    for session in numbered_sessions(settings):
        ProxySessionSettings(
            stack,
            session.name,
            voice_connector_id=VOICE_CONNECTOR_ID,
            proxy_session_id=session.session_id,
            capabilities=[Capability(value) for value in session.capabilities],
            expiry=cdk.Duration.minutes(session.expiry_minutes or 120),
        )
    assembly = app.synth()
    path = Path(assembly.get_stack_by_name(STACK_NAME).template_full_path)
    return Synthesized(outdir=outdir, template_path=path, template=json.loads(path.read_bytes()))


@dataclass
class _StandIns:
    """The three services a check calls; ``run`` records what each was called for."""

    cloudformation: CloudFormationServer
    emulator: ChimeVoiceEmulator
    counter: DynamoDBCallCounter

    def run(self, in_process: bool) -> CheckRun:
        """One check of the deployed stack: ``check_stack`` here, or the command line."""
        from chime_proxy_session.drift import check_stack
        from harness.lifecycle import STACK_NAME as DEPLOYED_AS

        self.cloudformation.reset_calls()
        self.emulator.reset_calls()
        mark = len(self.counter.calls)
        started = time.perf_counter()
        if in_process:
            found = [
                item.status.value for item in check_stack(DEPLOYED_AS, region=REGION).resources
            ]
        else:
            found = _command_line(DEPLOYED_AS)
        seconds = time.perf_counter() - started
        by_service = {
            "CloudFormation": [f"{c.operation} -> {c.status}" for c in self.cloudformation.calls],
            "ChimeSDKVoice": [f"{c.operation} -> {c.status}" for c in self.emulator.calls],
            "DynamoDB": [c.label for c in self.counter.calls[mark:]],
        }
        calls = {service: dict(Counter(labels)) for service, labels in by_service.items()}
        return CheckRun(round(seconds, 4), dict(Counter(found)), calls)


def _command_line(stack_name: str) -> list[str]:
    """``COMMAND`` in a fresh process; the status of each resource it reports."""
    finished = subprocess.run(  # noqa: S603 - the project's Python with a fixed module
        [
            sys.executable,
            "-m",
            "chime_proxy_session.drift",
            stack_name,
            "--region",
            REGION,
            "--json",
        ],
        env={**os.environ, "PYTHONPATH": str(REPO / "constructs")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if finished.returncode not in (0, 1):
        raise BenchError(f"the drift command exited {finished.returncode}: {finished.stderr}")
    return [str(item["status"]) for item in json.loads(finished.stdout)["resources"]]


def measure_drift_check(
    plan: Plan,
    workdir: Path,
    emulator: ChimeVoiceEmulator,
    sink: ResponseSink,
    dynamodb: DynamoDBServer,
) -> DriftCheck:
    """Deploy the stack of ``plan.drift_resources`` once, then check it in both modes."""
    from harness.cloudformation import CLOUDFORMATION_ENDPOINT_ENV_VAR, CloudFormationServer
    from harness.dynamodb import DYNAMODB_ENDPOINT_ENV_VAR
    from harness.emulator import ENDPOINT_ENV_VAR
    from harness.lifecycle import CloudFormationStack

    n = plan.drift_resources
    synthesized = drift_stack(n, workdir / f"drift-check-{n}")
    template = synthesized.template
    emulator.reset()
    for session in numbered_sessions(composition_of(n)[1]):
        emulator.seed_session(VOICE_CONNECTOR_ID, ["Voice"], session_id=session.session_id)
    with (
        cold_runner(
            synthesized, endpoint_url=emulator.endpoint_url, sink=sink, dynamodb=dynamodb
        ) as runner,
        CloudFormationServer() as cloudformation,
        DynamoDBCallCounter(dynamodb.endpoint_url) as counter,
    ):
        log(f"drift check: deploying a stack of {n} resources")
        stack = CloudFormationStack(runner, max_workers=DEPLOY_WORKERS)
        started = time.perf_counter()
        deployed = stack.deploy(template, "drift check stack")
        deploy_seconds = time.perf_counter() - started
        if deployed.status != "CREATE_COMPLETE":
            raise BenchError(f"the drift check's stack ended {deployed.status}: {deployed.errors}")
        cloudformation.publish(stack, template=template)
        stand_ins = _StandIns(cloudformation, emulator, counter)
        variables = {
            CLOUDFORMATION_ENDPOINT_ENV_VAR: cloudformation.endpoint_url,
            ENDPOINT_ENV_VAR: emulator.endpoint_url,
            DYNAMODB_ENDPOINT_ENV_VAR: counter.endpoint_url,
            **{name: runner.env[name] for name in _CREDENTIALS},
        }
        library_on_path()
        import chime_proxy_session.drift  # noqa: F401 - loaded before the timed runs

        with local_aws(variables):
            in_process = [stand_ins.run(in_process=True) for _ in range(plan.drift_runs)]
            command_line = [stand_ins.run(in_process=False) for _ in range(plan.drift_runs)]
    types = [str(resource["Type"]) for resource in template["Resources"].values()]
    figures = drift_check(
        composition=Counter(kind for kind in types if kind.startswith("Custom::Chime")),
        template_resources=len(template["Resources"]),
        deploy_status=deployed.status,
        deploy_seconds=deploy_seconds,
        in_process=in_process,
        command_line=command_line,
    )
    log(
        f"drift check: {figures.resources} resources, {figures.api_calls} API calls, "
        f"{figures.in_process.median:.2f} s in process, {figures.command_line.median:.2f} s "
        "as the command line"
    )
    return figures


def _operations(operations: Mapping[str, int]) -> str:
    return ", ".join(f"`{name}` {count}" for name, count in operations.items()) or "none"


def _seconds(figures: Timing) -> str:
    return f"{figures.median:.2f} s ({figures.min:.2f}-{figures.max:.2f})"


def drift_check_markdown(figures: DriftCheck) -> list[str]:
    """The results.md section: the stack, one check's calls and the seconds; no target."""
    parts = ", ".join(f"{count} `{kind}`" for kind, count in figures.composition.items())
    found = ", ".join(f"{count} {status}" for status, count in figures.statuses.items())
    per_resource = figures.in_process.median / figures.resources * 1000
    alike = f"yes ({len(figures.in_process.runs) + len(figures.command_line.runs)} runs)"
    return [
        f"## A drift check of a stack with {figures.resources} resources",
        "",
        f"`chime-proxy-session-drift` (issue 17) on one stack of {figures.resources} resources "
        f"of this library ({parts}; {figures.template_resources} resources in the template), "
        "deployed once through the lifecycle driver against the emulator "
        f"({figures.deploy_status} in {figures.deploy_seconds:g} s, not part of the check) and "
        "published in the CloudFormation stand-in; every check reads it from there, one "
        "resource after another. No target: the figures show what a check costs.",
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| resources found | {found} |",
        f"| API calls per check | {figures.api_calls} |",
        *(f"| {service} calls | {_operations(figures.calls[service])} |" for service in SERVICES),
        f"| the same calls and statuses in every run | "
        f"{alike if figures.same_calls_every_run and figures.all_in_sync else '**no**'} |",
        f"| `check_stack` in this process, median (min-max) of {figures.runs_each} | "
        f"{_seconds(figures.in_process)} ({per_resource:.1f} ms per resource) |",
        f"| `{COMMAND}` in a fresh process, median (min-max) of {figures.runs_each} | "
        f"{_seconds(figures.command_line)} |",
        "",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run this measure alone (``--quick``: the quick plan's N) and print its section."""
    from harness.dynamodb import DynamoDBServer
    from harness.emulator import ChimeVoiceEmulator
    from harness.response_sink import ResponseSink

    plan = QUICK_PLAN if "--quick" in (argv if argv is not None else sys.argv[1:]) else FULL_PLAN
    with (
        tempfile.TemporaryDirectory(prefix="bench-drift-") as scratch,
        ChimeVoiceEmulator() as emulator,
        ResponseSink() as sink,
        DynamoDBServer() as dynamodb,
    ):
        figures = measure_drift_check(plan, Path(scratch), emulator, sink, dynamodb)
    print("\n".join(drift_check_markdown(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
