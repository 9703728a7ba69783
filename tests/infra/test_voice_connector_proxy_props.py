"""Bad VoiceConnectorProxy props, one table row each: synth-time validation names the prop.

Each row builds the construct in one shared stack (no synth) and expects
``VoiceConnectorProxyError`` whose message names the prop, carries no traceback and, for the
fall-back number and the external id, never the value.
"""

from __future__ import annotations

import itertools
import string
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import pytest

from chime_proxy_session import (
    ProxySessionProvider,
    VoiceConnectorProxy,
    VoiceConnectorProxyError,
)
from tests.bad_input import constructor_props
from tests.helpers import VC_ID

VALID: dict[str, Any] = {
    "voice_connector_id": VC_ID,
    "default_session_expiry": cdk.Duration.hours(1),
    "phone_number_pool_countries": ["US"],
}
OTHER_STACK_PROVIDER = ProxySessionProvider(cdk.Stack(cdk.App(), "Other"), "Provider")
TOO_MANY = [a + b for a, b in itertools.product(string.ascii_uppercase, repeat=2)][:101]
ROLE = "arn:aws:iam::123456789012:role/ChimeAdmin"


@dataclass(frozen=True)
class PropCase:
    """One bad prop: its name, the value, a label, and a value the message must not show."""

    label: str
    prop: str
    value: Any
    extra: tuple[tuple[str, Any], ...] = ()
    secret: str | None = None


def _cases() -> list[PropCase]:
    table: dict[str, list[tuple[str, Any]]] = {
        "voice_connector_id": [
            ("a number", 42),
            ("None", None),
            ("empty", ""),
            ("upper case", "ABCDEFGHIJ0123456789K"),
            ("too long", "a" * 23),
            ("with a slash", "abcdefghij/123456789k"),
            ("a list", [VC_ID]),
        ],
        "default_session_expiry": [
            ("None", None),
            ("an int", 60),
            ("a string", "60"),
            ("90 seconds", cdk.Duration.seconds(90)),
            ("zero minutes", cdk.Duration.minutes(0)),
            ("1,500 milliseconds", cdk.Duration.millis(1500)),
        ],
        "phone_number_pool_countries": [
            ("empty", []),
            ("None", None),
            ("a bare string", "US"),
            ("comma-joined", "US,CA"),
            ("lower case", ["us"]),
            ("three letters", ["USA"]),
            ("an item None", [None]),
            ("an item number", [1]),
            ("duplicated", ["US", "CA", "US"]),
            ("101 countries", TOO_MANY),
            ("a dict", {"US": True}),
        ],
        "fall_back_phone_number": [
            ("without a plus", "14255550123"),
            ("with spaces", "+1 425 555 0123"),
            ("16 digits", "+1425555012312345"),
            ("empty", ""),
            ("a number", 14255550123),
        ],
        "disabled": [
            ("a string", "false"),
            ("None", None),
            ("a number", 0),
        ],
        "region": [
            ("us-east-2, where the API does not exist", "us-east-2"),
            ("upper case", "US-EAST-1"),
            ("a number", 1),
        ],
        "assume_role_arn": [
            ("a user ARN", "arn:aws:iam::123456789012:user/admin"),
            ("a role name", "ChimeAdmin"),
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
            ("a string", "destroy"),
            ("None", None),
        ],
    }
    cases = [
        PropCase(
            f"{prop}: {label}",
            prop,
            value,
            secret=value if prop == "fall_back_phone_number" and isinstance(value, str) else None,
        )
        for prop, rows in table.items()
        for label, value in rows
    ]
    cases.append(
        PropCase(
            "external_id: with a space",
            "external_id",
            "shared secret",
            (("assume_role_arn", ROLE),),
            "shared secret",
        )
    )
    return cases


CASES = _cases()
_ids = itertools.count()


@pytest.fixture(scope="module")
def stack() -> cdk.Stack:
    """One stack for every row: no row synthesizes, so they can share it."""
    return cdk.Stack(cdk.App(), "BadProxyProps")


def test_every_prop_has_bad_rows() -> None:
    """A prop added to VoiceConnectorProxy without rows here fails this test."""
    assert {case.prop for case in CASES} == constructor_props(VoiceConnectorProxy)
    assert len({case.label for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.label for case in CASES])
def test_bad_prop_is_named(case: PropCase, stack: cdk.Stack) -> None:
    number = next(_ids)
    # A voice connector of its own per row: the construct refuses a second one for the same.
    own_vc = {"voice_connector_id": f"vc{number:019d}"}
    props = {**VALID, **own_vc, **dict(case.extra), case.prop: case.value}
    construct_id = f"Case{number}"
    with pytest.raises(VoiceConnectorProxyError) as raised:
        VoiceConnectorProxy(stack, construct_id, **props)
    message = str(raised.value)
    assert message.startswith(f"VoiceConnectorProxy BadProxyProps/{construct_id}: ")
    assert case.prop in message, message
    assert "Traceback" not in message
    assert 'File "' not in message
    assert len(message) < 1000
    if case.secret:
        digits = "".join(ch for ch in case.secret if ch.isdigit())
        assert case.secret not in message
        assert not digits or digits[:7] not in message
        assert "not shown" in message


def test_a_second_construct_for_the_same_voice_connector_is_refused() -> None:
    stack = cdk.Stack(cdk.App(), "Twice")
    VoiceConnectorProxy(stack, "First", **VALID)
    with pytest.raises(VoiceConnectorProxyError) as raised:
        VoiceConnectorProxy(stack, "Second", **VALID)
    message = str(raised.value)
    assert "Twice/First" in message
    assert "voice_connector_id" in message
    # Another region holds another voice connector's configuration: allowed.
    VoiceConnectorProxy(stack, "West", **VALID, region="us-west-2")
