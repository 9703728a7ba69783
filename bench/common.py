"""What every measure shares: the plan, the sessions, building and synthesizing both constructs.

Only the standard library is imported at module level; aws-cdk-lib and the library load inside
the functions that synthesize, so the ``python -m bench.synth_once`` child pays for them inside
its timed process, as ``cdk synth`` would.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

if TYPE_CHECKING:
    import aws_cdk as cdk

    from harness.synth import Assembly

REPO: Final = Path(__file__).resolve().parents[1]
DEFAULT_OUT: Final = REPO / "bench" / "results"

OURS: Final = "ProxySessionSettings"
THEIRS: Final = "AwsCustomResource"
KINDS: Final = (OURS, THEIRS)
STACK_NAME: Final = "Bench"
VOICE_CONNECTOR_ID: Final = "abcdefghij0123456789k"

# What `cdk synth` puts in the app's context: in-process templates carry the same metadata
# (aws:cdk:path, aws:asset:path, the CDKMetadata resource) as the ones the CLI writes.
CLI_CONTEXT: Final[Mapping[str, Any]] = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:version-reporting": True,
}
RESOURCE_LIMIT_CONTEXT: Final = "@aws-cdk/core:stackResourceLimit"
CFN_RESOURCE_LIMIT: Final = 500
CFN_TEMPLATE_BYTES_LIMIT: Final = 1_000_000  # a template uploaded through S3, as CDK does
FUNCTION_TYPE: Final = "AWS::Lambda::Function"
# Inline and managed policies both count: ours holds its statements in one managed policy.
# The explicit environment of the pinned stacks.
PINNED_ACCOUNT: Final = "111111111111"
PINNED_REGION: Final = "us-east-1"
POLICY_TYPES: Final = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class BenchError(RuntimeError):
    """A measurement could not be taken; the message says which and why."""


def log(message: str) -> None:
    """Progress on stderr, so a long run shows where it is."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Plan:
    """How much to measure: the full run, or the quick one the test uses."""

    quick: bool
    template_sizes: tuple[int, ...]
    synth_sizes: tuple[int, ...]
    synth_runs: int
    cold_start_runs: int
    fleet_size: int
    fleet_rate: float
    # Measure 8: (N, R) points simulated on a virtual clock, and points run with real processes.
    scale_grid: tuple[tuple[int, float], ...]
    scale_real: tuple[tuple[int, float], ...]
    session_count: int  # measure 9: ProxySession resources created at once
    # Measure 10: Open sessions already on the voice connector beside one ProxySession Create
    # (the first is the baseline the largest is compared with), and Creates at each.
    live_sessions: tuple[int, ...]
    claimed_create_runs: int
    # Measure 11: the resources of the stack a drift check reads, and the checks in each mode.
    drift_resources: int
    drift_runs: int


FULL_PLAN: Final = Plan(
    quick=False,
    template_sizes=(1, 10, 100, 400),
    synth_sizes=(1, 100),
    synth_runs=5,
    cold_start_runs=21,
    fleet_size=200,
    fleet_rate=20.0,
    scale_grid=tuple((n, rate) for n in (50, 200, 494) for rate in (1.0, 5.0, 20.0)),
    scale_real=((60, 1.0),),
    session_count=100,
    live_sessions=(0, 1_000, 10_000),
    claimed_create_runs=5,
    drift_resources=100,
    drift_runs=5,
)
QUICK_PLAN: Final = Plan(
    quick=True,
    template_sizes=(1, 10),
    synth_sizes=(1,),
    synth_runs=2,
    cold_start_runs=3,
    fleet_size=20,
    fleet_rate=10.0,
    scale_grid=((20, 2.0), (494, 1.0)),
    scale_real=((8, 2.0),),
    session_count=10,
    live_sessions=(0, 1_000, 10_000),
    claimed_create_runs=1,
    drift_resources=10,
    drift_runs=2,
)


