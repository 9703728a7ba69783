"""ResourceProperties of any type parsed by its description (``cfn_properties``): values by name,
defaults, nulls, missing and unknown names, the location, and a Delete's RemovalPolicy."""

from __future__ import annotations

from typing import Any

import pytest

import proxy_contract as contract
from cfn_properties import (
    InvalidPropertiesError,
    Location,
    check_names,
    parse_properties,
    removal_policy_of,
)
from resource_types import (
    PHONE_NUMBERS,
    PROXY_SESSION,
    RESOURCE_TYPES,
    SETTINGS,
    VOICE_CONNECTOR_PROXY,
    Property,
    ResourceType,
)
from tests.bad_input import ROLE_ARN
from tests.helpers import PARTICIPANTS, PHONE_A, VC_ID, properties, property_cases

CASES = property_cases()


def each_property(*, required: bool) -> list[tuple[ResourceType, Property]]:
    return [
        (kind, item)
        for kind in RESOURCE_TYPES
        for item in kind.properties
        if item.required is required
    ]


def label(pair: tuple[ResourceType, Property]) -> str:
    return f"{pair[0].construct}.{pair[1].name}"


def parse_error(kind: ResourceType, props: object) -> str:
    with pytest.raises(InvalidPropertiesError) as raised:
        parse_properties(kind, props)
    return str(raised.value)


@pytest.mark.parametrize("case", CASES["valid"], ids=lambda case: case["name"])
def test_valid_settings_parse(case: dict[str, Any]) -> None:
    parsed = parse_properties(SETTINGS, {**case["properties"], "ServiceToken": "arn:x"})
    expected = case["expected"]
    assert list(parsed["Capabilities"]) == expected["capabilities"]
    assert parsed["ExpiryMinutes"] == expected["expiry_minutes"]
    assert parsed.removal_policy == expected["removal_policy"]
    assert parsed["VoiceConnectorId"] == case["properties"]["VoiceConnectorId"]
    assert parsed["ProxySessionId"] == case["properties"]["ProxySessionId"]


@pytest.mark.parametrize(
    "case",
    [case for case in CASES["invalid"] if "handler" in case["sides"]],
    ids=lambda case: case["name"],
)
def test_invalid_settings_name_the_property(case: dict[str, Any]) -> None:
    assert case["property"] in parse_error(SETTINGS, case["properties"])


def test_every_value_is_parsed_by_its_name() -> None:
    parsed = parse_properties(
        VOICE_CONNECTOR_PROXY,
        properties(
            VOICE_CONNECTOR_PROXY,
            Disabled="true",
            AdoptExisting="true",
            RemovalPolicy="Retain",
            Region="eu-west-2",
        ),
    )
    assert dict(parsed.values) == {
        "VoiceConnectorId": VC_ID,
        "DefaultSessionExpiryMinutes": 60,
        "PhoneNumberPoolCountries": ("US", "CA"),
        "FallBackPhoneNumber": PHONE_A,
        "Disabled": True,
        "AdoptExisting": True,
        "RemovalPolicy": "Retain",
        "Region": "eu-west-2",
        "AssumeRoleArn": None,
        "ExternalId": None,
    }
    assert parsed.location == Location(region="eu-west-2")


@pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_an_absent_optional_is_its_default_and_the_policy_the_types(kind: ResourceType) -> None:
    required = {item.name for item in kind.properties if item.required}
    parsed = parse_properties(kind, {name: properties(kind)[name] for name in required})
    for item in kind.properties:
        if item.name == contract.REMOVAL_POLICY:
            assert parsed.removal_policy == kind.default_removal_policy
        elif not item.required:
            assert parsed[item.name] == item.default, item.name
    assert parsed.location == Location()


def test_the_defaults_other_than_none() -> None:
    defaults = {
        f"{kind.construct}.{item.name}": item.default
        for kind in RESOURCE_TYPES
        for item in kind.properties
        if item.default is not None
    }
    assert defaults == {
        "VoiceConnectorProxy.Disabled": False,
        "VoiceConnectorProxy.AdoptExisting": False,
        "PhoneNumbers.Country": "US",
        "PhoneNumbers.PhoneNumberType": "Local",
        "PhoneNumbers.ProductType": "VoiceConnector",
    }


def test_phone_numbers_are_parsed_by_their_names() -> None:
    parsed = parse_properties(
        PHONE_NUMBERS,
        properties(
            PHONE_NUMBERS,
            Count=" 7 ",
            Country="US",
            AreaCode=None,
            State="WA",
            City="Seattle",
            ProductType="SipMediaApplicationDialIn",
            VoiceConnectorId=None,
            Name="Support line",
        ),
    )
    assert dict(parsed.values) == {
        "Count": 7,
        "Country": "US",
        "AreaCode": None,
        "State": "WA",
        "City": "Seattle",
        "TollFreePrefix": None,
        "PhoneNumberType": "Local",
        "ProductType": "SipMediaApplicationDialIn",
        "VoiceConnectorId": None,
        "Name": "Support line",
        "RemovalPolicy": "Destroy",
        "Region": None,
        "AssumeRoleArn": None,
        "ExternalId": None,
    }


