"""A fabricated benchmark result, built with the measures' own pure functions, for unit tests.

Import it as ``from tests.bench import fabricated``.

The figures are shaped like a full run's (N = 1 and 400; AwsCustomResource over CDK's 500-resource
check at 400), so the report's branches for an undeployable template are exercised too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.api_calls import EXPECTED_CALLS, Request, api_calls
from bench.claimed_create import ClaimedCreate, CreateSample, claimed_create
from bench.cold_start import cold_start, import_breakdown
from bench.common import OURS, QUICK_PLAN, THEIRS, Pair
from bench.created_sessions import CreatedSessions, created_sessions
from bench.drift_check import CheckRun, DriftCheck, drift_check
from bench.fleet import Update, fleet
from bench.machine import Machine
from bench.report import Results
from bench.scale import Agreement, Scale, real_row, virtual_row
from bench.synth_time import synth_time
from bench.targets import targets
from bench.template_size import (
    AssetFigures,
    Assets,
    ResourceCost,
    TemplateFigures,
    bytes_per_resource,
    functions_and_policies,
)
from bench.virtual_fleet import HandlerOutcome
from chime_proxy_session import RESOURCE_TYPE

STARTED = datetime(2026, 1, 1, tzinfo=UTC)
OVER_LIMIT = (
    "TooManyResourcesInStack: Number of resources in stack 'Bench': 803 is greater than "
    "allowed maximum of 500"
)


@dataclass(frozen=True)
class FakeCall:
    """What the fleet reads of an emulator call record."""

    session_id: str | None
    error_code: str | None
    fault: str | None
    timestamp: datetime


def call(session: str, offset: float, *, throttled: bool = False) -> FakeCall:
    """An UpdateProxySession call ``offset`` seconds after the timed Update started."""
    return FakeCall(
        session_id=session,
        error_code="ThrottledClientException" if throttled else None,
        fault="rate_limit" if throttled else None,
        timestamp=STARTED + timedelta(seconds=offset),
    )


def fleet_update(*, succeeded: int = 4, total_seconds: float = 2.6) -> Update:
    """A timed Update of four sessions at R = 2/s: two throttled at first, retried later."""
    return Update(
        status="UPDATE_COMPLETE" if succeeded == 4 else "UPDATE_ROLLBACK_COMPLETE",
        succeeded=succeeded,
        sessions_updated=succeeded,
        total_seconds=total_seconds,
        invocation_seconds=[0.2, 0.3, 1.6, 2.6],
        calls=[
            call("s1", 0.1),
            call("s2", 0.2),
            call("s3", 0.3, throttled=True),
            call("s4", 0.4, throttled=True),
            call("s3", 1.5),
            call("s4", 2.5),
        ],
        started_at=STARTED,
    )


def sessions_created(*, held: int = 4) -> CreatedSessions:
    """Four sessions created at once, each claimed (PutItem) and recorded (UpdateItem); one run
    took over a dead run's claim (an UpdateItem more) and listed the voice connector (Open and
    InProgress) for what that run made, finding nothing."""
    operations = ["ListProxySessions"] * 2 + ["CreateProxySession"] * 4
    return created_sessions(
        4,
        status="CREATE_COMPLETE",
        succeeded=4,
        total_seconds=1.25,
        invocation_seconds=[0.5, 0.6, 0.7, 1.2],
        operations=operations,
        dynamodb_operations=["PutItem -> 200"] * 4 + ["UpdateItem -> 200"] * 5,
        sessions_held=held,
    )


def create_sample(
    live: int, duration: float, *, calls: int = 1, status: str = "SUCCESS"
) -> CreateSample:
    """One Create beside ``live`` sessions: ``calls`` CreateProxySession calls, claimed and
    recorded in the claim table."""
    return CreateSample(
        live_sessions=live,
        status=status,
        chime_calls=("CreateProxySession -> 201",) * calls,
        dynamodb_calls=("PutItem -> 200", "UpdateItem -> 200"),
        duration_seconds=duration,
        wall_seconds=duration + 0.3,
        seeding_seconds=live / 50_000,
    )


def claimed_creates(*, slowest: float = 0.12) -> ClaimedCreate:
    """Two rounds of S = 0, 1,000 and 10,000; ``slowest`` is the second Create at 10,000."""
    return claimed_create(
        [
            create_sample(0, 0.1),
            create_sample(1_000, 0.1),
            create_sample(10_000, 0.11),
            create_sample(0, 0.1),
            create_sample(1_000, 0.12),
            create_sample(10_000, slowest),
        ]
    )


CHECK_CALLS = {
    "CloudFormation": {
        "DescribeStacks -> 200": 1,
        "GetTemplate -> 200": 1,
        "ListStackResources -> 200": 2,
    },
    "ChimeSDKVoice": {
        "GetPhoneNumber -> 200": 2,
        "GetVoiceConnectorProxy -> 200": 1,
        "GetProxySession -> 200": 98,
    },
    "DynamoDB": {"Query -> 200": 1},
}


def check_run(seconds: float, **statuses: int) -> CheckRun:
    """A check of the 100-resource stack that found ``statuses`` (all in sync by default)."""
    return CheckRun(seconds, statuses or {"IN_SYNC": 100}, CHECK_CALLS)


def drift_checked(*command_line: CheckRun) -> DriftCheck:
    """Two checks in process and two as the command line (or ``command_line``)."""
    return drift_check(
        composition={
            "Custom::ChimePhoneNumbers": 1,
            "Custom::ChimeVoiceConnectorProxy": 1,
            "Custom::ChimeProxySession": 49,
            "Custom::ChimeProxySessionSettings": 49,
        },
        template_resources=107,
        deploy_status="CREATE_COMPLETE",
        deploy_seconds=12.43,
        in_process=[check_run(0.3), check_run(0.5)],
        command_line=command_line or [check_run(1.2), check_run(1.4)],
    )


def _template(
    size: int, resources: int, policies: int, synth_error: str | None = None
) -> TemplateFigures:
    within = resources <= 500
    return TemplateFigures(
        synth_error=synth_error,
        measured_with_limit_lifted=synth_error is not None,
        bytes=size,
        resources=resources,
        lambda_functions=1,
        iam_policies=policies,
        policy_statements=policies,
        within_cfn_limits=within,
        deployable=synth_error is None and within,
    )


def _request_type(event: str) -> str:
    for request_type in ("Create", "Update"):
        if event.startswith(request_type):
            return request_type
    return "Delete"


def fabricated_results() -> Results:
    """Every section of a run, all targets met."""
    templates: Pair[dict[int, TemplateFigures]] = Pair(
        ours={1: _template(9407, 7, 2), 400: _template(259181, 406, 2)},
        theirs={1: _template(8885, 5, 1), 400: _template(837608, 803, 400, OVER_LIMIT)},
    )
    per_resource = bytes_per_resource(
        ResourceCost(
            bytes_per_resource=626.0,
            bytes_per_resource_without_path_metadata=547.0,
            breakdown={
                f"{RESOURCE_TYPE} Properties.ServiceToken": 119.0,
                f"{RESOURCE_TYPE} Metadata": 79.0,
                "logical ids and JSON structure": 428.0,
            },
            fixed_bytes=8781,
            cfn_resources_per_resource=1.0,
            max_n_per_stack=494,
            between_n=(1, 400),
            largest_n_measured_with_limit_lifted=False,
        ),
        ResourceCost(
            bytes_per_resource=2077.0,
            bytes_per_resource_without_path_metadata=1906.0,
            breakdown={
                "Custom::AWS Properties.Create": 361.0,
                "AWS::IAM::Policy Properties.PolicyDocument": 500.0,
                "logical ids and JSON structure": 1216.0,
            },
            fixed_bytes=6808,
            cfn_resources_per_resource=2.0,
            max_n_per_stack=248,
            between_n=(1, 400),
            largest_n_measured_with_limit_lifted=True,
        ),
    )
    shape = functions_and_policies(templates)
    ours_asset = AssetFigures("asset.ours", 4, 69397, 24436, ("crhelper/__init__.py", "index.py"))
    theirs_asset = AssetFigures("asset.theirs", 1, 133730, 87097, ("index.js",))
    cold = cold_start(
        [0.35, 0.36, 0.34],
        [0.37, 0.36, 0.38],
        import_breakdown(
            {"boto3": 90000, "crhelper": 1200, "crhelper_adapter": 800, "index": 20000},
            {"boto3": 90000},
        ),
    )
    calls = api_calls(
        [
            (
                event,
                Request(
                    _request_type(event),
                    "SUCCESS",
                    count,
                    {"UpdateProxySession -> 200": count} if count else {},
                ),
            )
            for event, count in EXPECTED_CALLS.items()
        ]
    )
    fleet_figures = fleet(4, 2.0, fleet_update())
    full_stack = virtual_row(494, 1.0, [HandlerOutcome(True, 500.0, 40)] * 494)
    scale_figures = Scale(
        budget_seconds=892.0,
        simulated_latency=0.01,
        target="every resource succeeds, total <= 1.25x N/R",
        rows=(full_stack,),
        real_rows=(real_row(fleet_figures, fleet_figures.invocation_seconds_total),),
        agreement=(Agreement(4, 2.0, real_ratio=1.2, virtual_ratio=1.1, difference=0.083),),
        met=full_stack.met,
    )
    claimed = claimed_creates()
    drifted = drift_checked()
    return Results(
        machine=Machine(
            arch="x86_64",
            cpu="Test CPU",
            cores=2,
            memory_gib=8.0,
            python="3.11.7",
            node="v22.0.0",
            aws_cdk_lib="2.275.0",
            boto3="1.44.5",
            date="2026-01-01T00:00:00+00:00",
            load_average_at_start=(1.0, 0.5, 0.25),
            section_seconds={
                "templates_and_assets": 1.0,
                "synth_time": 2.0,
                "cold_start": 3.0,
                "api_calls": 4.0,
                "fleet": 5.0,
                "scale": 6.0,
                "created_sessions": 7.0,
                "claimed_create": 8.0,
                "drift_check": 9.0,
            },
            load_average_at_end=(2.0, 1.0, 0.5),
            bench_seconds=10.0,
        ),
        plan=QUICK_PLAN,
        templates=templates,
        bytes_per_resource=per_resource,
        bytes_per_resource_pinned=per_resource,
        functions_and_policies=shape,
        assets=Assets(ours_asset, theirs_asset, ratio_zipped=0.281, ratio_unzipped=0.519),
        synth_time=synth_time({OURS: {1: [5.0, 6.0]}, THEIRS: {1: [5.0, 5.0]}}, 2),
        cold_start=cold,
        api_calls=calls,
        fleet=fleet_figures,
        scale=scale_figures,
        created_sessions=sessions_created(),
        claimed_create=claimed,
        drift_check=drifted,
        targets=targets(
            bytes_per_resource=per_resource,
            bytes_per_resource_pinned=per_resource,
            functions_and_policies=shape,
            cold_start=cold,
            api_calls=calls,
            fleet=fleet_figures,
            scale=scale_figures,
            claimed_create=claimed,
        ),
    )
