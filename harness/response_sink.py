"""A local HTTPS server standing in for CloudFormation's presigned S3 ResponseURL.

It serves TLS with a throwaway certificate authority (trustme), so the handler's real sender runs
unchanged: point ``SSL_CERT_FILE`` at ``ca_file`` and hand out ``url_for(...)`` as ResponseURL.
Each URL carries a fake presigned query string, so tests can check it never reaches the logs.
"""

from __future__ import annotations

import json
import secrets
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import trustme


@dataclass
class _Faults:
    fail_statuses: list[int] = field(default_factory=list)
    resets: int = 0


class ResponseSink:
    """Collects CloudFormation responses PUT by the handler; can fail on purpose."""

    def __init__(self) -> None:
        self._ca = trustme.CA()
        self._cert = self._ca.issue_cert("127.0.0.1", "localhost")
        self._dir = tempfile.TemporaryDirectory(prefix="response-sink-")
        self.ca_file = str(Path(self._dir.name) / "ca.pem")
        self._ca.cert_pem.write_to_path(self.ca_file)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._bodies: dict[str, list[dict[str, Any]]] = {}
        self._raw: dict[str, list[bytes]] = {}
        self._attempted: dict[str, list[bytes]] = {}
        self._faults = _Faults()
        self.attempts = 0
        self.signatures: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------------
    def start(self) -> ResponseSink:
        """Start serving on an ephemeral loopback port."""
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:  # http.server's naming
                sink._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._cert.configure_cert(context)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and remove the certificate files."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._dir.cleanup()

    def __enter__(self) -> ResponseSink:
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
    def port(self) -> int:
        """The port served on."""
        if self._server is None:
            raise RuntimeError("the response sink is not started")
        return int(self._server.server_address[1])

    def url_for(self, key: str) -> str:
        """A presigned-looking ResponseURL whose responses are filed under ``key``."""
        signature = secrets.token_hex(32)
        with self._lock:
            self.signatures.append(signature)
        return (
            f"https://127.0.0.1:{self.port}/cfn-response/{key}"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261128"
            f"&X-Amz-Expires=7200&X-Amz-Signature={signature}"
        )

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` PUTs with ``status`` (without recording them)."""
        with self._lock:
            self._faults.fail_statuses.extend([status] * count)

    def clear_faults(self) -> None:
        """Drop every queued failure and reset: the next PUTs are accepted."""
        with self._lock:
            self._faults = _Faults()

    def reset_next(self, count: int) -> None:
        """Drop the connection of the next ``count`` PUTs without answering."""
        with self._lock:
            self._faults.resets += count

    def responses(self, key: str) -> list[dict[str, Any]]:
        """Every response recorded under ``key``, oldest first."""
        with self._lock:
            return list(self._bodies.get(key, []))

    def raw(self, key: str) -> list[bytes]:
        """The raw bodies recorded under ``key``."""
        with self._lock:
            return list(self._raw.get(key, []))

    def attempted(self, key: str) -> list[bytes]:
        """Every body PUT under ``key``, accepted or not (a reset connection's included)."""
        with self._lock:
            return list(self._attempted.get(key, []))

    def wait_for(self, key: str, timeout: float = 10.0) -> dict[str, Any]:
        """Wait for the first response under ``key`` and return it."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: bool(self._bodies.get(key)), timeout):
                raise TimeoutError(f"no CloudFormation response arrived for {key!r}")
            return self._bodies[key][0]

    # serving -------------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length", "0"))
        body = request.rfile.read(length)
        key = urlsplit(request.path).path.rsplit("/", 1)[-1]
        with self._lock:
            self.attempts += 1
            self._attempted.setdefault(key, []).append(body)
            if self._faults.resets:
                self._faults.resets -= 1
                reset = True
                status = 0
            else:
                reset = False
                status = self._faults.fail_statuses.pop(0) if self._faults.fail_statuses else 200
        if reset:
            request.close_connection = True
            request.connection.close()
            return
        if status == 200:
            with self._arrived:
                self._raw.setdefault(key, []).append(body)
                self._bodies.setdefault(key, []).append(json.loads(body))
                self._arrived.notify_all()
        request.send_response(status)
        request.send_header("Content-Length", "0")
        request.end_headers()
