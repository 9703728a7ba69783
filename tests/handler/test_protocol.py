"""The custom-resource protocol: every field of the PUT body, delivery, malformed requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

import cfn_request
import settings_resource
from cfn_response import (
    ResponseDeliveryError,
    build_response_body,
    deliver_response,
)
from harness.response_sink import ResponseSink
from tests.helpers import STACK_ID, VC_ID, Invoke, LambdaContext, event, expect_update, properties

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"
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


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda e: e.update(RequestType="Upsert"), "RequestType 'Upsert' is not one of"),
        (lambda e: e.pop("StackId"), "lacks StackId"),
        (lambda e: e.pop("ResourceProperties"), "lacks ResourceProperties"),
        (lambda e: e.pop("PhysicalResourceId"), "must carry PhysicalResourceId"),
    ],
)
def test_malformed_requests_are_answered(
    stub: Stubber, invoke: Invoke, mutate: Any, reason: str
) -> None:
    def make(url: str) -> dict[str, Any]:
        request = event("Update", url, physical_id="pid")
        mutate(request)
        return request

    body = invoke(make)
    assert body["Status"] == "FAILED"
    assert reason in body["Reason"]
    assert body["_size"] <= 4096


def test_oversized_reason_is_cut_to_fit() -> None:
    request = event("Create", "https://example.invalid/x")
    body = build_response_body(
        status="FAILED",
        reason="x" * 100_000,
        physical_resource_id="p" * 1024,
        event=request,
        data={},
    )
    assert len(body) <= 4096
    assert json.loads(body)["Reason"].endswith("...(truncated)")


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


def test_init_failure_is_reported_to_cloudformation(sink: ResponseSink) -> None:
    """With no region the client cannot be built; every request answers FAILED with why."""
    key = uuid.uuid4().hex
    request = event("Create", sink.url_for(key))
    script = (
        "import json, sys, index\n"
        "from tests.helpers import LambdaContext\n"
        "index.handler(json.loads(sys.argv[1]), LambdaContext(timeout_seconds=30))\n"
    )
    env = {
        key_: value
        for key_, value in os.environ.items()
        if key_ not in ("AWS_REGION", "AWS_DEFAULT_REGION")
    }
    env.update(
        PYTHONPATH=os.pathsep.join([str(LAMBDA_DIR), str(LAMBDA_DIR.parent)]),
        SSL_CERT_FILE=sink.ca_file,
    )
    subprocess.run(
        [sys.executable, "-c", script, json.dumps(request)],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
    )
    body = sink.wait_for(key)
    assert body["Status"] == "FAILED"
    assert "region" in body["Reason"].lower()


class AlwaysThrottled:
    """A chime-sdk-voice client whose every UpdateProxySession is throttled; counts the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def update_proxy_session(self, **_params: object) -> dict[str, Any]:
        self.calls += 1
        raise ClientError(
            {"Error": {"Code": "ThrottledClientException", "Message": "Rate exceeded"}},
            "UpdateProxySession",
        )


@pytest.mark.parametrize(("timeout", "min_attempts"), [(16.0, 1), (24.0, 3)])
def test_the_retry_budget_follows_the_contexts_real_deadline(
    invoke: Invoke,
    index_module: Any,
    monkeypatch: pytest.MonkeyPatch,
    timeout: float,
    min_attempts: int,
) -> None:
    """The handler budgets against the time the context has left, not a default.

    With 16 s left, the API deadline (16 s - 8 s reserve) leaves no room for a second 13-second
    attempt; with 24 s, retries go on for about 3 s. A handler that ignored the context would
    retry far longer and answer late.
    """
    client = AlwaysThrottled()
    monkeypatch.setattr(index_module, "client", client)
    started = time.monotonic()
    body = invoke(lambda url: event("Create", url), timeout=timeout)
    elapsed = time.monotonic() - started
    assert body["Status"] == "FAILED"
    assert "kept answering ThrottledClientException" in body["Reason"]
    assert client.calls >= min_attempts
    if min_attempts == 1:
        assert client.calls == 1
    assert elapsed < timeout - index_module.RESPONSE_RESERVE_SECONDS


def test_context_helper() -> None:
    assert 0 < LambdaContext(timeout_seconds=1).get_remaining_time_in_millis() <= 1000
