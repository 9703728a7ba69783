"""PhoneNumbers at synth (``phone_numbers.py``): the properties it writes and their defaults, what
the handler reads of them, its attributes, its grants (on ``*`` only what takes no resource ARN,
with the provider's acknowledgment), its claim table, tokens, and the combinations refused.

One stack, synthesized once: numbers with the defaults only, fully configured on a
CfnVoiceConnector, toll-free on a literal id in another region, for SIP media applications, and
through a partner's role. Every bad literal, one prop at a time, is in the shared table
(``tables.PHONE_NUMBERS``, run by ``test_validation.py``).
"""

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
from chime_proxy_session import (
    PhoneNumberProductType,
    PhoneNumbers,
    PhoneNumbersError,
    PhoneNumberType,
    ProxySessionProvider,
)
from chime_proxy_session.wildcards import WILDCARD_RESOURCE_ACKNOWLEDGMENT
from harness.lifecycle import cfn_value
from tests.helpers import VC_ID
from tests.infra.claims import assert_claim_table
from tests.infra.compliance import acknowledgments
from tests.infra.tables import SETTINGS

TYPE = contract.PHONE_NUMBERS_RESOURCE_TYPE
KIND = resource_types.PHONE_NUMBERS
ROLE = "arn:aws:iam::210987654321:role/ChimeNumbers"
ACCOUNT = [f"chime:{operation}" for operation in KIND.account_operations]
ASSIGN = [
    "chime:AssociatePhoneNumbersWithVoiceConnector",
    "chime:DisassociatePhoneNumbersFromVoiceConnector",
]


