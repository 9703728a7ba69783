"""Custom::ChimeProxySessionSettings (``settings_resource``): its requests, ids and Data, and the
type end to end through the real index.handler with a Stubber on its real client."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import Stubber

import cfn_request
import settings_resource
from resource_types import SETTINGS
from tests.claim_tables import ClaimTableInfo
from tests.helpers import (
    PHONE_A,
    PHONE_B,
    SESSION_ID,
    VC_ID,
    Invoke,
    event,
    expect_update,
    job,
    properties,
    sample,
    session_response,
)

PHYSICAL_ID = sample(SETTINGS).physical_id


# The pure parts ---------------------------------------------------------------------------------


def test_the_update_request_omits_the_expiry_when_unset() -> None:
    assert settings_resource.update_request(
        job(SETTINGS, ExpiryMinutes=None, Capabilities=["Voice", "SMS"])
    ) == {
        "VoiceConnectorId": VC_ID,
        "ProxySessionId": SESSION_ID,
        "Capabilities": ["Voice", "SMS"],
    }


def test_the_update_request_carries_the_expiry_as_an_integer() -> None:
    assert settings_resource.update_request(job(SETTINGS))["ExpiryMinutes"] == 60


def test_the_physical_id_is_pinned_and_tracks_both_ids() -> None:
    """A new scheme would replace every deployed resource: the sample's id is written out."""
    base = settings_resource.physical_resource_id(VC_ID, SESSION_ID)
    assert base == PHYSICAL_ID == f"chime-proxy-session:{VC_ID}:9f0859ea10b5c22263fcc73527a5ee8c"
    assert base != settings_resource.physical_resource_id(VC_ID, "s2")
    assert base != settings_resource.physical_resource_id(f"{VC_ID}l", SESSION_ID)
    assert base.startswith(SETTINGS.physical_id_prefix)
    assert len(settings_resource.physical_resource_id(VC_ID, "x" * 128)) < 100


def test_response_data_drops_participants_and_formats_fields() -> None:
    session = {
        "ProxySessionId": "s1",
        "Status": "Open",
        "ExpiryMinutes": 60,
        "Capabilities": ["Voice", "SMS"],
        "UpdatedTimestamp": datetime(2026, 11, 28, 6, 0, tzinfo=UTC),
        "Participants": [{"PhoneNumber": PHONE_A, "ProxyPhoneNumber": PHONE_B}],
    }
    assert settings_resource.response_data(session) == {
        "Status": "Open",
        "ExpiryMinutes": "60",
        "Capabilities": "Voice,SMS",
        "UpdatedTimestamp": "2026-11-28T06:00:00+00:00",
    }


def test_response_data_without_values_is_empty_strings() -> None:
    assert settings_resource.response_data({}) == dict.fromkeys(SETTINGS.attributes, "")
    data = settings_resource.response_data({"Status": "Open", "UpdatedTimestamp": "yesterday"})
    assert (data["ExpiryMinutes"], data["UpdatedTimestamp"]) == ("", "yesterday")


def test_the_attributes_of_a_policy_only_update_are_the_declared_values() -> None:
    assert settings_resource.kept(job(SETTINGS, Capabilities=["SMS", "Voice"])) == {
        "Status": "",
        "ExpiryMinutes": "60",
        "Capabilities": "SMS,Voice",
        "UpdatedTimestamp": "",
    }
    assert settings_resource.kept(job(SETTINGS, ExpiryMinutes=None))["ExpiryMinutes"] == ""


# Through the handler ----------------------------------------------------------------------------


def test_create_applies_settings_and_answers_data(stub: Stubber, invoke: Invoke) -> None:
    expect_update(stub, ["Voice", "SMS"], 120)
    body = invoke(
        lambda url: event(
            "Create", url, props=properties(Capabilities=["Voice", "SMS"], ExpiryMinutes="120")
        )
    )
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == PHYSICAL_ID
    assert body["Data"] == {
        "Status": "Open",
        "ExpiryMinutes": "120",
        "Capabilities": "Voice,SMS",
        "UpdatedTimestamp": "2026-11-28T06:30:00+00:00",
    }


