"""ProxySessionSettings at synth (``settings.py``): schema, sharing, IAM scope, runtime, warnings.

Its bad props are in ``test_validation.py``; its attributes and grants, with every construct's, in
``test_resource.py``.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_chime as chime
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Annotations, Match, Template

from chime_proxy_session import (
    RESOURCE_TYPE,
    Capability,
)
from chime_proxy_session.provider import RUNTIME
from tests.helpers import VC_ID as VC_A
from tests.helpers import vc_arn
from tests.infra.tables import SETTINGS

VC_B = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
hours = cdk.Duration.hours


@pytest.fixture(scope="module")
def three_sessions() -> tuple[cdk.Stack, Template]:
    app = cdk.App()
    stack = cdk.Stack(app, "Three")
    voice, sms = [Capability.VOICE], [Capability.SMS]
    SETTINGS.build(
        stack, "One", proxy_session_id="s-1", capabilities=[*voice, *sms], expiry=hours(2)
    )
    SETTINGS.build(stack, "Two", proxy_session_id="s-2", removal_policy=cdk.RemovalPolicy.DESTROY)
    connector = chime.CfnVoiceConnector(
        stack, "Connector", name="support", require_encryption=True, aws_region="us-east-1"
    )
    token = connector.attr_voice_connector_id
    SETTINGS.build(
        stack,
        "Three",
        voice_connector_id=token,
        proxy_session_id="s-3",
        capabilities=sms,
        expiry=cdk.Duration.minutes(45),
    )
    SETTINGS.build(stack, "Four", voice_connector_id=VC_B, proxy_session_id="s-4", capabilities=sms)
    return stack, Template.from_stack(stack)


def test_resource_type_and_exact_properties(three_sessions: tuple[cdk.Stack, Template]) -> None:
    _, template = three_sessions
    resources = template.find_resources(RESOURCE_TYPE)
    assert len(resources) == 4
    one = next(r for r in resources.values() if r["Properties"]["ProxySessionId"] == "s-1")
    assert set(one["Properties"]) == {
        "ServiceToken",
        "ServiceTimeout",
        "VoiceConnectorId",
        "ProxySessionId",
        "Capabilities",
        "ExpiryMinutes",
        "RemovalPolicy",
    }
    assert one["Properties"]["Capabilities"] == ["Voice", "SMS"]
    assert one["Properties"]["ExpiryMinutes"] == 120
    assert one["Properties"]["RemovalPolicy"] == "Retain"
    assert one["Properties"]["ServiceTimeout"] == "960"  # the function's 15 minutes and one
    # The public type name, pinned: plain templates and GetAtts in users' stacks depend on it.
    assert one["Type"] == "Custom::ChimeProxySessionSettings"


def test_expiry_is_omitted_when_not_declared(three_sessions: tuple[cdk.Stack, Template]) -> None:
    _, template = three_sessions
    template.has_resource_properties(
        RESOURCE_TYPE,
        {"ProxySessionId": "s-2", "ExpiryMinutes": Match.absent(), "RemovalPolicy": "Destroy"},
    )


def test_token_voice_connector_passes_through(three_sessions: tuple[cdk.Stack, Template]) -> None:
    stack, template = three_sessions
    connector = stack.node.find_child("Connector")
    assert isinstance(connector, chime.CfnVoiceConnector)
    connector_id = stack.get_logical_id(connector)
    template.has_resource_properties(
        RESOURCE_TYPE,
        {
            "ProxySessionId": "s-3",
            "VoiceConnectorId": {"Fn::GetAtt": [connector_id, "VoiceConnectorId"]},
        },
    )


def test_one_function_for_many_sessions(three_sessions: tuple[cdk.Stack, Template]) -> None:
    _, template = three_sessions
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.resource_count_is("AWS::Logs::LogGroup", 1)
    functions = template.find_resources("AWS::Lambda::Function")
    (function_id,) = functions
    for resource in template.find_resources(RESOURCE_TYPE).values():
        assert resource["Properties"]["ServiceToken"] == {"Fn::GetAtt": [function_id, "Arn"]}


def test_function_runtime_architecture_timeout(three_sessions: tuple[cdk.Stack, Template]) -> None:
    _, template = three_sessions
    latest = max(
        (
            getattr(lambda_.Runtime, name)
            for name in dir(lambda_.Runtime)
            if name.startswith("PYTHON_")
        ),
        key=lambda runtime: tuple(
            int(part) for part in runtime.name.removeprefix("python").split(".")
        ),
    )
    assert RUNTIME.name == latest.name
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": latest.name,
            "Architectures": ["arm64"],
            "Handler": "index.handler",
            "Timeout": 900,
        },
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})


def chime_statements(template: Template) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in template.find_resources("AWS::IAM::ManagedPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            actions = actions if isinstance(actions, list) else [actions]
            if any(action.startswith("chime:") for action in actions):
                statements.append(statement)
    return statements


def test_iam_is_scoped_to_the_voice_connectors(three_sessions: tuple[cdk.Stack, Template]) -> None:
    _, template = three_sessions
    statements = chime_statements(template)
    by_action = {statement["Action"]: statement for statement in statements}
    assert set(by_action) == {"chime:UpdateProxySession", "chime:DeleteProxySession"}
    update_resources = by_action["chime:UpdateProxySession"]["Resource"]
    assert vc_arn(VC_A) in update_resources
    assert vc_arn(VC_B) in update_resources
    assert len(update_resources) == 3  # VC_A once, VC_B, and the token connector
    # Only the DESTROY session's connector may be deleted from.
    assert by_action["chime:DeleteProxySession"]["Resource"] == vc_arn(VC_A)
    text = json.dumps(statements)
    assert '"*"' not in text
    assert "GetProxySession" not in text


def test_iam_has_no_delete_without_destroy() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "RetainOnly")
    SETTINGS.build(stack, "Only")
    statements = chime_statements(Template.from_stack(stack))
    assert [statement["Action"] for statement in statements] == ["chime:UpdateProxySession"]


def test_resources_wait_for_the_policy_through_the_function(
    three_sessions: tuple[cdk.Stack, Template],
) -> None:
    """Each resource names the function (GetAtt), which waits for the one managed policy."""
    _, template = three_sessions
    (policy_id,) = template.find_resources("AWS::IAM::ManagedPolicy")
    ((function_id, function),) = template.find_resources("AWS::Lambda::Function").items()
    assert function["DependsOn"] == [policy_id]
    for resource in template.find_resources(RESOURCE_TYPE).values():
        assert resource["Properties"]["ServiceToken"] == {"Fn::GetAtt": [function_id, "Arn"]}
        assert "DependsOn" not in resource


def test_expiry_above_twelve_hours_warns() -> None:
    stack = cdk.Stack(cdk.App(), "Warn")
    SETTINGS.build(stack, "Long", expiry=hours(13))
    Annotations.from_stack(stack).has_warning(
        "/Warn/Long", Match.string_like_regexp("780 minutes, above the 720-minute")
    )


def test_expiry_of_twelve_hours_does_not_warn() -> None:
    stack = cdk.Stack(cdk.App(), "NoWarn")
    SETTINGS.build(stack, "Max", expiry=hours(12))
    Annotations.from_stack(stack).has_no_warning("*", Match.any_value())


def test_token_ids_skip_synth_validation() -> None:
    stack = cdk.Stack(cdk.App(), "Tokens")
    vc = cdk.CfnParameter(stack, "Vc").value_as_string
    session = cdk.CfnParameter(stack, "Session").value_as_string
    SETTINGS.build(stack, "Param", voice_connector_id=vc, proxy_session_id=session)
    Template.from_stack(stack).has_resource_properties(
        RESOURCE_TYPE, {"VoiceConnectorId": {"Ref": "Vc"}, "ProxySessionId": {"Ref": "Session"}}
    )


def test_no_redundant_deletion_policies(three_sessions: tuple[cdk.Stack, Template]) -> None:
    """CloudFormation's default (Delete) applies; RemovalPolicy decides the session's fate."""
    _, template = three_sessions
    for resource in template.find_resources(RESOURCE_TYPE).values():
        assert "DeletionPolicy" not in resource
        assert "UpdateReplacePolicy" not in resource