class Built:
    """The stack, its synthesized template, and its constructs by id."""

    def __init__(self) -> None:
        self.app = cdk.App()
        self.stack = stack = cdk.Stack(self.app, "Numbers")
        self.connector = chime.CfnVoiceConnector(
            stack, "Connector", name="numbers", require_encryption=True, aws_region="us-west-2"
        )
        self.minimal = PhoneNumbers(stack, "Minimal", count=1, area_code="206")
        self.full = PhoneNumbers(
            stack,
            "Full",
            count=5,
            country="US",
            state="WA",
            city="Seattle",
            number_type=PhoneNumberType.LOCAL,
            product_type=PhoneNumberProductType.VOICE_CONNECTOR,
            voice_connector=self.connector,
            name="Support lines, West",
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.toll_free = PhoneNumbers(
            stack,
            "TollFree",
            count=2,
            number_type=PhoneNumberType.TOLL_FREE,
            toll_free_prefix="888",
            voice_connector_id=VC_ID,
            region="eu-west-2",
        )
        self.dial_in = PhoneNumbers(
            stack,
            "DialIn",
            count=1,
            country="GB",
            number_type=PhoneNumberType.TOLL_FREE,
            product_type=PhoneNumberProductType.SIP_MEDIA_APPLICATION_DIAL_IN,
        )
        self.partner = PhoneNumbers(
            stack,
            "Partner",
            count=3,
            area_code="212",
            voice_connector_id="klmnopqrst9876543210a",
            assume_role_arn=ROLE,
            external_id="shared-secret-1",
        )
        self.template = Template.from_stack(stack)

    def properties(self, construct: PhoneNumbers) -> dict[str, Any]:
        logical_id = self.stack.get_logical_id(construct.resource.node.default_child)  # type: ignore[arg-type]
        resource = self.template.to_json()["Resources"][logical_id]
        assert resource["Type"] == TYPE
        properties: dict[str, Any] = resource["Properties"]
        return properties

    def statements(self) -> list[dict[str, Any]]:
        (policy,) = self.template.find_resources("AWS::IAM::ManagedPolicy").values()
        found: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
        return found


@pytest.fixture(scope="module")
def built() -> Built:
    return Built()


def test_the_defaults_are_written(built: Built) -> None:
    properties = dict(built.properties(built.minimal))
    assert properties.pop("ServiceToken")["Fn::GetAtt"][1] == "Arn"
    assert properties == {
        "ServiceTimeout": "960",
        "Count": 1,
        "Country": "US",
        "AreaCode": "206",
        "PhoneNumberType": "Local",
        "ProductType": "VoiceConnector",
        # RETAIN by default: numbers are scarce, and a new order gets other numbers.
        "RemovalPolicy": "Retain",
    }


def test_every_prop_becomes_a_property(built: Built) -> None:
    properties = built.properties(built.full)
    assert {name: value for name, value in properties.items() if name != "ServiceToken"} == {
        "ServiceTimeout": "960",
        "Count": 5,
        "Country": "US",
        "State": "WA",
        "City": "Seattle",
        "PhoneNumberType": "Local",
        "ProductType": "VoiceConnector",
        "VoiceConnectorId": {"Fn::GetAtt": ["Connector", "VoiceConnectorId"]},
        "Name": "Support lines, West",
        "RemovalPolicy": "Destroy",
        "Region": "us-west-2",  # the voice connector's aws_region
    }
    toll_free = built.properties(built.toll_free)
    assert (toll_free["PhoneNumberType"], toll_free["TollFreePrefix"]) == ("TollFree", "888")
    assert (toll_free["VoiceConnectorId"], toll_free["Region"]) == (VC_ID, "eu-west-2")
    assert built.properties(built.dial_in)["ProductType"] == "SipMediaApplicationDialIn"
    partner = built.properties(built.partner)
    assert (partner["AssumeRoleArn"], partner["ExternalId"]) == (ROLE, "shared-secret-1")


def test_the_handler_accepts_what_the_construct_writes(built: Built) -> None:
    for construct in (built.minimal, built.toll_free, built.dial_in, built.partner):
        parsed = parse_properties(KIND, cfn_value(built.properties(construct)))
        assert parsed[contract.COUNT] == construct.count
        assert parsed[contract.COUNTRY] == construct.country


def test_the_attributes_read_the_handlers_data(built: Built) -> None:
    logical_id = built.stack.get_logical_id(built.full.resource.node.default_child)  # type: ignore[arg-type]
    resolved = {
        name: built.stack.resolve(getattr(built.full, name))
        for name in ("attr_phone_numbers", "attr_phone_number_order_id", "attr_count")
    }
    assert resolved == {
        "attr_phone_numbers": {"Fn::GetAtt": [logical_id, "PhoneNumbers"]},
        "attr_phone_number_order_id": {"Fn::GetAtt": [logical_id, "PhoneNumberOrderId"]},
        "attr_count": {"Fn::GetAtt": [logical_id, "Count"]},
    }
    assert KIND.attributes == ("PhoneNumbers", "PhoneNumberOrderId", "Count")


def test_the_members_are_the_props(built: Built) -> None:
    full = built.full
    assert (full.count, full.country, full.state, full.city) == (5, "US", "WA", "Seattle")
    assert full.voice_connector is built.connector
    assert full.voice_connector_id == built.connector.attr_voice_connector_id
    assert full.region == "us-west-2"
    assert full.removal_policy == cdk.RemovalPolicy.DESTROY
    assert (built.minimal.voice_connector, built.minimal.voice_connector_id) == (None, None)
    assert built.minimal.number_type is PhoneNumberType.LOCAL
    assert built.minimal.product_type is PhoneNumberProductType.VOICE_CONNECTOR
    assert built.partner.assume_role_arn == ROLE


def test_the_account_actions_are_on_star_in_one_statement(built: Built) -> None:
    """Search, order, read an order and delete take no resource ARN: one statement on *, once
    for five resources; DeletePhoneNumber is there for RETAIN numbers too (a failed Create
    releases what it bought)."""
    on_star = [s for s in built.statements() if s["Resource"] == "*"]
    assert on_star == [{"Action": ACCOUNT, "Effect": "Allow", "Resource": "*"}]
    assert "chime:DeletePhoneNumber" in ACCOUNT
    assert set(ACCOUNT) | set(ASSIGN) == {f"chime:{op}" for op in KIND.all_operations()}


def test_assigning_is_granted_on_the_voice_connectors_only(built: Built) -> None:
    """Associate and disassociate on each assigned voice connector, in its region; not for the
    unassigned numbers, and not for the partner's (its role needs them)."""
    by_action = {
        s["Action"]: json.dumps(s["Resource"])
        for s in built.statements()
        if isinstance(s["Action"], str)
    }
    for action in ASSIGN:
        resources = by_action[action]
        assert resources.count(":vc/") == 2, resources
        assert '":chime:us-west-2:"' in resources
        assert '{"Fn::GetAtt": ["Connector", "VoiceConnectorId"]}' in resources
        assert ":chime:eu-west-2:" in resources
        assert f":vc/{VC_ID}" in resources
        assert "klmnopqrst9876543210a" not in resources
    assert by_action["sts:AssumeRole"] == json.dumps(ROLE)
    assert {action for action in by_action if action.startswith("chime:")} == set(ASSIGN)


def test_the_claim_table_is_there(built: Built) -> None:
    """An order costs money: each Create and in-place Update claims its request first."""
    assert KIND.creates
    assert KIND.update_creates
    assert_claim_table(built.template)
    assert ProxySessionProvider.of(built.stack).claim_table is not None


def test_the_provider_acknowledges_its_statement_on_star(built: Built) -> None:
    """Once, on the provider's policy, naming the actions (written when the app synthesized)."""
    policy = ProxySessionProvider.of(built.stack).policy
    acknowledged = acknowledgments(built.app)
    *first, last = [action.removeprefix("chime:") for action in ACCOUNT]
    assert acknowledged[WILDCARD_RESOURCE_ACKNOWLEDGMENT] == (
        f"Chime SDK Voice's {', '.join(first)} and {last} take no resource ARN: IAM allows them "
        "on Resource * only. Every other statement names its resources."
    )
    key = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    on_policy = [entry for entry in policy.node.metadata if entry.type == key]
    assert len(on_policy) == 1


def test_no_acknowledgment_without_a_statement_on_star() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "NoStar")
    SETTINGS.build(stack, "Settings")
    PhoneNumbers(stack, "Partner", count=1, area_code="206", assume_role_arn=ROLE)
    app.synth()
    assert WILDCARD_RESOURCE_ACKNOWLEDGMENT not in acknowledgments(app)
    document = json.dumps(stack.resolve(ProxySessionProvider.of(stack).policy.document))
    assert '"*"' not in document


