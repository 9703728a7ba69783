"""Bad ProxySessionSettings props, one table row each: synth-time validation names the prop.

Each row builds the construct in one shared stack (no synth) and expects
``ProxySessionSettingsError`` whose message names the prop and carries no traceback.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import pytest

from chime_proxy_session import (
    Capability,
    ProxySessionProvider,
    ProxySessionSettings,
    ProxySessionSettingsError,
)
from tests.bad_input import constructor_props
from tests.helpers import SESSION_ID, VC_ID

VALID: dict[str, Any] = {
    "voice_connector_id": VC_ID,
    "proxy_session_id": SESSION_ID,
    "capabilities": [Capability.VOICE],
}


# A provider of another stack: a provider serves its own stack only.
OTHER_STACK_PROVIDER = ProxySessionProvider(cdk.Stack(cdk.App(), "Other"), "Provider")


@dataclass(frozen=True)
class PropCase:
    """One bad prop: its name, the value, and a label."""

    label: str
    prop: str
    value: Any


def _cases() -> list[PropCase]:
    table: dict[str, list[tuple[str, Any]]] = {
        "voice_connector_id": [
            ("a number", 42),
            ("None", None),
            ("empty", ""),
            ("blank", "   "),
            ("upper case", "ABCDEFGHIJ0123456789K"),
            ("too long", "a" * 23),
            ("with a slash", "abcdefghij/123456789k"),
            ("unicode", "abcdefghij0123456789ķ"),
            ("a list", [VC_ID]),
        ],
        "proxy_session_id": [
            ("a number", 7),
            ("None", None),
            ("empty", ""),
            ("blank", " \t "),
            ("129 characters", "s" * 129),
            ("300 KB", "x" * 300 * 1024),
            ("with a slash", "a/b"),
            ("unicode", "séance"),
            ("with a space", "a b"),
        ],
        "capabilities": [
            ("empty", []),
            ("strings instead of Capability", ["Voice"]),
            ("lower-case string", ["voice"]),
            ("duplicated", [Capability.SMS, Capability.SMS]),
            ("a bare string", "Voice"),
            ("a bare Capability", Capability.VOICE),
            ("None", None),
            ("an item None", [None]),
            ("a token", cdk.Token.as_string(cdk.Aws.REGION)),
            ("a dict", {"Voice": True}),
        ],
        "expiry": [
            ("an int", 60),
            ("a string", "60"),
            ("90 seconds", cdk.Duration.seconds(90)),
            ("30 seconds", cdk.Duration.seconds(30)),
            ("zero minutes", cdk.Duration.minutes(0)),
            ("1,500 milliseconds", cdk.Duration.millis(1500)),
            ("a timedelta-like float", 1.5),
        ],
        "region": [
            ("us-east-2, where the API does not exist", "us-east-2"),
            ("upper case", "US-EAST-1"),
            ("a number", 1),
            ("empty", ""),
        ],
        "assume_role_arn": [
            ("a user ARN", "arn:aws:iam::123456789012:user/admin"),
            ("a role name", "ChimeAdmin"),
            ("a number", 123456789012),
        ],
        "external_id": [
            ("without assume_role_arn", "shared-secret-1"),
        ],
        "provider": [
            ("another stack's provider", OTHER_STACK_PROVIDER),
            ("not a provider", "ChimeProxySessionProvider"),
        ],
        "removal_policy": [
            ("SNAPSHOT", cdk.RemovalPolicy.SNAPSHOT),
            ("RETAIN_ON_UPDATE_OR_DELETE", cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE),
            ("a string", "retain"),
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
    return cdk.Stack(cdk.App(), "BadProps")


def test_every_prop_has_bad_rows() -> None:
    """A prop added to ProxySessionSettings without rows here fails this test."""
    assert {case.prop for case in CASES} == constructor_props(ProxySessionSettings)


@pytest.mark.parametrize("case", CASES, ids=[case.label for case in CASES])
def test_bad_prop_is_named(case: PropCase, stack: cdk.Stack) -> None:
    props = {**VALID, case.prop: case.value}
    construct_id = f"Case{next(_ids)}"
    with pytest.raises(ProxySessionSettingsError) as raised:
        ProxySessionSettings(stack, construct_id, **props)
    message = str(raised.value)
    assert message.startswith(f"ProxySessionSettings BadProps/{construct_id}: ")
    assert case.prop in message, message
    assert "Traceback" not in message
    assert 'File "' not in message
    assert len(message) < 1000
