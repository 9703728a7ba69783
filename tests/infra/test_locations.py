"""Per resource: region and account (region=, assume_role_arn=, external_id=) at synth."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import proxy_contract as contract
from chime_proxy_session import Capability, ProxySessionSettings, ProxySessionSettingsError
from tests.helpers import SESSION_ID, VC_ID

ROLE = "arn:aws:iam::210987654321:role/ChimeProxyAdmin"
OTHER_VC = "klmnopqrst9876543210a"


@pytest.fixture(scope="module")
def template() -> Template:
    """An env-agnostic stack: one session in us-west-2, one through a role, one plain."""
    stack = cdk.Stack(cdk.App(), "Locations")
    ProxySessionSettings(
        stack,
        "West",
        voice_connector_id=VC_ID,
        proxy_session_id="s-west",
        capabilities=[Capability.VOICE],
        region="us-west-2",
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    ProxySessionSettings(
        stack,
        "Partner",
        voice_connector_id=OTHER_VC,
        proxy_session_id="s-partner",
        capabilities=[Capability.SMS],
        region="eu-west-2",
        assume_role_arn=ROLE,
        external_id="shared-secret-1",
    )
    ProxySessionSettings(
        stack,
        "Plain",
        voice_connector_id=VC_ID,
        proxy_session_id=SESSION_ID,
        capabilities=[Capability.VOICE],
    )
    return Template.from_stack(stack)


def properties(template: Template, prefix: str) -> dict[str, Any]:
    found: dict[str, Any]
    (found,) = [
        resource["Properties"]
        for logical_id, resource in template.find_resources(contract.SETTINGS_RESOURCE_TYPE).items()
        if logical_id.startswith(prefix)
    ]
    return found


def statements(template: Template) -> dict[str, Any]:
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    return {
        s["Action"]: s["Resource"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if isinstance(s["Action"], str)
    }


def test_location_properties_are_set_only_when_given(template: Template) -> None:
    assert properties(template, "West")["Region"] == "us-west-2"
    partner = properties(template, "Partner")
    assert (partner["Region"], partner["AssumeRoleArn"]) == ("eu-west-2", ROLE)
    assert partner["ExternalId"] == "shared-secret-1"
    plain = properties(template, "Plain")
    assert not set(plain) & set(contract.LOCATION_PROPERTIES)


def test_the_granted_arn_names_the_region(template: Template) -> None:
    granted = json.dumps(statements(template)["chime:UpdateProxySession"])
    assert ":chime:us-west-2:" in granted
    assert '":chime:", {"Ref": "AWS::Region"}' in granted  # the plain one: the stack's region
    delete = json.dumps(statements(template)["chime:DeleteProxySession"])
    assert ":chime:us-west-2:" in delete


def test_an_assumed_role_gets_assume_role_and_no_chime_permission(template: Template) -> None:
    by_action = statements(template)
    assert by_action["sts:AssumeRole"] == ROLE
    assert OTHER_VC not in json.dumps(by_action)


def stack_in(region: str) -> cdk.Stack:
    return cdk.Stack(
        cdk.App(), "Pinned", env=cdk.Environment(account="123456789012", region=region)
    )


def test_a_stack_region_without_the_api_needs_region() -> None:
    with pytest.raises(ProxySessionSettingsError) as raised:
        ProxySessionSettings(
            stack_in("us-east-2"),
            "S",
            voice_connector_id=VC_ID,
            proxy_session_id="s",
            capabilities=[Capability.VOICE],
        )
    message = str(raised.value)
    assert "the stack's region 'us-east-2' has no Chime SDK Voice API" in message
    assert "region=" in message
    for region in contract.CHIME_SDK_VOICE_REGIONS:
        assert region in message


def test_a_stack_in_us_east_2_manages_sessions_in_us_east_1() -> None:
    stack = stack_in("us-east-2")
    ProxySessionSettings(
        stack,
        "S",
        voice_connector_id=VC_ID,
        proxy_session_id="s",
        capabilities=[Capability.VOICE],
        region="us-east-1",
    )
    policy = json.dumps(statements(Template.from_stack(stack)))
    assert ":chime:us-east-1:123456789012:vc/abcdefghij0123456789k" in policy


def test_region_tokens_pass_to_the_handler() -> None:
    stack = cdk.Stack(cdk.App(), "Tokens")
    region = cdk.CfnParameter(stack, "Region").value_as_string
    ProxySessionSettings(
        stack,
        "S",
        voice_connector_id=VC_ID,
        proxy_session_id="s",
        capabilities=[Capability.VOICE],
        region=region,
    )
    assert properties(Template.from_stack(stack), "S")["Region"] == {"Ref": "Region"}


def test_the_external_id_is_not_echoed_in_errors() -> None:
    with pytest.raises(ProxySessionSettingsError) as raised:
        ProxySessionSettings(
            cdk.Stack(cdk.App(), "Bad"),
            "S",
            voice_connector_id=VC_ID,
            proxy_session_id="s",
            capabilities=[Capability.VOICE],
            assume_role_arn=ROLE,
            external_id="has spaces secret",
        )
    assert "has spaces secret" not in str(raised.value)
    assert "external_id" in str(raised.value)


def test_the_region_list_is_botocores() -> None:
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    (aws,) = [p for p in loader.load_data("endpoints")["partitions"] if p["partition"] == "aws"]
    regions = {name for name in aws["services"]["voice-chime"]["endpoints"] if "fips" not in name}
    assert tuple(sorted(regions)) == contract.CHIME_SDK_VOICE_REGIONS
