"""A stack's AWS::Chime::VoiceConnector resources, made in the emulator as CloudFormation's handler
for the type would make them, before the custom resources that name them and after them gone."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

import proxy_contract as contract
from harness.emulator import ENDPOINT_ENV_VAR, ChimeVoiceEmulator
from harness.lifecycle import (
    CLOUDFORMATION_ACCESS_KEY_ID,
    CloudFormationStack,
    LambdaRunner,
    TemplateError,
)
from harness.response_sink import ResponseSink
from tests.harness.recording import RecordingRunner

PROXY = contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE
NUMBERS = contract.PHONE_NUMBERS_RESOURCE_TYPE
TOKEN = {"Fn::GetAtt": ["ProviderHandler", "Arn"]}


@pytest.fixture(scope="module")
def emu() -> Iterator[ChimeVoiceEmulator]:
    with ChimeVoiceEmulator() as running:
        yield running


@pytest.fixture
def runner(emu: ChimeVoiceEmulator) -> Iterator[RecordingRunner]:
    emu.reset()
    yield RecordingRunner(env={ENDPOINT_ENV_VAR: emu.endpoint_url})
    assert emu.internal_errors == []


def stack_of(runner: RecordingRunner) -> CloudFormationStack:
    return CloudFormationStack(cast(LambdaRunner, runner))


def template(**connector: Any) -> dict[str, Any]:
    """A voice connector, the phone numbers on it (GetAtt) and a proxy naming it (Ref)."""
    properties = {"Name": "pbx", "RequireEncryption": True, **connector}
    return {
        "Resources": {
            "Connector": {"Type": "AWS::Chime::VoiceConnector", "Properties": properties},
            "Numbers": {
                "Type": NUMBERS,
                "Properties": {
                    "ServiceToken": TOKEN,
                    "VoiceConnectorId": {"Fn::GetAtt": ["Connector", "VoiceConnectorId"]},
                },
            },
            "Proxy": {
                "Type": PROXY,
                "Properties": {
                    "ServiceToken": TOKEN,
                    "Arn": {"Ref": "Connector"},
                    "Host": {"Fn::GetAtt": "Connector.OutboundHostName"},
                },
            },
        }
    }


def vc_calls(emu: ChimeVoiceEmulator) -> list[tuple[str, int]]:
    return [
        (call.operation, call.status) for call in emu.calls if "VoiceConnector" in call.operation
    ]


def test_the_voice_connector_is_made_first_and_its_id_and_arn_resolved(
    emu: ChimeVoiceEmulator, runner: RecordingRunner
) -> None:
    stack = stack_of(runner)
    assert stack.deploy(template(AwsRegion="us-west-2")).status == "CREATE_COMPLETE"
    made = stack.voice_connectors.made["Connector"]
    vc = made.voice_connector_id
    described = emu.voice_connector(vc)
    assert described is not None
    assert (described["Name"], described["RequireEncryption"], described["AwsRegion"]) == (
        "pbx",
        True,
        "us-west-2",
    )
    [create] = emu.calls
    assert (create.operation, create.access_key_id, create.region) == (
        "CreateVoiceConnector",
        CLOUDFORMATION_ACCESS_KEY_ID,
        "us-east-1",
    )
    # Ref is the ARN (the type's primaryIdentifier); the id is an attribute.
    assert made.physical_id == f"arn:aws:chime:us-west-2:123456789012:vc/{vc}"
    assert runner.properties("Create", "Numbers")["VoiceConnectorId"] == vc
    proxy = runner.properties("Create", "Proxy")
    assert (proxy["Arn"], proxy["Host"]) == (made.physical_id, described["OutboundHostName"])
    assert stack.waits_for == {"Numbers": {"Connector"}, "Proxy": {"Connector"}}


def test_stack_delete_removes_the_custom_resources_then_the_voice_connector(
    emu: ChimeVoiceEmulator, runner: RecordingRunner
) -> None:
    stack = stack_of(runner)
    stack.deploy(template())
    vc = stack.voice_connectors.made["Connector"].voice_connector_id
    runner.sent.clear()
    emu.reset_calls()
    assert stack.delete().status == "DELETE_COMPLETE"
    assert sorted(runner.sent) == [("Delete", "Numbers"), ("Delete", "Proxy")]
    assert vc_calls(emu) == [("DeleteVoiceConnector", 204)]
    assert (emu.voice_connector(vc), stack.voice_connectors.made) == (None, {})


def test_a_voice_connector_still_holding_numbers_fails_the_delete_and_stays(
    emu: ChimeVoiceEmulator, runner: RecordingRunner
) -> None:
    stack = stack_of(runner)
    stack.deploy(template())
    vc = stack.voice_connectors.made["Connector"].voice_connector_id
    emu.seed_phone_number(voice_connector_id=vc)  # what a Numbers Delete should have released
    operation = stack.delete()
    assert operation.status == "DELETE_FAILED"
    assert "ConflictException" in operation.errors["Connector"]
    assert emu.voice_connector(vc) is not None
    assert list(stack.voice_connectors.made) == ["Connector"]


def test_a_voice_connector_a_failed_delete_needs_is_kept(
    emu: ChimeVoiceEmulator, runner: RecordingRunner
) -> None:
    stack = stack_of(runner)
    stack.deploy(template())
    runner.failing = frozenset({"Numbers"})
    operation = stack.delete()
    assert operation.status == "DELETE_FAILED"
    assert not [call for call in emu.calls if call.operation == "DeleteVoiceConnector"]
    assert list(stack.voice_connectors.made) == ["Connector"]


def test_a_failed_custom_resource_rolls_back_the_voice_connector_too(
    emu: ChimeVoiceEmulator, runner: RecordingRunner
) -> None:
    runner.failing = frozenset({"Proxy"})
    stack = stack_of(runner)
    assert stack.deploy(template()).status == "ROLLBACK_COMPLETE"
    assert vc_calls(emu) == [("CreateVoiceConnector", 201), ("DeleteVoiceConnector", 204)]
    assert {lid for kind, lid in runner.sent if kind == "Delete"} == {"Numbers", "Proxy"}
    assert stack.voice_connectors.made == {}


def test_a_voice_connector_the_service_refuses_stops_the_stack_before_any_request(
    emu: ChimeVoiceEmulator, runner: RecordingRunner
) -> None:
    emu.faults.fail_next(3, 503, operation="CreateVoiceConnector")  # every attempt the SDK makes
    stack = stack_of(runner)
    operation = stack.deploy(template())
    assert operation.status == "ROLLBACK_COMPLETE"
    assert "ServiceUnavailableException" in operation.errors["Connector"]
    assert runner.sent == [("Template", "3")]
    emu.faults.clear()


def test_name_and_encryption_change_in_place_region_replaces(
    emu: ChimeVoiceEmulator, runner: RecordingRunner
) -> None:
    stack = stack_of(runner)
    stack.deploy(template())
    first = stack.voice_connectors.made["Connector"].voice_connector_id
    runner.sent.clear()
    assert stack.deploy(template(Name="pbx-renamed")).status == "UPDATE_COMPLETE"
    assert stack.voice_connectors.made["Connector"].voice_connector_id == first
    described = emu.voice_connector(first)
    assert described is not None
    assert described["Name"] == "pbx-renamed"
    assert not [kind for kind in runner.sent if kind[0] != "Template"]  # same id: no update sent

    emu.reset_calls()
    assert stack.deploy(template(AwsRegion="eu-west-2")).status == "UPDATE_COMPLETE"
    second = stack.voice_connectors.made["Connector"].voice_connector_id
    assert second != first
    # The dependants move to the new voice connector before the old one is deleted.
    assert runner.properties("Update", "Numbers")["VoiceConnectorId"] == second
    assert vc_calls(emu) == [("CreateVoiceConnector", 201), ("DeleteVoiceConnector", 204)]
    assert emu.voice_connector(first) is None


def test_a_failed_update_puts_the_voice_connector_back(
    emu: ChimeVoiceEmulator, runner: RecordingRunner
) -> None:
    stack = stack_of(runner)
    stack.deploy(template())
    vc = stack.voice_connectors.made["Connector"].voice_connector_id
    runner.failing = frozenset({"Proxy"})
    assert stack.deploy(template(AwsRegion="eu-west-2")).status == "UPDATE_ROLLBACK_COMPLETE"
    assert stack.voice_connectors.made["Connector"].voice_connector_id == vc
    assert [c.operation for c in emu.calls_for("DeleteVoiceConnector")] == ["DeleteVoiceConnector"]
    assert runner.properties("Update", "Numbers")["VoiceConnectorId"] == vc  # updated back

    renamed = template(Name="renamed")
    renamed["Resources"]["Proxy"]["Properties"]["Extra"] = "x"  # Proxy fails again
    assert stack.deploy(renamed).status == "UPDATE_ROLLBACK_COMPLETE"
    described = emu.voice_connector(vc)
    assert described is not None
    assert described["Name"] == "pbx"


def test_a_voice_connector_removed_from_the_template_is_deleted_after_its_dependants(
    emu: ChimeVoiceEmulator, runner: RecordingRunner
) -> None:
    stack = stack_of(runner)
    stack.deploy(template())
    vc = stack.voice_connectors.made["Connector"].voice_connector_id
    kept = {"Resources": {"Other": {"Type": PROXY, "Properties": {"ServiceToken": TOKEN}}}}
    assert stack.deploy(kept).status == "UPDATE_COMPLETE"
    assert emu.voice_connector(vc) is None
    assert stack.voice_connectors.made == {}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"VoiceConnectorId": {"Fn::GetAtt": ["Connector", "Nope"]}},
            "has no attribute Nope",
        ),
        ({"VoiceConnectorId": {"Ref": "Elsewhere"}}, "no resource 'Elsewhere'"),
    ],
)
def test_references_it_cannot_resolve_are_refused_before_anything_is_made(
    emu: ChimeVoiceEmulator, runner: RecordingRunner, change: dict[str, Any], message: str
) -> None:
    bad = template()
    bad["Resources"]["Numbers"]["Properties"].update(change)
    with pytest.raises(TemplateError, match=message):
        stack_of(runner).deploy(bad)
    assert (emu.calls, runner.sent) == ([], [])


def test_a_voice_connector_cannot_name_a_custom_resource(
    emu: ChimeVoiceEmulator, runner: RecordingRunner
) -> None:
    bad = template(Name={"Fn::GetAtt": ["Numbers", "Name"]})
    with pytest.raises(TemplateError, match=r"Connector Properties\.Name"):
        stack_of(runner).deploy(bad)
    assert emu.calls == []


def test_without_an_endpoint_a_template_with_voice_connectors_is_refused() -> None:
    runner = RecordingRunner()
    with pytest.raises(RuntimeError, match="chime_endpoint_url"):
        stack_of(runner).deploy(template())
    assert runner.sent == []


# A function that reads the voice connector it is given, through the endpoint the runner gives it.
READS_ITS_VOICE_CONNECTOR = """
    import json, ssl, urllib.request
    import boto3

    def handler(event, context):
        vc = event["ResourceProperties"]["VoiceConnectorId"]
        data = {}
        if event["RequestType"] != "Delete":
            chime = boto3.client("chime-sdk-voice")
            data["Name"] = chime.get_voice_connector(VoiceConnectorId=vc)["VoiceConnector"]["Name"]
        body = json.dumps({
            "Status": "SUCCESS", "PhysicalResourceId": "reader-" + vc, "Data": data,
            "StackId": event["StackId"], "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
        }).encode()
        put = urllib.request.Request(event["ResponseURL"], data=body, method="PUT")
        urllib.request.urlopen(put, context=ssl.create_default_context(), timeout=5)
