"""The one response path (``cfn_response``): every field of the PUT body, its size, the one
answer per request, the physical-id fallback, and delivery to the ResponseURL."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from botocore.stub import Stubber

import cfn_request
import settings_resource
from cfn_response import Responder, ResponseDeliveryError, build_response_body, deliver_response
from harness.response_sink import ResponseSink
from tests.helpers import (
    PHONE_A,
    STACK_ID,
    VC_ID,
    Invoke,
    LambdaContext,
    event,
    expect_update,
    properties,
)

RESPONSE_FIELDS = {
    "Status",
    "Reason",
    "PhysicalResourceId",
    "StackId",
    "RequestId",
    "LogicalResourceId",
    "NoEcho",
    "Data",
}


def check_envelope(body: dict[str, Any]) -> None:
    sent = body["_event"]
    assert set(body) - {"_event", "_size"} == RESPONSE_FIELDS
    assert body["StackId"] == sent["StackId"] == STACK_ID
    assert body["RequestId"] == sent["RequestId"]
    assert body["LogicalResourceId"] == sent["LogicalResourceId"]
    assert body["NoEcho"] is False
    assert body["_size"] <= 4096


def body_of(**options: Any) -> dict[str, Any]:
    """``build_response_body`` for the sample Create, decoded."""
    fields: dict[str, Any] = {
        "status": "SUCCESS",
        "reason": "",
        "physical_resource_id": "p",
        "event": event("Create", "https://example.invalid/x"),
        "data": {},
        **options,
    }
    decoded: dict[str, Any] = json.loads(build_response_body(**fields))
    return decoded


# Through the handler ----------------------------------------------------------------------------


def test_create_success_body(stub: Stubber, invoke: Invoke) -> None:
    expect_update(stub, ["Voice"])
    body = invoke(lambda url: event("Create", url))
    check_envelope(body)
    assert body["Status"] == "SUCCESS"
    assert body["Reason"] == ""
    assert body["PhysicalResourceId"] == settings_resource.physical_resource_id(
        VC_ID, properties()["ProxySessionId"]
    )
    assert set(body["Data"]) == {"Status", "ExpiryMinutes", "Capabilities", "UpdatedTimestamp"}


def test_create_failure_body(stub: Stubber, invoke: Invoke) -> None:
    body = invoke(lambda url: event("Create", url, props=properties(ExpiryMinutes="-1")))
    check_envelope(body)
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("ExpiryMinutes must be at least 1, got -1.")
    assert body["Data"] == {}
    assert body["PhysicalResourceId"] == cfn_request.failed_create_physical_id(
        body["_event"]["RequestId"]
    )


def test_update_failure_keeps_the_old_physical_id(stub: Stubber, invoke: Invoke) -> None:
    body = invoke(
        lambda url: event(
            "Update", url, props=properties(Capabilities=["Fax"]), physical_id="old-id"
        )
    )
    check_envelope(body)
    assert body["Status"] == "FAILED"
    assert body["PhysicalResourceId"] == "old-id"


def test_delete_body(stub: Stubber, invoke: Invoke) -> None:
    body = invoke(lambda url: event("Delete", url, physical_id="some-id"))
    check_envelope(body)
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == "some-id"
    assert body["Data"] == {}


# The body ---------------------------------------------------------------------------------------


def test_oversized_reason_is_cut_to_fit() -> None:
    body = build_response_body(
        status="FAILED",
        reason="x" * 100_000,
        physical_resource_id="p" * 1024,
        event=event("Create", "https://example.invalid/x"),
        data={},
    )
    assert len(body) <= 4096
    assert json.loads(body)["Reason"].endswith("...(truncated)")


def test_a_reason_that_does_not_fit_beside_large_data_is_shortened() -> None:
    data = {f"Key{n}": "v" * 300 for n in range(10)}
    answer = body_of(reason="r" * 1400, data=data)
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"] == data
    assert answer["Reason"].endswith("...")
    assert len(json.dumps(answer, separators=(",", ":"))) <= 4096


def test_data_that_cannot_fit_fails_the_request() -> None:
    answer = body_of(data={"Huge": "v" * 5000})
    assert answer["Status"] == "FAILED"
    assert answer["Data"] == {}
    assert answer["Reason"] == "The response would exceed CloudFormation's 4,096-byte limit."


def test_a_reason_never_carries_a_phone_number() -> None:
    answer = body_of(status="FAILED", reason=f"bad number {PHONE_A}")
    assert answer["Reason"] == "bad number <phone number>"


# One answer per request -------------------------------------------------------------------------


def test_a_responder_answers_once_and_refuses_a_second_answer(trust_sink: ResponseSink) -> None:
    key = uuid.uuid4().hex
    request = event("Update", trust_sink.url_for(key), physical_id="kept-id")
    responder = Responder(request, LambdaContext(timeout_seconds=30))
    assert not responder.answered
    sent = responder.answer(
        status="FAILED", reason="first", physical_resource_id=None, data={"Dropped": "x"}
    )
    second = responder.answer(status="SUCCESS", reason="", physical_resource_id="p", data={})
    assert (sent, second, responder.answered) == (True, False, True)
    answers = trust_sink.responses(key)
    assert len(answers) == 1
    assert (answers[0]["Status"], answers[0]["Reason"]) == ("FAILED", "first")
    assert answers[0]["PhysicalResourceId"] == "kept-id"
    assert answers[0]["Data"] == {}  # a failure carries no Data


@pytest.mark.parametrize(
    ("given", "in_event", "expected"),
    [
        ("mine", "theirs", "mine"),
        (None, "theirs", "theirs"),
        ("", "theirs", "theirs"),
        (None, None, "create-failed:req-1"),
        (None, "", "create-failed:req-1"),
    ],
)
def test_the_one_physical_id_fallback(
    given: str | None, in_event: str | None, expected: str
) -> None:
    request: dict[str, Any] = {"RequestId": "req-1"}
    if in_event is not None:
        request["PhysicalResourceId"] = in_event
    assert Responder(request, None).physical_id_or_fallback(given) == expected


# Delivery ---------------------------------------------------------------------------------------


def test_delivery_retries_a_5xx_and_a_reset(trust_sink: ResponseSink) -> None:
    trust_sink.fail_next(2, status=503)
    trust_sink.reset_next(1)
    key = uuid.uuid4().hex
    status = deliver_response(
        trust_sink.url_for(key), b'{"Status":"SUCCESS"}', deadline=time.monotonic() + 20
    )
    assert status == 200
    assert trust_sink.responses(key) == [{"Status": "SUCCESS"}]


def test_delivery_does_not_retry_a_4xx(trust_sink: ResponseSink) -> None:
    trust_sink.fail_next(1, status=403)
    before = trust_sink.attempts
    with pytest.raises(ResponseDeliveryError, match="HTTP 403"):
        deliver_response(trust_sink.url_for("x"), b"{}", deadline=time.monotonic() + 20)
    assert trust_sink.attempts == before + 1


def test_delivery_gives_up_at_the_deadline(trust_sink: ResponseSink) -> None:
    trust_sink.fail_next(1000, status=503)
    started = time.monotonic()
    with pytest.raises(ResponseDeliveryError, match="out of time"):
        deliver_response(trust_sink.url_for("y"), b"{}", deadline=started + 2.0)
    assert time.monotonic() - started < 2.5
    trust_sink.clear_faults()  # leave the sink clean for later tests


def test_delivery_refuses_a_non_https_url() -> None:
    with pytest.raises(ResponseDeliveryError, match="not an https URL"):
        deliver_response("http://127.0.0.1:1/x", b"{}", deadline=time.monotonic() + 1)