def test_the_physical_id_ignores_capabilities_and_expiry(stub: Stubber, invoke: Invoke) -> None:
    expect_update(stub, ["Voice"], 5)
    expect_update(stub, ["SMS"], None)
    one = invoke(
        lambda url: event(
            "Create", url, props=properties(Capabilities=["Voice"], ExpiryMinutes="5")
        )
    )
    two = invoke(
        lambda url: event("Create", url, props=properties(Capabilities=["SMS"], ExpiryMinutes=None))
    )
    assert one["PhysicalResourceId"] == two["PhysicalResourceId"] == PHYSICAL_ID


def test_in_place_update_keeps_the_physical_id(stub: Stubber, invoke: Invoke) -> None:
    expect_update(stub, ["Voice", "SMS"], 30)
    body = invoke(
        lambda url: event(
            "Update",
            url,
            props=properties(Capabilities=["Voice", "SMS"], ExpiryMinutes="30"),
            old_props=properties(Capabilities=["Voice"]),
        )
    )
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == PHYSICAL_ID


def test_update_of_the_session_id_answers_a_new_physical_id(stub: Stubber, invoke: Invoke) -> None:
    stub.add_response(
        "update_proxy_session",
        session_response(["Voice"]),
        {
            "VoiceConnectorId": VC_ID,
            "ProxySessionId": "other",
            "Capabilities": ["Voice"],
            "ExpiryMinutes": 60,
        },
    )
    body = invoke(lambda url: event("Update", url, props=properties(ProxySessionId="other")))
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == settings_resource.physical_resource_id(VC_ID, "other")
    assert body["PhysicalResourceId"] != PHYSICAL_ID


def test_expiry_is_left_alone_when_not_declared(stub: Stubber, invoke: Invoke) -> None:
    expect_update(stub, ["SMS"], None)
    body = invoke(
        lambda url: event("Create", url, props=properties(Capabilities=["SMS"], ExpiryMinutes=None))
    )
    assert body["Status"] == "SUCCESS"
    assert body["Data"]["ExpiryMinutes"] == ""


@pytest.mark.parametrize(
    "cause", ["bad properties", "an API error"], ids=["bad properties", "an API error"]
)
def test_a_failed_create_answers_a_marker_and_its_rollback_delete_calls_nothing(
    stub: Stubber, invoke: Invoke, cause: str
) -> None:
    props = properties(RemovalPolicy="Destroy")
    if cause == "an API error":
        stub.add_client_error("update_proxy_session", "NotFoundException", "Not found", 404)
    else:
        props["Capabilities"] = []
    created = invoke(lambda url: event("Create", url, props=props))
    assert created["Status"] == "FAILED"
    assert cfn_request.is_failed_create(created["PhysicalResourceId"])
    marker = created["PhysicalResourceId"]
    deleted = invoke(lambda url: event("Delete", url, props=props, physical_id=marker))
    assert deleted["Status"] == "SUCCESS"  # the empty Stubber proves no call was made
    assert deleted["PhysicalResourceId"] == marker


def test_delete_with_retain_calls_nothing(
    stub: Stubber, invoke: Invoke, api_calls: list[str], claim_table: ClaimTableInfo
) -> None:
    body = invoke(lambda url: event("Delete", url))
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == PHYSICAL_ID
    assert api_calls == []
    assert claim_table.items() == []  # the type makes nothing, so it claims nothing


