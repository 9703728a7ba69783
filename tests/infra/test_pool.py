"""A proxy and its numbers (``pool.py``): ``VoiceConnectorProxy(phone_numbers=...)`` waits for
them, and synth warns about a pool country that no ``PhoneNumbers`` of the stack orders for the
proxy's voice connector (wherever in the stack they are declared).

One stack, synthesized once, holds proxies each showing one case. The refused ``phone_numbers=``
(unassigned, another voice connector, region, role or stack) are rows of the shared table.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_chime as chime
from aws_cdk.assertions import Annotations, Match, Template

import proxy_contract as contract
from chime_proxy_session import PhoneNumbers, VoiceConnectorProxy
from chime_proxy_session.pool import POOL_COUNTRY_WARNING_ID

VCS = [f"poolvoiceconnector{index:03d}" for index in range(8)]


def proxy(stack: cdk.Stack, construct_id: str, countries: Any, **props: Any) -> VoiceConnectorProxy:
    return VoiceConnectorProxy(
        stack,
        construct_id,
        default_session_expiry=cdk.Duration.hours(1),
        phone_number_pool_countries=countries,
        **props,
    )


def numbers(stack: cdk.Stack, construct_id: str, **props: Any) -> PhoneNumbers:
    return PhoneNumbers(stack, construct_id, count=1, **props)


class Built:
    def __init__(self) -> None:
        self.stack = stack = cdk.Stack(cdk.App(), "Pool")
        connector = chime.CfnVoiceConnector(
            stack, "Connector", name="pool", require_encryption=True, aws_region="us-east-1"
        )
        seattle = numbers(stack, "Seattle", area_code="206", voice_connector=connector)
        tacoma = numbers(stack, "Tacoma", area_code="253", voice_connector=connector)
        # Waits for both; CA has no numbers.
        proxy(
            stack, "Waits", ["US", "CA"], voice_connector=connector, phone_numbers=[seattle, tacoma]
        )
        # No PhoneNumbers at all on this voice connector.
        proxy(stack, "Bare", ["US"], voice_connector_id=VCS[0])
        # Its numbers come later in the stack.
        proxy(stack, "Early", ["US"], voice_connector_id=VCS[1])
        numbers(stack, "Late", area_code="206", voice_connector_id=VCS[1])
        # US numbers, but in another region.
        proxy(stack, "Elsewhere", ["US"], voice_connector_id=VCS[2])
        numbers(stack, "West", area_code="206", voice_connector_id=VCS[2], region="us-west-2")
        # A country known at deploy time only might be any.
        country = cdk.CfnParameter(stack, "Country").value_as_string
        proxy(stack, "Unknown", ["US"], voice_connector_id=VCS[3])
        numbers(stack, "Parameter", country=country, voice_connector_id=VCS[3])
        # Ported numbers: the warning acknowledged.
        ported = proxy(stack, "Ported", ["US", "CA"], voice_connector_id=VCS[4])
        cdk.Annotations.of(ported).acknowledge_warning(POOL_COUNTRY_WARNING_ID, "ported numbers")
        # A list token.
        countries = cdk.CfnParameter(stack, "Countries", type="CommaDelimitedList")
        proxy(stack, "Listed", countries.value_as_list, voice_connector_id=VCS[5])
        self.template = Template.from_stack(stack)
        self.annotations = Annotations.from_stack(stack)

    def logical_id(self, path: str) -> str:
        child = self.stack.node.find_child(path).node.find_child("Resource").node.default_child
        return self.stack.get_logical_id(child)  # type: ignore[arg-type]

    def warnings(self, construct_id: str) -> list[str]:
        found = self.annotations.find_warning(
            f"/Pool/{construct_id}", Match.string_like_regexp(POOL_COUNTRY_WARNING_ID)
        )
        return [str(message.entry.data) for message in found]


@pytest.fixture(scope="module")
def built() -> Built:
    return Built()


def test_the_proxy_waits_for_its_numbers(built: Built) -> None:
    resources = built.template.to_json()["Resources"]
    waits = resources[built.logical_id("Waits")]
    assert waits["Type"] == contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE
    assert sorted(waits["DependsOn"]) == sorted(
        [built.logical_id("Seattle"), built.logical_id("Tacoma")]
    )
    assert "DependsOn" not in resources[built.logical_id("Early")]


def test_a_country_without_numbers_warns(built: Built) -> None:
    (message,) = built.warnings("Waits")
    assert message.startswith(
        "phone_number_pool_countries lists 'CA', but no PhoneNumbers of stack Pool orders CA "
        "numbers for this voice connector, whose numbers are the proxy numbers. Declare "
        "PhoneNumbers(country='CA', voice_connector=...) and pass it as phone_numbers=;"
    )
    assert f"acknowledge_warning('{POOL_COUNTRY_WARNING_ID}', <why>)" in message
    assert len(built.warnings("Bare")) == 1
    assert "lists 'US'" in built.warnings("Bare")[0]


def test_numbers_elsewhere_in_the_stack_count(built: Built) -> None:
    """Declared after the proxy, and not passed to it: still its voice connector's numbers."""
    assert built.warnings("Early") == []


def test_numbers_in_another_region_do_not_count(built: Built) -> None:
    assert len(built.warnings("Elsewhere")) == 1


def test_what_is_known_at_deploy_time_only_is_not_warned_about(built: Built) -> None:
    assert built.warnings("Unknown") == []
    assert built.warnings("Listed") == []


def test_the_warning_can_be_acknowledged(built: Built) -> None:
    assert built.warnings("Ported") == []
