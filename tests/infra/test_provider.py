"""The provider (``provider.py``), per stack: the function's settings, its claim table (under the
provider's customer key, or absent for settings alone), one provider per stack and the errors
around it, and alone: a ServiceToken and grants for plain custom resources."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template

from chime_proxy_session import (
    RESOURCE_TYPE,
    ProxySessionProvider,
    ProxySessionProviderError,
    ProxySessionSettings,
)
from tests.helpers import vc_arn
from tests.infra.claims import assert_claim_table, assert_no_claim_table
from tests.infra.readme import section
from tests.infra.tables import SETTINGS, VOICE_CONNECTOR_PROXY


def settings(stack: cdk.Stack, name: str, provider: ProxySessionProvider | None = None) -> None:
    SETTINGS.build(stack, name, proxy_session_id=f"s-{name}", provider=provider)


def imported_vpc(stack: cdk.Stack) -> ec2.IVpc:
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0a1b2c3d4e5f60718",
        availability_zones=["us-east-1a", "us-east-1b"],
        private_subnet_ids=["subnet-0a1b2c3d4e5f60718", "subnet-1a2b3c4d5e6f70819"],
        public_subnet_ids=["subnet-2a3b4c5d6e7f80910", "subnet-3a4b5c6d7e8f90a1b"],
    )


@pytest.fixture(scope="module")
def configured() -> Template:
    """A provider with every option set, serving two sessions' settings and a proxy
    configuration (so the stack has a claim table, under the provider's key)."""
    stack = cdk.Stack(
        cdk.App(), "Configured", env=cdk.Environment(account="111111111111", region="us-east-1")
    )
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    role = iam.Role(stack, "OwnRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    queue = sqs.Queue(stack, "Dlq", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key)
    provider = ProxySessionProvider(
        stack,
        "Provider",
        vpc=imported_vpc(stack),
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        role=role,
        timeout=cdk.Duration.minutes(10),
        memory_size=512,
        log_group=logs.LogGroup(stack, "Logs", encryption_key=key),
        function_name="chime-proxy-sessions",
        reserved_concurrent_executions=100,
        dead_letter_queue=queue,
        tracing=lambda_.Tracing.ACTIVE,
        environment_encryption=key,
    )
    settings(stack, "One", provider)
    settings(stack, "Two", provider)
    VOICE_CONNECTOR_PROXY.build(stack, "Proxy", provider=provider)
    return Template.from_stack(stack)


def test_every_option_reaches_the_function(configured: Template) -> None:
    configured.resource_count_is("AWS::Lambda::Function", 1)
    configured.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": "chime-proxy-sessions",
            "MemorySize": 512,
            "Timeout": 600,
            "ReservedConcurrentExecutions": 100,
            "TracingConfig": {"Mode": "Active"},
            "DeadLetterConfig": {"TargetArn": Match.any_value()},
            "KmsKeyArn": Match.any_value(),
            "VpcConfig": {
                "SubnetIds": ["subnet-0a1b2c3d4e5f60718", "subnet-1a2b3c4d5e6f70819"],
                "SecurityGroupIds": Match.any_value(),
            },
            "Role": {"Fn::GetAtt": [Match.string_like_regexp("OwnRole"), "Arn"]},
            "LoggingConfig": {"LogGroup": {"Ref": Match.string_like_regexp("^Logs")}},
        },
    )


def test_the_service_timeout_follows_the_function(configured: Template) -> None:
    for resource in configured.find_resources("Custom::ChimeProxySessionSettings").values():
        assert resource["Properties"]["ServiceTimeout"] == "660"


def test_one_managed_policy_and_no_inline_policy(configured: Template) -> None:
    configured.resource_count_is("AWS::IAM::Policy", 0)
    (policy,) = configured.find_resources("AWS::IAM::ManagedPolicy").values()
    ((role_ref,),) = [policy["Properties"]["Roles"]]
    assert role_ref["Ref"].startswith("OwnRole")
    actions = [
        action
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    ]
    for needed in (
        "sqs:SendMessage",
        "kms:Decrypt",
        "xray:PutTraceSegments",
        "ec2:CreateNetworkInterface",
        "logs:PutLogEvents",
        "chime:UpdateProxySession",
        "dynamodb:PutItem",
    ):
        assert needed in actions
    assert not [action for action in actions if action.endswith("*")]


