"""The handler end to end in-process: real index.handler, Stubber on its real client."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from botocore.stub import Stubber

import cfn_request
import settings_resource
from tests.helpers import (
    PHONE_A,
    PHONE_B,
    SESSION_ID,
    VC_ID,
    Invoke,
    event,
    expect_update,
    properties,
    session_response,
)

PHYSICAL_ID = settings_resource.physical_resource_id(VC_ID, SESSION_ID)


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


def test_in_place_update_keeps_the_physical_id(stub: Stubber, invoke: Invoke) -> None:
    expect_update(stub, ["Voice", "SMS"], 30)
    body = invoke(
        lambda url: event(
            "Update",
            url,
            props=properties(Capabilities=["Voice", "SMS"], ExpiryMinutes="30"),
            old_props=properties(Capabilities=["Voice"]),
            physical_id=PHYSICAL_ID,
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
    body = invoke(
        lambda url: event(
            "Update", url, props=properties(ProxySessionId="other"), physical_id=PHYSICAL_ID
        )
    )
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
    ("overrides", "named"),
    [
        ({"Capabilities": []}, "Capabilities"),
        ({"Capabilities": ["voice"]}, "Capabilities"),
        ({"ExpiryMinutes": "0"}, "ExpiryMinutes"),
        ({"ExpiryMinutes": "sixty"}, "ExpiryMinutes"),
        ({"VoiceConnectorId": "not-a-connector"}, "VoiceConnectorId"),
        ({"ProxySessionId": " "}, "ProxySessionId"),
        ({"RemovalPolicy": "Snapshot"}, "RemovalPolicy"),
        ({"Extra": "1"}, "Extra"),
    ],
)
@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_invalid_input_fails_without_calling_the_api(
    stub: Stubber, invoke: Invoke, overrides: dict[str, Any], named: str, request_type: str
) -> None:
    body = invoke(
        lambda url: event(request_type, url, props=properties(**overrides), physical_id=PHYSICAL_ID)
    )
    assert body["Status"] == "FAILED"
    assert named in body["Reason"]
    assert "Traceback" not in body["Reason"]
    if request_type == "Update":
        assert body["PhysicalResourceId"] == PHYSICAL_ID


def test_failed_create_answers_a_marker_and_its_rollback_delete_calls_nothing(
    stub: Stubber, invoke: Invoke
) -> None:
    created = invoke(
        lambda url: event("Create", url, props=properties(Capabilities=[], RemovalPolicy="Destroy"))
    )
    assert created["Status"] == "FAILED"
    assert cfn_request.is_failed_create(created["PhysicalResourceId"])
    deleted = invoke(
        lambda url: event(
            "Delete",
            url,
            props=properties(Capabilities=[], RemovalPolicy="Destroy"),
            physical_id=created["PhysicalResourceId"],
        )
    )
    assert deleted["Status"] == "SUCCESS"
    assert deleted["PhysicalResourceId"] == created["PhysicalResourceId"]


def test_failed_create_after_an_api_error_also_rolls_back_without_a_call(
    stub: Stubber, invoke: Invoke
) -> None:
    stub.add_client_error("update_proxy_session", "NotFoundException", "Session not found", 404)
    created = invoke(lambda url: event("Create", url, props=properties(RemovalPolicy="Destroy")))
    assert created["Status"] == "FAILED"
    deleted = invoke(
        lambda url: event(
            "Delete",
            url,
            props=properties(RemovalPolicy="Destroy"),
            physical_id=created["PhysicalResourceId"],
        )
    )
    assert deleted["Status"] == "SUCCESS"


def test_delete_with_retain_calls_nothing(stub: Stubber, invoke: Invoke) -> None:
    body = invoke(lambda url: event("Delete", url, physical_id=PHYSICAL_ID))
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == PHYSICAL_ID


def test_delete_with_destroy_ends_the_session(stub: Stubber, invoke: Invoke) -> None:
    stub.add_response(
        "delete_proxy_session", {}, {"VoiceConnectorId": VC_ID, "ProxySessionId": SESSION_ID}
    )
    body = invoke(
        lambda url: event(
            "Delete", url, props=properties(RemovalPolicy="Destroy"), physical_id=PHYSICAL_ID
        )
    )
    assert body["Status"] == "SUCCESS"


def test_delete_with_destroy_of_a_session_already_gone_succeeds(
    stub: Stubber, invoke: Invoke
) -> None:
    stub.add_client_error("delete_proxy_session", "NotFoundException", "gone", 404)
    body = invoke(
        lambda url: event(
            "Delete", url, props=properties(RemovalPolicy="Destroy"), physical_id=PHYSICAL_ID
        )
    )
    assert body["Status"] == "SUCCESS"


def test_delete_with_destroy_that_is_forbidden_fails_clearly(stub: Stubber, invoke: Invoke) -> None:
    stub.add_client_error("delete_proxy_session", "ForbiddenException", "denied", 403)
    body = invoke(
        lambda url: event(
            "Delete", url, props=properties(RemovalPolicy="Destroy"), physical_id=PHYSICAL_ID
        )
    )
    assert body["Status"] == "FAILED"
    assert "chime:DeleteProxySession" in body["Reason"]


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


def test_throttling_that_never_clears_fails_before_the_deadline(
    stub: Stubber, invoke: Invoke, sleeps: list[float]
) -> None:
    # 20 s of Lambda time, less 8 s kept for the answer, cannot fit a second 13 s attempt.
    stub.add_client_error("update_proxy_session", "ThrottledClientException", "slow", 429)
    body = invoke(lambda url: event("Create", url), timeout=20.0)
    assert body["Status"] == "FAILED"
    assert "ThrottledClientException" in body["Reason"]
    assert "1 attempt " in body["Reason"]
    assert sleeps == []


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        (
            "NotFoundException",
            404,
            f"proxy session '{SESSION_ID}' was not found on voice connector",
        ),
        ("ForbiddenException", 403, "chime:UpdateProxySession"),
        ("UnauthorizedClientException", 401, "chime:UpdateProxySession"),
        ("BadRequestException", 400, "Proxy sessions are no longer supported"),
    ],
)
def test_non_retryable_errors_fail_at_once_with_guidance(
    stub: Stubber,
    invoke: Invoke,
    sleeps: list[float],
    code: str,
    status: int,
    expected: str,
) -> None:
    stub.add_client_error(
        "update_proxy_session", code, "Proxy sessions are no longer supported.", status
    )
    body = invoke(lambda url: event("Update", url, physical_id=PHYSICAL_ID))
    assert body["Status"] == "FAILED"
    assert expected in body["Reason"]
    assert sleeps == []


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
