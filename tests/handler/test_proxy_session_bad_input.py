"""Malformed Custom::ChimeProxySession requests through the real ``index.handler``, one row each.

Every row must be answered FAILED within two seconds, with a Reason that names the offending
property and carries no traceback and no phone number (not even masked: a participant's number is
never echoed at all), in a body of at most 4,096 bytes, and without a single ChimeSDKVoice call:
a Stubber with nothing queued wraps ``index.client`` and an event hook counts the calls that were
even attempted. Property rows use Create (and some Update); the Delete rows carry RemovalPolicy
Destroy, since a Retain Delete makes no call and validates nothing beyond its policy.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.stub import Stubber

import proxy_contract as contract
from proxy_session_resource import physical_resource_id
from tests.bad_input import MAX_SECONDS, OVERSIZED, Case, drop_prop, set_prop
from tests.helpers import VC_ID, Invoke
from tests.session_helpers import PARTICIPANTS, session_event, session_properties

PHYSICAL_ID = physical_resource_id(VC_ID, "s-1")
A, B = PARTICIPANTS


VC = contract.VOICE_CONNECTOR_ID
PHONES = contract.PARTICIPANT_PHONE_NUMBERS
CAP = contract.CAPABILITIES
EXP = contract.EXPIRY_MINUTES
NAME = contract.NAME
NSB = contract.NUMBER_SELECTION_BEHAVIOR
LEVEL = contract.GEO_MATCH_LEVEL
GEO = contract.GEO_MATCH_PARAMS
RP = contract.REMOVAL_POLICY
REGION = contract.REGION
ROLE = contract.ASSUME_ROLE_ARN
EXTERNAL = contract.EXTERNAL_ID
ROLE_ARN = "arn:aws:iam::123456789012:role/ChimeAdmin"


def _rows() -> dict[str, dict[str, Any]]:
    """For each property: label -> bad value (``...`` means: leave the property out)."""
    return {
        VC: {
            "missing": ...,
            "a number": 42,
            "null": None,
            "empty": "",
            "upper case": "ABCDEFGHIJ0123456789K",
            "with a slash": "abcdefghij/123456789k",
            "an ARN": f"arn:aws:chime:us-east-1:123456789012:vc/{VC_ID}",
            "300 KB": "a" * OVERSIZED,
        },
        PHONES: {
            "missing": ...,
            "null": None,
            "a string": A,
            "comma-joined": f"{A},{B}",
            "an object": {"first": A, "second": B},
            "empty": [],
            "one number": [A],
            "three numbers": [A, B, "+14255550100"],
            "the same number twice": [A, A],
            "an item null": [A, None],
            "an item number": [A, 14255550187],
            "an item without +": [A, B.lstrip("+")],
            "an item with letters": [A, "+1425CALLNOW"],
            "an item of 16 digits": [A, "+1425555018712345"],
            "an item with spaces": [A, "+1 425 555 0187"],
            "an item of 300 KB": [A, "+" + "1" * OVERSIZED],
            "50,000 items": [A] * 50_000,
            "an unresolved secretsmanager reference": [
                A,
                "{{resolve:secretsmanager:help-line:SecretString:customer}}",
            ],
            "an unresolved ssm-secure reference": [A, "{{resolve:ssm-secure:/help/customer}}"],
        },
        CAP: {
            "missing": ...,
            "null": None,
            "empty": [],
            "a string": "Voice,SMS",
            "lower case": ["voice"],
            "duplicated": ["SMS", "SMS"],
            "unknown Fax": ["Fax"],
        },
        EXP: {
            "null": None,
            "zero": "0",
            "negative": "-5",
            "fractional": "1.5",
            "non-numeric": "sixty",
            "boolean": True,
            "above the service integer": "2147483648",
        },
        NAME: {
            "null": None,
            "empty": "",
            "blank": "   ",
            "31 characters": "n" * 31,
            "with punctuation": "help-line",
            "with an accent": "Séance",
            "with a newline": "help\nline",
            "a number": 7,
            "a list": ["help"],
            "300 KB": "n" * OVERSIZED,
        },
        NSB: {
            "null": None,
            "empty": "",
            "lower case": "prefersticky",
            "unknown": "Sticky",
            "a number": 1,
        },
        LEVEL: {
            "null": None,
            "empty": "",
            "lower case": "country",
            "unknown": "City",
            "a list": ["Country"],
        },
        GEO: {
            "null": None,
            "a string": "US/206",
            "a list": ["US", "206"],
            "without AreaCode": {"Country": "US"},
            "without Country": {"AreaCode": "206"},
            "with an extra key": {"Country": "US", "AreaCode": "206", "City": "Seattle"},
            "a lower-case country": {"Country": "us", "AreaCode": "206"},
            "a three-letter country": {"Country": "USA", "AreaCode": "206"},
            "a two-digit area code": {"Country": "US", "AreaCode": "20"},
            "an area code with letters": {"Country": "US", "AreaCode": "2O6"},
            "a number area code": {"Country": "US", "AreaCode": 206},
        },
        RP: {
            "null": None,
            "lower case": "destroy",
            "Snapshot": "Snapshot",
            "empty": "",
            "a number": 1,
        },
        REGION: {"null": None, "without the API": "us-east-2", "upper case": "US-EAST-1"},
        ROLE: {"null": None, "a user ARN": "arn:aws:iam::123456789012:user/admin", "empty": ""},
        EXTERNAL: {"without a role": "shared-secret-1"},
    }


def _cases() -> list[Case]:
    cases: list[Case] = []
    for name, rows in _rows().items():
        for label, value in rows.items():
            mutate = drop_prop(name) if value is ... else set_prop(name, value)
            cases.append(Case(f"Create: {name} {label}", "Create", name, mutate))
    for name, value in ((EXTERNAL, "x"), (EXTERNAL, "has a space")):

        def with_role(request: dict[str, Any], value: Any = value) -> None:
            request["ResourceProperties"].update({ROLE: ROLE_ARN, EXTERNAL: value})

        cases.append(Case(f"Create: {name} {value!r} with a role", "Create", name, with_role))
    for name, label, value in (
        ("Colour", "an unknown property", "blue"),
        ("ProxySessionId", "the settings resource's ProxySessionId", "s-1"),
        ("participantPhoneNumbers", "a property in the wrong case", [A, B]),
    ):
        cases.append(Case(f"Create: {label}", "Create", name, set_prop(name, value)))
    for name, label, value in (
        (PHONES, "one number", [A]),
        (NAME, "31 characters", "n" * 31),
        (GEO, "a lower-case country", {"Country": "us", "AreaCode": "206"}),
        (CAP, "empty", []),
        ("Tags", "an unknown property", [{"Key": "a", "Value": "b"}]),
    ):
        cases.append(Case(f"Update: {name} {label}", "Update", name, set_prop(name, value)))
    for name, label, mutate in (
        (VC, "bad", set_prop(VC, "nope")),
        (PHONES, "one number", set_prop(PHONES, [A])),
        (REGION, "without the API", set_prop(REGION, "us-east-2")),
        (RP, "lower-case destroy", set_prop(RP, "destroy")),
        (RP, "a number", set_prop(RP, 1)),
    ):
        cases.append(Case(f"Delete (Destroy): {name} {label}", "Delete", name, mutate))
    return cases


CASES = _cases()


def _request(case: Case, url: str) -> dict[str, Any]:
    physical_id = None if case.request_type == "Create" else PHYSICAL_ID
    request = session_event(
        case.request_type, url, props=session_properties(), physical_id=physical_id
    )
    case.mutate(request)
    return request


def test_every_property_has_bad_rows() -> None:
    """A property added to the contract without rows here fails this test."""
    named = {case.names for case in CASES}
    assert set(contract.PROXY_SESSION_PROPERTIES) <= named
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
    assert body["_size"] <= 4096
    assert api_calls == [], f"the handler called {api_calls}"
    assert body["Data"] == {}
    for phone in PARTICIPANTS:
        assert phone.lstrip("+") not in reason
    if case.names == PHONES:
        # parse_e164's own example number is masked in every Reason; nothing else may be.
        echoed = reason.replace("e.g. <phone number>.", "")
        assert "<phone number>" not in echoed, "a phone number was echoed (and then masked)"
        assert "help-line" not in reason, "a dynamic reference was echoed"
        assert "/help/customer" not in reason, "a dynamic reference was echoed"


def test_an_unresolved_secure_reference_says_what_to_use_instead(
    invoke: Invoke, stub: Stubber
) -> None:
    props = session_properties(ParticipantPhoneNumbers=[A, "{{resolve:ssm-secure:/line}}"])
    body = invoke(lambda url: session_event("Create", url, props=props))
    assert (
        "ParticipantPhoneNumbers[1] is a dynamic reference that CloudFormation did not resolve"
        in (body["Reason"])
    )
    assert "{{resolve:secretsmanager:...}}" in body["Reason"]
