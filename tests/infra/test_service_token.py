"""The provider alone: a ServiceToken and grants for plain Custom::ChimeProxySessionSettings."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from chime_proxy_session import RESOURCE_TYPE, ProxySessionProvider, ProxySessionSettings
from tests.helpers import vc_arn

VC = "abcdefghij0123456789k"
EXPORT_NAME = "ChimeProxySessionServiceToken"


@pytest.fixture(scope="module")
def plain_stack() -> tuple[cdk.Stack, Template]:
    """No ProxySessionSettings: a raw resource, the service token, a grant and an export."""
    app = cdk.App()
    stack = cdk.Stack(app, "PlainCloudFormation")
    token = ProxySessionSettings.service_token(stack)
    policy = ProxySessionProvider.of(stack).grant(VC, delete=True)
    resource = cdk.CfnResource(
        stack,
        "SupportLine",
        type=RESOURCE_TYPE,
        properties={
            "ServiceToken": token,
            "ServiceTimeout": "300",
            "VoiceConnectorId": VC,
            "ProxySessionId": "s-1",
            "Capabilities": ["Voice", "SMS"],
            "ExpiryMinutes": 60,
            "RemovalPolicy": "Destroy",
        },
    )
    resource.node.add_dependency(policy)
    cdk.CfnOutput(stack, "ServiceToken", value=token, export_name=EXPORT_NAME)
    return stack, Template.from_stack(stack)


def function_id(template: Template) -> str:
    (logical_id,) = template.find_resources("AWS::Lambda::Function")
    return logical_id


def test_one_function_serves_the_raw_resource(plain_stack: tuple[cdk.Stack, Template]) -> None:
    stack, template = plain_stack
    template.resource_count_is("AWS::Lambda::Function", 1)
    (resource,) = template.find_resources(RESOURCE_TYPE).values()
    assert resource["Properties"]["ServiceToken"] == {"Fn::GetAtt": [function_id(template), "Arn"]}
    # Asking again, from the stack or its provider, gives the same function.
    assert ProxySessionSettings.service_token(stack) == ProxySessionProvider.of(stack).service_token


def test_the_raw_resource_waits_for_its_grant(plain_stack: tuple[cdk.Stack, Template]) -> None:
    """The function waits for the managed policy, and the resource for the function."""
    _, template = plain_stack
    (policy_id,) = template.find_resources("AWS::IAM::ManagedPolicy")
    ((function_logical_id, function),) = template.find_resources("AWS::Lambda::Function").items()
    assert function["DependsOn"] == [policy_id]
    (resource,) = template.find_resources(RESOURCE_TYPE).values()
    assert resource["Properties"]["ServiceToken"] == {"Fn::GetAtt": [function_logical_id, "Arn"]}
    arn = vc_arn(VC)
    statements: list[dict[str, Any]] = template.find_resources("AWS::IAM::ManagedPolicy")[
        policy_id
    ]["Properties"]["PolicyDocument"]["Statement"]
    by_action = {
        statement["Action"]: statement["Resource"]
        for statement in statements
        if str(statement["Action"]).startswith("chime:")
    }
    assert by_action == {"chime:UpdateProxySession": arn, "chime:DeleteProxySession": arn}


def test_the_service_token_can_be_exported(plain_stack: tuple[cdk.Stack, Template]) -> None:
    _, template = plain_stack
    template.has_output(
        "ServiceToken",
        {
            "Value": {"Fn::GetAtt": [function_id(template), "Arn"]},
            "Export": {"Name": EXPORT_NAME},
        },
    )
    template.has_resource_properties(
        RESOURCE_TYPE, Match.object_like({"Capabilities": ["Voice", "SMS"]})
    )
