"""The skeleton every construct shares (``resource.py``): grants from the type's description,
``Attribute`` descriptors, where and as whom it calls (region=, assume_role_arn=, external_id=),
the claim table a type that creates something brings, and the per-stack registry that holds the
provider and the claims.

Every construct is built in its own fresh stack from its valid props (``tables.SPECS``); nothing
here synthesizes: the policy and the attributes are resolved in place.
"""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

import proxy_contract as contract
from chime_proxy_session import (
    ProxySessionProvider,
    ProxySessionProviderError,
    VoiceConnectorProxy,
    VoiceConnectorProxyError,
)
from chime_proxy_session.provider import REGISTRY_ID
from chime_proxy_session.resource import Attribute, ChimeResource
from tests.infra.tables import SPECS, VOICE_CONNECTOR_PROXY, Spec

ROLE = "arn:aws:iam::210987654321:role/ChimeProxyAdmin"
OTHER_VC = "klmnopqrst9876543210a"
POLICIES = {"RETAIN": cdk.RemovalPolicy.RETAIN, "DESTROY": cdk.RemovalPolicy.DESTROY}


def tables(stack: cdk.Stack) -> list[dynamodb.CfnTable]:
    """The stack's DynamoDB tables, found in its construct tree."""
    return [node for node in stack.node.find_all() if isinstance(node, dynamodb.CfnTable)]


def policy_document(stack: cdk.Stack) -> dict[str, Any]:
    """The stack's provider's managed policy, resolved in place."""
    document: dict[str, Any] = stack.resolve(ProxySessionProvider.of(stack).policy.document)
    return document


def chime_actions(stack: cdk.Stack) -> list[str]:
    """The chime actions of the stack's provider's managed policy, in statement order."""
    document = policy_document(stack)
    return [
        action
        for statement in document["Statement"]
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        if action.startswith("chime:")
    ]


def account_actions(spec: Spec[Any]) -> set[str]:
    """The construct's actions that take no resource ARN (granted on ``*``)."""
    return {f"chime:{operation}" for operation in spec.construct.KIND.account_operations}


@pytest.mark.parametrize("policy", POLICIES, ids=str)
@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_the_granted_actions_are_the_descriptions(spec: Spec[Any], policy: str) -> None:
    """Each action once: those that take no resource ARN first, in one statement on ``*``; the
    others one statement each, on the construct's voice connector only."""
    stack = cdk.Stack(cdk.App(), "Grants")
    construct = spec.build(stack, removal_policy=POLICIES[policy])
    expected = construct.KIND.actions(delete=policy == "DESTROY")
    wide = [action for action in expected if action in account_actions(spec)]
    scoped = [action for action in expected if action not in account_actions(spec)]
    assert chime_actions(stack) == wide + scoped
    vc_arn = f"vc/{spec.valid['voice_connector_id']}"
    for statement in policy_document(stack)["Statement"]:
        if statement["Action"] in scoped:
            assert vc_arn in json.dumps(statement["Resource"])
        elif any(action in wide for action in statement["Action"]):
            assert statement["Action"] == wide
            assert statement["Resource"] == "*"


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_an_assumed_role_is_granted_instead_of_chime_actions(spec: Spec[Any]) -> None:
    stack = cdk.Stack(cdk.App(), "Role")
    construct = spec.build(stack, assume_role_arn=ROLE)
    assert construct.assume_role_arn == ROLE
    assert chime_actions(stack) == []
    document = policy_document(stack)
    assert {"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": ROLE} in document[
        "Statement"
    ]


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_every_attribute_is_a_getatt_of_the_described_attributes(spec: Spec[Any]) -> None:
    stack = cdk.Stack(cdk.App(), "Attributes")
    construct = spec.build(stack)
    descriptors = {
        name: vars(spec.construct)[name] for name in dir(spec.construct) if name.startswith("attr_")
    }
    assert all(isinstance(item, Attribute) for item in descriptors.values())
    assert sorted(item.name for item in descriptors.values()) == sorted(
        spec.construct.KIND.attributes
    )
    logical_id = stack.get_logical_id(construct.resource.node.default_child)
    for name, descriptor in descriptors.items():
        assert descriptor.__doc__, name
        # attr_status reads Status, attr_expiry_minutes ExpiryMinutes, and so on.
        assert name == "attr" + re.sub(r"([A-Z])", r"_\1", descriptor.name).lower()
        assert stack.resolve(getattr(construct, name)) == {
            "Fn::GetAtt": [logical_id, descriptor.name]
        }


