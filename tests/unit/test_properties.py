"""The pure logic: parsing ResourceProperties, request building, Data shaping, physical ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import cfn_properties
import cfn_request
import safe_text
import settings_resource
from tests.helpers import properties, property_cases

CASES = property_cases()


@pytest.mark.parametrize("case", CASES["valid"], ids=lambda case: case["name"])
def test_valid_properties_parse(case: dict[str, Any]) -> None:
    settings = settings_resource.parse_properties({**case["properties"], "ServiceToken": "arn:x"})
    expected = case["expected"]
    assert list(settings.capabilities) == expected["capabilities"]
    assert settings.expiry_minutes == expected["expiry_minutes"]
    assert settings.removal_policy == expected["removal_policy"]
    assert settings.voice_connector_id == case["properties"]["VoiceConnectorId"]
    assert settings.proxy_session_id == case["properties"]["ProxySessionId"]


@pytest.mark.parametrize(
    "case",
    [case for case in CASES["invalid"] if "handler" in case["sides"]],
    ids=lambda case: case["name"],
)
def test_invalid_properties_name_the_property(case: dict[str, Any]) -> None:
    with pytest.raises(cfn_properties.InvalidPropertiesError) as caught:
        settings_resource.parse_properties(case["properties"])
    assert case["property"] in str(caught.value)


def test_service_token_and_service_timeout_are_accepted() -> None:
    settings = settings_resource.parse_properties(properties(ServiceTimeout="300"))
    assert settings.expiry_minutes == 60


def test_removal_policy_defaults_to_retain() -> None:
    assert (
        settings_resource.parse_properties(properties(RemovalPolicy=None)).removal_policy
        == "Retain"
    )


@pytest.mark.parametrize("value", ["60", 60, " 60 "])
def test_expiry_accepts_strings_and_integers(value: object) -> None:
    assert cfn_properties.parse_expiry_minutes(value) == 60


@pytest.mark.parametrize("value", [True, "abc", "-5", 0, 1.5, [60], "1e3", "99999999999999"])
def test_expiry_rejects(value: object) -> None:
    with pytest.raises(cfn_properties.InvalidPropertiesError, match="ExpiryMinutes"):
        cfn_properties.parse_expiry_minutes(value)


def test_error_echoes_the_bad_value() -> None:
    with pytest.raises(cfn_properties.InvalidPropertiesError, match="'Sms'"):
        settings_resource.parse_properties(properties(Capabilities=["Sms"]))


def test_update_request_omits_expiry_when_unset() -> None:
    settings = settings_resource.parse_properties(
        properties(ExpiryMinutes=None, Capabilities=["Voice", "SMS"])
    )
    assert settings.update_request() == {
        "VoiceConnectorId": "abcdefghij0123456789k",
        "ProxySessionId": "3b1e9f5a-6c2d-4e8f-9a0b-1c2d3e4f5a6b",
        "Capabilities": ["Voice", "SMS"],
    }


def test_update_request_carries_expiry_as_integer() -> None:
    assert settings_resource.parse_properties(properties()).update_request()["ExpiryMinutes"] == 60


def test_physical_id_is_deterministic_and_tracks_both_ids() -> None:
    base = settings_resource.physical_resource_id("abcdefghij0123456789k", "s1")
    assert base == settings_resource.physical_resource_id("abcdefghij0123456789k", "s1")
    assert base != settings_resource.physical_resource_id("abcdefghij0123456789k", "s2")
    assert base != settings_resource.physical_resource_id("abcdefghij0123456789kl", "s1")
    assert base.startswith("chime-proxy-session:abcdefghij0123456789k:")
    assert len(settings_resource.physical_resource_id("abcdefghij0123456789k", "x" * 128)) < 100


def test_physical_id_ignores_capabilities_and_expiry() -> None:
    one = settings_resource.parse_properties(properties(Capabilities=["Voice"], ExpiryMinutes="5"))
    two = settings_resource.parse_properties(properties(Capabilities=["SMS"], ExpiryMinutes=None))
    assert one.physical_resource_id() == two.physical_resource_id()


def test_failed_create_marker() -> None:
    marker = cfn_request.failed_create_physical_id("req-1")
    assert cfn_request.is_failed_create(marker)
    assert not cfn_request.is_failed_create(
        settings_resource.physical_resource_id("abcdefghij0123456789k", "s")
    )


def test_response_data_drops_participants_and_formats_fields() -> None:
    session = {
        "ProxySessionId": "s1",
        "Status": "Open",
        "ExpiryMinutes": 60,
        "Capabilities": ["Voice", "SMS"],
        "UpdatedTimestamp": datetime(2026, 11, 28, 6, 0, tzinfo=UTC),
        "Participants": [{"PhoneNumber": "+12065550100", "ProxyPhoneNumber": "+12065550199"}],
    }
    assert settings_resource.response_data(session) == {
        "Status": "Open",
        "ExpiryMinutes": "60",
        "Capabilities": "Voice,SMS",
        "UpdatedTimestamp": "2026-11-28T06:00:00+00:00",
    }


def test_response_data_without_expiry() -> None:
    assert (
        settings_resource.response_data({"Status": "Open", "Capabilities": ["SMS"]})[
            "ExpiryMinutes"
        ]
        == ""
    )


def test_redact_masks_phone_numbers() -> None:
    assert safe_text.redact("call +12065550100 now") == "call <phone number> now"
    assert "12065550100" not in safe_text.echo("+12065550100")