@pytest.mark.parametrize("case", CASES["phone_numbers_valid"], ids=lambda case: case["name"])
def test_valid_phone_numbers_parse(case: dict[str, Any]) -> None:
    parsed = parse_properties(PHONE_NUMBERS, {**case["properties"], "ServiceToken": "arn:x"})
    assert {name: parsed[name] for name in case["expected"]} == case["expected"]


@pytest.mark.parametrize(
    "case",
    [case for case in CASES["phone_numbers_invalid"] if "handler" in case["sides"]],
    ids=lambda case: case["name"],
)
def test_invalid_phone_numbers_name_the_property(case: dict[str, Any]) -> None:
    assert case["property"] in parse_error(PHONE_NUMBERS, case["properties"])


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        (
            {"State": "WA"},
            "Give at most one of AreaCode and State: a search takes one of them.",
        ),
        (
            {"AreaCode": None, "City": "Seattle"},
            "City needs State: a search by city is within a state.",
        ),
        (
            {"PhoneNumberType": "TollFree"},
            "AreaCode narrows a search of local numbers; toll-free numbers are searched by "
            "TollFreePrefix. Remove one of them.",
        ),
        (
            {"AreaCode": None, "TollFreePrefix": "800"},
            "TollFreePrefix is for toll-free numbers: set PhoneNumberType to TollFree too.",
        ),
    ],
)
def test_the_search_is_checked_as_a_whole_by_the_cloudformation_names(
    changed: dict[str, Any], message: str
) -> None:
    assert parse_error(PHONE_NUMBERS, properties(PHONE_NUMBERS, **changed)) == message


def test_each_propertys_own_rule_comes_before_the_search_rule() -> None:
    """A bad value is named for itself, not for the combination it is part of."""
    message = parse_error(
        PHONE_NUMBERS, properties(PHONE_NUMBERS, AreaCode="20", PhoneNumberType="TollFree")
    )
    assert message == "AreaCode must be three digits, got '20'."


@pytest.mark.parametrize(
    ("sent", "parsed"),
    [("true", True), ("false", False), (True, True), (False, False), (None, False)],
)
def test_adopt_existing_is_read_as_cloudformation_sends_it(sent: object, parsed: bool) -> None:
    props = properties(VOICE_CONNECTOR_PROXY, AdoptExisting=sent)
    assert parse_properties(VOICE_CONNECTOR_PROXY, props)[contract.ADOPT_EXISTING] is parsed


def test_adopt_existing_is_the_proxy_configurations_alone() -> None:
    assert contract.ADOPT_EXISTING in VOICE_CONNECTOR_PROXY.property_names
    for kind in (SETTINGS, PROXY_SESSION):
        message = parse_error(kind, properties(kind, AdoptExisting="true"))
        assert "Unknown property 'AdoptExisting'" in message


def test_a_request_takes_the_values_of_its_names_and_leaves_out_the_unset() -> None:
    geo = {"Country": "US", "AreaCode": "206"}
    parsed = parse_properties(
        PROXY_SESSION, properties(PROXY_SESSION, ExpiryMinutes=None, GeoMatchParams=geo)
    )
    request = parsed.request("Capabilities", "ExpiryMinutes", "GeoMatchParams", "Name")
    assert request == {"Capabilities": ["Voice", "SMS"], "GeoMatchParams": geo}
    assert isinstance(request["Capabilities"], list)
    request["GeoMatchParams"]["Country"] = "CA"  # a copy: the parsed value stays as it was
    assert parsed["GeoMatchParams"] == geo
    assert parse_properties(
        VOICE_CONNECTOR_PROXY, properties(VOICE_CONNECTOR_PROXY, Disabled=None)
    ).request("Disabled") == {"Disabled": False}


def test_the_default_policies() -> None:
    defaults = [kind.default_removal_policy for kind in RESOURCE_TYPES]
    assert defaults == ["Retain", "Destroy", "Destroy", "Retain"]


def test_service_token_and_service_timeout_are_accepted() -> None:
    parsed = parse_properties(SETTINGS, properties(ServiceTimeout="300"))
    assert parsed["ExpiryMinutes"] == 60


@pytest.mark.parametrize(
    ("kind", "item"), each_property(required=False), ids=map(label, each_property(required=False))
)
def test_a_null_optional_property_is_not_an_omission(kind: ResourceType, item: Property) -> None:
    message = parse_error(kind, {**properties(kind), item.name: None})
    assert message == f"{item.name} is null; {item.null_advice}."


