"""The demo app: context parsing, the CDK CLI synth, determinism, and one-line context errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import app as demo_app
from harness.synth import Assembly, run_synth, synth
from tests.helpers import HANDLER_MODULES

VC = "abcdefghij0123456789k"


def entry(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": "Line",
        "voiceConnectorId": VC,
        "proxySessionId": "s-1",
        "capabilities": ["Voice"],
    }
    item.update(overrides)
    return {key: value for key, value in item.items() if value is not None}


def test_parse_sessions_reads_a_list_or_its_json() -> None:
    parsed = demo_app.parse_sessions([entry(expiryMinutes=30, removalPolicy="destroy")])
    assert parsed[0].expiry_minutes == 30
    assert parsed[0].removal_policy == cdk.RemovalPolicy.DESTROY
    assert demo_app.parse_sessions(json.dumps([entry()]))[0].name == "Line"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "context 'proxySessions' is missing"),
        ("[not json", "is not valid JSON"),
        ([], "must be a non-empty list"),
        (["x"], "proxySessions[0] must be an object"),
        ([entry(name=None)], "proxySessions[0].name is required"),
        ([entry(capabilities=["Fax"])], "proxySessions[0].capabilities has 'Fax'"),
        ([entry(expiryMinutes="60")], "proxySessions[0].expiryMinutes must be a whole number"),
        ([entry(removalPolicy="keep")], "removalPolicy must be retain or destroy"),
        ([entry(), entry()], "is used twice"),
        ([entry(colour="blue")], "unknown key(s) colour"),
    ],
)
def test_bad_context_is_one_clear_message(raw: Any, message: str) -> None:
    with pytest.raises(demo_app.ContextError) as caught:
        demo_app.parse_sessions(raw)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_construct_errors_become_context_errors() -> None:
    app = cdk.App(context={"proxySessions": [entry(voiceConnectorId="NOPE")]})
    with pytest.raises(demo_app.ContextError, match="voice_connector_id 'NOPE'"):
        demo_app.build_app(app)


def test_build_app_from_cdk_json_context() -> None:
    context = json.loads((Path(demo_app.__file__).parent / "cdk.json").read_text())["context"]
    app = cdk.App(context=context)
    stack = demo_app.build_app(app)
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::ChimeProxySessionSettings", len(context["proxySessions"]))
    template.resource_count_is("AWS::Lambda::Function", 1)


@pytest.fixture(scope="module")
def two_synths(tmp_path_factory: pytest.TempPathFactory) -> tuple[Assembly, Assembly]:
    first = synth(tmp_path_factory.mktemp("synth-a"))
    second = synth(tmp_path_factory.mktemp("synth-b"))
    return first, second


@pytest.mark.slow
def test_cli_synth_is_deterministic(two_synths: tuple[Assembly, Assembly]) -> None:
    first, second = two_synths
    assert first.asset_hash == second.asset_hash
    assert first.template_path.read_bytes() == second.template_path.read_bytes()


@pytest.mark.slow
def test_asset_holds_exactly_the_handler_and_crhelper(
    two_synths: tuple[Assembly, Assembly],
) -> None:
    asset = two_synths[0].asset_dir
    top = sorted(path.name for path in asset.iterdir())
    assert top == sorted(["crhelper", *HANDLER_MODULES])
    assert (asset / "crhelper" / "__init__.py").is_file()
    assert (asset / "crhelper" / "LICENSE").is_file()
    assert not list(asset.rglob("__pycache__"))
    assert not list(asset.rglob("test*"))


@pytest.mark.slow
def test_cli_synth_with_bad_context_prints_one_line(tmp_path: Path) -> None:
    bad = json.dumps([entry(capabilities=["Fax"])])
    finished = run_synth(tmp_path / "out", {"proxySessions": bad})
    assert finished.returncode != 0
    assert "Traceback" not in finished.stderr
    ours = [line for line in finished.stderr.splitlines() if line.startswith("error: ")]
    assert ours == ["error: proxySessions[0].capabilities has 'Fax'; use Voice, SMS"]


@pytest.mark.slow
def test_cli_synth_prints_no_node_banner(two_synths: tuple[Assembly, Assembly]) -> None:
    for assembly in two_synths:
        assert "end-of-life" not in assembly.stderr
        assert "!!!!" not in assembly.stderr
