"""Malformed CloudFormation requests through the real ``index.handler``, one table row each.

Every row must be answered FAILED within two seconds, with a Reason that names the offending
property or event field and carries no traceback, in a body of at most 4,096 bytes, and without a
single ChimeSDKVoice call: a Stubber with nothing queued wraps ``index.client`` (any call would
raise and change the Reason) and an event hook counts the calls that were even attempted.

Property rows use Create (and some Update): a Delete with RemovalPolicy Retain makes no call and
validates nothing, by design; the Delete rows carry RemovalPolicy Destroy.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.stub import Stubber

import proxy_contract as contract
import settings_resource
from tests.bad_input import (
    MAX_BODY_BYTES,
    MAX_SECONDS,
    OVERSIZED,
    Case,
    Mutation,
    both,
    drop_field,
    drop_prop,
    set_field,
    set_prop,
    set_props,
)
from tests.helpers import SESSION_ID, VC_ID, Invoke, event, properties

PHYSICAL_ID = settings_resource.physical_resource_id(VC_ID, SESSION_ID)


VC = contract.VOICE_CONNECTOR_ID
PS = contract.PROXY_SESSION_ID
CAP = contract.CAPABILITIES
EXP = contract.EXPIRY_MINUTES
RP = contract.REMOVAL_POLICY
REGION = contract.REGION
ROLE = contract.ASSUME_ROLE_ARN
EXTERNAL = contract.EXTERNAL_ID
WRONG_TYPES: dict[str, Any] = {
    "number": 42,
    "object": {"id": "abcdefghij0123456789k"},
    "nested list": [["Voice"]],
    "null": None,
}


def _cases() -> list[Case]:
    cases: list[Case] = []

    def add(label: str, request_type: str, names: str, mutate: Mutation) -> None:
        cases.append(Case(f"{request_type}: {label}", request_type, names, mutate))

    # Each required property missing.
    for name in (VC, PS, CAP):
        add(f"{name} missing", "Create", name, drop_prop(name))
        add(f"{name} missing", "Update", name, drop_prop(name))
    # Wrong types for every property.
    for name in (VC, PS, CAP, EXP, RP):
        for kind, value in WRONG_TYPES.items():
            if name == EXP and kind == "number":
                continue  # a JSON number is a valid ExpiryMinutes
            add(f"{name} {kind}", "Create", name, set_prop(name, value))
    add(f"{VC} boolean", "Update", VC, set_prop(VC, True))
    add(f"{CAP} a comma-joined string", "Create", CAP, set_prop(CAP, "Voice,SMS"))
    add(f"{CAP} an object of flags", "Update", CAP, set_prop(CAP, {"Voice": True}))
    # Capabilities: empty, unknown, wrong case, duplicated, bad items.
    for label, value in {
        "empty": [],
        "unknown Fax": ["Fax"],
        "lower-case voice": ["voice"],
        "lower-case sms": ["Voice", "sms"],
        "upper-case VOICE": ["VOICE"],
        "duplicated Voice": ["Voice", "Voice"],
        "duplicated SMS after Voice": ["SMS", "Voice", "SMS"],
        "item null": [None],
        "item number": [1],
        "item with spaces": [" Voice "],
    }.items():
        add(f"{CAP} {label}", "Create", CAP, set_prop(CAP, value))
    # ExpiryMinutes: zero, negative, fractional, non-numeric, huge, boolean.
    for label, value in {
        "zero string": "0",
        "zero number": 0,
        "negative": "-5",
        "negative number": -1,
        "fractional string": "1.5",
        "fractional number": 1.5,
        "non-numeric": "sixty",
        "empty string": "",
        "exponent": "1e3",
        "hexadecimal": "0x10",
        "huge string": "99999999999999",
        "huge number": 10**30,
        "huge negative": "-" + "9" * 20,
        "5,000 digits": "9" * 5000,
        "blank": "   ",
        "above the service integer": "2147483648",
        "boolean true": True,
        "boolean false": False,
        "boolean string": "true",
        "infinity": "Infinity",
    }.items():
        add(f"{EXP} {label}", "Create", EXP, set_prop(EXP, value))
    # Ids: empty, blank, too long, slashes, unicode, not matching the pattern.
    for label, value in {
        "empty": "",
        "blank": "   ",
        "too long (23)": "a" * 23,
        "too short (20)": "a" * 20,
        "with a slash": "abcdefghij/123456789k",
        "path traversal": "../../abcdefghij01234k",
        "unicode": "abcdefghij0123456789ķ",
        "upper case": "ABCDEFGHIJ0123456789K",
        "upper-case UUID": "0F1E2D3C-4B5A-6978-8A9B-0C1D2E3F4A5B",
        "trailing newline": "abcdefghij0123456789k\n",
        "ARN instead of id": "arn:aws:chime:us-east-1:123456789012:vc/abcdefghij0123456789k",
    }.items():
        add(f"{VC} {label}", "Create", VC, set_prop(VC, value))
    for label, value in {
        "empty": "",
        "blank": " \t ",
        "too long (129)": "s" * 129,
        "with a slash": "a/b",
        "path traversal": "../x",
        "unicode accent": "séance",
        "unicode emoji": "session-\N{TELEPHONE SIGN}",
        "with a space": "a b",
        "control character": "a\x00b",
    }.items():
        add(f"{PS} {label}", "Create", PS, set_prop(PS, value))
    # RemovalPolicy values other than Retain and Destroy.
    for label, value in {"lower case": "destroy", "Snapshot": "Snapshot", "empty": ""}.items():
        add(f"{RP} {label}", "Create", RP, set_prop(RP, value))
    # Where and as whom: regions without the API, malformed role ARNs, external ids.
    for label, value in {
        "us-east-2 (no Chime SDK Voice)": "us-east-2",
        "upper case": "US-EAST-1",
        "empty": "",
        "a list": ["us-east-1"],
        "null": None,
    }.items():
        add(f"{REGION} {label}", "Create", REGION, set_prop(REGION, value))
    for label, value in {
        "a user ARN": "arn:aws:iam::123456789012:user/admin",
        "a role name only": "ChimeAdmin",
        "an 11-digit account": "arn:aws:iam::12345678901:role/ChimeAdmin",
        "empty": "",
        "null": None,
    }.items():
        add(f"{ROLE} {label}", "Create", ROLE, set_prop(ROLE, value))
    with_role = {ROLE: "arn:aws:iam::123456789012:role/ChimeAdmin"}
    for label, value in {
        "one character": "x",
        "with a space": "shared secret",
        "too long (1225)": "e" * 1225,
        "a number": 12,
    }.items():
        add(f"{EXTERNAL} {label}", "Create", EXTERNAL, set_props({**with_role, EXTERNAL: value}))
    add(f"{EXTERNAL} without a role", "Create", EXTERNAL, set_prop(EXTERNAL, "shared-secret-1"))
    # Unknown extra properties.
    add("unknown property Colour", "Create", "Colour", set_prop("Colour", "blue"))
    add(
        "property in the wrong case",
        "Create",
        "voiceConnectorId",
        set_prop("voiceConnectorId", VC_ID),
    )
    add("unknown property Tags", "Update", "Tags", set_prop("Tags", [{"Key": "a", "Value": "b"}]))
    # Oversized payloads.
    add(f"{PS} of 300 KB", "Create", PS, set_prop(PS, "x" * OVERSIZED))
    add(f"{VC} of 300 KB", "Create", VC, set_prop(VC, "a" * OVERSIZED))
    add(f"{CAP} item of 300 KB", "Create", CAP, set_prop(CAP, ["V" * OVERSIZED]))
    add(f"{CAP} of 50,000 items", "Create", CAP, set_prop(CAP, ["Voice"] * 50_000))
    add("unknown property of 300 KB", "Create", "Blob", set_prop("Blob", "b" * OVERSIZED))
    # RequestType.
    for label, value in {
        "Upsert": "Upsert",
        "lower-case create": "create",
        "empty": "",
        "null": None,
        "number": 42,
        "list": ["Create"],
    }.items():
        add(f"RequestType {label}", "Create", "RequestType", set_field("RequestType", value))
    add("RequestType missing", "Create", "RequestType", drop_field("RequestType"))
    # Standard event fields missing or unusable.
    for name in ("StackId", "RequestId", "LogicalResourceId", "ResourceProperties"):
        add(f"{name} missing", "Create", name, drop_field(name))
        add(f"{name} null", "Create", name, set_field(name, None))
    absent = object()  # marks "remove the field" in the rows below
    field_rows: list[tuple[str, str, str, Any]] = [
        # (request type, field, label, value)
        ("Update", "StackId", "a number", 7),
        ("Create", "RequestId", "empty", ""),
        ("Create", "LogicalResourceId", "an object", {}),
        ("Update", "ResourceProperties", "missing", absent),
        ("Create", "ResourceProperties", "a list", []),
        ("Update", "ResourceProperties", "a string", "{}"),
        ("Delete", "ResourceProperties", "a list", [RP]),
        ("Update", "PhysicalResourceId", "missing", absent),
        ("Delete", "PhysicalResourceId", "missing", absent),
        ("Update", "PhysicalResourceId", "empty", ""),
        ("Delete", "PhysicalResourceId", "null", None),
        ("Delete", "PhysicalResourceId", "a number", 7),
        ("Update", "PhysicalResourceId", "an object", {}),
    ]
    for request_type, name, label, value in field_rows:
        mutate = drop_field(name) if value is absent else set_field(name, value)
        add(f"{name} {label}", request_type, name, mutate)
    # Delete with RemovalPolicy Destroy validates what it would call with.
    destroy = set_prop(RP, contract.DESTROY)
    add(f"Destroy with {VC} bad", "Delete", VC, both(destroy, set_prop(VC, "nope")))
    add(f"Destroy with {VC} null", "Delete", VC, both(destroy, set_prop(VC, None)))
    add(f"Destroy with {PS} missing", "Delete", PS, both(destroy, drop_prop(PS)))
    add(f"Destroy with {PS} slash", "Delete", PS, both(destroy, set_prop(PS, "a/../b")))
    add(f"{RP} lower-case destroy", "Delete", RP, set_prop(RP, "destroy"))
    add(f"{RP} a number", "Delete", RP, set_prop(RP, 1))
    return cases


CASES = _cases()


def _request(case: Case, url: str) -> dict[str, Any]:
    physical_id = None if case.request_type == "Create" else PHYSICAL_ID
    request = event(case.request_type, url, props=properties(), physical_id=physical_id)
    case.mutate(request)
    return request


def test_a_reason_echoes_the_bad_id_as_given(invoke: Invoke, api_calls: list[str]) -> None:
    """Digits inside an id are not mistaken for a phone number and masked."""
    bad = "ABCDEFGHIJ0123456789K"
    body = invoke(lambda url: event("Create", url, props=properties(VoiceConnectorId=bad)))
    assert f"VoiceConnectorId {bad!r} is not a voice connector id" in body["Reason"]
    assert api_calls == []


def test_every_property_has_bad_rows() -> None:
    """A property added to the contract without rows here fails this test."""
    named = {case.names for case in CASES}
    assert set(contract.SETTINGS_PROPERTIES) <= named
    assert len({case.label for case in CASES}) == len(CASES), "labels must be unique"


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