@pytest.mark.parametrize(
    ("kind", "item"), each_property(required=True), ids=map(label, each_property(required=True))
)
def test_a_missing_required_property_is_named(kind: ResourceType, item: Property) -> None:
    message = parse_error(kind, properties(kind, **{item.name: None}))
    assert message == f"{item.name} is required but missing. Set {item.name}."


def test_unknown_names_are_listed_with_the_accepted_ones() -> None:
    one = parse_error(PROXY_SESSION, properties(PROXY_SESSION, Colour="blue"))
    assert (
        one
        == f"Unknown property 'Colour'. {PROXY_SESSION.type_name} accepts "
        + ", ".join(PROXY_SESSION.property_names)
        + "."
    )
    two = parse_error(SETTINGS, properties(Tags=[], Colour="blue"))
    assert two.startswith("Unknown properties 'Colour', 'Tags'. ")


def test_check_names_returns_the_properties_it_checked() -> None:
    props = properties(VOICE_CONNECTOR_PROXY)
    assert check_names(props, VOICE_CONNECTOR_PROXY) is props


@pytest.mark.parametrize("sent", [[], "{}", None, 7])
def test_properties_must_be_an_object(sent: object) -> None:
    assert parse_error(SETTINGS, sent).startswith("ResourceProperties must be an object")


@pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_an_external_id_needs_a_role(kind: ResourceType) -> None:
    message = parse_error(kind, properties(kind, ExternalId="shared-secret-1"))
    assert message.startswith("ExternalId is set without AssumeRoleArn")
    assert "shared-secret-1" not in message
    both = parse_properties(
        kind, properties(kind, ExternalId="shared-secret-1", AssumeRoleArn=ROLE_ARN)
    )
    assert both.location == Location(role_arn=ROLE_ARN, external_id="shared-secret-1")


@pytest.mark.parametrize(
    ("kind", "name", "advice"),
    [
        (SETTINGS, "ExpiryMinutes", "Omit it to leave the session's expiry as it is."),
        (PROXY_SESSION, "ExpiryMinutes", "Omit it to leave the session's expiry as it is."),
        (VOICE_CONNECTOR_PROXY, "Disabled", "Omit it to keep the proxy enabled."),
        (VOICE_CONNECTOR_PROXY, "DefaultSessionExpiryMinutes", ""),
    ],
)
def test_a_propertys_advice_follows_its_rules_message(
    kind: ResourceType, name: str, advice: str
) -> None:
    bad = "sixty" if "Expiry" in name else "yes"
    message = parse_error(kind, properties(kind, **{name: bad}))
    assert message.startswith(name)
    if advice:
        assert message.endswith(f". {advice}")
    else:
        assert "Omit" not in message  # a required property is never to be left out


@pytest.mark.parametrize(
    ("kind", "sent", "expected"),
    [
        (SETTINGS, None, "Retain"),
        (VOICE_CONNECTOR_PROXY, None, "Destroy"),
        (PROXY_SESSION, None, "Destroy"),
        (PHONE_NUMBERS, None, "Retain"),
        (SETTINGS, "Destroy", "Destroy"),
        (PROXY_SESSION, "Retain", "Retain"),
    ],
)
def test_a_deletes_removal_policy(kind: ResourceType, sent: str | None, expected: str) -> None:
    """Absent or null counts as the type's default: a Retain Delete then makes no call."""
    assert removal_policy_of(kind, {contract.REMOVAL_POLICY: sent}) == expected
    assert removal_policy_of(kind, {}) == kind.default_removal_policy


def test_a_deletes_removal_policy_is_validated_alone() -> None:
    assert removal_policy_of(SETTINGS, {"RemovalPolicy": "Destroy", "VoiceConnectorId": 7}) == (
        "Destroy"
    )
    with pytest.raises(InvalidPropertiesError, match="RemovalPolicy must be 'Retain' or"):
        removal_policy_of(SETTINGS, {"RemovalPolicy": "destroy"})
    with pytest.raises(InvalidPropertiesError, match="ResourceProperties must be an object"):
        removal_policy_of(SETTINGS, ["RemovalPolicy"])


def test_where_the_calls_go_is_described_without_the_external_id() -> None:
    assert Location().describe() == "the function's region, as the function's role"
    assumed = Location(region="us-west-2", role_arn=ROLE_ARN, external_id="shared-secret-1")
    assert assumed.describe() == f"region us-west-2, as role {ROLE_ARN} with an external id"
    assert "shared-secret-1" not in repr(assumed)


def test_values_stay_out_of_the_repr() -> None:
    parsed = parse_properties(PROXY_SESSION, properties(PROXY_SESSION, Name="Help line 7"))
    text = repr(parsed)
    assert "Help line 7" not in text
    for phone in PARTICIPANTS:
        assert phone.lstrip("+") not in text
    proxy = repr(parse_properties(VOICE_CONNECTOR_PROXY, properties(VOICE_CONNECTOR_PROXY)))
    assert PHONE_A[1:] not in proxy