@dataclass(frozen=True)
class Pair(Generic[T_co]):
    """One figure for each construct.

    results.json names the fields by construct (see ``json_object``), as the tables do.
    """

    ours: T_co
    theirs: T_co

    @staticmethod
    def of(by_kind: Mapping[str, T]) -> Pair[T]:
        """The pair from a mapping keyed by OURS and THEIRS."""
        return Pair(ours=by_kind[OURS], theirs=by_kind[THEIRS])

    def items(self) -> tuple[tuple[str, T_co], tuple[str, T_co]]:
        """(construct name, figure) for ours, then theirs."""
        return ((OURS, self.ours), (THEIRS, self.theirs))


_JSON_NAMES: Final = {"ours": OURS, "theirs": THEIRS}


def json_object(fields: list[tuple[str, Any]]) -> dict[str, Any]:
    """``dataclasses.asdict``'s dict_factory for results.json: ``ours``/``theirs`` by name."""
    return {_JSON_NAMES.get(name, name): value for name, value in fields}


@dataclass(frozen=True)
class Timing:
    """Median, min and max of timing samples (seconds), with the samples."""

    median: float
    min: float
    max: float
    runs: tuple[float, ...]

    @classmethod
    def of(cls, samples: Sequence[float]) -> Timing:
        """The summary of ``samples``, rounded to 0.1 ms."""
        return cls(
            median=round(statistics.median(samples), 4),
            min=round(min(samples), 4),
            max=round(max(samples), 4),
            runs=tuple(round(sample, 4) for sample in samples),
        )


@dataclass(frozen=True)
class Session:
    """One proxy session a stack manages, as either construct declares it."""

    name: str
    session_id: str
    capabilities: tuple[str, ...] = ("Voice", "SMS")
    expiry_minutes: int | None = 120
    destroy: bool = False


def numbered_sessions(
    count: int, *, capabilities: tuple[str, ...] = ("Voice", "SMS"), expiry_minutes: int = 120
) -> list[Session]:
    """``count`` sessions on one voice connector, named Session000, Session001, ..."""
    return [
        Session(
            f"Session{index:03d}",
            f"3b1e9f5a-6c2d-4e8f-9a0b-{index:012d}",
            capabilities,
            expiry_minutes,
        )
        for index in range(count)
    ]


# --------------------------------------------------------------------------------------------
# Building and synthesizing the two constructs
# --------------------------------------------------------------------------------------------


def library_on_path() -> None:
    """constructs/ is a source root (no __init__.py): put it on the path for chime_proxy_session."""
    root = str(REPO / "constructs")
    if root not in sys.path:
        sys.path.insert(0, root)


def _voice_connector_arn(stack: cdk.Stack) -> str:
    from aws_cdk import ArnFormat

    return stack.format_arn(
        service="chime",
        resource="vc",
        resource_name=VOICE_CONNECTOR_ID,
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )


def _add_aws_custom_resource(stack: cdk.Stack, session: Session) -> None:
    """The AwsCustomResource a user would write for the same UpdateProxySession call."""
    from aws_cdk import custom_resources as cr

    key = {"VoiceConnectorId": VOICE_CONNECTOR_ID, "ProxySessionId": session.session_id}
    parameters: dict[str, Any] = {**key, "Capabilities": list(session.capabilities)}
    if session.expiry_minutes is not None:
        parameters["ExpiryMinutes"] = session.expiry_minutes
    update = cr.AwsSdkCall(
        service="ChimeSDKVoice",
        action="updateProxySession",
        parameters=parameters,
        physical_resource_id=cr.PhysicalResourceId.of(f"{VOICE_CONNECTOR_ID}:{session.session_id}"),
    )
    delete = (
        cr.AwsSdkCall(service="ChimeSDKVoice", action="deleteProxySession", parameters=key)
        if session.destroy
        else None
    )
    cr.AwsCustomResource(
        stack,
        session.name,
        on_create=update,
        on_update=update,
        on_delete=delete,
        policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=[_voice_connector_arn(stack)]),
        install_latest_aws_sdk=False,
    )


