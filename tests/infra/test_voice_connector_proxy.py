"""Synth assertions on VoiceConnectorProxy: properties, IAM scope, attributes, members, regions,
adopting an existing configuration, and the claim table its Create uses."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_chime as chime
from aws_cdk.assertions import Template

import proxy_contract as contract
import resource_types
from cfn_properties import parse_properties
from chime_proxy_session import ProxySessionProvider, VoiceConnectorProxyError
from harness.lifecycle import cfn_value
from tests.helpers import PHONE_A, VC_ID, vc_arn
from tests.infra.claims import assert_claim_table
from tests.infra.tables import SETTINGS
from tests.infra.tables import VOICE_CONNECTOR_PROXY as PROXY

TYPE = contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE
VC_A = VC_ID
VC_B = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
VC_C = "klmnopqrst9876543210a"
ROLE = "arn:aws:iam::210987654321:role/ChimeProxyAdmin"


class Built:
    """The stack, its template and its constructs by id."""

    def __init__(self) -> None:
        self.stack = cdk.Stack(cdk.App(), "Proxies")
        stack = self.stack
        connector = chime.CfnVoiceConnector(
            stack, "Connector", name="support", require_encryption=True, aws_region="us-east-1"
        )
        minutes = cdk.Duration.minutes
        self.main = PROXY.build(
            stack,
            "Main",
            default_session_expiry=minutes(120),
            phone_number_pool_countries=["US", "CA"],
            fall_back_phone_number=PHONE_A,
        )
        self.kept = PROXY.build(
            stack,
            "Kept",
            voice_connector_id=VC_B,
            default_session_expiry=minutes(30),
            phone_number_pool_countries=["GB"],
            disabled=True,
            adopt_existing=True,
            region="us-west-2",
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.partner = PROXY.build(
            stack,
            "Partner",
            voice_connector_id=VC_C,
            default_session_expiry=minutes(45),
            phone_number_pool_countries=["DE", "FR"],
            region="eu-west-2",
            assume_role_arn=ROLE,
            external_id="shared-secret-1",
        )
        self.on_token = PROXY.build(
            stack, "OnToken", voice_connector_id=connector.attr_voice_connector_id
        )
        SETTINGS.build(stack, "Settings", proxy_session_id="s-1")
        self.template = Template.from_stack(stack)

    def resource(self, prefix: str) -> dict[str, Any]:
        (found,) = [
            resource
            for logical_id, resource in self.template.find_resources(TYPE).items()
            if logical_id.startswith(prefix)
        ]
        return dict(found)

    def statements(self) -> dict[str, Any]:
        (policy,) = self.template.find_resources("AWS::IAM::ManagedPolicy").values()
        return {
            s["Action"]: s["Resource"]
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if isinstance(s["Action"], str)
        }


@pytest.fixture(scope="module")
def built() -> Built:
    return Built()


def test_every_setting_becomes_a_property(built: Built) -> None:
    main = built.resource("Main")
    properties = dict(main["Properties"])
    function_id, attribute = properties.pop("ServiceToken")["Fn::GetAtt"]
    assert (function_id.startswith("ChimeProxySessionProviderHandler"), attribute) == (True, "Arn")
    assert properties == {
        "ServiceTimeout": "960",
        "VoiceConnectorId": VC_A,
        "DefaultSessionExpiryMinutes": 120,
        "PhoneNumberPoolCountries": ["US", "CA"],
        "FallBackPhoneNumber": PHONE_A,
        "Disabled": False,
        "RemovalPolicy": "Destroy",
    }
    assert "DeletionPolicy" not in main
    assert "UpdateReplacePolicy" not in main


def test_optional_settings_appear_only_when_set(built: Built) -> None:
    kept = built.resource("Kept")["Properties"]
    assert kept["Disabled"] is True
    assert kept["RemovalPolicy"] == "Retain"
    assert kept["Region"] == "us-west-2"
    assert "FallBackPhoneNumber" not in kept
    assert not {contract.ASSUME_ROLE_ARN, contract.EXTERNAL_ID} & set(kept)
    partner = built.resource("Partner")["Properties"]
    assert (partner["Region"], partner["AssumeRoleArn"], partner["ExternalId"]) == (
        "eu-west-2",
        ROLE,
        "shared-secret-1",
    )
    assert not set(built.resource("Main")["Properties"]) & set(contract.LOCATION_PROPERTIES)


def test_the_handler_accepts_what_the_construct_writes(built: Built) -> None:
    adopts = {}
    for prefix in ("Main", "Kept", "Partner"):
        sent = cfn_value(built.resource(prefix)["Properties"])
        parsed = parse_properties(resource_types.VOICE_CONNECTOR_PROXY, sent)
        assert parsed[contract.PHONE_NUMBER_POOL_COUNTRIES]
        adopts[prefix] = parsed[contract.ADOPT_EXISTING]
    assert adopts == {"Main": False, "Kept": True, "Partner": False}


def test_adopt_existing_is_written_only_when_true(built: Built) -> None:
    """Templates that never adopt stay as they were: the property appears only for True."""
    assert built.resource("Kept")["Properties"][contract.ADOPT_EXISTING] is True
    for prefix in ("Main", "Partner", "OnToken"):
        assert contract.ADOPT_EXISTING not in built.resource(prefix)["Properties"]
    assert (built.kept.adopt_existing, built.main.adopt_existing) == (True, False)


@pytest.mark.parametrize("value", ["true", 1, None])
def test_adopt_existing_must_be_a_bool(value: object) -> None:
    with pytest.raises(VoiceConnectorProxyError) as raised:
        PROXY.build(cdk.Stack(cdk.App(), "Adopts"), "P", adopt_existing=value)
    assert str(raised.value) == (
        f"VoiceConnectorProxy Adopts/P: adopt_existing must be True or False, got {value!r}."
    )


def test_the_claim_table_is_declared_once_for_every_proxy(built: Built) -> None:
    """Four proxies and a settings resource: one table, named to the function, granted to it."""
    assert_claim_table(built.template)
    assert ProxySessionProvider.of(built.stack).claim_table is not None


def test_get_and_put_are_granted_per_voice_connector_in_its_region(built: Built) -> None:
    put = built.statements()["chime:PutVoiceConnectorProxy"]
    west = ["arn:", {"Ref": "AWS::Partition"}, ":chime:us-west-2:", {"Ref": "AWS::AccountId"}]
    assert put[:2] == [vc_arn(VC_A), {"Fn::Join": ["", [*west, f":vc/{VC_B}"]]}]
    assert put[2]["Fn::Join"][1][-1] == {"Fn::GetAtt": ["Connector", "VoiceConnectorId"]}
    assert len(put) == 3  # not VC_C: called through the partner's role
    # A Create reads the configuration first, on the same voice connectors.
    assert built.statements()["chime:GetVoiceConnectorProxy"] == put


def test_delete_is_granted_only_for_destroy(built: Built) -> None:
    delete = json.dumps(built.statements()["chime:DeleteVoiceConnectorProxy"])
    assert VC_A in delete
    assert "Connector" in delete
    assert VC_B not in delete  # RETAIN
    assert VC_C not in delete


def test_an_assumed_role_gets_only_assume_role(built: Built) -> None:
    granted = built.statements()
    assert granted["sts:AssumeRole"] == ROLE
    assert VC_C not in json.dumps(granted)


def test_one_function_serves_settings_and_proxies(built: Built) -> None:
    built.template.resource_count_is("AWS::Lambda::Function", 1)
    (function,) = built.template.find_resources("AWS::Lambda::Function").values()
    assert TYPE in function["Properties"]["Description"]


def test_members_a_proxy_session_reads(built: Built) -> None:
    partner = built.partner
    assert partner.voice_connector_id == VC_C
    assert partner.region == "eu-west-2"
    assert partner.assume_role_arn == ROLE
    assert partner.external_id == "shared-secret-1"
    assert partner.provider is ProxySessionProvider.of(built.stack)
    assert isinstance(partner.resource, cdk.CustomResource)
    assert built.main.region is None  # as given: the stack's region
    assert built.main.removal_policy == cdk.RemovalPolicy.DESTROY
    assert built.kept.disabled is True
    assert built.main.phone_number_pool_countries == ("US", "CA")


def test_tokens_pass_to_the_handler() -> None:
    stack = cdk.Stack(cdk.App(), "Tokens")
    countries = cdk.CfnParameter(stack, "Countries", type="CommaDelimitedList")
    minutes = cdk.CfnParameter(stack, "Minutes", type="Number")
    fall_back = cdk.CfnParameter(stack, "FallBack")
    PROXY.build(
        stack,
        "P",
        default_session_expiry=cdk.Duration.minutes(minutes.value_as_number),
        phone_number_pool_countries=countries.value_as_list,
        fall_back_phone_number=fall_back.value_as_string,
    )
    (resource,) = Template.from_stack(stack).find_resources(TYPE).values()
    properties = resource["Properties"]
    assert properties["PhoneNumberPoolCountries"] == {"Ref": "Countries"}
    assert properties["DefaultSessionExpiryMinutes"] == {"Ref": "Minutes"}
    assert properties["FallBackPhoneNumber"] == {"Ref": "FallBack"}
