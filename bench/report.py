"""The report: every result in one frozen dataclass, results.md and results.json (the targets'
verdicts: ``bench.targets``; the machine: ``bench.machine``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

from bench.api_calls import ApiCalls
from bench.claimed_create import ClaimedCreate, claimed_create_markdown
from bench.cold_start import ColdStart
from bench.common import (
    CFN_RESOURCE_LIMIT,
    OURS,
    THEIRS,
    Pair,
    Plan,
    Timing,
    json_object,
)
from bench.created_sessions import CreatedSessions, created_sessions_markdown
from bench.drift_check import DriftCheck, drift_check_markdown
from bench.fleet import Fleet
from bench.machine import Machine
from bench.scale import Scale, scale_markdown
from bench.synth_time import SynthTime
from bench.targets import Target
from bench.template_size import (
    AssetFigures,
    Assets,
    BytesPerResource,
    FunctionsAndPolicies,
    Shape,
    TemplateFigures,
)


@dataclass(frozen=True)
class Results:
    """Everything one run measured, in the order results.json lists it."""

    machine: Machine
    plan: Plan
    templates: Pair[Mapping[int, TemplateFigures]]
    bytes_per_resource: BytesPerResource
    bytes_per_resource_pinned: BytesPerResource
    functions_and_policies: FunctionsAndPolicies
    assets: Assets
    synth_time: SynthTime
    cold_start: ColdStart
    api_calls: ApiCalls
    fleet: Fleet
    scale: Scale
    created_sessions: CreatedSessions
    claimed_create: ClaimedCreate
    drift_check: DriftCheck
    targets: tuple[Target, ...]


def results_json(results: Results) -> str:
    """results.json: the dataclasses as JSON, each construct's figures under its name."""
    return json.dumps(asdict(results, dict_factory=json_object), indent=2) + "\n"


def _bytes(value: float) -> str:
    return f"{value:,.0f}"


def _ratio(value: float) -> str:
    return f"{value:.2f}x"


def _seconds(figures: Timing) -> str:
    return f"{figures.median:.2f} s ({figures.min:.2f}-{figures.max:.2f})"


def _ms(figures: Timing) -> str:
    return f"{figures.median * 1000:.0f} ms ({figures.min * 1000:.0f}-{figures.max * 1000:.0f})"


def machine_line(info: Machine) -> str:
    """The header line naming the machine."""
    load = ", ".join(f"{value:g}" for value in info.load_average_at_start)
    return (
        f"Machine: `{info.arch}`, {info.cpu}, {info.cores} cores, "
        f"{info.memory_gib:g} GiB; Python {info.python}, Node.js {info.node}, "
        f"aws-cdk-lib {info.aws_cdk_lib}; {info.date} (load average at start {load})"
    )


_SHAPE_ROWS: tuple[tuple[Callable[[Shape], int], str], ...] = (
    (lambda shape: shape.lambda_functions, "Lambda functions"),
    (lambda shape: shape.iam_policies, "IAM policy resources (inline and managed)"),
    (lambda shape: shape.policy_statements, "IAM policy statements"),
)
_ASSET_ROWS: tuple[tuple[Callable[[AssetFigures], int], str], ...] = (
    (lambda asset: asset.zipped_bytes, "zipped"),
    (lambda asset: asset.unzipped_bytes, "unzipped"),
)