def build_stack(
    app: cdk.App, kind: str, sessions: Sequence[Session], *, pinned: bool = False
) -> cdk.Stack:
    """One stack with a ``kind`` construct (OURS or THEIRS) per session.

    ``pinned`` gives the stack an explicit ``env`` (account and region), as pipelines deploy;
    otherwise it is environment-agnostic.
    """
    import aws_cdk as cdk

    if kind not in KINDS:
        raise BenchError(f"unknown construct {kind!r}: expected one of {', '.join(KINDS)}")
    library_on_path()
    from chime_proxy_session import Capability, ProxySessionSettings

    env = cdk.Environment(account=PINNED_ACCOUNT, region=PINNED_REGION) if pinned else None
    stack = cdk.Stack(app, STACK_NAME, env=env)
    for session in sessions:
        if kind == THEIRS:
            _add_aws_custom_resource(stack, session)
            continue
        ProxySessionSettings(
            stack,
            session.name,
            voice_connector_id=VOICE_CONNECTOR_ID,
            proxy_session_id=session.session_id,
            capabilities=[Capability(value) for value in session.capabilities],
            expiry=(
                None
                if session.expiry_minutes is None
                else cdk.Duration.minutes(session.expiry_minutes)
            ),
            removal_policy=(
                cdk.RemovalPolicy.DESTROY if session.destroy else cdk.RemovalPolicy.RETAIN
            ),
        )
    return stack


@dataclass(frozen=True)
class Synthesized:
    """A synthesized stack: its cloud assembly folder, template file and parsed template."""

    outdir: Path
    template_path: Path
    template: dict[str, Any]

    def resources_of(self, resource_type: str) -> list[dict[str, Any]]:
        """The template's resources of one type."""
        return [
            resource
            for resource in self.template["Resources"].values()
            if resource["Type"] == resource_type
        ]

    def asset_dir(self) -> Path:
        """The asset folder of the stack's one function, from its ``aws:asset:path`` metadata."""
        functions = self.resources_of(FUNCTION_TYPE)
        if len(functions) != 1:
            raise BenchError(f"expected one Lambda function, found {len(functions)}")
        path = functions[0].get("Metadata", {}).get("aws:asset:path")
        if not path:
            raise BenchError("the function carries no aws:asset:path metadata")
        return self.outdir / str(path)

    def assembly(self) -> Assembly:
        """The cloud assembly as the harness reads it, for ``LambdaRunner.for_assembly``."""
        from harness.synth import read_assembly

        return read_assembly(self.outdir)


class SynthFailed(Exception):
    """``app.synth()`` refused the app; the message is the first line of CDK's error."""


def synthesize(
    kind: str,
    sessions: Sequence[Session],
    outdir: Path,
    *,
    lift_resource_limit: bool = False,
    pinned: bool = False,
) -> Synthesized:
    """Build one App and Stack and synthesize it in this process, as ``cdk synth`` would."""
    import aws_cdk as cdk

    context = dict(CLI_CONTEXT)
    if lift_resource_limit:
        context[RESOURCE_LIMIT_CONTEXT] = 0  # 0 turns CDK's 500-resource check off
    app = cdk.App(outdir=str(outdir), context=context)
    build_stack(app, kind, sessions, pinned=pinned)
    try:
        assembly = app.synth()
    except RuntimeError as error:  # jsii raises the JavaScript error as a RuntimeError
        raise SynthFailed(str(error).strip().splitlines()[0]) from None
    path = Path(assembly.get_stack_by_name(STACK_NAME).template_full_path)
    return Synthesized(outdir=outdir, template_path=path, template=json.loads(path.read_bytes()))


def template_of(kind: str, sessions: Sequence[Session], outdir: Path) -> dict[str, Any]:
    """The parsed template only: the assembly folder is removed once it is read."""
    try:
        return synthesize(kind, sessions, outdir).template
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
