"""HTTP/1.1 on loopback for the local AWS stand-ins: a threading server that stops cleanly.

A `LoopbackService` (the base of each stand-in) hands each request, read whole, to a responder and
writes what it answers, or drops the connection with a TCP reset when it answers None. It stays
silent (no request log), and `stop()` closes idle keep-alive connections and joins every worker
thread.
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Self, cast
from urllib.parse import parse_qs

_STOP_JOIN_SECONDS: Final = 5.0


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One request, read whole.

    Attributes:
        method: The HTTP method.
        target: The request target as sent: the path and any query string.
        headers: The headers, keyed by lower-case name.
        body: The body (Content-Length framed, as botocore sends it).
        stopping: Set when the server starts stopping; a responder that waits should wait on it.
    """

    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes
    stopping: threading.Event

    def header(self, name: str) -> str | None:
        """The value of the header `name` (any case), or None."""
        return self.headers.get(name.lower())

    def form(self) -> dict[str, str]:
        """The parameters of a query-protocol request (STS, CloudFormation): the query string's
        and the form-encoded body's, the last value of each name."""
        _, _, query = self.target.partition("?")
        form = parse_qs(query, keep_blank_values=True)
        body = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        for key, values in body.items():
            form.setdefault(key, []).extend(values)
        return {key: values[-1] for key, values in form.items()}


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """What to answer: status, headers in order (the responder adds Content-Length), body."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


Responder = Callable[[HttpRequest], HttpResponse | None]
"""Answers a request, or returns None to drop the connection with a TCP reset."""


class _ThreadingServer(http.server.ThreadingHTTPServer):
    """A threading HTTP server that can close its open connections and join its workers."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        responder: Responder,
        on_error: Callable[[str], None],
        name: str,
    ) -> None:
        super().__init__(address, _Handler)
        self.responder = responder
        self.on_error = on_error
        self.name = name
        self.stopping = threading.Event()
        self._open_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._workers: set[threading.Thread] = set()

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        """Serve the connection in a tracked daemon thread."""
        worker = threading.Thread(
            target=self._work,
            args=(request, client_address),
            name=f"{self.name}-conn",
            daemon=True,
        )
        with self._open_lock:
            if isinstance(request, socket.socket):
                self._connections.add(request)
            self._workers.add(worker)
        worker.start()

    def _work(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                if isinstance(request, socket.socket):
                    self._connections.discard(request)
                self._workers.discard(threading.current_thread())

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay silent: clients going away is normal; anything else goes to `on_error`."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):
            self.on_error(traceback.format_exc())

    def close_connections(self) -> None:
        """Shut down open connections so idle keep-alive workers return, then join them."""
        with self._open_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + _STOP_JOIN_SECONDS
        while True:
            with self._open_lock:
                workers = list(self._workers)
            if not workers or time.monotonic() > deadline:
                return
            for worker in workers:
                worker.join(timeout=max(0.0, deadline - time.monotonic()))


class _Handler(http.server.BaseHTTPRequestHandler):
    """Speaks HTTP/1.1 (keep-alive, as botocore expects) and hands requests to the responder."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle on, the client's delayed ACK would
    # add ~40 ms to every response.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        """Serve a GET request."""
        self._dispatch()

    def do_POST(self) -> None:
        """Serve a POST request."""
        self._dispatch()

    def do_PUT(self) -> None:
        """Serve a PUT request."""
        self._dispatch()

    def do_DELETE(self) -> None:
        """Serve a DELETE request."""
        self._dispatch()

    def do_PATCH(self) -> None:
        """Serve a PATCH request."""
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing: request lines carry identifiers and the stand-ins must stay quiet."""

    def _dispatch(self) -> None:
        server = cast("_ThreadingServer", self.server)
        length = int(self.headers.get("Content-Length") or 0)
        request = HttpRequest(
            method=self.command,
            target=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length > 0 else b"",
            stopping=server.stopping,
        )
        response = server.responder(request)
        if response is None:
            self._reset()
        else:
            self._answer(response)

    def _answer(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if response.body:
            self.wfile.write(response.body)

    def _reset(self) -> None:
        """Drop the connection with a TCP reset instead of answering."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            # The socket really closes (sending the RST) once its last file object does.
            self.rfile.close()


class LoopbackService:
    """A local stand-in served over HTTP on a local port; start and stop are idempotent.

    Use it as a context manager, or call `start()` and `stop()`. Point boto3 at `endpoint_url`.
    """

    def __init__(
        self,
        host: str,
        port: int,
        responder: Responder,
        *,
        name: str,
        description: str,
        on_error: Callable[[str], None],
    ) -> None:
        """Configure the service; nothing listens until `start()`.

        Args:
            host: The address to bind (loopback by default).
            port: The port to bind; 0 picks a free ephemeral port.
            responder: Answers each request (None drops the connection with a TCP reset).
            name: Its serving thread's name; connection threads get a "-conn" suffix.
            description: What error messages call it (e.g. "emulator").
            on_error: Receives the traceback of any error serving a request, other than the
                client going away.
        """
        self.host = host
        self._requested_port = port
        self._responder = responder
        self._name = name
        self._description = description
        self._on_error = on_error
        self._lifecycle = threading.Lock()
        self._server: _ThreadingServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        """Bind and serve in a daemon thread; a no-op when already running. Returns self."""
        with self._lifecycle:
            if self._server is not None:
                return self
            server = _ThreadingServer(
                (self.host, self._requested_port), self._responder, self._on_error, self._name
            )
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=self._name,
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
            return self

    def stop(self) -> None:
        """Stop serving, close open connections and join every worker thread; idempotent.

        Sets the requests' `stopping` event first, so responders that wait give up.
        """
        with self._lifecycle:
            server, thread = self._server, self._thread
            if server is None or thread is None:
                return
            server.stopping.set()
            server.shutdown()
            thread.join()
            server.close_connections()
            server.server_close()
            self._server, self._thread = None, None

    def __enter__(self) -> Self:
        """Start serving."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop serving."""
        self.stop()

    @property
    def running(self) -> bool:
        """Whether it is serving."""
        return self._server is not None

    @property
    def port(self) -> int:
        """The bound port; raises RuntimeError when not running."""
        server = self._server
        if server is None:
            raise RuntimeError(
                f"The {self._description} is not running: "
                "call start() (or use it as a context manager)"
            )
        return int(server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        """The URL for boto3's `endpoint_url=` or the service's AWS_ENDPOINT_URL_* variable."""
        return f"http://{self.host}:{self.port}"
