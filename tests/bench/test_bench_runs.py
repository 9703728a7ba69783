"""The benchmark runs end to end in quick mode and writes its three files with sane figures.

No timing thresholds: the figures depend on the machine. The checks are that every section is
there, the counts are what the constructs produce, and the timings are positive and ordered.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import HANDLER_MODULES

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
OURS = "ProxySessionSettings"
THEIRS = "AwsCustomResource"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's TMPDIR: every temporary folder it makes goes here."""
    return tmp_path_factory.mktemp("bench-tmp")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory, scratch: Path) -> Path:
    """The output folder of one quick run (tests/conftest.py put the pinned Node.js on PATH)."""
    folder = tmp_path_factory.mktemp("bench")
    finished = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--out", str(folder)],
        cwd=REPO,
        env={**os.environ, "TMPDIR": str(scratch)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-4000:]
    return folder


@pytest.fixture(scope="module")
def results(out: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((out / "results.json").read_text())
    return loaded


def _timing(figures: dict[str, Any], runs: int) -> None:
    assert len(figures["runs"]) == runs
    assert 0 < figures["min"] <= figures["median"] <= figures["max"]


def test_the_three_files_are_written(out: Path, results: dict[str, Any]) -> None:
    markdown = (out / "results.md").read_text()
    assert markdown.startswith("# Benchmarks")
    assert "Machine: `" in markdown
    assert f"| measure | {OURS} | {THEIRS} | ratio (ours / theirs) |" in markdown
    assert (out / "template-bytes.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    machine = results["machine"]
    assert machine["cores"] >= 1
    assert machine["node"].startswith("v")
    assert machine["python"] == ".".join(str(part) for part in sys.version_info[:3])


def test_templates_grow_with_n_and_ours_keeps_one_function(results: dict[str, Any]) -> None:
    sizes = [str(n) for n in results["plan"]["template_sizes"]]
    for kind in (OURS, THEIRS):
        figures = [results["templates"][kind][n] for n in sizes]
        assert all(entry["bytes"] > 0 for entry in figures)
        assert [entry["bytes"] for entry in figures] == sorted(entry["bytes"] for entry in figures)
        assert all(entry["synth_error"] is None and entry["deployable"] for entry in figures)
    shape = results["functions_and_policies"]
    for n in sizes:
        assert shape[OURS][n]["lambda_functions"] == 1
        assert shape[OURS][n]["iam_policies"] == 1  # one managed policy: logs and Chime
        assert shape[THEIRS][n]["lambda_functions"] == 1
        assert shape[THEIRS][n]["iam_policies"] == int(n)  # one policy per AwsCustomResource
    assert shape["met"] is True
    per_resource = results["bytes_per_resource"]
    assert 0 < per_resource[OURS]["bytes_per_resource"] < per_resource[THEIRS]["bytes_per_resource"]
    assert 0 < per_resource["ratio"] < 1
    assert per_resource[OURS]["cfn_resources_per_resource"] == 1
    assert per_resource[THEIRS]["cfn_resources_per_resource"] == 2
    breakdown = per_resource[OURS]["breakdown"]
    assert sum(breakdown.values()) == pytest.approx(per_resource[OURS]["bytes_per_resource"], abs=1)


def test_assets_are_the_handlers(results: dict[str, Any]) -> None:
    ours, theirs = results["assets"][OURS], results["assets"][THEIRS]
    assert "index.py" in ours["names"]
    assert "crhelper/__init__.py" in ours["names"]
    assert "index.js" in theirs["names"]
    for asset in (ours, theirs):
        assert 0 < asset["zipped_bytes"] < asset["unzipped_bytes"]


def test_synth_and_cold_start_timings_are_positive(results: dict[str, Any]) -> None:
    plan = results["plan"]
    synth = results["synth_time"]
    for kind in (OURS, THEIRS):
        for n in plan["synth_sizes"]:
            _timing(synth[kind][str(n)], plan["synth_runs"])
    cold = results["cold_start"]
    _timing(cold["handler"], plan["cold_start_runs"])
    _timing(cold["bare_client"], plan["cold_start_runs"])
    assert cold["ratio"] > 0
    ours = {module.removesuffix(".py") for module in HANDLER_MODULES}
    assert ours & set(cold["breakdown"]["top_extra_modules_ms"])


def test_api_calls_per_request(results: dict[str, Any]) -> None:
    calls = {row["event"]: row["api_calls"] for row in results["api_calls"]["rows"]}
    assert calls["Create"] == 1
    assert calls["Update, in place"] == 1
    assert calls["Delete, Retain"] == 0
    assert calls["Delete, Destroy"] == 1
    assert calls["Rollback Delete after the failed Create (Destroy policy)"] == 0
    assert results["api_calls"]["met"] is True
    assert results["api_calls"]["all_as_expected"] is True


def test_fleet_all_succeed(results: dict[str, Any]) -> None:
    fleet = results["fleet"]
    plan = results["plan"]
    assert fleet["all_succeeded"] is True
    assert fleet["succeeded"] == fleet["sessions_updated"] == plan["fleet_size"]
    assert fleet["ideal_seconds"] == pytest.approx(plan["fleet_size"] / plan["fleet_rate"])
    assert fleet["total_seconds"] > 0
    assert fleet["attempts"] >= plan["fleet_size"]


def test_every_target_has_a_verdict(results: dict[str, Any]) -> None:
    assert len(results["targets"]) == 9
    for item in results["targets"]:
        assert isinstance(item["met"], bool)
        assert item["result"]


def test_the_run_removes_its_temporary_folders(out: Path, scratch: Path) -> None:
    # The scratch folder, the Lambda runtime folders of the cold and warm runners, the sink's CA.
    assert (out / "results.json").is_file()
    assert sorted(path.name for path in scratch.iterdir()) == []


def test_created_sessions_leave_exactly_n(results: dict[str, Any]) -> None:
    created = results["created_sessions"]
    n = results["plan"]["session_count"]
    assert created["status"] == "CREATE_COMPLETE"
    assert created["succeeded"] == created["sessions_held"] == n
    assert created["exactly_n_sessions"] is True
    # Each Create claims its request, makes one session and records it; nothing lists.
    assert created["operations"] == {"CreateProxySession": {"calls": n, "per_resource": 1}}
    table = created["dynamodb_operations"]
    assert table["PutItem -> 200"]["calls"] == n
    assert created["dynamodb_calls_per_resource"] >= 2  # the claim, then the record
    assert "created_sessions" in results["machine"]["section_seconds"]


def test_a_create_beside_live_sessions_runs_with_its_claim_table(results: dict[str, Any]) -> None:
    claimed = results["claimed_create"]
    plan = results["plan"]
    rows = claimed["rows"]
    assert [row["live_sessions"] for row in rows] == plan["live_sessions"]
    for row in rows:
        assert row["creates"] == row["succeeded"] == plan["claimed_create_runs"]
        assert row["chime_operations"] == {"CreateProxySession -> 201": 1}
        assert row["dynamodb_operations"]["PutItem -> 200"] == 1
        _timing(row["duration"], plan["claimed_create_runs"])
        assert row["duration"]["max"] < row["wall"]["min"]  # Duration leaves out the cold start
    assert claimed["calls_met"] is True
    assert claimed["time_ratio"] > 0
    assert rows[-1]["seeding_seconds"] > rows[0]["seeding_seconds"]
    assert "claimed_create" in results["machine"]["section_seconds"]


def test_a_drift_check_reads_each_resource_once(results: dict[str, Any]) -> None:
    drift = results["drift_check"]
    plan = results["plan"]
    n = plan["drift_resources"]
    assert drift["resources"] == n
    assert drift["deploy_status"] == "CREATE_COMPLETE"
    assert drift["statuses"] == {"IN_SYNC": n}
    assert drift["all_in_sync"] is True
    assert drift["same_calls_every_run"] is True
    # The stack: under 100 resources, so one DescribeStackResources; its two numbers, its proxy,
    # every session (the created ones and those of the settings) once; the claim table once.
    assert drift["calls"] == {
        "CloudFormation": {
            "DescribeStacks -> 200": 1,
            "GetTemplate -> 200": 1,
            "DescribeStackResources -> 200": 1,
        },
        "ChimeSDKVoice": {
            "GetPhoneNumber -> 200": 2,
            "GetVoiceConnectorProxy -> 200": 1,
            "GetProxySession -> 200": n - 2,
        },
        "DynamoDB": {"Query -> 200": 1},
    }
    assert drift["api_calls"] == n + 5
    _timing(drift["in_process"], plan["drift_runs"])
    _timing(drift["command_line"], plan["drift_runs"])
    assert "drift_check" in results["machine"]["section_seconds"]
