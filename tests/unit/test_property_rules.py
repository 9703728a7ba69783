"""Every value rule (``property_rules``) against its good values and its bad ones.

The bad values are the table the handler's bad-input rows are made of (``tests/bad_input.py``);
here each is checked against its rule directly: refused with a RuleError that names the value's
name, ends a sentence, stays short, and never shows a secret.
"""

from __future__ import annotations

import inspect
import itertools
import string
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

import combination_rules
import property_rules as rules
import proxy_contract as contract
from property_rules import Rule, RuleError
from resource_types import PHONE_NUMBERS
from tests.bad_input import BAD_VALUES, ROLE_ARN, bad_values, hidden_parts
from tests.helpers import PARTICIPANTS, SESSION_ID, VC_ID

NAME = "SomeProperty"
A, B = PARTICIPANTS
HUNDRED_COUNTRIES = [a + b for a, b in itertools.product(string.ascii_uppercase, repeat=2)][:100]

# Each rule's good values: (value as CloudFormation may send it, what the rule returns).
GOOD_VALUES: Mapping[Rule, list[tuple[Any, Any]]] = {
    rules.voice_connector_id: [
        (VC_ID, VC_ID),
        (f"{VC_ID}l", f"{VC_ID}l"),
        ("0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"),
    ],
    rules.proxy_session_id: [(SESSION_ID, SESSION_ID), ("x", "x"), ("!" * 128, "!" * 128)],
    rules.capabilities: [
        (["Voice"], ("Voice",)),
        (["SMS", "Voice"], ("SMS", "Voice")),  # the order given is kept
    ],
    rules.minutes: [
        ("60", 60),
        (60, 60),
        (" 60 ", 60),
        ("0060", 60),
        ("+5", 5),
        ("1", contract.EXPIRY_MINUTES_MIN),
        ("720", contract.EXPIRY_MINUTES_DOCUMENTED_MAX),
        (str(contract.EXPIRY_MINUTES_HARD_MAX), contract.EXPIRY_MINUTES_HARD_MAX),
    ],
    rules.removal_policy: [("Retain", "Retain"), ("Destroy", "Destroy")],
    rules.region: [(region, region) for region in contract.CHIME_SDK_VOICE_REGIONS],
    rules.role_arn: [
        (ROLE_ARN, ROLE_ARN),
        (
            "arn:aws-us-gov:iam::123456789012:role/path/Chime+Admin",
            "arn:aws-us-gov:iam::123456789012:role/path/Chime+Admin",
        ),
    ],
    rules.external_id: [
        ("ab", "ab"),
        ("shared-secret-1", "shared-secret-1"),
        ("x+=,.@:/-", "x+=,.@:/-"),
        ("e" * 1224, "e" * 1224),
    ],
    rules.e164: [(A, A), ("+44", "+44"), ("+123456789012345", "+123456789012345")],
    rules.participants: [([A, B], (A, B))],
    rules.countries: [
        (["US", "CA"], ("US", "CA")),
        (HUNDRED_COUNTRIES[::-1], tuple(HUNDRED_COUNTRIES[::-1])),  # the most, order kept
    ],
    rules.country_code: [("US", "US"), ("GB", "GB")],
    rules.area_code: [("206", "206"), ("000", "000")],
    rules.boolean: [("true", True), ("false", False), (True, True), (False, False)],
    rules.session_name: [("Help line 7", "Help line 7"), ("a" * 30, "a" * 30), ("x", "x")],
    rules.number_selection_behavior: [
        (value, value) for value in contract.NUMBER_SELECTION_BEHAVIORS
    ],
    rules.geo_match_level: [(value, value) for value in contract.GEO_MATCH_LEVELS],
    rules.geo_match_params: [
        ({"Country": "US", "AreaCode": "206"}, {"Country": "US", "AreaCode": "206"}),
    ],
    rules.count: [
        ("2", 2),
        (2, 2),
        (" 7 ", 7),
        ("007", 7),
        ("1", contract.PHONE_NUMBER_COUNT_MIN),
        ("100", contract.PHONE_NUMBER_COUNT_MAX),
    ],
    rules.toll_free_prefix: [(prefix, prefix) for prefix in ("800", "833", "844", "888")],
    rules.state: [("WA", "WA"), ("NY", "NY")],
    rules.city: [
        ("Seattle", "Seattle"),
        ("St. Louis", "St. Louis"),
        ("Winston-Salem", "Winston-Salem"),
        ("Coeur d'Alene", "Coeur d'Alene"),
        ("C" * 64, "C" * 64),
    ],
    rules.phone_number_type: [(value, value) for value in contract.PHONE_NUMBER_TYPES],
    rules.product_type: [(value, value) for value in contract.PRODUCT_TYPES],
    rules.order_name: [
        ("Support line", "Support line"),
        ("q1-2026_support,west.", "q1-2026_support,west."),
        ("n" * 256, "n" * 256),
    ],
}


