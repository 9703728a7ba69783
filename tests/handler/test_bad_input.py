"""Malformed requests of every resource type through the real ``index.handler``, a row each.

The property rows come from the descriptions (``resource_types``): every property of every type
gets its rule's bad values (``tests/bad_input.py``, a table keyed by rule), a null row, a missing
row when it is required, and a wrong-case spelling; every type gets unknown properties, oversized
values and malformed envelopes; each type adds its own rows (Update and Delete variants).

Every row must be answered FAILED within two seconds, with a Reason that names the offending
property or event field and carries no traceback, in a body of at most 4,096 bytes, with the
request's own PhysicalResourceId (or the failed-Create marker), and without a single
ChimeSDKVoice call: a Stubber with nothing queued wraps ``index.client`` (any call would raise and
change the Reason) and an event hook counts the calls that were even attempted; nor is any work
claimed in the claim table. No Reason shows a
phone number or a secret, not even masked. A Delete with RemovalPolicy Retain makes no call and
validates nothing else, by design: the Delete rows carry RemovalPolicy Destroy.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

import proxy_contract as contract
from cfn_properties import parse_properties
from cfn_request import is_failed_create
from harness.dynamodb import DynamoDBServer
from property_rules import SECRET_RULES
from resource_types import (
    PHONE_NUMBERS,
    PROXY_SESSION,
    RESOURCE_TYPES,
    SETTINGS,
    VOICE_CONNECTOR_PROXY,
    Property,
    ResourceType,
)
from safe_text import echo
from tests.bad_input import (
    ALONGSIDE,
    BAD_VALUES,
    MAX_BODY_BYTES,
    MAX_SECONDS,
    OVERSIZED,
    ROLE_ARN,
    Mutation,
    bad_values,
    both,
    drop_field,
    drop_prop,
    hidden_parts,
    set_field,
    set_prop,
    set_props,
)
from tests.claim_tables import ClaimTableInfo
from tests.helpers import PARTICIPANTS, VC_ID, Invoke, event, properties, sample

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

VC = contract.VOICE_CONNECTOR_ID
RP = contract.REMOVAL_POLICY
EXTERNAL = contract.EXTERNAL_ID
DESTROY = set_prop(RP, contract.DESTROY)
ABSENT = object()  # marks "remove the field" in the envelope rows


@dataclass(frozen=True)
class Case:
    """One malformed request: what is sent, the name its Reason must carry, what it must hide."""

    label: str
    kind: ResourceType
    request_type: str
    names: str
    mutate: Mutation
    # Strings the Reason must never hold, not even masked (phone numbers, secrets).
    hidden: tuple[str, ...] = ()
    # The value is a secret: the Reason says it is not shown.
    secret: bool = False
    # The value itself looks like a phone number where it is echoed: the Reason may mask it.
    masked: bool = False


def _property_rows(kind: ResourceType, item: Property) -> Iterator[Case]:
    name, secret = item.name, item.rule in SECRET_RULES
    alongside = ALONGSIDE.get(item.rule, {})
    for label, value in bad_values(item.rule).items():
        yield Case(
            f"{name} {label}",
            kind,
            "Create",
            name,
            set_props({**alongside, name: value}),
            hidden=hidden_parts(value) if secret else (),
            secret=secret,
            masked=not secret and "<phone number>" in echo(value),
        )
    yield Case(f"{name} null", kind, "Create", name, set_prop(name, None))
    wrong_case = name[0].lower() + name[1:]
    yield Case(
        f"{name} in the wrong case",
        kind,
        "Create",
        wrong_case,
        set_prop(wrong_case, sample(kind).properties.get(name, "x")),
    )
    if item.required:
        for request_type in ("Create", "Update"):
            yield Case(f"{name} missing", kind, request_type, name, drop_prop(name))
        yield Case(
            f"Destroy with {name} missing", kind, "Delete", name, both(DESTROY, drop_prop(name))
        )
    if name == RP:
        for label, value in bad_values(item.rule).items():
            yield Case(f"{name} {label}", kind, "Delete", name, set_prop(name, value))


def _other_rows(kind: ResourceType) -> Iterator[Case]:
    """Rows every type shares: unknown properties, the external id alone, the envelope."""
    for request_type in ("Create", "Update"):
        yield Case(
            "unknown property Colour", kind, request_type, "Colour", set_prop("Colour", "blue")
        )
        yield Case(
            "unknown property Tags",
            kind,
            request_type,
            "Tags",
            set_prop("Tags", [{"Key": "a", "Value": "b"}]),
        )
    yield Case(
        "unknown property of 300 KB", kind, "Create", "Blob", set_prop("Blob", "b" * OVERSIZED)
    )
    others = {item.name for other in RESOURCE_TYPES for item in other.properties}
    for name in sorted(others - set(kind.property_names)):
        yield Case(f"unknown property {name}", kind, "Create", name, set_prop(name, "x"))
    yield Case(
        f"{EXTERNAL} without a role",
        kind,
        "Create",
        EXTERNAL,
        set_prop(EXTERNAL, "shared-secret-1"),
    )
    for label, value in {
        "Upsert": "Upsert",
        "lower-case create": "create",
        "empty": "",
        "null": None,
        "number": 42,
        "list": ["Create"],
    }.items():
        yield Case(
            f"RequestType {label}", kind, "Create", "RequestType", set_field("RequestType", value)
        )
    yield Case("RequestType missing", kind, "Create", "RequestType", drop_field("RequestType"))
    field_rows: list[tuple[str, str, str, Any]] = [
        # (request type, field, label, value)
        *(("Create", name, "missing", ABSENT) for name in _ENVELOPE),
        *(("Create", name, "null", None) for name in _ENVELOPE),
        ("Update", "StackId", "a number", 7),
        ("Create", "RequestId", "empty", ""),
        ("Create", "LogicalResourceId", "an object", {}),
        ("Update", "ResourceProperties", "missing", ABSENT),
        ("Create", "ResourceProperties", "a list", []),
        ("Update", "ResourceProperties", "a string", "{}"),
        ("Delete", "ResourceProperties", "a list", [RP]),
        ("Update", "PhysicalResourceId", "missing", ABSENT),
        ("Delete", "PhysicalResourceId", "missing", ABSENT),
        ("Update", "PhysicalResourceId", "empty", ""),
        ("Delete", "PhysicalResourceId", "null", None),
        ("Delete", "PhysicalResourceId", "a number", 7),
        ("Update", "PhysicalResourceId", "an object", {}),
    ]
    for request_type, name, label, value in field_rows:
        mutate = drop_field(name) if value is ABSENT else set_field(name, value)
        yield Case(f"{name} {label}", kind, request_type, name, mutate)


_ENVELOPE = ("StackId", "RequestId", "LogicalResourceId", "ResourceProperties")
_A = PARTICIPANTS[0]
# What only one type's table held: Update and Delete variants, and values of its own.
_OWN_ROWS: dict[str, list[tuple[str, str, str, Mutation]]] = {
    SETTINGS.type_name: [
        ("Update", VC, "a boolean", set_prop(VC, True)),
        ("Update", "Capabilities", "an object of flags", set_prop("Capabilities", {"Voice": True})),
        ("Delete", VC, "bad (Destroy)", both(DESTROY, set_prop(VC, "nope"))),
        ("Delete", VC, "null (Destroy)", both(DESTROY, set_prop(VC, None))),
        (
            "Delete",
            "ProxySessionId",
            "slash (Destroy)",
            both(DESTROY, set_prop("ProxySessionId", "a/../b")),
        ),
        # The rows of test_handler's parametrized table, as Updates.
        *(
            ("Update", name, label, set_prop(name, value))
            for name, label, value in (
                ("Capabilities", "empty", []),
                ("Capabilities", "lower-case voice", ["voice"]),
                ("ExpiryMinutes", "zero string", "0"),
                ("ExpiryMinutes", "non-numeric", "sixty"),
                (VC, "not a connector", "not-a-connector"),
                ("ProxySessionId", "blank", " "),
                (RP, "Snapshot", "Snapshot"),
                ("Extra", "unknown", "1"),
            )
        ),
        ("Create", VC, "not a connector", set_prop(VC, "not-a-connector")),
        ("Create", "ProxySessionId", "one space", set_prop("ProxySessionId", " ")),
        ("Create", "Extra", "unknown", set_prop("Extra", "1")),
    ],
    VOICE_CONNECTOR_PROXY.type_name: [
        (
            "Update",
            "DefaultSessionExpiryMinutes",
            "zero",
            set_prop("DefaultSessionExpiryMinutes", "0"),
        ),
        (
            "Update",
            "PhoneNumberPoolCountries",
            "duplicated",
            set_prop("PhoneNumberPoolCountries", ["GB", "GB"]),
        ),
        (
            "Update",
            "FallBackPhoneNumber",
            "without a plus",
            set_prop("FallBackPhoneNumber", "12065550100"),
        ),
        ("Update", "Disabled", "yes", set_prop("Disabled", "yes")),
        ("Create", "disabled", "wrong case, true", set_prop("disabled", "true")),
        ("Create", "FallbackPhoneNumber", "a typo", set_prop("FallbackPhoneNumber", "x")),
        ("Create", "Tags", "a string", set_prop("Tags", "x")),
        ("Delete", VC, "bad (Destroy)", both(DESTROY, set_prop(VC, "nope"))),
        ("Delete", VC, "null (default policy)", both(drop_prop(RP), set_prop(VC, None))),
        (
            "Delete",
            contract.REGION,
            "bad (Destroy)",
            both(DESTROY, set_prop(contract.REGION, "mars-1")),
        ),
    ],
    PROXY_SESSION.type_name: [
        (
            "Create",
            "ProxySessionId",
            "the settings resource's, s-1",
            set_prop("ProxySessionId", "s-1"),
        ),
        (
            "Update",
            "ParticipantPhoneNumbers",
            "one number",
            set_prop("ParticipantPhoneNumbers", [_A]),
        ),
        ("Update", "Name", "31 characters", set_prop("Name", "n" * 31)),
        (
            "Update",
            "GeoMatchParams",
            "a lower-case country",
            set_prop("GeoMatchParams", {"Country": "us", "AreaCode": "206"}),
        ),
        ("Update", "Capabilities", "empty", set_prop("Capabilities", [])),
        ("Delete", VC, "bad", set_prop(VC, "nope")),
        (
            "Delete",
            "ParticipantPhoneNumbers",
            "one number",
            set_prop("ParticipantPhoneNumbers", [_A]),
        ),
        ("Delete", contract.REGION, "without the API", set_prop(contract.REGION, "us-east-2")),
        *(
            (
                "Create",
                EXTERNAL,
                f"{value!r} with a role",
                set_props({contract.ASSUME_ROLE_ARN: ROLE_ARN, EXTERNAL: value}),
            )
            for value in ("x", "has a space")
        ),
    ],
    PHONE_NUMBERS.type_name: [
        # Searches the service refuses: each property valid alone, the whole not.
        ("Create", "AreaCode", "and State", set_prop("State", "WA")),
        (
            "Create",
            "AreaCode",
            "and TollFreePrefix, toll-free",
            set_props({"TollFreePrefix": "888", "PhoneNumberType": "TollFree"}),
        ),
        ("Create", "AreaCode", "with TollFree", set_prop("PhoneNumberType", "TollFree")),
        ("Create", "City", "without State", both(drop_prop("AreaCode"), set_prop("City", "X"))),
        (
            "Create",
            "TollFreePrefix",
            "with the Local type",
            both(drop_prop("AreaCode"), set_prop("TollFreePrefix", "800")),
        ),
        (
            "Create",
            "ProductType",
            "dial-in on a voice connector",
            set_prop("ProductType", "SipMediaApplicationDialIn"),
        ),
        ("Update", "Count", "101", set_prop("Count", "101")),
        ("Update", "Count", "zero", set_prop("Count", "0")),
        ("Update", "AreaCode", "and State", set_prop("State", "WA")),
        ("Update", "Country", "lower case", set_prop("Country", "us")),
        ("Delete", "Count", "zero (Destroy)", both(DESTROY, set_prop("Count", "0"))),
        ("Delete", VC, "bad (Destroy)", both(DESTROY, set_prop(VC, "nope"))),
    ],
}


def _cases() -> list[Case]:
    cases: list[Case] = []
    for kind in RESOURCE_TYPES:
        rows = [row for item in kind.properties for row in _property_rows(kind, item)]
        rows += _other_rows(kind)
        rows += (
            Case(f"{names} {label}", kind, request_type, names, mutate)
            for request_type, names, label, mutate in _OWN_ROWS[kind.type_name]
        )
        cases += (
            replace(row, label=f"{kind.construct} {row.request_type}: {row.label}") for row in rows
        )
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def dynamodb_client(dynamodb: DynamoDBServer) -> DynamoDBClient:
    """One client of moto's DynamoDB for the module's many rows (a client costs ~50 ms)."""
    return dynamodb.client()


def _request(case: Case, url: str) -> dict[str, Any]:
    request = event(case.request_type, url, kind=case.kind)
    case.mutate(request)
    return request


@pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_every_property_has_bad_rows(kind: ResourceType) -> None:
    """A property added to a description without a rule that has bad values fails this test."""
    rows = {(case.names, case.request_type) for case in CASES if case.kind == kind}
    labels = {case.label for case in CASES if case.kind == kind}
    for item in kind.properties:
        assert item.rule in BAD_VALUES, f"no bad values for {item.name}'s rule"
        assert (item.name, "Create") in rows
        assert f"{kind.construct} Create: {item.name} null" in labels
        assert (f"{kind.construct} Create: {item.name} missing" in labels) is item.required
        sizes = [len(repr(value)) for value in bad_values(item.rule).values()]
        assert max(sizes) >= OVERSIZED, f"no oversized value for {item.name}"
    assert set(kind.property_names) == {item.name for item in kind.properties}


def test_labels_are_unique() -> None:
    assert len({case.label for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.label for case in CASES])
def test_bad_request_fails_fast_and_clearly(
    case: Case,
    invoke: Invoke,
    stub: Stubber,
    api_calls: list[str],
    claim_table: ClaimTableInfo,
    dynamodb_client: DynamoDBClient,
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
    claimed = dynamodb_client.scan(TableName=claim_table.name, Limit=1)["Items"]
    assert claimed == [], "a refused request claimed work"
    assert body["Data"] == {}
    sent = body["_event"].get("PhysicalResourceId")
    if isinstance(sent, str) and sent:
        assert body["PhysicalResourceId"] == sent
    else:
        assert is_failed_create(body["PhysicalResourceId"]), body["PhysicalResourceId"]
    if not case.masked:
        # Nothing here needs masking: a masked value or example would read as <phone number>.
        assert "<phone number>" not in reason, reason
    for hidden in (*case.hidden, *hidden_parts(list(sample(case.kind).phone_numbers))):
        assert hidden not in reason, f"the Reason shows {hidden!r}"
    if case.secret:
        assert "not shown" in reason, reason


def test_a_reason_echoes_the_bad_id_as_given(invoke: Invoke, api_calls: list[str]) -> None:
    """Digits inside an id are not mistaken for a phone number and masked."""
    bad = "ABCDEFGHIJ0123456789K"
    body = invoke(lambda url: event("Create", url, props=properties(VoiceConnectorId=bad)))
    assert f"VoiceConnectorId {bad!r} is not a voice connector id" in body["Reason"]
    assert api_calls == []


@pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_an_unknown_property_lists_the_accepted_ones(
    kind: ResourceType, invoke: Invoke, api_calls: list[str]
) -> None:
    stranger = "ExpiryMinutes" if kind is VOICE_CONNECTOR_PROXY else "Colour"
    body = invoke(
        lambda url: event("Create", url, kind=kind, props=properties(kind, **{stranger: "60"}))
    )
    reason = body["Reason"]
    assert f"Unknown property {stranger!r}. {kind.type_name} accepts " in reason
    for name in kind.property_names:
        assert name in reason
    assert api_calls == []


def test_an_unresolved_secure_reference_says_what_to_use_instead(
    invoke: Invoke, stub: Stubber
) -> None:
    props = properties(PROXY_SESSION, ParticipantPhoneNumbers=[_A, "{{resolve:ssm-secure:/line}}"])
    body = invoke(lambda url: event("Create", url, kind=PROXY_SESSION, props=props))
    assert (
        "ParticipantPhoneNumbers[1] is a dynamic reference that CloudFormation did not resolve"
        in body["Reason"]
    )
    assert "{{resolve:secretsmanager:...}}" in body["Reason"]
    assert "/line" not in body["Reason"]


@pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_each_sample_is_good(kind: ResourceType) -> None:
    """A row differs from its type's sample by its mutation alone: the sample must parse, or the
    rows above would fail for another reason than theirs."""
    parsed = parse_properties(kind, properties(kind))
    assert parsed[VC] == VC_ID