@pytest.mark.parametrize(
    ("changed", "expiry"),
    [
        ({"RemovalPolicy": "Destroy"}, "60"),
        ({"ServiceTimeout": "60"}, "60"),
        ({"RemovalPolicy": "Destroy", "ExpiryMinutes": None}, ""),
    ],
    ids=["RemovalPolicy", "ServiceTimeout", "without an expiry"],
)
def test_a_removal_policy_only_update_calls_nothing_and_answers_the_declared_values(
    stub: Stubber,
    invoke: Invoke,
    api_calls: list[str],
    caplog: pytest.LogCaptureFixture,
    changed: dict[str, Any],
    expiry: str,
) -> None:
    caplog.set_level(logging.INFO)
    old = properties(ExpiryMinutes=changed.get("ExpiryMinutes", "60"))
    body = invoke(lambda url: event("Update", url, props=properties(**changed), old_props=old))
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == PHYSICAL_ID
    # Status and UpdatedTimestamp are the service's: not known without a call.
    assert body["Data"] == {
        "Status": "",
        "ExpiryMinutes": expiry,
        "Capabilities": "Voice",
        "UpdatedTimestamp": "",
    }
    assert api_calls == []
    assert "Update ProxySessionSettings (RemovalPolicy only): " in caplog.text
    assert "API calls: none" in caplog.text


def test_delete_with_destroy_ends_the_session(stub: Stubber, invoke: Invoke) -> None:
    stub.add_response(
        "delete_proxy_session", {}, {"VoiceConnectorId": VC_ID, "ProxySessionId": SESSION_ID}
    )
    body = invoke(lambda url: event("Delete", url, props=properties(RemovalPolicy="Destroy")))
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == PHYSICAL_ID


def test_delete_with_destroy_of_a_session_already_gone_succeeds(
    stub: Stubber, invoke: Invoke
) -> None:
    stub.add_client_error("delete_proxy_session", "NotFoundException", "gone", 404)
    body = invoke(lambda url: event("Delete", url, props=properties(RemovalPolicy="Destroy")))
    assert body["Status"] == "SUCCESS"


def test_delete_with_destroy_that_is_forbidden_fails_clearly(stub: Stubber, invoke: Invoke) -> None:
    stub.add_client_error("delete_proxy_session", "ForbiddenException", "denied", 403)
    body = invoke(lambda url: event("Delete", url, props=properties(RemovalPolicy="Destroy")))
    assert body["Status"] == "FAILED"
    assert "chime:DeleteProxySession" in body["Reason"]
    assert body["PhysicalResourceId"] == PHYSICAL_ID


def test_throttling_is_retried_with_backoff(
    stub: Stubber, invoke: Invoke, sleeps: list[float]
) -> None:
    stub.add_client_error("update_proxy_session", "ThrottledClientException", "slow down", 429)
    stub.add_client_error("update_proxy_session", "ServiceUnavailableException", "busy", 503)
    stub.add_client_error("update_proxy_session", "ServiceFailureException", "oops", 500)
    expect_update(stub, ["Voice"])
    body = invoke(lambda url: event("Create", url))
    assert body["Status"] == "SUCCESS"
    assert len(sleeps) == 3


def test_no_phone_numbers_in_data_or_logs(
    stub: Stubber, invoke: Invoke, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    expect_update(stub, ["Voice"])
    body = invoke(lambda url: event("Create", url))
    everything = caplog.text + repr(body["Data"])
    for phone in (PHONE_A, PHONE_B, PHONE_A[1:], PHONE_B[1:]):
        assert phone not in everything
    assert "X-Amz-Signature" not in caplog.text


def test_the_log_line_names_every_value_given(
    stub: Stubber, invoke: Invoke, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    expect_update(stub, ["Voice"])
    invoke(
        lambda url: event(
            "Update",
            url,
            props=properties(ProxySessionId=SESSION_ID),
            old_props=properties(ExpiryMinutes="30"),
        )
    )
    expected: dict[str, Any] = {
        "VoiceConnectorId": VC_ID,
        "ProxySessionId": SESSION_ID,
        "Capabilities": "Voice",
        "ExpiryMinutes": 60,
        "RemovalPolicy": "Retain",
    }
    line = ", ".join(f"{name} {value}" for name, value in expected.items())
    assert (
        f"Update ProxySessionSettings (in place): {line}; in the function's region, as the "
        "function's role" in caplog.text
    )
    assert "API calls: UpdateProxySession 1" in caplog.text
