"""Measures 1-3: template bytes as N grows, functions and policies per stack, the Lambda assets."""

from __future__ import annotations

import io
import json
import math
import shutil
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bench.common import (
    CFN_RESOURCE_LIMIT,
    CFN_TEMPLATE_BYTES_LIMIT,
    FUNCTION_TYPE,
    KINDS,
    OURS,
    POLICY_TYPES,
    THEIRS,
    BenchError,
    Pair,
    Plan,
    Synthesized,
    SynthFailed,
    log,
    numbered_sessions,
    synthesize,
)

BYTES_PER_RESOURCE_TARGET: Final = 1 / 3


@dataclass(frozen=True)
class TemplateFigures:
    """One synthesized template: its size, what it holds, and whether it could be deployed."""

    synth_error: str | None
    measured_with_limit_lifted: bool
    bytes: int
    resources: int
    lambda_functions: int
    iam_policies: int
    policy_statements: int
    within_cfn_limits: bool
    deployable: bool


@dataclass(frozen=True)
class Shape:
    """Functions, IAM policies and statements, and resources in one stack."""

    lambda_functions: int
    iam_policies: int
    policy_statements: int
    resources: int


@dataclass(frozen=True)
class FunctionsAndPolicies:
    """The shape of each construct's stack at every N, keyed by N."""

    ours: Mapping[int, Shape]
    theirs: Mapping[int, Shape]
    target: str
    met: bool


@dataclass(frozen=True)
class ResourceCost:
    """What each added resource costs one construct, between the smallest and largest N."""

    bytes_per_resource: float
    bytes_per_resource_without_path_metadata: float
    breakdown: Mapping[str, float]
    fixed_bytes: int
    cfn_resources_per_resource: float
    max_n_per_stack: int
    between_n: tuple[int, int]
    largest_n_measured_with_limit_lifted: bool


@dataclass(frozen=True)
class BytesPerResource:
    """Both constructs' cost per added resource, and the target on their ratio."""

    ours: ResourceCost
    theirs: ResourceCost
    ratio: float
    ratio_without_path_metadata: float
    target: str
    met: bool


@dataclass(frozen=True)
class TemplateSizes:
    """Measures 1 and 2: every template, the cost per resource, functions and policies."""

    templates: Pair[Mapping[int, TemplateFigures]]
    bytes_per_resource: BytesPerResource
    # The same slope in a stack with an explicit env (account and region), at the two ends.
    bytes_per_resource_pinned: BytesPerResource
    functions_and_policies: FunctionsAndPolicies


@dataclass(frozen=True)
class AssetFigures:
    """One Lambda asset folder: files, bytes, and bytes zipped."""

    asset_folder: str
    files: int
    unzipped_bytes: int
    zipped_bytes: int
    names: tuple[str, ...]


@dataclass(frozen=True)
class Assets:
    """Measure 3: both Lambda assets and the ratios of their sizes."""

    ours: AssetFigures
    theirs: AssetFigures
    ratio_zipped: float
    ratio_unzipped: float


def template_bytes(template: Mapping[str, Any]) -> int:
    """The bytes CDK writes for a template: ``JSON.stringify(template, undefined, 1)``."""
    return len(json.dumps(template, indent=1, ensure_ascii=False).encode())


def template_figures(synthesized: Synthesized, synth_error: str | None) -> TemplateFigures:
    """Bytes as CDK wrote them, resources, functions, IAM policies and their statements."""
    size = synthesized.template_path.stat().st_size
    resources = len(synthesized.template["Resources"])
    policies = [policy for kind in POLICY_TYPES for policy in synthesized.resources_of(kind)]
    within = resources <= CFN_RESOURCE_LIMIT and size <= CFN_TEMPLATE_BYTES_LIMIT
    return TemplateFigures(
        synth_error=synth_error,
        measured_with_limit_lifted=synth_error is not None,
        bytes=size,
        resources=resources,
        lambda_functions=len(synthesized.resources_of(FUNCTION_TYPE)),
        iam_policies=len(policies),
        policy_statements=sum(
            len(policy["Properties"]["PolicyDocument"]["Statement"]) for policy in policies
        ),
        within_cfn_limits=within,
        deployable=synth_error is None and within,
    )


def _is_session(logical_id: str) -> bool:
    return logical_id.startswith("Session")