def test_tokens_pass_to_the_handler() -> None:
    stack = cdk.Stack(cdk.App(), "Tokens")
    count = cdk.CfnParameter(stack, "Count", type="Number").value_as_number
    country = cdk.CfnParameter(stack, "Country").value_as_string
    area = cdk.CfnParameter(stack, "Area").value_as_string
    PhoneNumbers(stack, "Numbers", count=count, country=country, area_code=area)  # type: ignore[arg-type]
    (resource,) = Template.from_stack(stack).find_resources(TYPE).values()
    properties = resource["Properties"]
    assert (properties["Count"], properties["Country"], properties["AreaCode"]) == (
        {"Ref": "Count"},
        {"Ref": "Country"},
        {"Ref": "Area"},
    )


def test_two_search_criteria_are_refused_even_as_tokens() -> None:
    """A token's value is known at deploy time only, but that it is given is known now."""
    stack = cdk.Stack(cdk.App(), "TwoTokens")
    area = cdk.CfnParameter(stack, "Area").value_as_string
    state = cdk.CfnParameter(stack, "State").value_as_string
    with pytest.raises(PhoneNumbersError) as raised:
        PhoneNumbers(stack, "Numbers", count=1, area_code=area, state=state)
    assert str(raised.value) == (
        "PhoneNumbers TwoTokens/Numbers: Give at most one of area_code and state: a search takes "
        "one of them."
    )


def test_sip_media_application_numbers_stay_unassigned() -> None:
    stack = cdk.Stack(cdk.App(), "DialIn")
    dial_in = PhoneNumberProductType.SIP_MEDIA_APPLICATION_DIAL_IN
    PhoneNumbers(stack, "Fine", count=1, area_code="206", product_type=dial_in)
    with pytest.raises(PhoneNumbersError) as raised:
        PhoneNumbers(
            stack,
            "Assigned",
            count=1,
            area_code="206",
            product_type=dial_in,
            voice_connector_id=VC_ID,
        )
    assert str(raised.value) == (
        "PhoneNumbers DialIn/Assigned: product_type SipMediaApplicationDialIn numbers are for SIP "
        "media applications, not voice connectors: remove voice_connector_id, or order "
        "VoiceConnector numbers."
    )
