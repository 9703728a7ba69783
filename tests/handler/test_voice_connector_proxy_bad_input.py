"""Bad Custom::ChimeVoiceConnectorProxy properties through the real ``index.handler``, a row each.

As in ``test_bad_input.py``: every row must be answered FAILED within two seconds, with a Reason
that names the offending property and carries no traceback, in a body of at most 4,096 bytes, and
without a single ChimeSDKVoice call (a Stubber with nothing queued wraps ``index.client``, and an
event hook counts the calls that were even attempted). Rows of FallBackPhoneNumber also prove that
the value never comes back in the Reason. Delete rows use RemovalPolicy Destroy, explicit or by
default: a Retain Delete validates nothing, by design.
"""

from __future__ import annotations

import itertools
import string
import time
from typing import Any

import pytest
from botocore.stub import Stubber

import proxy_contract as contract
from tests.bad_input import (
    MAX_BODY_BYTES,
    MAX_SECONDS,
    OVERSIZED,
    Case,
    Mutation,
    both,
    drop_prop,
    set_prop,
    set_props,
)
from tests.helpers import Invoke
from tests.vc_proxy_helpers import proxy_event, proxy_properties

VC = contract.VOICE_CONNECTOR_ID
EXPIRY = contract.DEFAULT_SESSION_EXPIRY_MINUTES
COUNTRIES = contract.PHONE_NUMBER_POOL_COUNTRIES
FALL_BACK = contract.FALL_BACK_PHONE_NUMBER
DISABLED = contract.DISABLED
RP = contract.REMOVAL_POLICY
REGION = contract.REGION
ROLE = contract.ASSUME_ROLE_ARN
EXTERNAL = contract.EXTERNAL_ID
WRONG_TYPES: dict[str, Any] = {
    "number": 42,
    "object": {"value": "US"},
    "nested list": [["US"]],
    "null": None,
}
# 101 distinct, well-formed codes: one more than the service accepts.
TOO_MANY_COUNTRIES = [a + b for a, b in itertools.product(string.ascii_uppercase, repeat=2)][:101]


def _cases() -> list[Case]:
    cases: list[Case] = []

    def add(
        label: str, request_type: str, names: str, mutate: Mutation, secret: str | None = None
    ) -> None:
        cases.append(Case(f"{request_type}: {label}", request_type, names, mutate, secret))

    for name in (VC, EXPIRY, COUNTRIES):
        add(f"{name} missing", "Create", name, drop_prop(name))
        add(f"{name} missing", "Update", name, drop_prop(name))
    for name in (VC, EXPIRY, COUNTRIES, FALL_BACK, DISABLED, RP):
        for kind, value in WRONG_TYPES.items():
            if name == EXPIRY and kind == "number":
                continue  # a JSON number is a valid DefaultSessionExpiryMinutes
            add(f"{name} {kind}", "Create", name, set_prop(name, value))
    for label, value in {
        "zero": "0",
        "zero number": 0,
        "negative": "-5",
        "fractional": "1.5",
        "non-numeric": "sixty",
        "empty": "",
        "blank": "   ",
        "exponent": "1e3",
        "huge": "99999999999999",
        "5,000 digits": "9" * 5000,
        "boolean": True,
        "boolean string": "true",
    }.items():
        add(f"{EXPIRY} {label}", "Create", EXPIRY, set_prop(EXPIRY, value))
    add(f"{EXPIRY} zero", "Update", EXPIRY, set_prop(EXPIRY, "0"))
    for label, value in {
        "empty": [],
        "lower case": ["us"],
        "mixed case": ["Us"],
        "three letters": ["USA"],
        "one letter": ["U"],
        "digits": ["12"],
        "with a space": [" US"],
        "non-ASCII": ["ÜS"],
        "duplicated": ["US", "CA", "US"],
        "item null": [None],
        "item number": [1],
        "a bare string": "US",
        "comma-joined": "US,CA",
        "an object of flags": {"US": True},
        "101 countries": TOO_MANY_COUNTRIES,
        "50,000 items": ["US"] * 50_000,
        "item of 300 KB": ["U" * OVERSIZED],
    }.items():
        add(f"{COUNTRIES} {label}", "Create", COUNTRIES, set_prop(COUNTRIES, value))
    add(f"{COUNTRIES} duplicated", "Update", COUNTRIES, set_prop(COUNTRIES, ["GB", "GB"]))
    for label, value in {
        "without a plus": "12065550100",
        "a leading zero": "+012065550100",
        "with spaces": "+1 206 555 0100",
        "with dashes": "+1-206-555-0100",
        "16 digits": "+1206555010012345",
        "a tel URI": "tel:+12065550100",
        "trailing newline": "+12065550100\n",
        "only a plus": "+",
        "empty": "",
        "of 300 KB": "+1" + "2" * OVERSIZED,
    }.items():
        add(f"{FALL_BACK} {label}", "Create", FALL_BACK, set_prop(FALL_BACK, value), value)
    add(f"{FALL_BACK} a number", "Create", FALL_BACK, set_prop(FALL_BACK, 12065550100))
    add(f"{FALL_BACK} without a plus", "Update", FALL_BACK, set_prop(FALL_BACK, "12065550100"))
    for label, value in {
        "True (capitalised)": "True",
        "FALSE": "FALSE",
        "yes": "yes",
        "1": "1",
        "number 0": 0,
        "empty": "",
    }.items():
        add(f"{DISABLED} {label}", "Create", DISABLED, set_prop(DISABLED, value))
    add(f"{DISABLED} yes", "Update", DISABLED, set_prop(DISABLED, "yes"))
    for label, value in {"lower case": "destroy", "Snapshot": "Snapshot", "empty": ""}.items():
        add(f"{RP} {label}", "Create", RP, set_prop(RP, value))
    for label, value in {
        "us-east-2 (no Chime SDK Voice)": "us-east-2",
        "upper case": "US-EAST-1",
        "empty": "",
        "null": None,
    }.items():
        add(f"{REGION} {label}", "Create", REGION, set_prop(REGION, value))
    for label, value in {
        "a user ARN": "arn:aws:iam::123456789012:user/admin",
        "a role name only": "ChimeAdmin",
        "null": None,
    }.items():
        add(f"{ROLE} {label}", "Create", ROLE, set_prop(ROLE, value))
    with_role = {ROLE: "arn:aws:iam::123456789012:role/ChimeAdmin"}
    add(f"{EXTERNAL} with a space", "Create", EXTERNAL, set_props({**with_role, EXTERNAL: "a b"}))
    add(f"{EXTERNAL} without a role", "Create", EXTERNAL, set_prop(EXTERNAL, "shared-secret-1"))
    # Properties of the other types, typos, and strangers.
    for name in ("ExpiryMinutes", "Capabilities", "ProxySessionId", "FallbackPhoneNumber", "Tags"):
        add(f"unknown property {name}", "Create", name, set_prop(name, "x"))
    add("unknown property Colour", "Update", "Colour", set_prop("Colour", "blue"))
    add("property in the wrong case", "Create", "disabled", set_prop("disabled", "true"))
    # Delete with Destroy (explicit, or the default) validates what it would call with.
    destroy = set_prop(RP, contract.DESTROY)
    add(f"Destroy with {VC} bad", "Delete", VC, both(destroy, set_prop(VC, "nope")))
    add(f"default policy with {VC} null", "Delete", VC, both(drop_prop(RP), set_prop(VC, None)))
    add(f"Destroy with {VC} missing", "Delete", VC, both(destroy, drop_prop(VC)))
    add(f"Destroy with {REGION} bad", "Delete", REGION, both(destroy, set_prop(REGION, "mars-1")))
    add(f"{RP} lower-case retain", "Delete", RP, set_prop(RP, "retain"))
    add(f"{RP} a number", "Delete", RP, set_prop(RP, 1))
    return cases


