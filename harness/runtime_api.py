"""A local Lambda Runtime API (version 2018-06-01) for one execution environment, on 127.0.0.1.

What AWS's runtime interface client (awslambdaric 4.2.2, the one the Python base images run)
calls, and what it needs from each answer:
- ``GET /2018-06-01/runtime/invocation/next`` (its native client, libcurl, no timeout: a long
  poll). It fails without ``Lambda-Runtime-Aws-Request-Id``; it reads ``Lambda-Runtime-Deadline-Ms``
  (epoch milliseconds, what ``context.get_remaining_time_in_millis()`` counts down to),
  ``Lambda-Runtime-Invoked-Function-Arn``, ``Lambda-Runtime-Trace-Id`` and ``Content-Type``. Any
  2xx status will do; Lambda answers 200.
- ``POST /2018-06-01/runtime/invocation/{id}/response`` and ``.../{id}/error`` (native client; any
  2xx). The error body is Lambda's error document (``errorMessage``, ``errorType``,
  ``stackTrace``); the native client sends ``Lambda-Runtime-Function-XRay-Error-Cause``, not
  ``Lambda-Runtime-Function-Error-Type``, so the error type is read from the body as a fallback.
- ``POST /2018-06-01/runtime/init/error`` (Python's http.client; it expects exactly 202), when
  importing the handler fails, with ``Lambda-Runtime-Function-Error-Type``. The process then exits.

The API enforces the limits Lambda enforces: the init phase (until the runtime first asks for an
invocation) gets ``init_timeout_seconds``, and an invocation must be answered by its deadline, the
configured timeout after the moment it is handed out. Past either, the invocation is recorded as
timed out (``Task timed out after N seconds``) and ``on_timeout`` is called to kill the runtime.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal

PREFIX = "/2018-06-01/runtime"
NEXT_PATH = f"{PREFIX}/invocation/next"
INIT_ERROR_PATH = f"{PREFIX}/init/error"
_RESULT_PATH = re.compile(rf"^{PREFIX}/invocation/(?P<id>[^/]+)/(?P<kind>response|error)$")
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
# Lambda's limit on a synchronous invocation's response payload.
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
# Lambda's limit on the init phase of an on-demand function.
INIT_TIMEOUT_SECONDS = 10.0

Outcome = Literal["response", "error", "init_error", "timeout"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A runtime killed at its deadline drops its connection: expected, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class InvocationRecord:
    """One invocation as the Runtime API saw it: when it was handed out and how it ended."""

    request_id: str
    event: bytes
    trace_id: str
    queued_at: float
    handed_out_at: float | None = None
    deadline_ms: int | None = None
    finished_at: float | None = None
    outcome: Outcome | None = None
    body: bytes = b""
    error_type: str | None = None

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from hand-out to the answer (or to the deadline, when it timed out)."""
        if self.handed_out_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.handed_out_at

    def error(self) -> dict[str, Any] | None:
        """The error document of a failed invocation (None unless it failed)."""
        if self.outcome in (None, "response"):
            return None
        try:
            document = json.loads(self.body)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            document = {"errorMessage": self.body.decode(errors="replace")}
        document.setdefault("errorType", self.error_type or "")
        return document