def test_the_providers_key_encrypts_the_claim_table(configured: Template) -> None:
    """One customer key for the environment and the claim table; kms:Decrypt on it alone."""
    (key_id,) = configured.find_resources("AWS::KMS::Key")
    key = {"Fn::GetAtt": [key_id, "Arn"]}
    (function,) = configured.find_resources("AWS::Lambda::Function").values()
    assert function["Properties"]["KmsKeyArn"] == key
    assert_claim_table(configured, key)


@pytest.mark.parametrize("first", ["an explicit provider", "a construct's default provider"])
def test_a_second_provider_in_a_stack_is_refused(first: str) -> None:
    stack = cdk.Stack(cdk.App(), "Twice")
    if first == "an explicit provider":
        ProxySessionProvider(stack, "First")
    else:
        settings(stack, "First")
    with pytest.raises(ProxySessionProviderError, match="already has a proxy-session provider"):
        ProxySessionProvider(stack, "Second")


def test_of_returns_the_explicit_provider() -> None:
    stack = cdk.Stack(cdk.App(), "Explicit")
    provider = ProxySessionProvider(stack, "Mine", memory_size=1024)
    settings(stack, "Uses")  # no provider=: the stack's own is found
    assert ProxySessionProvider.of(stack) is provider
    Template.from_stack(stack).resource_count_is("AWS::Lambda::Function", 1)


def test_public_subnets_are_refused() -> None:
    stack = cdk.Stack(
        cdk.App(), "Public", env=cdk.Environment(account="111111111111", region="us-east-1")
    )
    with pytest.raises(ProxySessionProviderError) as raised:
        ProxySessionProvider(
            stack,
            "Provider",
            vpc=imported_vpc(stack),
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
        )
    message = str(raised.value)
    assert "public subnets" in message
    assert "PRIVATE_WITH_EGRESS" in message
    assert ProxySessionProvider.of(stack).node.id == "ChimeProxySessionProvider"


def test_defaults_stay_as_documented() -> None:
    stack = cdk.Stack(cdk.App(), "Defaults")
    settings(stack, "Only")
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Timeout": 900, "MemorySize": 256, "VpcConfig": Match.absent()},
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})
    # Settings alone create nothing, so they need no claims.
    assert_no_claim_table(template)


# ---- the provider alone: plain Custom::ChimeProxySessionSettings ---------------------------------
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
    assert ProxySessionProvider.of(stack).claim_table is None
    assert_no_claim_table(template)
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


def test_a_named_role_is_known_before_the_first_deploy() -> None:
    """README "Regions and accounts", step 1: role_name makes the function's role ARN the one a
    partner's trust policy names before the first deploy."""
    steps = section("Regions and accounts")
    name = re.search(r'role_name="([^"]+)"', steps)
    arn = re.search(r"`(arn:aws:iam::\d{12}:role/[^`]+)`", steps)
    assert name is not None
    assert arn is not None
    assert arn.group(1) == f"arn:aws:iam::111111111111:role/{name.group(1)}"
    stack = cdk.Stack(
        cdk.App(), "Named", env=cdk.Environment(account="111111111111", region="us-east-1")
    )
    settings(stack, "A", ProxySessionProvider(stack, "Provider", role_name=name.group(1)))
    template = Template.from_stack(stack)
    (role_id,) = template.find_resources(
        "AWS::IAM::Role", {"Properties": {"RoleName": name.group(1)}}
    )
    functions = template.find_resources("AWS::Lambda::Function")
    assert [body["Properties"]["Role"] for body in functions.values()] == [
        {"Fn::GetAtt": [role_id, "Arn"]}
    ]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"role_name": "Bad Name!"}, "is not an IAM role name"),
        ({"role_name": "x" * 65}, "is not an IAM role name"),
        ({"role_name": 7}, "is not an IAM role name"),
        ({"role_name": "Fine", "role": "bring-your-own"}, "Pass one of them"),
    ],
)
def test_a_bad_role_name_is_refused(options: dict[str, Any], expected: str) -> None:
    stack = cdk.Stack(cdk.App(), "BadRole")
    if options.get("role") == "bring-your-own":
        options = {
            **options,
            "role": iam.Role.from_role_arn(stack, "Own", "arn:aws:iam::111111111111:role/Own"),
        }
    with pytest.raises(ProxySessionProviderError, match=expected) as raised:
        ProxySessionProvider(stack, "Provider", **options)
    assert "BadRole/Provider" in str(raised.value)