def _stripped(
    template: Mapping[str, Any], drop: Callable[[str, dict[str, Any]], None]
) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(template))
    for logical_id, resource in copy["Resources"].items():
        drop(logical_id, resource)
    return copy


def _drop_path_metadata(_logical_id: str, resource: dict[str, Any]) -> None:
    metadata = resource.get("Metadata")
    if isinstance(metadata, dict):
        metadata.pop("aws:cdk:path", None)
        if not metadata:
            del resource["Metadata"]


def per_resource_breakdown(template: Mapping[str, Any], n: int) -> dict[str, float]:
    """Bytes per added resource by resource type and key: what removing it from all N saves."""
    base = template_bytes(template)
    parts: set[tuple[str, str]] = set()
    for logical_id, resource in template["Resources"].items():
        if _is_session(logical_id):
            for key, value in resource.items():
                if key == "Properties":
                    parts |= {(resource["Type"], f"Properties.{name}") for name in value}
                else:
                    parts.add((resource["Type"], key))
    costs: dict[str, float] = {}
    for resource_type, key in sorted(parts):

        def drop(
            logical_id: str, resource: dict[str, Any], rtype: str = resource_type, name: str = key
        ) -> None:
            if not _is_session(logical_id) or resource["Type"] != rtype:
                return
            if name.startswith("Properties."):
                resource["Properties"].pop(name.removeprefix("Properties."), None)
            else:
                resource.pop(name, None)

        costs[f"{resource_type} {key}"] = round(
            (base - template_bytes(_stripped(template, drop))) / n, 1
        )
    return costs


def resource_cost(
    figures: Mapping[int, TemplateFigures], first: Mapping[str, Any], last: Mapping[str, Any]
) -> ResourceCost:
    """The slope between the smallest and largest N, from their figures and parsed templates."""
    low, high = min(figures), max(figures)
    slope = (figures[high].bytes - figures[low].bytes) / (high - low)
    resources_each = (figures[high].resources - figures[low].resources) / (high - low)
    fixed_resources = figures[low].resources - resources_each * low
    without = [
        template_bytes(_stripped(template, _drop_path_metadata)) for template in (first, last)
    ]
    breakdown = per_resource_breakdown(last, high)
    breakdown["logical ids and JSON structure"] = round(slope - sum(breakdown.values()), 1)
    return ResourceCost(
        bytes_per_resource=round(slope, 1),
        bytes_per_resource_without_path_metadata=round((without[1] - without[0]) / (high - low), 1),
        breakdown=breakdown,
        fixed_bytes=round(figures[low].bytes - slope * low),
        cfn_resources_per_resource=resources_each,
        max_n_per_stack=math.floor((CFN_RESOURCE_LIMIT - fixed_resources) / resources_each),
        between_n=(low, high),
        largest_n_measured_with_limit_lifted=figures[high].measured_with_limit_lifted,
    )


def bytes_per_resource(ours: ResourceCost, theirs: ResourceCost) -> BytesPerResource:
    """The ratio of the two costs, and whether ours is at most a third of theirs."""
    ratio = ours.bytes_per_resource / theirs.bytes_per_resource
    return BytesPerResource(
        ours=ours,
        theirs=theirs,
        ratio=round(ratio, 4),
        ratio_without_path_metadata=round(
            ours.bytes_per_resource_without_path_metadata
            / theirs.bytes_per_resource_without_path_metadata,
            4,
        ),
        target="ours <= 1/3 of AwsCustomResource's",
        met=ratio <= BYTES_PER_RESOURCE_TARGET,
    )


def functions_and_policies(templates: Pair[Mapping[int, TemplateFigures]]) -> FunctionsAndPolicies:
    """Each stack's shape at every N, and whether ours always has exactly one function."""

    def shapes(figures: Mapping[int, TemplateFigures]) -> dict[int, Shape]:
        return {
            n: Shape(
                entry.lambda_functions, entry.iam_policies, entry.policy_statements, entry.resources
            )
            for n, entry in figures.items()
        }

    return FunctionsAndPolicies(
        ours=shapes(templates.ours),
        theirs=shapes(templates.theirs),
        target="exactly one Lambda function per stack for any N (ours)",
        met=all(entry.lambda_functions == 1 for entry in templates.ours.values()),
    )