def all_rules() -> list[Rule]:
    """Every rule the module defines: each public function of (name, value), and the rules
    ``one_of`` made."""
    found: list[Rule] = []
    for name, value in vars(rules).items():
        if name.startswith("_") or not callable(value) or name == "one_of":
            continue
        if inspect.isfunction(value) and list(inspect.signature(value).parameters) == [
            "name",
            "value",
        ]:
            found.append(value)
    return found


def rule_id(rule: Rule) -> str:
    return rule.__name__


def good_rows() -> Iterator[tuple[Rule, Any, Any]]:
    for rule, rows in GOOD_VALUES.items():
        for value, expected in rows:
            yield rule, value, expected


def bad_rows() -> Iterator[tuple[Rule, str, Any]]:
    for rule in BAD_VALUES:
        for label, value in bad_values(rule).items():
            yield rule, label, value


def test_every_rule_has_good_and_bad_values() -> None:
    """A rule added to property_rules without rows here fails this test."""
    defined = {rule_id(rule) for rule in all_rules()}
    assert "one_of(PreferSticky, AvoidSticky)" in defined
    assert {rule_id(rule) for rule in GOOD_VALUES} == defined
    assert {rule_id(rule) for rule in BAD_VALUES} == defined


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    list(good_rows()),
    ids=[f"{rule_id(rule)}-{n}" for n, (rule, _, _) in enumerate(good_rows())],
)
def test_a_good_value_is_parsed(rule: Rule, value: Any, expected: Any) -> None:
    parsed = rule(NAME, value)
    assert parsed == expected
    assert type(parsed) is type(expected)


