"""The demo app: the chain from a voice connector to sessions declared in Python, `python app.py`,
the CDK CLI synth, determinism."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template

import app as demo_app
import demo_stack
import proxy_contract as contract
from harness.cfn_template import (
    VOICE_CONNECTOR_TYPE,
    dependencies,
    resource_types,
    voice_connectors,
    waves,
)
from harness.synth import REPO, Assembly, cli_env, read_assembly, synth
from tests.helpers import HANDLER_MODULES


@pytest.fixture(scope="module")
def demo_templates() -> dict[str, Template]:
    """The demo stack and its update variant, built in this process."""
    base = demo_app.build_app(cdk.App())
    updated = demo_app.build_app(cdk.App(context={demo_app.UPDATED_CONTEXT_KEY: "true"}))
    return {"base": Template.from_stack(base), "updated": Template.from_stack(updated)}


# The PhoneNumbers properties the demo sets (besides the ServiceToken, ServiceTimeout and the
# defaults the construct writes).
ORDERED = {"Count", "Country", "AreaCode", "VoiceConnectorId", "RemovalPolicy", "Region"}


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


def the_one(template: Template, resource_type: str) -> tuple[str, Mapping[str, Any]]:
    """The template's one resource of ``resource_type``: its logical id and its properties."""
    ((logical_id, resource),) = template.find_resources(resource_type).items()
    return logical_id, resource


def test_the_demo_is_the_whole_chain_from_a_voice_connector(
    demo_templates: dict[str, Template],
) -> None:
    """A CfnVoiceConnector in the stack's region; its id (Fn::GetAtt) in the PhoneNumbers, the
    proxy configuration and the created sessions; the settings on the existing voice connector."""
    for name, template in demo_templates.items():
        connector_id, connector = the_one(template, VOICE_CONNECTOR_TYPE)
        assert connector["Properties"] == {
            "Name": "proxy-demo",
            "RequireEncryption": True,
            "AwsRegion": {"Ref": "AWS::Region"},
        }
        its_id = {"Fn::GetAtt": [connector_id, "VoiceConnectorId"]}
        _, numbers = the_one(template, contract.PHONE_NUMBERS_RESOURCE_TYPE)
        count = (
            demo_stack.DEMO_PHONE_NUMBER_COUNT_UPDATED
            if name == "updated"
            else demo_stack.DEMO_PHONE_NUMBER_COUNT
        )
        assert {key: value for key, value in numbers["Properties"].items() if key in ORDERED} == {
            "Count": count,
            "Country": "US",
            "AreaCode": demo_stack.DEMO_AREA_CODE,
            "VoiceConnectorId": its_id,
            # Released when the stack is deleted: RETAIN would keep them on the voice connector,
            # whose delete the service then refuses.
            "RemovalPolicy": "Destroy",
            "Region": {"Ref": "AWS::Region"},
        }
        _, proxy = the_one(template, contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE)
        assert proxy["Properties"]["VoiceConnectorId"] == its_id
        assert proxy["Properties"]["PhoneNumberPoolCountries"] == ["US"]
        assert proxy["Properties"]["Region"] == {"Ref": "AWS::Region"}
        # The sessions on the existing voice connector were created under a configuration made
        # elsewhere: nothing is adopted.
        assert contract.ADOPT_EXISTING not in proxy["Properties"]
        created = template.find_resources(contract.PROXY_SESSION_RESOURCE_TYPE).values()
        assert len(created) == 2
        for session in created:
            assert session["Properties"]["VoiceConnectorId"] == its_id
        assert {properties["VoiceConnectorId"] for properties in sessions(template).values()} == {
            demo_stack.DEMO_VOICE_CONNECTOR_ID
        }
        for properties in sessions(template).values():
            assert contract.REGION not in properties


def test_the_chain_is_made_in_order(demo_templates: dict[str, Template]) -> None:
    """The voice connector first, then its numbers, then the proxy configuration that waits for
    them, then the sessions created under it; the settings need none of it."""
    for template in demo_templates.values():
        whole = template.to_json()
        resources = whole["Resources"]
        logical_ids = voice_connectors(whole) + list(resource_types(whole))
        by_type = {resources[lid]["Type"]: lid for lid in logical_ids}
        order = waves(logical_ids, dependencies(whole))
        assert [sorted(resources[lid]["Type"] for lid in wave) for wave in order] == [
            sorted([VOICE_CONNECTOR_TYPE, *[contract.SETTINGS_RESOURCE_TYPE] * 2]),
            [contract.PHONE_NUMBERS_RESOURCE_TYPE],
            [contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE],
            [contract.PROXY_SESSION_RESOURCE_TYPE] * 2,
        ]
        # The proxy waits for its numbers by DependsOn (no attribute of theirs is read), and for
        # the voice connector by its GetAtt alone (a DependsOn would be redundant: W3005).
        proxy = resources[by_type[contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE]]
        assert proxy["DependsOn"] == [by_type[contract.PHONE_NUMBERS_RESOURCE_TYPE]]
        numbers = resources[by_type[contract.PHONE_NUMBERS_RESOURCE_TYPE]]
        assert "DependsOn" not in numbers


def test_the_demo_synthesizes_without_warnings() -> None:
    """Every pool country has its PhoneNumbers on the proxy's voice connector, so the
    pool-country warning (like any other) stays silent."""
    for context in ({}, {demo_app.UPDATED_CONTEXT_KEY: "true"}):
        stack = demo_app.build_app(cdk.App(context=context))
        assert Annotations.from_stack(stack).find_warning("*", Match.any_value()) == []
        assert Annotations.from_stack(stack).find_error("*", Match.any_value()) == []


def test_the_update_variant_changes_only_capabilities_and_expiry(
    demo_templates: dict[str, Template],
) -> None:
    """The settings' update; the numbers' is two more numbers and nothing else."""
    _, before = the_one(demo_templates["base"], contract.PHONE_NUMBERS_RESOURCE_TYPE)
    _, after = the_one(demo_templates["updated"], contract.PHONE_NUMBERS_RESOURCE_TYPE)
    assert after["Properties"] == {
        **before["Properties"],
        "Count": before["Properties"]["Count"] + 2,
    }
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
