"""The CloudFormation stand-in: four read operations as boto3 calls them, for a stack the lifecycle
driver deployed (voice connector made in the emulator) or one built by hand, and its errors."""

from __future__ import annotations

import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, cast
from urllib.error import HTTPError

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.model import ListShape, Shape, StructureShape

import proxy_contract as contract
from harness.cfn_stack_view import LIST_PAGE_SIZE
from harness.cloudformation import (
    CALLER_ARN,
    CLOUDFORMATION_ENDPOINT_ENV_VAR,
    CloudFormationServer,
    ResourceView,
    StackView,
    stack_id_for,
)
from harness.emulator import ENDPOINT_ENV_VAR, ChimeVoiceEmulator
from harness.lambda_runner import FUNCTION_NAME
from harness.lifecycle import STACK_ID, STACK_NAME, CloudFormationStack, LambdaRunner
from tests.harness.recording import RecordingRunner

PROXY = contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CLAIMS_TABLE = "ChimeProxySessionDemo-Claims-1A2B3C4D5E6F"


class Clock:
    """A minute later at every reading."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def template(expiry: str = "60") -> dict[str, Any]:
    """A function, its role, policy, log group and table, a voice connector and a proxy on it
    that reads three parameters (one given, one by Default, one NoEcho), and two outputs."""
    return {
        "Description": "A drift check's stack",
        "Parameters": {
            "Expiry": {"Type": "Number", "Default": expiry},
            "Country": {"Type": "String"},
            "Secret": {"Type": "String", "NoEcho": True, "Default": "hunter2"},
        },
        "Resources": {
            "ProviderRole": {"Type": "AWS::IAM::Role", "Properties": {}},
            "ProviderPolicy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {}},
            "ProviderLogs": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"LogGroupName": "/aws/lambda/provider"},
            },
            "Claims": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
            "ProviderHandler": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Handler": "index.handler",
                    "Role": {"Fn::GetAtt": ["ProviderRole", "Arn"]},
                },
            },
            "Connector": {
                "Type": "AWS::Chime::VoiceConnector",
                "Properties": {"Name": "pbx", "RequireEncryption": True},
            },
            "Proxy": {
                "Type": PROXY,
                "Properties": {
                    "ServiceToken": {"Fn::GetAtt": ["ProviderHandler", "Arn"]},
                    "VoiceConnectorId": {"Fn::GetAtt": ["Connector", "VoiceConnectorId"]},
                    "DefaultSessionExpiryMinutes": {"Ref": "Expiry"},
                    "PhoneNumberCountries": [{"Ref": "Country"}],
                    "Secret": {"Ref": "Secret"},
                },
            },
        },
        "Outputs": {
            "ProxyConnector": {"Value": {"Fn::GetAtt": ["Proxy", "VoiceConnectorId"]}},
            "ConnectorArn": {"Value": {"Ref": "Connector"}},
        },
    }


@pytest.fixture(scope="module")
def emu() -> Iterator[ChimeVoiceEmulator]:
    with ChimeVoiceEmulator() as running:
        yield running


@pytest.fixture(scope="module")
def running() -> Iterator[CloudFormationServer]:
    with CloudFormationServer(clock=Clock()) as server:
        yield server


@pytest.fixture
def server(running: CloudFormationServer) -> Iterator[CloudFormationServer]:
    running.reset()
    yield running
    assert running.internal_errors == []


@pytest.fixture
def runner(emu: ChimeVoiceEmulator) -> RecordingRunner:
    emu.reset()
    made = RecordingRunner(env={ENDPOINT_ENV_VAR: emu.endpoint_url})
    made.tables = {"Claims": CLAIMS_TABLE}  # as for_assembly names the tables it made
    return made


@pytest.fixture
def stack(runner: RecordingRunner) -> CloudFormationStack:
    return CloudFormationStack(cast(LambdaRunner, runner), parameters={"Country": "US"})


@pytest.fixture
def deployed(server: CloudFormationServer, stack: CloudFormationStack) -> CloudFormationStack:
    assert stack.deploy(template()).status == "CREATE_COMPLETE"
    server.publish(stack, template=template())
    return stack


@pytest.fixture
def cfn(server: CloudFormationServer) -> Any:
    return server.client()


def error_of(call: Callable[[], object]) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    response = cast(dict[str, Any], raised.value.response)
    error = response["Error"]
    return response["ResponseMetadata"]["HTTPStatusCode"], error["Code"], error["Message"]


# What boto3 parses: every element the stand-in writes is a member of botocore's output shape.


def unmodelled(element: ET.Element, shape: Shape, path: str) -> list[str]:
    """The elements under ``element`` that ``shape`` has no member for (boto3 drops them)."""
    found: list[str] = []
    for item in element:
        tag = item.tag.rpartition("}")[2]
        if isinstance(shape, ListShape):
            member: Shape | None = shape.member if tag == "member" else None
        else:
            members = cast(StructureShape, shape).members
            member = next(
                (m for n, m in members.items() if m.serialization.get("name", n) == tag), None
            )
        if member is None:
            found.append(f"{path}/{tag}")
        else:
            found.extend(unmodelled(item, member, f"{path}/{tag}"))
    return found


def test_every_field_written_is_one_botocore_parses(
    deployed: CloudFormationStack, cfn: Any
) -> None:
    bodies: dict[str, bytes] = {}

    def keep(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        bodies[operation_model.name] = response_dict["body"]

    cfn.meta.events.register("before-parse.cloudformation.*", keep)
    cfn.describe_stacks(StackName=STACK_NAME)
    cfn.describe_stack_resources(StackName=STACK_NAME)
    cfn.list_stack_resources(StackName=STACK_NAME)
    cfn.get_template(StackName=STACK_NAME)
    model = botocore.session.get_session().get_service_model("cloudformation")
    namespace = "{http://cloudformation.amazonaws.com/doc/2010-05-15/}"
    for operation, body in bodies.items():
        root = ET.fromstring(body)  # noqa: S314 - the stand-in's own answer
        assert root.tag == f"{namespace}{operation}Response"
        result = root.find(f"{namespace}{operation}Result")
        assert result is not None, operation
        assert len(result) > 0, operation
        output = model.operation_model(operation).output_shape
        assert output is not None
        assert unmodelled(result, output, operation) == []
    assert sorted(bodies) == [
        "DescribeStackResources",
        "DescribeStacks",
        "GetTemplate",
        "ListStackResources",
    ]


# A stack the lifecycle driver deployed. ------------------------------------------------------


def test_describe_stacks_shows_status_parameters_and_resolved_outputs(
    deployed: CloudFormationStack, cfn: Any
) -> None:
    [by_name] = cfn.describe_stacks(StackName=STACK_NAME)["Stacks"]
    [by_id] = cfn.describe_stacks(StackName=STACK_ID)["Stacks"]
    assert by_name == by_id
    connector = deployed.voice_connectors.made["Connector"]
    assert by_name["StackId"] == STACK_ID
    assert by_name["StackName"] == STACK_NAME
    assert by_name["StackStatus"] == "CREATE_COMPLETE"
    assert by_name["Description"] == "A drift check's stack"
    assert isinstance(by_name["CreationTime"], datetime)
    assert "LastUpdatedTime" not in by_name
    assert by_name["Parameters"] == [
        {"ParameterKey": "Expiry", "ParameterValue": "60"},
        {"ParameterKey": "Country", "ParameterValue": "US"},
        {"ParameterKey": "Secret", "ParameterValue": "****"},
    ]
    assert {o["OutputKey"]: o["OutputValue"] for o in by_name["Outputs"]} == {
        "ProxyConnector": connector.voice_connector_id,
        "ConnectorArn": connector.physical_id,
    }
    assert by_name["DriftInformation"] == {"StackDriftStatus": "NOT_CHECKED"}
    assert [s["StackName"] for s in cfn.describe_stacks()["Stacks"]] == [STACK_NAME]


def test_describe_stack_resources_gives_each_physical_id_as_the_driver_holds_it(
    deployed: CloudFormationStack, cfn: Any
) -> None:
    resources = cfn.describe_stack_resources(StackName=STACK_NAME)["StackResources"]
    shown = {
        r["LogicalResourceId"]: (r["ResourceType"], r["PhysicalResourceId"]) for r in resources
    }
    policy = shown.pop("ProviderPolicy")
    assert shown == {
        "ProviderRole": ("AWS::IAM::Role", f"{STACK_NAME}-ProviderRole"),
        "ProviderLogs": ("AWS::Logs::LogGroup", "/aws/lambda/provider"),
        "Claims": ("AWS::DynamoDB::Table", CLAIMS_TABLE),
        "ProviderHandler": ("AWS::Lambda::Function", FUNCTION_NAME),
        "Connector": (
            "AWS::Chime::VoiceConnector",
            deployed.voice_connectors.made["Connector"].physical_id,
        ),
        "Proxy": (PROXY, "pid-Proxy"),
    }
    assert policy[0] == "AWS::IAM::ManagedPolicy"
    assert policy[1].startswith(f"arn:aws:iam::123456789012:policy/{STACK_NAME}-ProviderPolicy-")
    for resource in resources:
        assert (resource["StackName"], resource["StackId"]) == (STACK_NAME, STACK_ID)
        assert resource["ResourceStatus"] == "CREATE_COMPLETE"
        assert isinstance(resource["Timestamp"], datetime)
    [proxy] = cfn.describe_stack_resources(StackName=STACK_ID, LogicalResourceId="Proxy")[
        "StackResources"
    ]
    assert proxy["PhysicalResourceId"] == "pid-Proxy"
    by_physical = cfn.describe_stack_resources(PhysicalResourceId="pid-Proxy")
    assert len(by_physical["StackResources"]) == len(resources)


def test_list_stack_resources_summarizes_what_describe_stack_resources_shows(
    deployed: CloudFormationStack, cfn: Any
) -> None:
    described = cfn.describe_stack_resources(StackName=STACK_NAME)["StackResources"]
    listed = cfn.list_stack_resources(StackName=STACK_ID)
    assert "NextToken" not in listed
    fields = ("LogicalResourceId", "PhysicalResourceId", "ResourceType", "ResourceStatus")
    summaries = listed["StackResourceSummaries"]
    assert [[s[f] for f in fields] for s in summaries] == [
        [d[f] for f in fields] for d in described
    ]
    assert all(isinstance(s["LastUpdatedTimestamp"], datetime) for s in summaries)
    assert {s["DriftInformation"]["StackResourceDriftStatus"] for s in summaries} == {"NOT_CHECKED"}


def test_list_stack_resources_pages_a_large_stack_by_next_token(
    server: CloudFormationServer, cfn: Any
) -> None:
    count = 2 * LIST_PAGE_SIZE + 7
    resources = tuple(ResourceView(f"Line{i:03d}", PROXY, f"vc-1/s-{i}") for i in range(count))
    server.put(
        StackView(
            name="Large",
            stack_id=stack_id_for("Large"),
            status="CREATE_COMPLETE",
            template={"Resources": {r.logical_id: {"Type": PROXY} for r in resources}},
            created=START,
            resources=resources,
        )
    )
    first = cfn.list_stack_resources(StackName="Large")
    assert len(first["StackResourceSummaries"]) == LIST_PAGE_SIZE
    pages = cfn.get_paginator("list_stack_resources").paginate(StackName="Large")
    sizes = [len(page["StackResourceSummaries"]) for page in pages]
    assert sizes == [LIST_PAGE_SIZE, LIST_PAGE_SIZE, 7]
    listed = [
        summary["LogicalResourceId"]
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName="Large")
        for summary in page["StackResourceSummaries"]
    ]
    assert listed == [resource.logical_id for resource in resources]
    assert error_of(
        lambda: cfn.list_stack_resources(StackName="Large", NextToken="not-a-token")
    ) == (
        400,
        "ValidationError",
        "Invalid NextToken: pass the NextToken of an earlier ListStackResources answer",
    )
    assert error_of(lambda: cfn.list_stack_resources(StackName="NoSuchStack")) == (
        400,
        "ValidationError",
        "Stack with id NoSuchStack does not exist",
    )


def test_get_template_gives_the_deployed_template_at_either_stage(
    deployed: CloudFormationStack, cfn: Any
) -> None:
    original = cfn.get_template(StackName=STACK_NAME)
    assert original["TemplateBody"] == template()  # boto3 decodes a JSON body
    assert original["StagesAvailable"] == ["Original", "Processed"]
    processed = cfn.get_template(StackName=STACK_ID, TemplateStage="Processed")
    assert processed["TemplateBody"] == template()
    status, code, message = error_of(
        lambda: cfn.get_template(StackName=STACK_NAME, TemplateStage="Final")
    )
    assert (status, code) == (400, "ValidationError")
    assert "'templateStage'" in message
    assert "[Original, Processed]" in message


def test_an_update_shows_the_new_status_template_and_updated_resource(
    server: CloudFormationServer, deployed: CloudFormationStack, cfn: Any
) -> None:
    [before] = cfn.describe_stacks(StackName=STACK_NAME)["Stacks"]
    assert deployed.deploy(template(expiry="90")).status == "UPDATE_COMPLETE"
    server.publish(deployed, template=template(expiry="90"))
    [after] = cfn.describe_stacks(StackName=STACK_NAME)["Stacks"]
    assert after["StackStatus"] == "UPDATE_COMPLETE"
    assert after["CreationTime"] == before["CreationTime"]
    assert after["LastUpdatedTime"] >= before["CreationTime"]
    assert {"ParameterKey": "Expiry", "ParameterValue": "90"} in after["Parameters"]
    statuses = {
        r["LogicalResourceId"]: r["ResourceStatus"]
        for r in cfn.describe_stack_resources(StackName=STACK_NAME)["StackResources"]
    }
    assert statuses.pop("Proxy") == "UPDATE_COMPLETE"
    assert set(statuses.values()) == {"CREATE_COMPLETE"}
    assert cfn.get_template(StackName=STACK_NAME)["TemplateBody"] == template(expiry="90")


def test_a_stack_the_driver_deleted_is_gone_by_name_and_deleted_by_id(
    deployed: CloudFormationStack, cfn: Any
) -> None:
    assert deployed.delete().status == "DELETE_COMPLETE"
    assert error_of(lambda: cfn.describe_stacks(StackName=STACK_NAME)) == (
        400,
        "ValidationError",
        f"Stack with id {STACK_NAME} does not exist",
    )
    [gone] = cfn.describe_stacks(StackName=STACK_ID)["Stacks"]
    assert gone["StackStatus"] == "DELETE_COMPLETE"
    assert isinstance(gone["DeletionTime"], datetime)
    assert cfn.describe_stack_resources(StackName=STACK_ID)["StackResources"] == []
    assert cfn.describe_stacks()["Stacks"] == []


def test_a_stack_rolled_back_on_create_shows_no_resources(
    server: CloudFormationServer, runner: RecordingRunner, stack: CloudFormationStack, cfn: Any
) -> None:
    runner.failing = frozenset({"Proxy"})
    assert stack.deploy(template()).status == "ROLLBACK_COMPLETE"
    server.publish(stack, template=template())
    [shown] = cfn.describe_stacks(StackName=STACK_NAME)["Stacks"]
    assert shown["StackStatus"] == "ROLLBACK_COMPLETE"
    assert cfn.describe_stack_resources(StackName=STACK_NAME)["StackResources"] == []


def test_a_stack_published_before_any_deploy_does_not_exist(
    server: CloudFormationServer, stack: CloudFormationStack, cfn: Any
) -> None:
    server.publish(stack, template=template())
    assert error_of(lambda: cfn.describe_stacks(StackName=STACK_NAME))[1] == "ValidationError"
    stack.deploy(template())
    assert cfn.describe_stacks(StackName=STACK_NAME)["Stacks"][0]["StackStatus"] == (
        "CREATE_COMPLETE"
    )


def test_a_driver_stack_is_published_under_its_own_name_only(
    server: CloudFormationServer, stack: CloudFormationStack
) -> None:
    with pytest.raises(ValueError, match="put\\(\\) a StackView"):
        server.publish(stack, template=template(), name="Other")


# A stack built by hand; errors; records. -----------------------------------------------------


def test_a_hand_built_stack_is_served_as_given(server: CloudFormationServer, cfn: Any) -> None:
    view = StackView(
        name="Other",
        stack_id=stack_id_for("Other"),
        status="UPDATE_ROLLBACK_COMPLETE",
        template={"Resources": {"Line": {"Type": PROXY}}},
        created=START,
        parameters={"Expiry": "5"},
        resources=(ResourceView("Line", PROXY, "vc-1/session-1", "UPDATE_COMPLETE"),),
    )
    server.put(view)
    [shown] = cfn.describe_stacks(StackName="Other")["Stacks"]
    assert shown["StackId"].startswith("arn:aws:cloudformation:us-east-1:123456789012:stack/Other/")
    assert (shown["StackStatus"], shown["CreationTime"]) == ("UPDATE_ROLLBACK_COMPLETE", START)
    assert shown["Parameters"] == [{"ParameterKey": "Expiry", "ParameterValue": "5"}]
    assert "Outputs" not in shown
    [line] = cfn.describe_stack_resources(PhysicalResourceId="vc-1/session-1")["StackResources"]
    assert (line["StackName"], line["ResourceStatus"]) == ("Other", "UPDATE_COMPLETE")
    assert cfn.get_template(StackName="Other")["TemplateBody"] == view.template


def test_a_stack_that_does_not_exist_is_a_validation_error_for_each_operation(
    deployed: CloudFormationStack, cfn: Any
) -> None:
    missing = (400, "ValidationError", "Stack with id NoSuchStack does not exist")
    assert error_of(lambda: cfn.describe_stacks(StackName="NoSuchStack")) == missing
    assert error_of(lambda: cfn.describe_stack_resources(StackName="NoSuchStack")) == missing
    assert error_of(lambda: cfn.get_template(StackName="NoSuchStack")) == missing
    assert error_of(lambda: cfn.describe_stack_resources(PhysicalResourceId="nope"))[:2] == (
        400,
        "ValidationError",
    )


def test_a_denied_operation_is_access_denied_naming_action_and_stack(
    server: CloudFormationServer, deployed: CloudFormationStack, cfn: Any
) -> None:
    server.deny("DescribeStackResources")
    for stack in (STACK_NAME, "NoSuchStack"):  # IAM decides before the stack is looked up
        assert error_of(partial(cfn.describe_stack_resources, StackName=stack)) == (
            403,
            "AccessDenied",
            f"User: {CALLER_ARN} is not authorized to perform: "
            "cloudformation:DescribeStackResources on resource: "
            f"arn:aws:cloudformation:us-east-1:123456789012:stack/{stack}/* because no "
            "identity-based policy allows the cloudformation:DescribeStackResources action",
        )
    assert cfn.describe_stacks(StackName=STACK_NAME)["Stacks"]
    assert cfn.get_template(StackName=STACK_NAME)["TemplateBody"]
    server.allow()
    assert cfn.describe_stack_resources(StackName=STACK_NAME)["StackResources"]
    with pytest.raises(ValueError, match="DescribeStackEvents"):
        server.deny("DescribeStackEvents")


def test_throttling_answers_the_next_requests_then_serves(
    server: CloudFormationServer, deployed: CloudFormationStack, cfn: Any
) -> None:
    server.throttle_next(1)
    assert error_of(lambda: cfn.describe_stacks(StackName=STACK_NAME)) == (
        400,
        "Throttling",
        "Rate exceeded",
    )
    assert cfn.describe_stacks(StackName=STACK_NAME)["Stacks"]


def post(server: CloudFormationServer, form: str, *, signed: bool = True) -> tuple[int, str]:
    """A raw query-protocol request; the status and the error code answered."""
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    if signed:
        headers["Authorization"] = (
            "AWS4-HMAC-SHA256 Credential=AKIDRAW/20260301/us-east-1/cloudformation/aws4_request, "
            "SignedHeaders=host, Signature=00"
        )
    request = urllib.request.Request(  # noqa: S310 - the loopback stand-in
        f"{server.endpoint_url}/", data=form.encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback
            return answer.status, ""
    except HTTPError as error:
        code = ET.fromstring(error.read()).find(".//{*}Code")  # noqa: S314 - the stand-in's
        return error.code, "" if code is None else str(code.text)


def test_an_unknown_action_or_an_unsigned_request_is_refused(
    server: CloudFormationServer, deployed: CloudFormationStack
) -> None:
    stack = f"StackName={STACK_NAME}"
    assert post(server, f"Action=DescribeStacks&Version=2010-05-15&{stack}") == (200, "")
    assert post(server, f"Action=DeleteStack&Version=2010-05-15&{stack}") == (400, "InvalidAction")
    assert post(server, f"Action=DescribeStacks&Version=2011-01-01&{stack}") == (
        400,
        "InvalidAction",
    )
    assert post(server, f"Action=DescribeStacks&Version=2010-05-15&{stack}", signed=False) == (
        403,
        "MissingAuthenticationToken",
    )


def test_every_call_is_recorded_with_its_operation_stack_and_answer(
    server: CloudFormationServer, deployed: CloudFormationStack, cfn: Any
) -> None:
    server.deny("GetTemplate")
    cfn.describe_stacks(StackName=STACK_NAME)
    cfn.describe_stack_resources(StackName=STACK_ID)
    error_of(lambda: cfn.get_template(StackName=STACK_NAME))
    error_of(lambda: cfn.describe_stacks(StackName="NoSuchStack"))
    assert [(c.operation, c.stack, c.status, c.error_code) for c in server.calls] == [
        ("DescribeStacks", STACK_NAME, 200, None),
        ("DescribeStackResources", STACK_ID, 200, None),
        ("GetTemplate", STACK_NAME, 403, "AccessDenied"),
        ("DescribeStacks", "NoSuchStack", 400, "ValidationError"),
    ]
    assert {c.access_key_id for c in server.calls} == {"AKIAIOSFODNN7EXAMPLE"}
    assert len(server.calls_for("DescribeStacks")) == 2
    server.reset_calls()
    assert server.calls == []


def test_boto3_reaches_it_through_the_endpoint_environment_variable(
    server: CloudFormationServer, deployed: CloudFormationStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CLOUDFORMATION_ENDPOINT_ENV_VAR, server.endpoint_url)
    client = boto3.client("cloudformation", region_name="us-east-1")
    assert client.describe_stacks(StackName=STACK_NAME)["Stacks"][0]["StackId"] == STACK_ID
    assert [c.operation for c in server.calls] == ["DescribeStacks"]