@pytest.mark.parametrize(
    ("rule", "label", "value"),
    list(bad_rows()),
    ids=[f"{rule_id(rule)}: {label}" for rule, label, _ in bad_rows()],
)
def test_a_bad_value_is_refused_and_named(rule: Rule, label: str, value: Any) -> None:
    with pytest.raises(RuleError) as raised:
        rule(NAME, value)
    message = str(raised.value)
    assert message.startswith(NAME), message
    assert message.endswith("."), message
    assert len(message) < 600, message
    if rule in rules.SECRET_RULES:
        assert "not shown" in message, message
        for hidden in hidden_parts(value):
            assert hidden not in message, message


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        (rules.voice_connector_id, "nope", "SomeProperty 'nope' is not a voice connector id"),
        (rules.proxy_session_id, "a/b", "SomeProperty 'a/b' holds a character"),
        (rules.capabilities, ["Fax"], "SomeProperty[0] is 'Fax'; each capability must be"),
        (rules.capabilities, ["SMS", "SMS"], "SomeProperty lists 'SMS' twice"),
        (rules.capabilities, ["Sms"], "SomeProperty[0] is 'Sms'; each capability must be"),
        (rules.minutes, "sixty", "SomeProperty must be a whole number of minutes such as"),
        (rules.minutes, "-5", "SomeProperty must be at least 1, got -5."),
        (rules.removal_policy, "destroy", "SomeProperty must be 'Retain' or 'Destroy', got"),
        (rules.region, "mars-1", "SomeProperty 'mars-1' is not a region where"),
        (rules.role_arn, "ChimeAdmin", "SomeProperty 'ChimeAdmin' is not an IAM role ARN"),
        (rules.countries, ["us"], "SomeProperty[0] is 'us'; it must be an upper-case ISO"),
        (rules.countries, ["GB", "GB"], "SomeProperty lists 'GB' twice"),
        (rules.countries, [*HUNDRED_COUNTRIES, "ZZ"], "SomeProperty lists 101 countries"),
        (rules.boolean, "yes", 'SomeProperty must be "true" or "false", got \'yes\'.'),
        (rules.geo_match_params, {"Country": "us", "AreaCode": "206"}, "SomeProperty.Country"),
        (rules.geo_match_params, {"Country": "US", "AreaCode": "20"}, "SomeProperty.AreaCode"),
        (rules.participants, [A], "got 1 item(s) (values not shown)"),
        (rules.participants, [A, A], "lists the same phone number twice (not shown)"),
        (rules.participants, [A, "+1"], "SomeProperty[1] is not an E.164 phone number"),
        (rules.e164, 12065550100, "(a number; its value is not shown)"),
        (rules.participants, {"first": A}, "got an object (values not shown)"),
        (rules.session_name, None, "got null (the value is not shown)"),
        (rules.session_name, "n" * 31, "got 31 characters (the value is not shown)"),
        (rules.count, "0", "SomeProperty must be a whole number from 1 to 100, got '0'."),
        (rules.count, 101, "declare more resources for more"),
        (rules.toll_free_prefix, "900", "must be a toll-free prefix: 800, 833, 844, 855"),
        (rules.state, "wa", "SomeProperty must be a state's two upper-case letters, e.g. WA"),
        (rules.city, "Seattle1", "SomeProperty must be a city's name, e.g. Seattle (with State)"),
        (rules.phone_number_type, "local", "must be one of Local, TollFree, got 'local'."),
        (rules.product_type, "x", "must be one of VoiceConnector, SipMediaApplicationDialIn"),
        (rules.order_name, "a/b", "SomeProperty must be 1 to 256 characters: words of letters"),
    ],
)
def test_a_message_says_what_is_wrong(rule: Rule, value: Any, expected: str) -> None:
    with pytest.raises(RuleError) as raised:
        rule(NAME, value)
    assert expected in str(raised.value)


@pytest.mark.parametrize("value", ["99999999999999", "9" * 5000, 10**30, "2147483648"])
def test_a_huge_expiry_is_counted_not_echoed(value: object) -> None:
    with pytest.raises(RuleError, match=r"-digit number of minutes") as raised:
        rules.minutes(NAME, value)
    assert "<phone number>" not in str(raised.value)
    assert "720 minutes (12 hours)" in str(raised.value)


def test_a_huge_negative_expiry_is_below_one() -> None:
    with pytest.raises(RuleError, match="must be at least 1, got a 40-digit negative number"):
        rules.minutes(NAME, "-" + "9" * 40)


def test_an_unresolved_reference_says_what_to_use_instead() -> None:
    with pytest.raises(RuleError) as raised:
        rules.e164(NAME, "{{resolve:ssm-secure:/help/line}}")
    message = str(raised.value)
    assert "dynamic reference that CloudFormation did not resolve" in message
    assert "Use a secretsmanager reference." in message
    assert "/help/line" not in message


def test_one_of_accepts_exactly_its_values() -> None:
    rule = rules.one_of(("Alpha", "Beta"))
    assert rule.__name__ == "one_of(Alpha, Beta)"
    assert rule(NAME, "Beta") == "Beta"
    with pytest.raises(RuleError) as raised:
        rule(NAME, "alpha")
    assert str(raised.value) == "SomeProperty must be one of Alpha, Beta, got 'alpha'."


def test_the_secret_rules_are_the_phone_numbers_the_external_id_and_the_names() -> None:
    """The service model marks a session's name and an order's name sensitive."""
    secret = {
        rules.e164,
        rules.participants,
        rules.external_id,
        rules.session_name,
        rules.order_name,
    }
    assert secret == rules.SECRET_RULES