CASES = _cases()


def _request(case: Case, url: str) -> dict[str, Any]:
    physical_id = None if case.request_type == "Create" else "chime-voice-connector-proxy:x:y"
    request = proxy_event(case.request_type, url, props=proxy_properties(), physical_id=physical_id)
    case.mutate(request)
    return request


def test_every_property_has_bad_rows() -> None:
    """A property added to the contract without rows here fails this test."""
    named = {case.names for case in CASES}
    assert set(contract.VOICE_CONNECTOR_PROXY_PROPERTIES) <= named
    assert len({case.label for case in CASES}) == len(CASES), "labels must be unique"


def test_an_unknown_property_lists_the_accepted_ones(invoke: Invoke, api_calls: list[str]) -> None:
    body = invoke(
        lambda url: proxy_event(
            "Create", url, props=proxy_properties(ExpiryMinutes="60"), physical_id=None
        )
    )
    reason = body["Reason"]
    assert "Unknown property 'ExpiryMinutes'" in reason
    assert f"{contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE} accepts" in reason
    for name in contract.VOICE_CONNECTOR_PROXY_PROPERTIES:
        assert name in reason
    assert api_calls == []


@pytest.mark.parametrize("case", CASES, ids=[case.label for case in CASES])
def test_bad_request_fails_fast_and_clearly(
    case: Case, invoke: Invoke, stub: Stubber, api_calls: list[str]
) -> None:
    started = time.monotonic()
    body = invoke(lambda url: _request(case, url))
    elapsed = time.monotonic() - started

    reason = body["Reason"]
    assert body["Status"] == "FAILED", reason
    assert elapsed < MAX_SECONDS, f"answered in {elapsed:.2f} s"
    assert case.names in reason, f"the Reason does not name {case.names}: {reason}"
    assert "Traceback" not in reason
    assert 'File "' not in reason
    assert body["_size"] <= MAX_BODY_BYTES
    assert api_calls == [], f"the handler called {api_calls}"
    stub.assert_no_pending_responses()
    assert body["Data"] == {}
    assert isinstance(body["PhysicalResourceId"], str)
    assert body["PhysicalResourceId"]
    # No Reason here needs masking: a masked example or value would read as <phone number>.
    assert "<phone number>" not in reason, reason
    digits = "".join(ch for ch in case.secret or "" if ch.isdigit())
    if digits:
        assert digits[:7] not in reason, reason
        assert "value is not shown" in reason