"""


@pytest.mark.slow
def test_a_real_function_reaches_the_voice_connector_the_stack_made(
    emu: ChimeVoiceEmulator, sink: ResponseSink, tmp_path: Path
) -> None:
    emu.reset()
    asset = tmp_path / "asset"
    asset.mkdir()
    (asset / "index.py").write_text(textwrap.dedent(READS_ITS_VOICE_CONNECTOR))
    stack = CloudFormationStack(LambdaRunner(asset, endpoint_url=emu.endpoint_url, sink=sink))
    reader = {
        "Type": PROXY,
        "Properties": {
            "ServiceToken": TOKEN,
            "VoiceConnectorId": {"Fn::GetAtt": ["Connector", "VoiceConnectorId"]},
        },
    }
    connector = template()["Resources"]["Connector"]
    operation = stack.deploy({"Resources": {"Connector": connector, "Reader": reader}})
    assert operation.status == "CREATE_COMPLETE", operation.invocations[0].logs
    vc = stack.voice_connectors.made["Connector"].voice_connector_id
    assert stack.resources["Reader"].data == {"Name": "pbx"}
    assert stack.resources["Reader"].physical_id == f"reader-{vc}"
    assert [c.operation for c in emu.calls] == ["CreateVoiceConnector", "GetVoiceConnector"]
    assert emu.calls[1].access_key_id != CLOUDFORMATION_ACCESS_KEY_ID  # the function's own call
    assert stack.delete().status == "DELETE_COMPLETE"
    assert emu.voice_connector(vc) is None


def test_a_voice_connectors_region_may_be_a_parameter(
    emu: ChimeVoiceEmulator, runner: RecordingRunner
) -> None:
    region = {"ConnectorRegion": {"Type": "String", "Default": "us-east-1"}}
    parameterized = {"Parameters": region, **template(AwsRegion={"Ref": "ConnectorRegion"})}
    stack = CloudFormationStack(
        cast(LambdaRunner, runner), parameters={"ConnectorRegion": "ca-central-1"}
    )
    assert stack.deploy(parameterized).status == "CREATE_COMPLETE"
    vc = stack.voice_connectors.made["Connector"].voice_connector_id
    described = emu.voice_connector(vc)
    assert described is not None
    assert described["AwsRegion"] == "ca-central-1"
