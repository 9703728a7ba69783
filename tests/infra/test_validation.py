"""Synth-time validation (``validation.py``): a bad literal prop fails the construct, naming it.

One table per construct (``tables.py``, from row sets shared by prop kind) and one test body: each
row builds its construct in that construct's shared stack (no synth) and expects the construct's
error, whose message starts with "<Kind> <path>: ", names the prop, carries no traceback, stays
short and never shows a secret. Then ProxySessionSettings against the property fixtures the
handler's tests use, and the messages' wording.
"""

from __future__ import annotations

import itertools
from typing import Any

import aws_cdk as cdk
import pytest

from chime_proxy_session import Capability, ProxySessionSettings, ProxySessionSettingsError
from harness.lifecycle import cfn_value
from tests.bad_input import constructor_props
from tests.helpers import property_cases
from tests.infra.tables import SPECS, PropCase, Spec

CASES = [(spec, case) for spec in SPECS for case in spec.cases()]
_ids = itertools.count()


@pytest.fixture(scope="module")
def stacks() -> dict[str, cdk.Stack]:
    """One stack per construct for all its rows: no row synthesizes, so they can share it."""
    return {spec.name: cdk.Stack(cdk.App(), spec.stack_name) for spec in SPECS}


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_every_prop_has_bad_rows(spec: Spec[Any]) -> None:
    """A prop added to a construct (or to its type's description) without rows fails this."""
    cases = spec.cases()
    props = {case.prop for case in cases}
    assert props == constructor_props(spec.construct)
    assert {item.prop for item in spec.construct.KIND.properties} <= props
    assert len({case.label for case in cases}) == len(cases)


@pytest.mark.parametrize(
    ("spec", "case"), CASES, ids=[f"{spec.name}-{case.label}" for spec, case in CASES]
)
def test_bad_prop_is_named(spec: Spec[Any], case: PropCase, stacks: dict[str, cdk.Stack]) -> None:
    stack = stacks[spec.name]
    props = spec.props(case, stack)
    construct_id = f"Case{next(_ids)}"
    with pytest.raises(spec.error) as raised:
        spec.construct(stack, construct_id, **props)
    message = str(raised.value)
    assert message.startswith(f"{spec.name} {stack.stack_name}/{construct_id}: ")
    assert case.prop in message, message
    assert "Traceback" not in message
    assert 'File "' not in message
    assert len(message) < 1000
    for hidden in spec.hidden:
        assert hidden not in message
    if case.secret:
        digits = "".join(ch for ch in case.secret if ch.isdigit())
        assert case.secret not in message
        assert not digits or digits[:7] not in message
        assert "not shown" in message


# ---- ProxySessionSettings against the property fixtures the handler's tests use -----------------
VC_A = "abcdefghij0123456789k"
_PROP_NAMES = {
    "VoiceConnectorId": "voice_connector_id",
    "ProxySessionId": "proxy_session_id",
    "Capabilities": "capabilities",
    "ExpiryMinutes": "expiry",
    "RemovalPolicy": "removal_policy",
}


def construct_props(properties: dict[str, Any]) -> dict[str, Any]:
    by_value = {capability.value: capability for capability in Capability}
    props: dict[str, Any] = {
        "voice_connector_id": properties["VoiceConnectorId"],
        "proxy_session_id": properties["ProxySessionId"],
        "capabilities": [by_value.get(item, item) for item in properties["Capabilities"]],
        "removal_policy": {
            "Retain": cdk.RemovalPolicy.RETAIN,
            "Destroy": cdk.RemovalPolicy.DESTROY,
        }[properties.get("RemovalPolicy", "Retain")],
    }
    if "ExpiryMinutes" in properties:
        props["expiry"] = cdk.Duration.minutes(int(properties["ExpiryMinutes"]))
    return props


@pytest.fixture(scope="module")
def scratch_stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Scratch")


@pytest.mark.parametrize("case", property_cases()["valid"], ids=lambda case: case["name"])
def test_valid_fixtures_write_the_fixtures_properties(
    scratch_stack: cdk.Stack, case: dict[str, Any]
) -> None:
    """The construct writes exactly the properties the handler's fixture holds."""
    settings = ProxySessionSettings(
        scratch_stack, f"ok-{case['name']}", **construct_props(case["properties"])
    )
    written = scratch_stack.resolve(settings.resource.node.default_child._cfn_properties)  # type: ignore[union-attr]
    sent = {
        name: value
        for name, value in cfn_value(written).items()
        if name not in ("ServiceToken", "ServiceTimeout")
    }
    assert sent == {"RemovalPolicy": "Retain", **case["properties"]}


@pytest.mark.parametrize(
    "case",
    [case for case in property_cases()["invalid"] if "construct" in case["sides"]],
    ids=lambda case: case["name"],
)
def test_invalid_fixtures_fail_naming_the_prop(
    scratch_stack: cdk.Stack, case: dict[str, Any]
) -> None:
    with pytest.raises(ProxySessionSettingsError) as caught:
        ProxySessionSettings(
            scratch_stack, f"bad-{case['name']}", **construct_props(case["properties"])
        )
    message = str(caught.value)
    assert _PROP_NAMES[case["property"]] in message
    assert f"bad-{case['name']}" in message


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"expiry": cdk.Duration.seconds(90)}, "whole number of minutes, got 1 minute 30 seconds"),
        ({"expiry": cdk.Duration.seconds(30)}, "expiry must be a whole number of minutes"),
        ({"expiry": 60}, "expiry must be a Duration"),
        ({"capabilities": ["Voice"]}, "capabilities[0] is 'Voice'"),
        ({"capabilities": "Voice"}, "capabilities must be a list"),
        ({"removal_policy": cdk.RemovalPolicy.SNAPSHOT}, "removal_policy must be"),
        ({"voice_connector_id": 42}, "voice_connector_id must be a string"),
        ({"proxy_session_id": None}, "proxy_session_id must be a string"),
    ],
)
def test_prop_errors_are_specific(
    scratch_stack: cdk.Stack, overrides: dict[str, Any], expected: str
) -> None:
    props: dict[str, Any] = {
        "voice_connector_id": VC_A,
        "proxy_session_id": "s",
        "capabilities": [Capability.VOICE],
        **overrides,
    }
    with pytest.raises(ProxySessionSettingsError) as caught:
        ProxySessionSettings(scratch_stack, f"err{len(scratch_stack.node.children)}", **props)
    assert expected in str(caught.value)
