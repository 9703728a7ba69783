"""Pure checks added for malformed requests: the event envelope, null optionals, readable echoes."""

from __future__ import annotations

from typing import Any

import pytest

import cfn_properties
import cfn_request
import proxy_contract as contract
import safe_text
import settings_resource
from tests.helpers import event, properties


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_a_well_formed_event_has_no_problem(request_type: str) -> None:
    request = event(request_type, "https://example.invalid/r", physical_id="pid")
    assert cfn_request.envelope_problem(request) is None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"StackId": None}, "StackId must be a non-empty string, got null"),
        ({"RequestId": ""}, "RequestId must be a non-empty string, got ''"),
        ({"LogicalResourceId": 3}, "LogicalResourceId must be a non-empty string, got 3"),
        ({"ResponseURL": ["x"]}, "ResponseURL must be a non-empty string"),
        ({"RequestType": None}, "RequestType null is not one of Create, Update, Delete"),
        ({"PhysicalResourceId": 7}, "every Update request must carry PhysicalResourceId"),
    ],
)
def test_envelope_fields_must_be_usable(change: dict[str, Any], expected: str) -> None:
    request = event("Update", "https://example.invalid/r", physical_id="pid")
    request.update(change)
    assert expected in (cfn_request.envelope_problem(request) or "")


def test_a_missing_physical_id_says_nothing_was_sent() -> None:
    request = event("Delete", "https://example.invalid/r", physical_id="pid")
    del request["PhysicalResourceId"]
    assert (cfn_request.envelope_problem(request) or "").endswith("got nothing")


@pytest.mark.parametrize("name", ["ExpiryMinutes", "RemovalPolicy"])
def test_a_null_optional_property_is_not_an_omission(name: str) -> None:
    props = properties()
    props[name] = None
    with pytest.raises(cfn_properties.InvalidPropertiesError, match=f"^{name} is null; "):
        settings_resource.parse_properties(props)


def test_delete_treats_a_null_removal_policy_as_retain() -> None:
    assert cfn_properties.removal_policy_of({"RemovalPolicy": None}) == contract.RETAIN


def test_echo_writes_json_literals() -> None:
    assert [safe_text.echo(value) for value in (None, True, False)] == ["null", "true", "false"]


def test_redact_keeps_digits_inside_an_id_and_masks_numbers() -> None:
    assert safe_text.redact("abcdefghij0123456789k") == "abcdefghij0123456789k"
    assert safe_text.redact("to 12065550100.") == "to <phone number>."
    assert safe_text.redact("id-+12065550100") == "id-<phone number>"


@pytest.mark.parametrize("value", ["99999999999999", "9" * 5000, 10**30])
def test_a_huge_expiry_is_counted_not_echoed(value: object) -> None:
    with pytest.raises(
        cfn_properties.InvalidPropertiesError, match=r"-digit number of minutes"
    ) as raised:
        cfn_properties.parse_expiry_minutes(value)
    assert "<phone number>" not in str(raised.value)


def test_a_huge_negative_expiry_is_below_one() -> None:
    with pytest.raises(cfn_properties.InvalidPropertiesError, match="must be at least 1"):
        cfn_properties.parse_expiry_minutes("-" + "9" * 40)


def test_redact_keeps_an_arns_account_and_masks_a_number_beside_it() -> None:
    arn = "arn:aws:iam::210987654321:role/ChimeProxyAdmin"
    assert safe_text.redact(f"role {arn}") == f"role {arn}"
    assert safe_text.redact("call :12065550100: now") == "call :<phone number>: now"
    assert safe_text.redact("to 210987654321:") == "to <phone number>:"
