"""Counting the handler's DynamoDB calls: a loopback proxy in front of the moto server.

``harness.dynamodb.DynamoDBServer`` keeps no record of the requests it serves, so a measure that
wants the claim table's calls points the function at this proxy (``AWS_ENDPOINT_URL_DYNAMODB``)
instead. Each request is forwarded unchanged to moto and its answer returned unchanged; the
proxy notes the operation (the ``X-Amz-Target`` header, ``DynamoDB_20120810.PutItem``) and the
HTTP status. A conditional write that loses answers 400 ConditionalCheckFailedException: it is
counted as a call, with its status.
"""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Final, Self
from urllib.parse import urlsplit

# Hop-by-hop headers, and the length, which the proxy sets itself.
_NOT_FORWARDED: Final = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length"}
)
# What http.server writes of its own into every answer.
_SET_BY_THE_PROXY: Final = _NOT_FORWARDED | {"server", "date"}
_TIMEOUT_SECONDS: Final = 30.0


@dataclass(frozen=True)
class DynamoDBCall:
    """One request the proxy forwarded: the operation and the status moto answered."""

    operation: str
    status: int

    @property
    def label(self) -> str:
        """``Operation -> status``, as the API call tables write a call."""
        return f"{self.operation} -> {self.status}"


class DynamoDBCallCounter:
    """A loopback HTTP proxy to ``upstream`` (moto's endpoint) that records every call.

    Use it as a context manager: entering starts serving in a daemon thread, leaving stops it.
    """

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError(f"upstream {upstream!r} is not an http://host:port endpoint")
        self._upstream = (parts.hostname, parts.port)
        self._lock = threading.Lock()
        self._calls: list[DynamoDBCall] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        counter = self

        class Forward(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                counter._forward(self)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the bench's stderr is its progress log."""

        server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="dynamodb-call-counter", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    @property
    def endpoint_url(self) -> str:
        """The URL to give the function as AWS_ENDPOINT_URL_DYNAMODB."""
        if self._server is None:
            raise RuntimeError("the DynamoDB call counter is not running: enter it first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def calls(self) -> list[DynamoDBCall]:
        """Every call forwarded so far, oldest first (a copy)."""
        with self._lock:
            return list(self._calls)

    def _forward(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length", "0"))
        body = request.rfile.read(length)
        target = request.headers.get("X-Amz-Target", "")
        operation = target.rsplit(".", 1)[-1] or "Unknown"
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in _NOT_FORWARDED
        }
        connection = http.client.HTTPConnection(*self._upstream, timeout=_TIMEOUT_SECONDS)
        try:
            connection.request("POST", request.path, body=body, headers=headers)
            answer = connection.getresponse()
            payload = answer.read()
            answer_headers = [
                (name, value)
                for name, value in answer.getheaders()
                if name.lower() not in _SET_BY_THE_PROXY
            ]
            status = answer.status
        finally:
            connection.close()
        with self._lock:
            self._calls.append(DynamoDBCall(operation, status))
        request.send_response(status)
        for name, value in answer_headers:
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)


def by_operation(calls: Sequence[DynamoDBCall]) -> dict[str, int]:
    """How many calls of each ``Operation -> status``, in the order they first came."""
    return dict(Counter(call.label for call in calls))