def written(construct: ChimeResource) -> dict[str, Any]:
    """The properties the construct writes, resolved in place."""
    child = construct.resource.node.default_child
    assert isinstance(child, cdk.CfnResource)
    properties: dict[str, Any] = cdk.Stack.of(construct).resolve(child._cfn_properties)
    return properties


def granted(stack: cdk.Stack) -> dict[str, str]:
    """Each action of the stack's managed policy: its resources as JSON text."""
    return {
        str(statement["Action"]): json.dumps(statement["Resource"])
        for statement in policy_document(stack)["Statement"]
    }


@pytest.fixture(scope="module", params=SPECS, ids=lambda spec: spec.name)
def located(request: pytest.FixtureRequest) -> tuple[Spec[Any], dict[str, ChimeResource]]:
    """A construct in us-west-2 (DESTROY), one through a partner's role, one plain."""
    spec: Spec[Any] = request.param
    stack = cdk.Stack(cdk.App(), "Locations")
    return spec, {
        "West": spec.build(
            stack, "West", region="us-west-2", removal_policy=cdk.RemovalPolicy.DESTROY
        ),
        "Partner": spec.build(
            stack,
            "Partner",
            voice_connector_id=OTHER_VC,
            region="eu-west-2",
            assume_role_arn=ROLE,
            external_id="shared-secret-1",
        ),
        "Plain": spec.build(stack, "Plain"),
    }


def test_location_properties_are_written_only_when_given(
    located: tuple[Spec[Any], dict[str, ChimeResource]],
) -> None:
    _, built = located
    assert written(built["West"])[contract.REGION] == "us-west-2"
    partner = written(built["Partner"])
    assert [partner[name] for name in contract.LOCATION_PROPERTIES] == [
        "eu-west-2",
        ROLE,
        "shared-secret-1",
    ]
    assert not set(written(built["Plain"])) & set(contract.LOCATION_PROPERTIES)


def test_the_granted_arn_names_the_region(
    located: tuple[Spec[Any], dict[str, ChimeResource]],
) -> None:
    spec, built = located
    by_action = granted(cdk.Stack.of(built["West"]))
    kind, wide = spec.construct.KIND, account_actions(spec)
    for action in set(kind.actions(delete=True)) - wide:  # West is DESTROY
        assert ":chime:us-west-2:" in by_action[action], action
    for action in set(kind.actions(delete=False)) - wide:  # Plain too: the stack's region
        assert '":chime:", {"Ref": "AWS::Region"}' in by_action[action], action


def test_an_assumed_role_gets_assume_role_and_no_chime_permission(
    located: tuple[Spec[Any], dict[str, ChimeResource]],
) -> None:
    _, built = located
    by_action = granted(cdk.Stack.of(built["Partner"]))
    assert by_action["sts:AssumeRole"] == json.dumps(ROLE)
    assert OTHER_VC not in json.dumps(by_action)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_region_tokens_pass_to_the_handler(spec: Spec[Any]) -> None:
    stack = cdk.Stack(cdk.App(), "Tokens")
    region = cdk.CfnParameter(stack, "Region").value_as_string
    assert written(spec.build(stack, region=region))[contract.REGION] == {"Ref": "Region"}


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_a_stack_region_without_the_api_needs_region(spec: Spec[Any]) -> None:
    """A stack pinned to us-east-2 (no Chime SDK Voice API) declares resources in us-east-1."""
    env = cdk.Environment(account="123456789012", region="us-east-2")
    stack = cdk.Stack(cdk.App(), "Ohio", env=env)
    with pytest.raises(spec.error) as raised:
        spec.build(stack, "Nowhere")
    message = str(raised.value)
    assert "the stack's region 'us-east-2' has no Chime SDK Voice API" in message
    assert "region=" in message
    for region in contract.CHIME_SDK_VOICE_REGIONS:
        assert region in message
    spec.build(stack, "Virginia", region="us-east-1")
    vc = spec.valid["voice_connector_id"]
    assert f":chime:us-east-1:123456789012:vc/{vc}" in str(stack.resolve(policy_document(stack)))