def measure_templates(plan: Plan, workdir: Path) -> tuple[TemplateSizes, Pair[Synthesized]]:
    """Synthesize each construct at every N; return the figures and the smallest N's assemblies."""
    figures: dict[str, dict[int, TemplateFigures]] = {kind: {} for kind in KINDS}
    smallest: dict[str, Synthesized] = {}
    parsed: dict[str, dict[int, dict[str, Any]]] = {kind: {} for kind in KINDS}
    ends = (plan.template_sizes[0], plan.template_sizes[-1])
    for n in plan.template_sizes:
        for kind in KINDS:
            outdir = workdir / f"template-{kind}-{n}"
            synth_error = None
            try:
                synthesized = synthesize(kind, numbered_sessions(n), outdir)
            except SynthFailed as error:
                # Recorded, then measured with CDK's check lifted to show what it would take.
                synth_error = str(error)
                synthesized = synthesize(
                    kind, numbered_sessions(n), outdir, lift_resource_limit=True
                )
            entry = template_figures(synthesized, synth_error)
            if template_bytes(synthesized.template) != entry.bytes:
                raise BenchError("re-serializing the template does not give CDK's bytes")
            if n in ends:
                parsed[kind][n] = synthesized.template
            figures[kind][n] = entry
            log(
                f"template {kind} N={n}: {entry.bytes:,} bytes, {entry.resources} resources"
                + (f" ({synth_error})" if synth_error else "")
            )
            if n == plan.template_sizes[0]:
                smallest[kind] = synthesized
            else:
                shutil.rmtree(outdir, ignore_errors=True)

    costs = {
        kind: resource_cost(figures[kind], parsed[kind][ends[0]], parsed[kind][ends[1]])
        for kind in KINDS
    }
    pinned = {kind: _pinned_cost(kind, ends, workdir) for kind in KINDS}
    templates = Pair.of(figures)
    sizes = TemplateSizes(
        templates=templates,
        bytes_per_resource=bytes_per_resource(costs[OURS], costs[THEIRS]),
        bytes_per_resource_pinned=bytes_per_resource(pinned[OURS], pinned[THEIRS]),
        functions_and_policies=functions_and_policies(templates),
    )
    return sizes, Pair.of(smallest)


def _pinned_cost(kind: str, ends: tuple[int, int], workdir: Path) -> ResourceCost:
    """The cost per resource between the two ends, in a stack with an explicit env."""
    figures: dict[int, TemplateFigures] = {}
    parsed: dict[int, dict[str, Any]] = {}
    for n in ends:
        outdir = workdir / f"pinned-{kind}-{n}"
        synth_error = None
        try:
            synthesized = synthesize(kind, numbered_sessions(n), outdir, pinned=True)
        except SynthFailed as error:
            synth_error = str(error)
            synthesized = synthesize(
                kind, numbered_sessions(n), outdir, lift_resource_limit=True, pinned=True
            )
        figures[n] = template_figures(synthesized, synth_error)
        parsed[n] = synthesized.template
        shutil.rmtree(outdir, ignore_errors=True)
    cost = resource_cost(figures, parsed[ends[0]], parsed[ends[1]])
    log(f"template {kind} with env: {cost.bytes_per_resource:,.1f} bytes per resource")
    return cost


def asset_figures(folder: Path) -> AssetFigures:
    """Files, bytes, and bytes zipped deterministically (sorted names, fixed times, DEFLATED)."""
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return AssetFigures(
        asset_folder=folder.name,
        files=len(files),
        unzipped_bytes=sum(path.stat().st_size for path in files),
        zipped_bytes=len(buffer.getvalue()),
        names=tuple(path.relative_to(folder).as_posix() for path in files),
    )


def measure_assets(smallest: Pair[Synthesized]) -> Assets:
    """The Lambda asset of each construct, found through its function's aws:asset:path."""
    figures: dict[str, AssetFigures] = {}
    for kind, synthesized in smallest.items():
        figures[kind] = asset_figures(synthesized.asset_dir())
        log(
            f"asset {kind}: {figures[kind].zipped_bytes:,} bytes zipped, "
            f"{figures[kind].unzipped_bytes:,} unzipped"
        )
    ours, theirs = figures[OURS], figures[THEIRS]
    return Assets(
        ours=ours,
        theirs=theirs,
        ratio_zipped=round(ours.zipped_bytes / theirs.zipped_bytes, 3),
        ratio_unzipped=round(ours.unzipped_bytes / theirs.unzipped_bytes, 3),
    )
