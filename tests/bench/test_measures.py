"""The measures' pure parts: byte accounting, slopes, asset zips, timings, imports, the fleet."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from bench.cold_start import import_breakdown, parse_importtime
from bench.common import BenchError, Pair, Timing, json_object, numbered_sessions
from bench.drift_check import CheckRun, composition_of, drift_check
from bench.fleet import fleet, percentile
from bench.synth_time import synth_time
from bench.template_size import (
    TemplateFigures,
    asset_figures,
    per_resource_breakdown,
    resource_cost,
    template_bytes,
)
from chime_proxy_session import RESOURCE_TYPE
from tests.bench.fabricated import CHECK_CALLS, check_run, drift_checked, fleet_update


def _template(n: int) -> dict[str, Any]:
    """A stack holding a shared function and ``n`` of our custom resources."""
    resources: dict[str, Any] = {
        "Handler": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.13"}}
    }
    for session in numbered_sessions(n):
        resources[session.name] = {
            "Type": RESOURCE_TYPE,
            "Properties": {"ServiceToken": "arn", "ProxySessionId": session.session_id},
            "Metadata": {"aws:cdk:path": f"Bench/{session.name}/Default"},
        }
    return {"Resources": resources}


def _figures(template: dict[str, Any]) -> TemplateFigures:
    resources = len(template["Resources"])
    return TemplateFigures(None, False, template_bytes(template), resources, 1, 0, 0, True, True)


def test_template_bytes_are_what_cdk_writes() -> None:
    template = {"Resources": {"A": {"Type": "X", "Properties": {"Name": "é"}}}}
    written = (
        '{\n "Resources": {\n  "A": {\n   "Type": "X",\n   "Properties": {\n    "Name": "é"\n'
        "   }\n  }\n }\n}"
    )
    assert template_bytes(template) == len(written.encode("utf-8"))


def test_breakdown_charges_each_part_of_the_session_resources_only() -> None:
    template = _template(4)
    breakdown = per_resource_breakdown(template, 4)
    assert set(breakdown) == {
        f"{RESOURCE_TYPE} Type",
        f"{RESOURCE_TYPE} Properties.ServiceToken",
        f"{RESOURCE_TYPE} Properties.ProxySessionId",
        f"{RESOURCE_TYPE} Metadata",
    }
    # Each resource loses the line `    "ServiceToken": "arn",` and its newline: 27 bytes.
    assert breakdown[f"{RESOURCE_TYPE} Properties.ServiceToken"] == 27.0


def test_resource_cost_is_the_slope_between_the_ends() -> None:
    small, large = _template(1), _template(5)
    figures = {1: _figures(small), 5: _figures(large)}
    cost = resource_cost(figures, small, large)
    slope = (template_bytes(large) - template_bytes(small)) / 4
    assert cost.bytes_per_resource == round(slope, 1)
    assert cost.fixed_bytes == round(template_bytes(small) - slope)
    assert cost.cfn_resources_per_resource == 1.0
    assert cost.max_n_per_stack == 499  # 500 resources, one of them the shared function
    assert cost.between_n == (1, 5)
    assert cost.bytes_per_resource_without_path_metadata < cost.bytes_per_resource
    assert sum(cost.breakdown.values()) == pytest.approx(cost.bytes_per_resource, abs=0.1)
    assert list(cost.breakdown)[-1] == "logical ids and JSON structure"


def test_asset_zip_does_not_depend_on_file_times(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "index.py").write_text("import pkg\n" * 50)
    (tmp_path / "pkg" / "__init__.py").write_text("VALUE = 1\n")
    first = asset_figures(tmp_path)
    os.utime(tmp_path / "index.py", (0, 0))
    assert asset_figures(tmp_path) == first
    assert first.names == ("index.py", "pkg/__init__.py")
    assert (first.files, first.unzipped_bytes) == (2, 560)
    assert first.asset_folder == tmp_path.name
    assert first.zipped_bytes > 0


def test_timing_and_synth_ratio() -> None:
    timing = Timing.of([0.30004, 0.1, 0.2])
    assert timing == Timing(median=0.2, min=0.1, max=0.3, runs=(0.3, 0.1, 0.2))
    times = synth_time(
        {"ProxySessionSettings": {1: [2.0, 4.0]}, "AwsCustomResource": {1: [4.0, 4.0]}}, 2
    )
    assert times.ratio == {1: 0.75}
    assert times.ours[1].median == 3.0


def test_import_breakdown_counts_what_boto3_does_not_import() -> None:
    stderr = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:       120 |        120 |   _io",
            "import time:     90000 |      95000 | boto3",
            "import time:      1500 |       2500 |   crhelper.utils",
            "import time:      1000 |       3500 | crhelper",
            "import time:     20000 |     120000 | index",
        ]
    )
    ours = parse_importtime(stderr)
    assert ours == {
        "_io": 120,
        "boto3": 90000,
        "crhelper.utils": 1500,
        "crhelper": 1000,
        "index": 20000,
    }
    breakdown = import_breakdown(ours, {"_io": 120, "boto3": 90000})
    assert breakdown.extra_modules == 2
    assert breakdown.extra_modules_self_ms == 2.5
    assert list(breakdown.top_extra_modules_ms.items()) == [
        ("crhelper.utils", 1.5),
        ("crhelper", 1.0),
    ]
    assert breakdown.index_self_ms == 20.0


def test_fleet_figures_from_the_calls() -> None:
    figures = fleet(4, 2.0, fleet_update())
    assert figures.attempts_per_second == (4, 1, 1)
    assert figures.successes_per_second == (2, 1, 1)
    assert (figures.attempts, figures.throttled) == (6, 2)
    assert (figures.attempts_per_resource.mean, figures.attempts_per_resource.max) == (1.5, 2)
    assert figures.last_success_seconds == 2.5
    assert figures.seconds_below_rate_before_last_success == 2
    assert (figures.tail_starts_at_second, figures.resources_waiting_at_tail_start) == (1, 2)
    assert figures.tail_attempts_per_second == (1, 1)
    assert (figures.ideal_seconds, figures.ratio, figures.burst) == (2.0, 1.3, 2.0)
    assert figures.invocation_seconds.p90 == 2.6
    assert figures.all_succeeded is True


def test_percentile_is_nearest_rank() -> None:
    values = [float(value) for value in range(1, 11)]
    assert percentile(values, 0.9) == 9.0
    assert percentile(values, 0.91) == 10.0
    assert percentile([5.0], 0.9) == 5.0


def test_results_json_names_ours_and_theirs_by_construct() -> None:
    written = asdict(Pair(ours={1: 2}, theirs=3), dict_factory=json_object)
    assert written == {"ProxySessionSettings": {1: 2}, "AwsCustomResource": 3}


def test_a_drift_check_stack_holds_every_type() -> None:
    """PhoneNumbers and VoiceConnectorProxy, then the rest split between created sessions and
    settings."""
    assert composition_of(100) == (49, 49)
    assert composition_of(10) == (4, 4)
    assert composition_of(5) == (1, 2)
    with pytest.raises(BenchError, match="N >= 4"):
        composition_of(3)


def test_a_drift_check_compares_every_run_with_the_first() -> None:
    figures = drift_checked()
    assert (figures.resources, figures.api_calls, figures.runs_each) == (100, 106, 2)
    assert figures.calls["DynamoDB"] == {"Query -> 200": 1}
    assert (figures.same_calls_every_run, figures.all_in_sync) == (True, True)
    assert (figures.in_process.median, figures.command_line.median) == (0.4, 1.3)
    assert figures.deploy_seconds == 12.4
    fewer = CheckRun(1.2, {"IN_SYNC": 100}, {**CHECK_CALLS, "DynamoDB": {}})
    assert drift_checked(fewer, check_run(1.3)).same_calls_every_run is False
    with pytest.raises(BenchError, match="in neither mode, or in one only"):
        drift_check(
            composition={"Custom::ChimeProxySession": 1},
            template_resources=8,
            deploy_status="CREATE_COMPLETE",
            deploy_seconds=1.0,
            in_process=[check_run(0.1)],
            command_line=[],
        )
