"""Benchmarks: ProxySessionSettings side by side with aws-cdk-lib's AwsCustomResource.

Run ``python -m bench.run`` from the repository root (``make bench``). In one run on one machine it
measures both constructs making the same ChimeSDKVoice ``UpdateProxySession`` call:

1. template bytes with N resources in one stack, and the bytes each added resource costs;
2. Lambda functions, IAM policies and policy statements per stack as N grows;
3. the Lambda asset's bytes, zipped and unzipped (1-3: ``bench.template_size``);
4. synth wall time in a fresh Python process, jsii start-up included (``bench.synth_time``);
5. the handler's cold start (its import from the synthesized asset) against a bare boto3 client
   (``bench.cold_start``);
6. ChimeSDKVoice calls per CloudFormation request type, with the lifecycle driver and emulator
   (``bench.api_calls``);
7. a fleet of resources updated at once against a rate-limited emulator (``bench.fleet``);
8. a full stack against a slow API (``bench.scale``);
9. N ProxySession resources created at once, exactly one session each
   (``bench.created_sessions``);
10. one ProxySession Create beside S sessions already Open on the voice connector: its calls and
    its time as S grows (``bench.claimed_create``);
11. a drift check of a stack with N resources of every type: its API calls by service and
    operation, and its seconds in process and as the command line (``bench.drift_check``);

and writes ``results.md``, ``results.json`` and ``template-bytes.png`` into ``bench/results/`` (or
``--out DIR``; ``bench.report``, ``bench.chart``). ``--quick`` measures small N with few
repetitions, for the test.

The function runs with the environment its template gives it, as CloudFormation deploys it: one
moto DynamoDB server (``harness.dynamodb``) serves the run, and every runner is made from a
template (``LambdaRunner.for_assembly``, ``WarmRunner.for_template``), so a ProxySession Create
has its claim table.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bench.api_calls import measure_api_calls
from bench.chart import plot
from bench.claimed_create import measure_claimed_create
from bench.cold_runner import cold_runner
from bench.cold_start import measure_cold_start
from bench.common import DEFAULT_OUT, FULL_PLAN, QUICK_PLAN, Plan, log
from bench.created_sessions import measure_created_sessions
from bench.drift_check import measure_drift_check
from bench.fleet import measure_fleet
from bench.machine import load_average, machine
from bench.report import Results, render_markdown, results_json
from bench.scale import measure_scale
from bench.synth_time import measure_synth_time
from bench.targets import targets
from bench.template_size import measure_assets, measure_templates


class _Sections:
    """Wall time of each section of the run, in seconds."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._mark = time.perf_counter()

    def done(self, name: str) -> None:
        """Record the time since the previous section ended as ``name``'s."""
        now = time.perf_counter()
        self.seconds[name] = round(now - self._mark, 1)
        self._mark = now


def run(plan: Plan, out: Path) -> Results:
    """Measure everything in order and write the three result files into ``out``."""
    from harness.dynamodb import DynamoDBServer
    from harness.emulator import ChimeVoiceEmulator
    from harness.response_sink import ResponseSink

    started = time.perf_counter()
    info = machine()
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as scratch,
        ChimeVoiceEmulator() as emulator,
        ResponseSink() as sink,
        DynamoDBServer() as dynamodb,
    ):
        workdir = Path(scratch)
        sections = _Sections()

        log("1-3: templates, functions and policies, assets")
        sizes, smallest = measure_templates(plan, workdir)
        assets = measure_assets(smallest)
        asset_dir = smallest.ours.asset_dir()
        sections.done("templates_and_assets")

        log("4: synth wall time")
        synth_time = measure_synth_time(plan, workdir)
        sections.done("synth_time")

        with cold_runner(
            smallest.ours, endpoint_url=emulator.endpoint_url, sink=sink, dynamodb=dynamodb
        ) as runner:
            log("5: handler cold start")
            cold_start = measure_cold_start(plan, asset_dir, runner)
            sections.done("cold_start")
            log("6: API calls per request")
            api_calls = measure_api_calls(workdir, emulator, runner)
            sections.done("api_calls")
        log("7: fleet")
        fleet = measure_fleet(plan, workdir, emulator, sink, dynamodb, asset_dir)
        sections.done("fleet")
        log("8: scale")
        scale = measure_scale(plan, workdir, emulator, sink, dynamodb, asset_dir, fleet)
        sections.done("scale")
        log("9: creating sessions")
        created = measure_created_sessions(plan, workdir, emulator, sink, dynamodb, asset_dir)
        sections.done("created_sessions")
        log("10: a ProxySession Create beside live sessions")
        claimed = measure_claimed_create(plan, workdir, emulator, sink, dynamodb)
        sections.done("claimed_create")
        log("11: a drift check of a stack of every type")
        drift = measure_drift_check(plan, workdir, emulator, sink, dynamodb)
        sections.done("drift_check")

    results = Results(
        machine=replace(
            info,
            section_seconds=sections.seconds,
            load_average_at_end=load_average(),
            bench_seconds=round(time.perf_counter() - started, 1),
        ),
        plan=plan,
        templates=sizes.templates,
        bytes_per_resource=sizes.bytes_per_resource,
        bytes_per_resource_pinned=sizes.bytes_per_resource_pinned,
        functions_and_policies=sizes.functions_and_policies,
        assets=assets,
        synth_time=synth_time,
        cold_start=cold_start,
        api_calls=api_calls,
        fleet=fleet,
        scale=scale,
        created_sessions=created,
        claimed_create=claimed,
        drift_check=drift,
        targets=targets(
            bytes_per_resource=sizes.bytes_per_resource,
            bytes_per_resource_pinned=sizes.bytes_per_resource_pinned,
            functions_and_policies=sizes.functions_and_policies,
            cold_start=cold_start,
            api_calls=api_calls,
            fleet=fleet,
            scale=scale,
            claimed_create=claimed,
        ),
    )
    (out / "results.json").write_text(results_json(results))
    (out / "results.md").write_text(render_markdown(results))
    plot(results, out / "template-bytes.png")
    log(f"wrote {out / 'results.md'}, results.json and template-bytes.png")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Benchmark ProxySessionSettings side by side with AwsCustomResource.",
    )
    parser.add_argument("--quick", action="store_true", help="small N, few repetitions")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})"
    )
    args = parser.parse_args(argv)
    results = run(QUICK_PLAN if args.quick else FULL_PLAN, args.out.resolve())
    for item in results.targets:
        log(f"{'met   ' if item.met else 'MISSED'} {item.target}: {item.result}")
    missed = sum(1 for item in results.targets if not item.met)
    if missed:
        log(f"{missed} target(s) missed; see results.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
