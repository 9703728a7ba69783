"""Bad ProxySession props, one table row each: synth-time validation names the prop.

Each row builds the construct in one shared stack (no synth) and expects ``ProxySessionError``
whose message names the prop and carries no traceback, and never a phone number or a name (the
rows' numbers and names are checked for).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
import pytest

from chime_proxy_session import (
    Capability,
    GeoMatchLevel,
    GeoMatchParams,
    NumberSelectionBehavior,
    ProxySession,
    ProxySessionError,
    ProxySessionProvider,
)
from tests.bad_input import constructor_props
from tests.helpers import VC_ID
from tests.infra.stand_in import StandInProxy, stand_in

A, B = "+12065550123", "+14255550187"
HIDDEN_NAME = "Secret Line 42"
VALID: dict[str, Any] = {
    "voice_connector_id": VC_ID,
    "participant_phone_numbers": [A, B],
    "capabilities": [Capability.VOICE],
}
OTHER_STACK_PROVIDER = ProxySessionProvider(cdk.Stack(cdk.App(), "Other"), "Provider")


@dataclass(frozen=True)
class PropCase:
    """One bad prop: its name, the value, a label, and any other props the row needs."""

    label: str
    prop: str
    value: Any
    extra: dict[str, Any] = field(default_factory=dict)


def _proxy(stack: cdk.Stack) -> StandInProxy:
    return stand_in(stack, f"Proxy{next(_ids)}", unique=True)


ON_PROXY = "on a proxy"  # the row's props carry a stand-in proxy instead of voice_connector_id


def _cases() -> list[PropCase]:
    table: dict[str, list[tuple[str, Any]]] = {
        "voice_connector_id": [
            ("a number", 42),
            ("empty", ""),
            ("upper case", "ABCDEFGHIJ0123456789K"),
            ("with a slash", "abcdefghij/123456789k"),
            ("None without a proxy", None),
            (f"set {ON_PROXY}", VC_ID),
        ],
        "voice_connector_proxy": [
            ("a string", "klmnopqrst9876543210a"),
            ("a CustomResource", "custom resource"),
        ],
        "participant_phone_numbers": [
            ("None", None),
            ("a string", A),
            ("a tuple of one", (A,)),
            ("three numbers", [A, B, "+14255550100"]),
            ("empty", []),
            ("the same number twice", [A, A]),
            ("an item None", [A, None]),
            ("an item number", [A, 14255550187]),
            ("an item without +", [A, B.lstrip("+")]),
            ("an item with letters", [A, "+1425CALLNOW"]),
            ("an item of 16 digits", [A, "+1425555018712345"]),
            ("a list token", cdk.Fn.split(",", cdk.Aws.REGION)),
        ],
        "capabilities": [
            ("empty", []),
            ("strings", ["Voice"]),
            ("duplicated", [Capability.SMS, Capability.SMS]),
            ("None", None),
        ],
        "expiry": [
            ("an int", 60),
            ("90 seconds", cdk.Duration.seconds(90)),
            ("zero", cdk.Duration.minutes(0)),
        ],
        "name": [
            ("empty", ""),
            ("blank", "   "),
            ("31 characters", HIDDEN_NAME + "x" * 17),
            ("with punctuation", HIDDEN_NAME + "!"),
            ("with an accent", "Séance " + HIDDEN_NAME),
            ("a number", 42),
            ("a list", [HIDDEN_NAME]),
        ],
        "number_selection_behavior": [
            ("a string", "PreferSticky"),
            ("a GeoMatchLevel", GeoMatchLevel.COUNTRY),
            ("a number", 1),
        ],
        "geo_match_level": [
            ("a string", "Country"),
            ("a NumberSelectionBehavior", NumberSelectionBehavior.PREFER_STICKY),
        ],
        "geo_match_params": [
            ("a dict", {"country": "US", "area_code": "206"}),
            ("a tuple", ("US", "206")),
            ("a lower-case country", GeoMatchParams(country="us", area_code="206")),
            ("a three-letter country", GeoMatchParams(country="USA", area_code="206")),
            ("a two-digit area code", GeoMatchParams(country="US", area_code="20")),
            ("an area code with a letter", GeoMatchParams(country="US", area_code="2O6")),
            ("a number area code", GeoMatchParams(country="US", area_code=206)),  # type: ignore[arg-type]
        ],
        "region": [
            ("us-east-2, where the API does not exist", "us-east-2"),
            ("upper case", "US-EAST-1"),
            ("a number", 1),
            (f"set {ON_PROXY}", "us-east-1"),
        ],
        "assume_role_arn": [
            ("a user ARN", "arn:aws:iam::123456789012:user/admin"),
            ("a role name", "ChimeAdmin"),
            (f"set {ON_PROXY}", "arn:aws:iam::123456789012:role/ChimeAdmin"),
        ],
        "external_id": [
            ("without assume_role_arn", "shared-secret-1"),
            (f"set {ON_PROXY}", "shared-secret-1"),
        ],
        "provider": [
            ("another stack's provider", OTHER_STACK_PROVIDER),
            ("not a provider", "ChimeProxySessionProvider"),
            (f"set {ON_PROXY}", OTHER_STACK_PROVIDER),
        ],
        "removal_policy": [
            ("SNAPSHOT", cdk.RemovalPolicy.SNAPSHOT),
            ("a string", "destroy"),
            ("None", None),
        ],
    }
    return [
        PropCase(f"{prop}: {label}", prop, value)
        for prop, rows in table.items()
        for label, value in rows
    ]


CASES = _cases()
_ids = itertools.count()


@pytest.fixture(scope="module")
def stack() -> cdk.Stack:
    """One stack for every row: no row synthesizes, so they can share it."""
    return cdk.Stack(cdk.App(), "BadSessions")


def test_every_prop_has_bad_rows() -> None:
    """A prop added to ProxySession without rows here fails this test."""
    assert {case.prop for case in CASES} == constructor_props(ProxySession)


@pytest.mark.parametrize("case", CASES, ids=[case.label for case in CASES])
def test_bad_prop_is_named(case: PropCase, stack: cdk.Stack) -> None:
    props = {**VALID, case.prop: case.value}
    if case.label.endswith(ON_PROXY) or case.prop == "voice_connector_proxy":
        props.setdefault("voice_connector_proxy", _proxy(stack))
        if case.prop != "voice_connector_id":
            props["voice_connector_id"] = None
    if case.value == "custom resource":
        props["voice_connector_proxy"] = _proxy(stack).resource
    construct_id = f"Case{next(_ids)}"
    with pytest.raises(ProxySessionError) as raised:
        ProxySession(stack, construct_id, **props)
    message = str(raised.value)
    assert message.startswith(f"ProxySession BadSessions/{construct_id}: ")
    assert case.prop in message, message
    assert "Traceback" not in message
    assert 'File "' not in message
    assert len(message) < 1000
    for secret in (A, A.lstrip("+"), B.lstrip("+"), HIDDEN_NAME):
        assert secret not in message
