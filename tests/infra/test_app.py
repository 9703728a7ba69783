"""The demo app: sessions declared in Python, `python app.py`, the CDK CLI synth, determinism."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import app as demo_app
import demo_stack
import proxy_contract as contract
from harness.synth import REPO, Assembly, cli_env, read_assembly, synth
from tests.helpers import HANDLER_MODULES


@pytest.fixture(scope="module")
def demo_templates() -> dict[str, Template]:
    """The demo stack and its update variant, built in this process."""
    base = demo_app.build_app(cdk.App())
    updated = demo_app.build_app(cdk.App(context={demo_app.UPDATED_CONTEXT_KEY: "true"}))
    return {"base": Template.from_stack(base), "updated": Template.from_stack(updated)}


def sessions(template: Template) -> dict[str, dict[str, Any]]:
    """The settings resources' properties, by logical id."""
    found = template.find_resources(contract.SETTINGS_RESOURCE_TYPE)
    return {logical_id: resource["Properties"] for logical_id, resource in found.items()}


def test_the_demo_declares_its_sessions_in_python(demo_templates: dict[str, Template]) -> None:
    base = sessions(demo_templates["base"])
    assert set(base) == {"SupportLineB0BEB757", "SalesLineDDC1CA57"}
    support, sales = base["SupportLineB0BEB757"], base["SalesLineDDC1CA57"]
    assert support["ProxySessionId"] == demo_stack.SUPPORT_LINE_SESSION_ID
    assert (support["Capabilities"], support["ExpiryMinutes"]) == (["Voice", "SMS"], 120)
    assert support["RemovalPolicy"] == "Retain"
    assert sales["ProxySessionId"] == demo_stack.SALES_LINE_SESSION_ID
    assert (sales["Capabilities"], sales["RemovalPolicy"]) == (["Voice"], "Destroy")
    assert "ExpiryMinutes" not in sales
    demo_templates["base"].resource_count_is("AWS::Lambda::Function", 1)


def test_the_demo_puts_a_proxy_configuration_only_where_there_was_none(
    demo_templates: dict[str, Template],
) -> None:
    """The sessions of the existing voice connector were created under a configuration made
    elsewhere: the demo configures the new voice connector, creates its sessions there, and
    adopts nothing."""
    for template in demo_templates.values():
        (proxy,) = template.find_resources(contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE).values()
        assert proxy["Properties"]["VoiceConnectorId"] == demo_stack.DEMO_NEW_VOICE_CONNECTOR_ID
        assert contract.ADOPT_EXISTING not in proxy["Properties"]
        created = template.find_resources(contract.PROXY_SESSION_RESOURCE_TYPE).values()
        assert {resource["Properties"]["VoiceConnectorId"] for resource in created} == {
            demo_stack.DEMO_NEW_VOICE_CONNECTOR_ID
        }
        assert {properties["VoiceConnectorId"] for properties in sessions(template).values()} == {
            demo_stack.DEMO_VOICE_CONNECTOR_ID
        }


def test_the_update_variant_changes_only_capabilities_and_expiry(
    demo_templates: dict[str, Template],
) -> None:
    base, updated = sessions(demo_templates["base"]), sessions(demo_templates["updated"])
    assert set(updated) == set(base)
    for logical_id, properties in updated.items():
        assert properties["Capabilities"] == ["Voice", "SMS"]
        unchanged = {"VoiceConnectorId", "ProxySessionId", "RemovalPolicy"}
        assert {key: properties[key] for key in unchanged} == {
            key: base[logical_id][key] for key in unchanged
        }
    assert updated["SupportLineB0BEB757"]["ExpiryMinutes"] == 150
    assert updated["SalesLineDDC1CA57"]["ExpiryMinutes"] == 90


@pytest.mark.slow
def test_python_app_py_synthesizes_the_cli_template(
    tmp_path: Path, two_synths: tuple[Assembly, Assembly]
) -> None:
    """`python app.py` from the venv works without the CDK CLI and builds the same template."""
    outdir = tmp_path / "cdk.out"
    env = {**cli_env(), "CDK_OUTDIR": str(outdir)}
    finished = subprocess.run(
        [sys.executable, "app.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert "end-of-life" not in finished.stderr
    direct = read_assembly(outdir)
    resources = dict(direct.template["Resources"])
    cli_resources = dict(two_synths[0].template["Resources"])
    cli_resources.pop("CDKMetadata", None)  # the CLI's version reporting, not the app's
    assert resources.keys() == cli_resources.keys()
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::Function":  # its Code names the asset's bucket key
            assert resource["Properties"] == cli_resources[logical_id]["Properties"]


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
def test_cli_synth_prints_no_node_banner(two_synths: tuple[Assembly, Assembly]) -> None:
    for assembly in two_synths:
        assert "end-of-life" not in assembly.stderr
        assert "!!!!" not in assembly.stderr