class RuntimeApi:
    """Serves the Runtime API to one runtime process; records every invocation's end."""

    def __init__(
        self,
        *,
        timeout_seconds: float,
        function_arn: str,
        init_timeout_seconds: float = INIT_TIMEOUT_SECONDS,
        on_timeout: Callable[[], None] | None = None,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self.function_arn = function_arn
        self.init_timeout_seconds = init_timeout_seconds
        # Called from a timer thread when init or an invocation runs past its limit, with the
        # lock held (it must not call back into this API); settable after start() (the runner
        # sets it once the runtime process exists).
        self.on_timeout = on_timeout
        self.records: list[InvocationRecord] = []
        self.init_error: InvocationRecord | None = None
        self.started_at = 0.0
        self.init_seconds: float | None = None
        self.init_timed_out = False
        self._queue: list[InvocationRecord] = []
        self._current: InvocationRecord | None = None
        self._timers: list[threading.Timer] = []
        self._closing = False
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    # lifecycle -----------------------------------------------------------------------------
    def start(self) -> RuntimeApi:
        """Serve on an ephemeral loopback port; the init phase starts now."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # libcurl keeps the connection between calls

            def do_GET(self) -> None:  # http.server's naming
                api._get(self)

            def do_POST(self) -> None:  # http.server's naming
                api._post(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        server = _Server(("127.0.0.1", 0), Handler)
        self._server = server
        self.started_at = time.monotonic()
        # A short poll interval: stop() waits for it, once per invocation.
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        self._start_timer(self.init_timeout_seconds, self._expire_init)
        return self

    def stop(self) -> None:
        """Stop serving; a runtime still waiting for an invocation gets none."""
        with self._changed:
            self._closing = True
            timers, self._timers = self._timers, []
            self._changed.notify_all()
        for timer in timers:
            timer.cancel()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> RuntimeApi:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # use -----------------------------------------------------------------------------------
    @property
    def address(self) -> str:
        """``host:port``, the value of ``AWS_LAMBDA_RUNTIME_API``."""
        if self._server is None:
            raise RuntimeError("the Runtime API is not started")
        return f"127.0.0.1:{self._server.server_address[1]}"

    def enqueue(self, event: bytes, *, request_id: str | None = None) -> InvocationRecord:
        """Queue an invocation for the runtime's next ``/next``; return its record.

        ``request_id`` is the Lambda request id the runtime gets (``context.aws_request_id``): a
        fresh uuid unless given. Lambda's retry of an asynchronous invocation (after an error, a
        crash or a timeout) carries the first delivery's id, and so may an invocation here.
        """
        record = InvocationRecord(
            request_id=request_id or str(uuid.uuid4()),
            event=event,
            trace_id=f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0",
            queued_at=time.monotonic(),
        )
        with self._changed:
            self.records.append(record)
            self._queue.append(record)
            self._changed.notify_all()
        return record

    def wait(self, record: InvocationRecord, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for ``record`` to end; True once it has."""
        with self._changed:
            return self._changed.wait_for(lambda: record.outcome is not None, timeout)

    # limits --------------------------------------------------------------------------------
    def _start_timer(self, seconds: float, action: Callable[[], None]) -> None:
        timer = threading.Timer(seconds, action)
        timer.daemon = True
        with self._changed:
            self._timers.append(timer)
        timer.start()

    def _finish(self, record: InvocationRecord, outcome: Outcome, body: bytes, kind: str) -> None:
        """Record the end of ``record`` (the caller holds the lock)."""
        record.outcome = outcome
        record.body = body
        record.error_type = kind or None
        record.finished_at = time.monotonic()
        if record is self._current:
            self._current = None
        self._changed.notify_all()

    def _time_out(self, records: list[InvocationRecord], message: str, *, stop: bool) -> None:
        """Time out the unfinished ``records``; stop the runtime if any were, or if ``stop``."""
        with self._changed:
            if self._closing:
                return
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            for record in records:
                if record.outcome is None:
                    stop = True
                    body = {"errorMessage": f"{stamp} {record.request_id} {message}"}
                    self._finish(record, "timeout", json.dumps(body).encode(), "Sandbox.Timedout")
            # Stopped before the lock is let go: a waiter on the outcome (the runner, which then
            # stops the process politely) must not get to the process first.
            if stop and self.on_timeout is not None:
                self.on_timeout()

    def _expire_init(self) -> None:
        with self._changed:
            if self.init_seconds is not None or self.init_error is not None:
                return
            self.init_timed_out = True
            waiting = list(self._queue)
            self._queue.clear()
        message = f"Init timed out after {self.init_timeout_seconds:.2f} seconds"
        self._time_out(waiting, message, stop=True)

    def _expire(self, record: InvocationRecord) -> None:
        message = f"Task timed out after {self.timeout_seconds:.2f} seconds"
        self._time_out([record], message, stop=False)

    # serving -------------------------------------------------------------------------------
    def _get(self, request: BaseHTTPRequestHandler) -> None:
        if request.path != NEXT_PATH:
            _answer(
                request, HTTPStatus.NOT_FOUND, "NotFound", f"no such endpoint: GET {request.path}"
            )
            return
        with self._changed:
            self._changed.wait_for(lambda: bool(self._queue) or self._closing)
            if self._closing:
                record = None
            else:
                record = self._queue.pop(0)
                now = time.monotonic()
                if self.init_seconds is None:
                    self.init_seconds = now - self.started_at
                record.handed_out_at = now
                record.deadline_ms = int(time.time() * 1000 + self.timeout_seconds * 1000)
                self._current = record
        if record is None:
            _answer(
                request, HTTPStatus.INTERNAL_SERVER_ERROR, "ShuttingDown", "no more invocations"
            )
            return
        self._start_timer(self.timeout_seconds, partial(self._expire, record))
        request.send_response(HTTPStatus.OK)
        request.send_header("Lambda-Runtime-Aws-Request-Id", record.request_id)
        request.send_header("Lambda-Runtime-Deadline-Ms", str(record.deadline_ms))
        request.send_header("Lambda-Runtime-Invoked-Function-Arn", self.function_arn)
        request.send_header("Lambda-Runtime-Trace-Id", record.trace_id)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(record.event)))
        request.end_headers()
        request.wfile.write(record.event)

    def _post(self, request: BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length", "0")))
        kind = request.headers.get(ERROR_TYPE_HEADER, "")
        if request.path == INIT_ERROR_PATH:
            self._post_init_error(request, body, kind)
            return
        match = _RESULT_PATH.match(request.path)
        if match is None:
            _answer(
                request, HTTPStatus.NOT_FOUND, "NotFound", f"no such endpoint: POST {request.path}"
            )
            return
        with self._changed:
            # The invocation under way first: a redelivery shares the id of an earlier one.
            current = self._current
            if current is not None and current.request_id == match["id"]:
                record: InvocationRecord | None = current
            else:
                record = next((r for r in self.records if r.request_id == match["id"]), None)
            if record is None:
                status, error = HTTPStatus.BAD_REQUEST, ("InvalidRequestID", "Invalid request ID")
            elif record is not self._current:
                state = record.outcome or "not handed out"
                status = HTTPStatus.FORBIDDEN
                error = ("InvalidStateTransition", f"invocation {record.request_id} is {state}")
            elif match["kind"] == "response" and len(body) > MAX_RESPONSE_BYTES:
                status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
                error = ("RequestEntityTooLarge", f"response of {len(body)} bytes is too large")
            else:
                if match["kind"] == "error":
                    kind = kind or _error_type_in(body)
                    self._finish(record, "error", body, kind)
                else:
                    self._finish(record, "response", body, "")
                status, error = HTTPStatus.ACCEPTED, ("", "")
        if status == HTTPStatus.ACCEPTED:
            _send_json(request, status, {"status": "OK"})
        else:
            _answer(request, status, *error)

    def _post_init_error(self, request: BaseHTTPRequestHandler, body: bytes, kind: str) -> None:
        with self._changed:
            if self.init_seconds is not None or self.init_error is not None:
                conflict = True
            else:
                conflict = False
                kind = kind or _error_type_in(body)
                self.init_error = InvocationRecord(
                    request_id="",
                    event=b"",
                    trace_id="",
                    queued_at=self.started_at,
                    finished_at=time.monotonic(),
                    outcome="init_error",
                    body=body,
                    error_type=kind or None,
                )
                waiting = list(self._queue)
                self._queue.clear()
                for record in waiting:
                    self._finish(record, "init_error", body, kind)
        if conflict:
            _answer(request, HTTPStatus.FORBIDDEN, "InvalidStateTransition", "init is over")
        else:
            _send_json(request, HTTPStatus.ACCEPTED, {"status": "OK"})


def _error_type_in(body: bytes) -> str:
    try:
        document = json.loads(body)
    except ValueError:
        return ""
    return str(document.get("errorType", "")) if isinstance(document, dict) else ""


def _send_json(request: BaseHTTPRequestHandler, status: HTTPStatus, document: object) -> None:
    payload = json.dumps(document).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(payload)))
    request.end_headers()
    request.wfile.write(payload)


def _answer(request: BaseHTTPRequestHandler, status: HTTPStatus, kind: str, message: str) -> None:
    _send_json(request, status, {"errorMessage": message, "errorType": kind})
