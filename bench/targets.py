"""The targets the benchmark holds its figures to, each with the run's result and verdict."""

from __future__ import annotations

from dataclasses import dataclass

from bench.api_calls import LIMITED, ApiCalls
from bench.claimed_create import ClaimedCreate
from bench.cold_start import COLD_START_TARGET, ColdStart
from bench.fleet import FLEET_TARGET, Fleet
from bench.scale import SCALE_TARGET, Scale
from bench.template_size import BytesPerResource, FunctionsAndPolicies


@dataclass(frozen=True)
class Target:
    """One target: what it asks, what the run gave, and whether that meets it."""

    target: str
    result: str
    met: bool


def targets(
    *,
    bytes_per_resource: BytesPerResource,
    bytes_per_resource_pinned: BytesPerResource,
    functions_and_policies: FunctionsAndPolicies,
    cold_start: ColdStart,
    api_calls: ApiCalls,
    fleet: Fleet,
    scale: Scale,
    claimed_create: ClaimedCreate,
) -> tuple[Target, ...]:
    """Each target with its result and the verdict its measure reached."""
    pinned = bytes_per_resource_pinned
    per_resource = bytes_per_resource
    ours, theirs = per_resource.ours, per_resource.theirs
    cold = cold_start
    calls = {row.event: row.api_calls for row in api_calls.rows}
    return (
        Target(
            target="Template bytes per added resource: ours <= 1/3 of AwsCustomResource's",
            result=(
                f"{ours.bytes_per_resource:,.1f} vs {theirs.bytes_per_resource:,.1f} bytes = "
                f"{per_resource.ratio:.4f} (target <= 0.3333, i.e. <= "
                f"{theirs.bytes_per_resource / 3:,.1f} bytes); without aws:cdk:path metadata "
                f"{ours.bytes_per_resource_without_path_metadata:,.1f} vs "
                f"{theirs.bytes_per_resource_without_path_metadata:,.1f} = "
                f"{per_resource.ratio_without_path_metadata:.4f}"
            ),
            met=per_resource.met,
        ),
        Target(
            target="Exactly one Lambda function per stack for any N (ours)",
            result="functions at N = "
            + ", ".join(
                f"{n}: {shape.lambda_functions}" for n, shape in functions_and_policies.ours.items()
            ),
            met=functions_and_policies.met,
        ),
        Target(
            target=f"Handler cold start <= {COLD_START_TARGET}x a bare boto3 client",
            result=(
                f"{cold.handler.median * 1000:.0f} ms vs "
                f"{cold.bare_client.median * 1000:.0f} ms = {cold.ratio:.2f}x"
            ),
            met=cold.met,
        ),
        Target(
            target="One API call for Create and Update, none for a Retain Delete",
            result=", ".join(f"{event}: {calls[event]}" for event in LIMITED),
            met=api_calls.met,
        ),
        Target(
            target=f"Fleet of {fleet.resources} at R = {fleet.rate_limit_per_second:g}/s: "
            f"all succeed, total <= {FLEET_TARGET}x N/R",
            result=(
                f"{fleet.succeeded}/{fleet.resources} succeeded; "
                f"{fleet.total_seconds:.1f} s vs {fleet.ideal_seconds:.1f} s = {fleet.ratio:.2f}x"
            ),
            met=fleet.met,
        ),
        Target(
            target=f"A full stack, N = 494 at R = 1/s: all succeed, total <= {SCALE_TARGET}x N/R",
            result="; ".join(
                f"{row.succeeded}/{row.resources} in {row.total_seconds:.0f} s vs "
                f"{row.ideal_seconds:.0f} s = {row.ratio:.3f}x ({row.mode})"
                for row in scale.rows
                if (row.resources, row.rate_limit_per_second) == (494, 1.0)
            ),
            met=scale.met,
        ),
        Target(
            target="Template bytes per added resource in a stack with an explicit env "
            "(account and region): ours <= 1/3 of AwsCustomResource's",
            result=(
                f"{pinned.ours.bytes_per_resource:,.1f} vs {pinned.theirs.bytes_per_resource:,.1f}"
                f" bytes = {pinned.ratio:.4f} (target <= 0.3333)"
            ),
            met=pinned.met,
        ),
        Target(
            target=claimed_create.calls_target,
            result=", ".join(
                f"S = {row.live_sessions:,}: {row.most_chime_calls} "
                f"({row.succeeded}/{row.creates} succeeded)"
                for row in claimed_create.rows
            ),
            met=claimed_create.calls_met,
        ),
        Target(
            target=claimed_create.time_target,
            result=(
                f"{claimed_create.rows[-1].duration.median:.3f} s vs "
                f"{claimed_create.rows[0].duration.median:.3f} s = "
                f"{claimed_create.time_ratio:.2f}x (medians of {claimed_create.runs_each})"
            ),
            met=claimed_create.time_met,
        ),
    )