# The rule over several properties: the search SearchAvailablePhoneNumbers accepts ---------------

# The construct's names, as a synth-time message uses them.
PROPS = {item.name: item.prop for item in PHONE_NUMBERS.properties}


def search(**given: Any) -> dict[str, Any]:
    """Parsed PhoneNumbers values: the defaults, and ``given``."""
    return {**{item.name: item.default for item in PHONE_NUMBERS.properties}, **given}


@pytest.mark.parametrize(
    "values",
    [
        search(),
        search(AreaCode="206"),
        search(State="WA"),
        search(State="WA", City="Seattle"),
        search(PhoneNumberType="TollFree"),
        search(PhoneNumberType="TollFree", TollFreePrefix="888"),
        search(AreaCode="206", VoiceConnectorId=VC_ID),
        search(ProductType="SipMediaApplicationDialIn"),
        search(Country="GB", ProductType="SipMediaApplicationDialIn"),
    ],
    ids=[
        "nothing",
        "area code",
        "state",
        "city in a state",
        "toll-free",
        "toll-free prefix",
        "area code, assigned",
        "dial-in, unassigned",
        "outside the US, dial-in",
    ],
)
def test_a_search_the_service_accepts_passes(values: dict[str, Any]) -> None:
    combination_rules.phone_number_search(PROPS, values)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            search(AreaCode="206", State="WA"),
            "Give at most one of area_code and state: a search takes one of them.",
        ),
        (
            search(AreaCode="206", TollFreePrefix="800", PhoneNumberType="TollFree"),
            "Give at most one of area_code and toll_free_prefix",
        ),
        (search(City="Seattle"), "city needs state: a search by city is within a state."),
        (
            search(State="WA", City="Seattle", PhoneNumberType="TollFree"),
            "state narrows a search of local numbers; toll-free numbers are searched by "
            "toll_free_prefix. Remove one of them.",
        ),
        (
            search(TollFreePrefix="800"),
            "toll_free_prefix is for toll-free numbers: set number_type to TollFree too.",
        ),
        # Dial-in numbers go to a SIP media application, never to a voice connector.
        (search(ProductType="SipMediaApplicationDialIn", VoiceConnectorId=VC_ID), "product_type"),
        # Outside the US: no narrowing, and dial-in numbers only (the API reference).
        (
            search(Country="GB", State="WA", ProductType="SipMediaApplicationDialIn"),
            "state narrows a search in the US only; for GB give number_type alone.",
        ),
        (
            search(Country="CA"),
            "VoiceConnector numbers are ordered in the US only; numbers of CA are ordered as "
            "SipMediaApplicationDialIn (product_type).",
        ),
    ],
    ids=[
        "two criteria",
        "area code and prefix",
        "city alone",
        "local criteria, toll-free",
        "prefix, local",
        "outside the US, narrowed",
        "outside the US, voice connector numbers",
        "dial-in on a voice connector",
    ],
)
def test_a_search_the_service_refuses_is_refused_by_the_names_given(
    values: dict[str, Any], expected: str
) -> None:
    with pytest.raises(RuleError) as raised:
        combination_rules.phone_number_search(PROPS, values)
    assert expected in str(raised.value)


def test_a_value_known_at_deploy_time_only_is_given_but_not_compared() -> None:
    unknown = combination_rules.UNKNOWN
    combination_rules.phone_number_search(PROPS, search(Country=unknown, AreaCode="206"))
    combination_rules.phone_number_search(
        PROPS, search(PhoneNumberType=unknown, TollFreePrefix="800")
    )
    combination_rules.phone_number_search(
        PROPS, search(ProductType=unknown, VoiceConnectorId=VC_ID)
    )
    with pytest.raises(rules.RuleError, match="Give at most one of area_code and state"):
        combination_rules.phone_number_search(PROPS, search(AreaCode=unknown, State=unknown))
