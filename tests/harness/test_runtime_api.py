"""The local Runtime API's endpoints, driven with plain http.client as awslambdaric drives them."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from harness.runtime_api import MAX_RESPONSE_BYTES, RuntimeApi

ARN = "arn:aws:lambda:us-east-1:123456789012:function:Test"
NEXT = "/2018-06-01/runtime/invocation/next"


class Stops:
    """An ``on_timeout`` callback that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.called = threading.Event()

    def __call__(self) -> None:
        self.calls += 1
        self.called.set()


@pytest.fixture
def stops() -> Stops:
    return Stops()


@pytest.fixture
def api(stops: Stops) -> Iterator[RuntimeApi]:
    with RuntimeApi(timeout_seconds=3.0, function_arn=ARN, on_timeout=stops) as running:
        yield running


def call(
    api: RuntimeApi,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh connection: status, headers, body."""
    connection = http.client.HTTPConnection(api.address, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def answer(api: RuntimeApi, request_id: str, kind: str, document: Any, **headers: str) -> int:
    path = f"/2018-06-01/runtime/invocation/{request_id}/{kind}"
    return call(api, "POST", path, json.dumps(document).encode(), headers)[0]


def test_next_hands_out_the_event_with_the_headers_awslambdaric_reads(api: RuntimeApi) -> None:
    record = api.enqueue(b'{"RequestType": "Create"}')
    before = time.time() * 1000
    status, headers, body = call(api, "GET", NEXT)
    after = time.time() * 1000
    assert status == 200
    assert body == b'{"RequestType": "Create"}'
    assert headers["Lambda-Runtime-Aws-Request-Id"] == record.request_id
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == ARN
    assert headers["Lambda-Runtime-Trace-Id"] == record.trace_id
    assert headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-")
    assert headers["Content-Type"] == "application/json"
    # The deadline is the configured timeout after the moment of hand-out, in epoch ms.
    deadline = int(headers["Lambda-Runtime-Deadline-Ms"])
    assert before + 3000 - 1 <= deadline <= after + 3000 + 1
    assert record.deadline_ms == deadline
    assert api.init_seconds is not None


def test_next_waits_until_an_invocation_is_queued(api: RuntimeApi) -> None:
    got: list[bytes] = []
    poller = threading.Thread(target=lambda: got.append(call(api, "GET", NEXT)[2]))
    poller.start()
    poller.join(0.5)
    assert poller.is_alive()
    assert got == []
    api.enqueue(b"{}")
    poller.join(5)
    assert got == [b"{}"]


def test_a_response_is_recorded_with_its_duration(api: RuntimeApi) -> None:
    record = api.enqueue(b"{}")
    call(api, "GET", NEXT)
    assert not api.wait(record, 0.05)
    status, _, body = call(
        api, "POST", f"/2018-06-01/runtime/invocation/{record.request_id}/response", b"null"
    )
    assert (status, json.loads(body)) == (202, {"status": "OK"})
    assert api.wait(record, 1)
    assert record.outcome == "response"
    assert record.body == b"null"
    assert record.error() is None
    assert record.duration_seconds is not None
    assert 0 <= record.duration_seconds < 3


def test_an_error_is_recorded_with_its_type(api: RuntimeApi) -> None:
    first, second = api.enqueue(b"{}"), api.enqueue(b"{}")
    document = {"errorMessage": "boom", "errorType": "ValueError", "stackTrace": []}
    call(api, "GET", NEXT)
    assert answer(api, first.request_id, "error", document) == 202
    call(api, "GET", NEXT)
    header = {"Lambda-Runtime-Function-Error-Type": "Runtime.Custom"}
    assert answer(api, second.request_id, "error", document, **header) == 202
    assert first.outcome == second.outcome == "error"
    # awslambdaric's native client sends no error-type header: the body's errorType counts.
    assert first.error_type == "ValueError"
    assert second.error_type == "Runtime.Custom"
    assert first.error() == document


def test_answers_out_of_turn_are_refused(api: RuntimeApi) -> None:
    record, queued = api.enqueue(b"{}"), api.enqueue(b"{}")
    status, _, body = call(api, "POST", "/2018-06-01/runtime/invocation/nope/response", b"{}")
    assert (status, json.loads(body)["errorType"]) == (400, "InvalidRequestID")
    call(api, "GET", NEXT)
    assert answer(api, queued.request_id, "response", {}) == 403  # not handed out yet
    assert answer(api, record.request_id, "response", {}) == 202
    assert answer(api, record.request_id, "error", {}) == 403  # already answered
    assert record.outcome == "response"
    assert queued.outcome is None


def test_an_oversized_response_is_refused(api: RuntimeApi) -> None:
    record = api.enqueue(b"{}")
    call(api, "GET", NEXT)
    path = f"/2018-06-01/runtime/invocation/{record.request_id}/response"
    status, _, body = call(api, "POST", path, b"x" * (MAX_RESPONSE_BYTES + 1))
    assert (status, json.loads(body)["errorType"]) == (413, "RequestEntityTooLarge")
    assert record.outcome is None


def test_unknown_endpoints_are_not_found(api: RuntimeApi) -> None:
    assert call(api, "GET", "/2018-06-01/runtime/restore/next")[0] == 404
    assert call(api, "POST", "/2018-06-01/runtime/invocation/next", b"{}")[0] == 404


def test_an_init_error_is_accepted_once_and_fails_the_waiting_invocation(
    api: RuntimeApi,
) -> None:
    record = api.enqueue(b"{}")
    document = {"errorMessage": "Unable to import module 'index'", "errorType": "x"}
    header = {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"}
    status, _, body = call(api, "POST", "/2018-06-01/runtime/init/error", b"{}", header)
    # awslambdaric checks for exactly 202.
    assert (status, json.loads(body)) == (202, {"status": "OK"})
    assert api.init_error is not None
    assert api.init_error.error_type == "Runtime.ImportModuleError"
    assert record.outcome == "init_error"
    again = json.dumps(document).encode()
    assert call(api, "POST", "/2018-06-01/runtime/init/error", again, header)[0] == 403


def test_an_init_error_after_init_is_refused(api: RuntimeApi) -> None:
    api.enqueue(b"{}")
    call(api, "GET", NEXT)
    assert call(api, "POST", "/2018-06-01/runtime/init/error", b"{}")[0] == 403
    assert api.init_error is None


def test_an_invocation_past_its_deadline_times_out_and_stops_the_runtime(stops: Stops) -> None:
    with RuntimeApi(timeout_seconds=0.5, function_arn=ARN, on_timeout=stops) as api:
        record = api.enqueue(b"{}")
        call(api, "GET", NEXT)
        assert stops.called.wait(5)
        assert api.wait(record, 1)
        assert record.outcome == "timeout"
        error = record.error()
        assert error is not None
        assert error["errorType"] == "Sandbox.Timedout"
        assert error["errorMessage"].endswith(
            f"{record.request_id} Task timed out after 0.50 seconds"
        )
        assert record.duration_seconds is not None
        assert 0.5 <= record.duration_seconds < 1.5
        # Too late: the answer is refused.
        assert answer(api, record.request_id, "response", {}) == 403
        assert record.outcome == "timeout"
        assert stops.calls == 1


def test_an_answer_in_time_cancels_the_deadline(stops: Stops) -> None:
    with RuntimeApi(timeout_seconds=0.3, function_arn=ARN, on_timeout=stops) as api:
        record = api.enqueue(b"{}")
        call(api, "GET", NEXT)
        assert answer(api, record.request_id, "response", {}) == 202
        time.sleep(0.6)
        assert record.outcome == "response"
        assert stops.calls == 0


def test_an_init_past_its_limit_times_out_and_stops_the_runtime(stops: Stops) -> None:
    with RuntimeApi(
        timeout_seconds=5.0, function_arn=ARN, init_timeout_seconds=0.3, on_timeout=stops
    ) as api:
        record = api.enqueue(b"{}")
        assert stops.called.wait(5)
        assert api.init_timed_out
        assert record.outcome == "timeout"
        error = record.error()
        assert error is not None
        assert "Init timed out after 0.30 seconds" in error["errorMessage"]


def test_a_redelivery_carries_the_request_id_it_is_given(api: RuntimeApi) -> None:
    first = api.enqueue(b'{"n": 1}')
    retry = api.enqueue(b'{"n": 1}', request_id=first.request_id)
    fresh = api.enqueue(b'{"n": 2}')
    assert retry.request_id == first.request_id
    assert fresh.request_id not in (first.request_id, "")

    headers = call(api, "GET", NEXT)[1]
    assert headers["Lambda-Runtime-Aws-Request-Id"] == first.request_id
    assert answer(api, first.request_id, "error", {"errorType": "Crash"}) == 202
    headers = call(api, "GET", NEXT)[1]
    assert headers["Lambda-Runtime-Aws-Request-Id"] == first.request_id
    # The answer goes to the delivery under way, not to the first one that ended.
    assert answer(api, first.request_id, "response", {}) == 202
    assert (first.outcome, retry.outcome) == ("error", "response")
    assert answer(api, first.request_id, "response", {}) == 403  # both have ended