def test_a_second_construct_for_the_same_voice_connector_is_refused() -> None:
    stack = cdk.Stack(cdk.App(), "Twice")
    VOICE_CONNECTOR_PROXY.build(stack, "First")
    with pytest.raises(VoiceConnectorProxyError) as raised:
        VOICE_CONNECTOR_PROXY.build(stack, "Second")
    message = str(raised.value)
    assert "Twice/First" in message
    assert "voice_connector_id" in message
    # Another region holds another voice connector's configuration: allowed.
    west = VOICE_CONNECTOR_PROXY.build(stack, "West", region="us-west-2")
    assert west.region == "us-west-2"


def test_stacks_and_apps_do_not_share_registries() -> None:
    """Each stack claims its own voice connectors and holds its own provider."""
    app = cdk.App()
    stacks = [cdk.Stack(app, "One"), cdk.Stack(app, "Two"), cdk.Stack(cdk.App(), "One")]
    proxies = [VOICE_CONNECTOR_PROXY.build(stack, "Proxy") for stack in stacks]
    registries = [stack.node.find_child(REGISTRY_ID) for stack in stacks]
    assert len({id(registry) for registry in registries}) == 3
    providers = [proxy.provider for proxy in proxies]
    assert len({id(provider) for provider in providers}) == 3
    for stack, provider in zip(stacks, providers, strict=True):
        assert ProxySessionProvider.of(stack) is provider
        assert provider.node.scope is stack


def test_a_foreign_child_named_like_the_registry_is_refused() -> None:
    stack = cdk.Stack(cdk.App(), "Taken")
    Construct(stack, REGISTRY_ID)
    with pytest.raises(ProxySessionProviderError, match="did not create; rename that construct"):
        VoiceConnectorProxy(stack, "Proxy", **VOICE_CONNECTOR_PROXY.valid)


# What a Create makes: a configuration, a session. Settings change a session made elsewhere.
CREATES = {
    "ProxySessionSettings": False,
    "VoiceConnectorProxy": True,
    "ProxySession": True,
    "PhoneNumbers": True,
}


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_a_type_that_creates_brings_the_claim_table_once(spec: Spec[Any]) -> None:
    """VoiceConnectorProxy, ProxySession and PhoneNumbers add the table with the first construct
    and share it; ProxySessionSettings never adds one."""
    assert spec.construct.KIND.creates is CREATES[spec.name]
    stack = cdk.Stack(cdk.App(), "Claims")
    first = spec.build(stack, "First")
    spec.build(stack, "Second", voice_connector_id=OTHER_VC)
    provider = ProxySessionProvider.of(stack)
    if CREATES[spec.name]:
        (table,) = tables(stack)
        assert provider.claim_table is not None
        assert table.node.path == f"{provider.claim_table.node.path}/Resource"
        assert first.provider.use_claims() is provider.claim_table
        assert json.dumps(policy_document(stack)).count("dynamodb:PutItem") == 1
    else:
        assert tables(stack) == []
        assert provider.claim_table is None
        assert "dynamodb:" not in json.dumps(policy_document(stack))


def test_use_claims_serves_plain_custom_resources() -> None:
    """A stack of plain custom resources asks for the table itself, once."""
    stack = cdk.Stack(cdk.App(), "Plain")
    provider = ProxySessionProvider.of(stack)
    assert provider.claim_table is None
    table = provider.use_claims()
    assert provider.use_claims() is table
    assert provider.claim_table is table
    assert len(tables(stack)) == 1
