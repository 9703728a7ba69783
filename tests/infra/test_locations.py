"""Per resource: region and account (region=, assume_role_arn=, external_id=) at synth."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import proxy_contract as contract
from chime_proxy_session import Capability, ProxySessionSettingsError
from tests.helpers import SESSION_ID
from tests.infra.tables import SETTINGS

ROLE = "arn:aws:iam::210987654321:role/ChimeProxyAdmin"
OTHER_VC = "klmnopqrst9876543210a"


@pytest.fixture(scope="module")
def template() -> Template:
    """An env-agnostic stack: one session in us-west-2, one through a role, one plain."""
    stack = cdk.Stack(cdk.App(), "Locations")
    SETTINGS.build(
        stack,
        "West",
        proxy_session_id="s-west",
        region="us-west-2",
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    SETTINGS.build(
        stack,
        "Partner",
        voice_connector_id=OTHER_VC,
        proxy_session_id="s-partner",
        capabilities=[Capability.SMS],
        region="eu-west-2",
        assume_role_arn=ROLE,
        external_id="shared-secret-1",
    )
    SETTINGS.build(stack, "Plain", proxy_session_id=SESSION_ID)
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


def test_region_tokens_pass_to_the_handler() -> None:
    stack = cdk.Stack(cdk.App(), "Tokens")
    region = cdk.CfnParameter(stack, "Region").value_as_string
    SETTINGS.build(stack, "S", region=region)
    assert properties(Template.from_stack(stack), "S")["Region"] == {"Ref": "Region"}


def test_the_external_id_is_not_echoed_in_errors() -> None:
    with pytest.raises(ProxySessionSettingsError) as raised:
        SETTINGS.build(
            cdk.Stack(cdk.App(), "Bad"), "S", assume_role_arn=ROLE, external_id="has spaces secret"
        )
    assert "has spaces secret" not in str(raised.value)
    assert "external_id" in str(raised.value)


def test_the_region_list_is_botocores() -> None:
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    (aws,) = [p for p in loader.load_data("endpoints")["partitions"] if p["partition"] == "aws"]
    regions = {name for name in aws["services"]["voice-chime"]["endpoints"] if "fips" not in name}
    assert tuple(sorted(regions)) == contract.CHIME_SDK_VOICE_REGIONS
