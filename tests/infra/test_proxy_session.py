"""ProxySession at synth: the properties it writes, its grants, what it waits for, its attributes.

One stack, synthesized once: sessions by voice connector id (plain, fully configured, in another
region, through a role) and one on a stand-in for the colleague's VoiceConnectorProxy.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template

import proxy_contract as contract
import resource_types
from cfn_lifecycle import replaces
from cfn_request import CfnRequest
from chime_proxy_session import Capability, ProxySessionError, ProxySessionProvider
from chime_proxy_session.proxy_session import (
    LITERAL_NUMBER_WARNING_ID,
    SECURE_REFERENCE_WARNING_ID,
    GeoMatchLevel,
    GeoMatchParams,
    NumberSelectionBehavior,
    ProxySession,
)
from tests.helpers import VC_ID
from tests.infra.claims import assert_claim_table
from tests.infra.stand_in import PROXY_VC, stand_in
from tests.infra.tables import PROXY_SESSION

ROLE = "arn:aws:iam::210987654321:role/ChimeProxyAdmin"
CUSTOMER = "{{resolve:secretsmanager:help-line:SecretString:customer}}"
AGENT = "{{resolve:secretsmanager:help-line:SecretString:agent}}"


def make(stack: cdk.Stack, construct_id: str, **props: Any) -> ProxySession:
    """A session on VC_ID between two Secrets Manager references (``props`` change any)."""
    return PROXY_SESSION.build(
        stack, construct_id, **{"participant_phone_numbers": [CUSTOMER, AGENT], **props}
    )


@pytest.fixture(scope="module")
def stack() -> cdk.Stack:
    stack = cdk.Stack(cdk.App(), "Sessions")
    make(stack, "Plain")
    make(
        stack,
        "Full",
        participant_phone_numbers=["+12065550123", "+14255550187"],
        capabilities=[Capability.VOICE, Capability.SMS],
        expiry=cdk.Duration.hours(2),
        name="Help line 7",
        number_selection_behavior=NumberSelectionBehavior.AVOID_STICKY,
        geo_match_level=GeoMatchLevel.AREA_CODE,
        geo_match_params=GeoMatchParams(country="US", area_code="206"),
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    make(
        stack,
        "Partner",
        voice_connector_id="0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        participant_phone_numbers=[CUSTOMER, "{{resolve:ssm-secure:/help-line/agent}}"],
        capabilities=[Capability.SMS],
        region="eu-west-2",
        assume_role_arn=ROLE,
        external_id="shared-secret-1",
    )
    make(
        stack,
        "OnProxy",
        voice_connector_id=None,
        voice_connector_proxy=stand_in(stack, "Proxy", region="us-west-2"),
    )
    return stack


@pytest.fixture(scope="module")
def template(stack: cdk.Stack) -> Template:
    return Template.from_stack(stack)


def resource(template: Template, prefix: str) -> dict[str, Any]:
    found: dict[str, Any]
    (found,) = [
        dict(value)
        for logical_id, value in template.find_resources(
            contract.PROXY_SESSION_RESOURCE_TYPE
        ).items()
        if logical_id.startswith(prefix)
    ]
    return found


def test_the_properties_written(template: Template) -> None:
    plain = resource(template, "Plain")["Properties"]
    assert {key: value for key, value in plain.items() if key != "ServiceToken"} == {
        "ServiceTimeout": "960",
        "VoiceConnectorId": VC_ID,
        "ParticipantPhoneNumbers": [CUSTOMER, AGENT],
        "Capabilities": ["Voice"],
        "RemovalPolicy": "Destroy",
    }
    full = resource(template, "Full")["Properties"]
    assert full["ExpiryMinutes"] == 120
    assert full["Name"] == "Help line 7"
    assert full["NumberSelectionBehavior"] == "AvoidSticky"
    assert full["GeoMatchLevel"] == "AreaCode"
    assert full["GeoMatchParams"] == {"Country": "US", "AreaCode": "206"}
    assert full["RemovalPolicy"] == "Retain"
    partner = resource(template, "Partner")["Properties"]
    assert (partner["Region"], partner["AssumeRoleArn"], partner["ExternalId"]) == (
        "eu-west-2",
        ROLE,
        "shared-secret-1",
    )
    for found in template.find_resources(contract.PROXY_SESSION_RESOURCE_TYPE).values():
        assert set(found["Properties"]) <= {
            *contract.PROXY_SESSION_PROPERTIES,
            *contract.CLOUDFORMATION_PROPERTIES,
        }
        assert "DeletionPolicy" not in found
        assert "UpdateReplacePolicy" not in found


def test_a_session_on_a_proxy_takes_its_connector_and_region_and_waits_for_it(
    template: Template,
) -> None:
    on_proxy = resource(template, "OnProxy")
    assert on_proxy["Properties"]["VoiceConnectorId"] == PROXY_VC
    assert on_proxy["Properties"]["Region"] == "us-west-2"
    (proxy_id,) = template.find_resources(contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE)
    assert on_proxy["DependsOn"] == [proxy_id]
    assert "DependsOn" not in resource(template, "Plain")


def statements(template: Template) -> dict[str, str]:
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    return {
        statement["Action"]: json.dumps(statement["Resource"])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if isinstance(statement["Action"], str)
    }


def test_four_actions_on_each_voice_connector_and_a_role_for_the_partner(
    template: Template,
) -> None:
    by_action = statements(template)
    for action in (
        "chime:CreateProxySession",
        "chime:ListProxySessions",
        "chime:UpdateProxySession",
        "chime:DeleteProxySession",  # even for the RETAIN session: duplicates are deleted
    ):
        granted = by_action[action]
        assert f":vc/{VC_ID}" in granted
        assert ":chime:us-west-2:" in granted
        assert f":vc/{PROXY_VC}" in granted
        assert "0f1e2d3c" not in granted  # the partner's connector is reached through its role
        assert "*" not in granted
    assert by_action["sts:AssumeRole"] == json.dumps(ROLE)


def test_sessions_and_their_proxy_share_one_claim_table(template: Template) -> None:
    assert_claim_table(template)


def test_literal_numbers_and_secure_references_are_warned_about(stack: cdk.Stack) -> None:
    annotations = Annotations.from_stack(stack)
    literal = annotations.find_warning("*", Match.string_like_regexp(LITERAL_NUMBER_WARNING_ID))
    assert {item.id for item in literal} == {"/Sessions/Full"}
    assert len(literal) == 2  # one per literal number
    secure = annotations.find_warning("*", Match.string_like_regexp(SECURE_REFERENCE_WARNING_ID))
    assert {item.id for item in secure} == {"/Sessions/Partner"}
    for item in literal + secure:
        assert "+1206" not in json.dumps(item.entry.data)


def new_stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Fresh")


def test_two_sessions_may_not_share_a_name_and_participants() -> None:
    stack = new_stack()
    make(stack, "First", name="Help line")
    make(stack, "OtherNumbers", name="Help line", participant_phone_numbers=[AGENT, "+14255550100"])
    make(stack, "Unnamed")
    make(stack, "UnnamedToo")
    with pytest.raises(ProxySessionError, match="Fresh/First has the same name"):
        make(stack, "Second", name="Help line", participant_phone_numbers=[AGENT, CUSTOMER])


def test_a_proxy_brings_its_location_and_provider() -> None:
    stack = new_stack()
    proxy = stand_in(stack, "Proxy")
    for prop, value in (
        ("region", "us-east-1"),
        ("assume_role_arn", ROLE),
        ("external_id", "shared-secret-1"),
        ("provider", ProxySessionProvider.of(stack)),
    ):
        with pytest.raises(ProxySessionError, match=f"{prop} comes from voice_connector_proxy"):
            make(
                stack,
                f"With{prop}",
                voice_connector_id=None,
                voice_connector_proxy=proxy,
                **{prop: value},
            )
    session = make(stack, "OnProxy", voice_connector_id=None, voice_connector_proxy=proxy)
    assert session.provider is proxy.provider
    assert session.voice_connector_id == PROXY_VC


def test_a_proxy_in_another_stack_is_served_by_this_stacks_provider() -> None:
    app = cdk.App()
    proxy = stand_in(cdk.Stack(app, "Network"), "Proxy")
    stack = cdk.Stack(app, "Sessions")
    session = make(stack, "Remote", voice_connector_id=None, voice_connector_proxy=proxy)
    assert session.provider is ProxySessionProvider.of(stack)
    assert session.provider is not proxy.provider
    assembly = app.synth()
    depends = assembly.get_stack_by_name("Sessions").dependencies
    assert "Network" in [artifact.id for artifact in depends]


def _session_properties(participant: str) -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(), "Pinned")
    make(stack, "Ride", participant_phone_numbers=[participant, AGENT])
    (body,) = (
        Template.from_stack(stack).find_resources(contract.PROXY_SESSION_RESOURCE_TYPE).values()
    )
    properties: dict[str, Any] = body["Properties"]
    return properties


def test_a_new_pinned_secret_version_replaces_the_session() -> None:
    """README "Changing a participant on purpose": a new value of an unpinned secret leaves the
    template as it was (CloudFormation sends nothing), a new version id in a pinned reference is
    a new ParticipantPhoneNumbers, which replaces the session."""
    unpinned = _session_properties(CUSTOMER)
    assert unpinned == _session_properties(CUSTOMER)
    pinned = "{{resolve:secretsmanager:help-line:SecretString:customer::%s}}"
    old = _session_properties(pinned % "3f1e9c2a-0b4d-4e6f-8a1c-2d3e4f5a6b7c")
    new = _session_properties(pinned % "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d")
    assert old != new
    update = CfnRequest(
        request_type="Update",
        resource_type=contract.PROXY_SESSION_RESOURCE_TYPE,
        logical_resource_id="Ride",
        stack_id="arn:aws:cloudformation:us-east-1:123456789012:stack/Pinned/1",
        request_id="r",
        properties=new,
        old_properties=old,
        physical_resource_id=f"{contract.PROXY_SESSION_PHYSICAL_ID_PREFIX}{VC_ID}:s-1",
    )
    assert replaces(resource_types.PROXY_SESSION, update)
    assert not replaces(resource_types.PROXY_SESSION, update._replace(properties=old))