def comparison_table(results: Results) -> list[str]:
    """The side-by-side table: absolute figures with the ratio beside them."""
    templates = results.templates
    per_resource = results.bytes_per_resource
    shape = results.functions_and_policies
    assets = results.assets
    synth = results.synth_time
    sizes = sorted(templates.ours)
    lines = [
        f"| measure | {OURS} | {THEIRS} | ratio (ours / theirs) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for n in sizes:
        ours, theirs = templates.ours[n], templates.theirs[n]
        theirs_text = _bytes(theirs.bytes)
        if theirs.synth_error:
            theirs_text = (
                f"synth fails: {theirs.resources} resources > {CFN_RESOURCE_LIMIT} "
                f"({theirs_text} with CDK's check lifted)"
            )
        elif not theirs.within_cfn_limits:
            theirs_text += " (over a CloudFormation limit)"
        lines.append(
            f"| Template bytes, N = {n} | {_bytes(ours.bytes)} | {theirs_text} | "
            f"{_ratio(ours.bytes / theirs.bytes)} |"
        )
    first, last = per_resource.ours.between_n
    lines += [
        f"| Bytes per added resource (N = {first} → {last}) | "
        f"{_bytes(per_resource.ours.bytes_per_resource)} | "
        f"{_bytes(per_resource.theirs.bytes_per_resource)} | **{per_resource.ratio:.3f}** |",
        f"| CloudFormation resources per added resource | "
        f"{per_resource.ours.cfn_resources_per_resource:g} | "
        f"{per_resource.theirs.cfn_resources_per_resource:g} | |",
        f"| Largest N in one stack ({CFN_RESOURCE_LIMIT}-resource limit) | "
        f"{per_resource.ours.max_n_per_stack} | {per_resource.theirs.max_n_per_stack} | |",
    ]
    joined = " / ".join(str(n) for n in sizes)
    for figure, label in _SHAPE_ROWS:
        lines.append(
            f"| {label}, N = {joined} | "
            + " / ".join(str(figure(shape.ours[n])) for n in sizes)
            + " | "
            + " / ".join(str(figure(shape.theirs[n])) for n in sizes)
            + " | |"
        )
    for size, label in _ASSET_ROWS:
        ours_bytes, theirs_bytes = size(assets.ours), size(assets.theirs)
        lines.append(
            f"| Lambda asset bytes, {label} | {_bytes(ours_bytes)} | {_bytes(theirs_bytes)} | "
            f"{_ratio(ours_bytes / theirs_bytes)} |"
        )
    for n in sorted(synth.ours):
        lines.append(
            f"| Synth wall time, N = {n}, fresh process, median (min-max) of "
            f"{synth.runs_each} | {_seconds(synth.ours[n])} | {_seconds(synth.theirs[n])} | "
            f"{_ratio(synth.ratio[n])} |"
        )
    return lines


def breakdown_text(breakdown: Mapping[str, float]) -> str:
    """The parts of one added resource, largest first; the type is named only if there are two."""
    types = {part.split(" ", 1)[0] for part in breakdown if part.startswith(("Custom::", "AWS::"))}
    items = []
    for part, cost in sorted(breakdown.items(), key=lambda item: -item[1]):
        name = part.split(" ", 1)[1] if len(types) == 1 and part.split(" ", 1)[0] in types else part
        items.append(f"`{name}` {cost:g}")
    return ", ".join(items)


def render_markdown(results: Results) -> str:
    """results.md: the machine, the tables, the targets and how the figures were taken."""
    cold = results.cold_start
    api = results.api_calls
    fleet = results.fleet
    scale = results.scale
    quick = results.plan.quick
    breakdown = cold.breakdown
    per_resource = results.bytes_per_resource
    lines = [
        "# Benchmarks: ProxySessionSettings vs AwsCustomResource",
        "",
        machine_line(results.machine),
        "",
        f"Run: `{'python -m bench.run --quick' if quick else 'make bench'}` "
        f"({'quick' if quick else 'full'} plan). Both constructs make the same "
        "ChimeSDKVoice `UpdateProxySession` call for N sessions on one voice connector "
        "(Voice+SMS, 120-minute expiry; AwsCustomResource with `install_latest_aws_sdk=False`, "
        "its policy from the SDK calls scoped to the voice connector's ARN).",
        "",
        *comparison_table(results),
        "",
        "## Targets",
        "",
        "| target | result | met |",
        "| --- | --- | --- |",
        *(
            f"| {item.target} | {item.result} | {'yes' if item.met else '**no**'} |"
            for item in results.targets
        ),
        "",
        "## Where the bytes per added resource go",
        "",
        "What removing each part from all N resources saves, per resource, at the largest N "
        "(bytes as CDK writes them):",
        "",
        *(
            f"- {kind} ({cost.bytes_per_resource:,.1f} B): " + breakdown_text(cost.breakdown)
            for kind, cost in ((OURS, per_resource.ours), (THEIRS, per_resource.theirs))
        ),
        "",
        "## Handler cold start",
        "",
        f"Median (min-max) of {cold.runs_each} fresh processes each, alternating, timed "
        "inside the process around the import:",
        "",
        "| program | time | ratio |",
        "| --- | ---: | ---: |",
        f"| `import index` from the synthesized asset (builds its client) | "
        f"{_ms(cold.handler)} | {_ratio(cold.ratio)} |",
        f'| `import boto3; boto3.client("chime-sdk-voice")` | {_ms(cold.bare_client)} | 1.00x |',
        "",
        f"Median of the paired ratios (each pair ran back to back): "
        f"{_ratio(cold.median_of_paired_ratios)}; ratio of the fastest runs: "
        f"{_ratio(cold.ratio_of_minimums)}.",
        "",
        f"`-X importtime`: the handler imports {breakdown.extra_modules} modules beyond boto3 "
        f"({breakdown.extra_modules_self_ms:.1f} ms self time; largest: "
        + ", ".join(f"`{name}` {ms:.1f} ms" for name, ms in breakdown.top_extra_modules_ms.items())
        + f"); `index` itself {breakdown.index_self_ms:.1f} ms, building the client included.",
        "",
        "## ChimeSDKVoice calls per CloudFormation request",
        "",
        "Measured for ProxySessionSettings with the lifecycle driver (`harness/lifecycle.py`, the "
        "handler from the synthesized asset in a fresh process) against the emulator, one resource "
        "at a time. " + api.aws_custom_resource_note + ".",
        "",
        f"| request | {OURS}: calls | answer | expected | {THEIRS} (from its code) |",
        "| --- | ---: | --- | ---: | ---: |",
        *(
            f"| {row.event} | {row.api_calls} | {row.response} | {row.expected} | "
            f"{row.aws_custom_resource} |"
            for row in api.rows
        ),
        "",
        "## Fleet",
        "",
        f"{fleet.resources} resources updated at once (one CloudFormation Update each, all "
        f"concurrent) against the emulator limited to R = {fleet.rate_limit_per_second:g} "
        f"requests per second (a token bucket holding {fleet.burst:g}). Handlers ran "
        f"{fleet.mode}.",
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| succeeded | {fleet.succeeded} / {fleet.resources} |",
        f"| total time (first request sent → last response received) | "
        f"{fleet.total_seconds:.2f} s |",
        f"| ideal N / R | {fleet.ideal_seconds:.2f} s |",
        f"| ratio | {_ratio(fleet.ratio)} |",
        f"| last successful UpdateProxySession | {fleet.last_success_seconds:.2f} s |",
        f"| UpdateProxySession attempts (throttled) | {fleet.attempts} ({fleet.throttled}) |",
        f"| attempts per resource, mean / max | {fleet.attempts_per_resource.mean:g} / "
        f"{fleet.attempts_per_resource.max} |",
        f"| seconds before the last success in which fewer than R attempts arrived | "
        f"{fleet.seconds_below_rate_before_last_success} |",
        "",
        "UpdateProxySession attempts in each second of the run: "
        + " ".join(str(count) for count in fleet.attempts_per_second)
        + f". From second {fleet.tail_starts_at_second} on, with "
        f"{fleet.resources_waiting_at_tail_start} resources still waiting, fewer than R "
        "attempts per second reached the API: the handler's backoff (full jitter, 0.5 s "
        "doubling to 8 s, `lambda/chime_calls.py`) leaves the last resources asleep "
        "while the limit has room. That tail is the gap between the total and N / R.",
        "",
        *scale_markdown(scale),
        *created_sessions_markdown(results.created_sessions),
        *claimed_create_markdown(results.claimed_create),
        *drift_check_markdown(results.drift_check),
        "## How the figures are taken",
        "",
        "- Template bytes: one App and Stack per N, synthesized in one process with `app.synth()` "
        "and the context `cdk synth` adds (path metadata, asset metadata, the CDKMetadata "
        "resource); the size of the template file CDK wrote. Bytes per added resource is the "
        "slope between the smallest and the largest N.",
        "- Over 500 resources CDK refuses to synthesize (`TooManyResourcesInStack`); that is "
        "recorded, and the template is then synthesized with `@aws-cdk/core:stackResourceLimit` "
        "= 0 to measure it anyway. Such a stack cannot be deployed.",
        "- Lambda assets: the folder named by the function's `aws:asset:path` metadata, zipped "
        "with sorted names, fixed timestamps and DEFLATED.",
        "- Synth wall time: `python -m bench.synth_once KIND N DIR` in a fresh process "
        "(interpreter, aws-cdk-lib import, jsii start-up, build, synth), kinds alternating.",
        "- Cold start: `python -I -S` with only the asset and boto3 on the path and the same "
        "environment (fake credentials, region us-east-1), as `harness.lifecycle.LambdaRunner` "
        "runs the handler.",
        f"- Fleet: the warm-up Create ran without a rate limit; the limit was set (which fills "
        f"the bucket) just before the timed Update. The ideal ignores the initial burst of "
        f"{fleet.burst:g}.",
    ]
    return "\n".join(lines) + "\n"
