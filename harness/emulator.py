"""Local emulator of the Amazon Chime SDK Voice proxy-session REST API, for tests.

`ChimeVoiceEmulator` serves the rest-json wire protocol of the `chime-sdk-voice` service on
loopback, so an unmodified boto3 client reaches it through `endpoint_url=emu.endpoint_url` or the
`AWS_ENDPOINT_URL_CHIME_SDK_VOICE` environment variable, and raises the modeled exceptions
(`client.exceptions.NotFoundException`, ...). Paths, methods, members, constraints, success codes
and error status codes are read from botocore's service model at runtime, so the emulator follows
the SDK the tests run with.

Choices where the real service's behaviour is not documented:

- DeleteProxySession removes the session; a second delete answers 404 NotFoundException.
- CreateProxySession needs the voice connector's proxy configuration (PutVoiceConnectorProxy, or
  `configure_proxy`) and answers 400 BadRequestException without it or when it is disabled.
- UpdateProxySession of a Closed session answers 400 BadRequestException.
- Sessions never expire on their own: `close_session` simulates the expiry.
- Requests are checked in this order: SigV4 Authorization header present (401), operation
  routed (404 UnknownOperationException), forbidden operation (403), `throttle_next` (429),
  rate limit (429), `fail_next` (5xx), input validation (400), then the operation itself. Latency,
  resets and hangs apply before all of these.
- Validation messages follow the AWS format; values of sensitive members (phone numbers, session
  names) are left out of them, and the emulator never writes to stdout or stderr while serving.

Run `python -m harness.emulator --voice-connector ID` to serve it from a shell.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import functools
import http.server
import itertools
import json
import re
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType, TracebackType
from typing import Any, Final, cast
from urllib.parse import parse_qs, unquote, urlsplit

import botocore.session
from botocore.model import (
    ListShape,
    MapShape,
    OperationModel,
    ServiceModel,
    Shape,
    StringShape,
    StructureShape,
)

__all__ = [
    "ENDPOINT_ENV_VAR",
    "SERVICE_NAME",
    "SUPPORTED_OPERATIONS",
    "CallRecord",
    "ChimeVoiceEmulator",
    "FaultInjector",
    "main",
    "service_model",
]

SERVICE_NAME: Final = "chime-sdk-voice"
"""The botocore service name the emulator speaks."""

ENDPOINT_ENV_VAR: Final = "AWS_ENDPOINT_URL_CHIME_SDK_VOICE"
"""The environment variable that points boto3's chime-sdk-voice clients at an endpoint."""

SUPPORTED_OPERATIONS: Final = frozenset(
    {
        "CreateProxySession",
        "GetProxySession",
        "UpdateProxySession",
        "DeleteProxySession",
        "ListProxySessions",
        "PutVoiceConnectorProxy",
        "GetVoiceConnectorProxy",
        "DeleteVoiceConnectorProxy",
    }
)
"""Operations the emulator implements; other operations of the model answer 501."""

_SESSION_STATUSES: Final = ("Open", "InProgress", "Closed")
_CAPABILITIES: Final = ("Voice", "SMS")
_DEFAULT_MAX_RESULTS: Final = 100
_STOP_JOIN_SECONDS: Final = 5.0


@functools.cache
def service_model() -> ServiceModel:
    """Return botocore's model of chime-sdk-voice, loaded once per process."""
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


def _operation(name: str) -> OperationModel:
    return service_model().operation_model(name)


def _check_operation(name: str) -> str:
    if name not in service_model().operation_names:
        raise ValueError(
            f"Unknown {SERVICE_NAME} operation {name!r}: use a name from the service model, "
            f"e.g. one of {sorted(SUPPORTED_OPERATIONS)}"
        )
    return name


@functools.cache
def _error_status(code: str) -> int:
    shape = service_model().shape_for(code)
    return int(shape.metadata["error"]["httpStatusCode"])


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _to_millis(moment: datetime) -> datetime:
    """Normalize to UTC with millisecond precision, the precision the wire format carries."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _iso8601(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --------------------------------------------------------------------------------------------
# Records and faults
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One request the emulator received, with what it answered.

    Attributes:
        operation: The routed operation name, or "Unknown" when no operation matched.
        method: The HTTP method.
        path: The request path (without the query string).
        voice_connector_id: The voice connector id from the path, if any.
        session_id: The proxy session id from the path, or the id CreateProxySession generated.
        status: The HTTP status answered; 0 when the connection was reset or dropped unanswered.
        error_code: The error code answered (e.g. "ThrottledClientException"), None on success.
        fault: The injected fault that shaped the answer ("latency", "reset", "hang",
            "throttle", "rate_limit", "fail", "forbid"), None when none did.
        timestamp: When the request arrived (the emulator's clock, UTC).
    """

    operation: str
    method: str
    path: str
    voice_connector_id: str | None
    session_id: str | None
    status: int
    error_code: str | None
    fault: str | None
    timestamp: datetime


@dataclass(slots=True)
class _Pending:
    count: int
    operation: str | None
    value: float


class FaultInjector:
    """Faults the emulator injects into the requests it serves.

    Every knob is thread-safe and may change while the emulator serves. Knobs that take
    `operation=` apply only to requests routed to that operation; without it, to any request.
    """

    def __init__(self) -> None:
        """Start with no faults."""
        self._lock = threading.Lock()
        self._rate: float | None = None
        self._tokens = 0.0
        self._refilled = 0.0
        self._latency = 0.0
        self._pending: dict[str, list[_Pending]] = {
            "throttle": [],
            "fail": [],
            "reset": [],
            "hang": [],
        }
        self._forbidden: set[str] = set()

    @property
    def rate_limit_per_second(self) -> float | None:
        """Requests per second allowed before 429 ThrottledClientException; None disables it.

        A token bucket refilled at this rate, holding at most max(rate, 1) tokens (the burst).
        Setting it refills the bucket.
        """
        with self._lock:
            return self._rate

    @rate_limit_per_second.setter
    def rate_limit_per_second(self, rate: float | None) -> None:
        if rate is not None and not rate > 0:
            raise ValueError(f"rate_limit_per_second must be > 0 or None, got {rate!r}")
        with self._lock:
            self._rate = rate
            self._tokens = max(rate, 1.0) if rate is not None else 0.0
            self._refilled = time.monotonic()

    @property
    def latency_seconds(self) -> float:
        """Delay added before every request is processed (default 0)."""
        with self._lock:
            return self._latency

    @latency_seconds.setter
    def latency_seconds(self, seconds: float) -> None:
        if not seconds >= 0:
            raise ValueError(f"latency_seconds must be >= 0, got {seconds!r}")
        with self._lock:
            self._latency = seconds

    @property
    def forbidden(self) -> frozenset[str]:
        """The operations currently answered with 403 ForbiddenException."""
        with self._lock:
            return frozenset(self._forbidden)

    def throttle_next(self, count: int = 1, *, operation: str | None = None) -> None:
        """Answer the next `count` requests with 429 ThrottledClientException."""
        self._queue("throttle", count, operation, 0.0)

    def fail_next(self, count: int = 1, status: int = 500, *, operation: str | None = None) -> None:
        """Answer the next `count` requests with a 5xx error.

        `status` 500 answers ServiceFailureException, 503 ServiceUnavailableException.
        """
        if status not in (500, 503):
            raise ValueError(
                f"fail_next status must be 500 (ServiceFailureException) or 503 "
                f"(ServiceUnavailableException), got {status!r}"
            )
        self._queue("fail", count, operation, float(status))

    def reset_next(self, count: int = 1, *, operation: str | None = None) -> None:
        """Close the connection of the next `count` requests without answering (TCP reset)."""
        self._queue("reset", count, operation, 0.0)

    def hang_next(
        self, count: int = 1, seconds: float = 5.0, *, operation: str | None = None
    ) -> None:
        """Sleep `seconds` before processing each of the next `count` requests.

        Use it to provoke client read timeouts; the request is still processed afterwards (or
        dropped unanswered if the emulator stops meanwhile).
        """
        if not seconds >= 0:
            raise ValueError(f"hang_next seconds must be >= 0, got {seconds!r}")
        self._queue("hang", count, operation, float(seconds))

    def forbid(self, *operations: str) -> None:
        """Answer 403 ForbiddenException to every request for these operations until allowed."""
        names = {_check_operation(name) for name in operations}
        with self._lock:
            self._forbidden |= names

    def allow(self, *operations: str) -> None:
        """Undo `forbid` for these operations."""
        with self._lock:
            self._forbidden -= set(operations)

    def clear(self) -> None:
        """Remove every fault: rate limit, latency, pending faults and forbidden operations."""
        with self._lock:
            self._rate = None
            self._latency = 0.0
            for queue in self._pending.values():
                queue.clear()
            self._forbidden.clear()

    def _queue(self, kind: str, count: int, operation: str | None, value: float) -> None:
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count!r}")
        if operation is not None:
            _check_operation(operation)
        if count:
            with self._lock:
                self._pending[kind].append(_Pending(count, operation, value))

    def _take(self, kind: str, operation: str | None) -> float | None:
        """Consume one pending fault of `kind` that applies to `operation`; its value or None."""
        with self._lock:
            queue = self._pending[kind]
            for index, pending in enumerate(queue):
                if pending.operation is None or pending.operation == operation:
                    pending.count -= 1
                    if pending.count == 0:
                        del queue[index]
                    return pending.value
        return None

    def _is_forbidden(self, operation: str) -> bool:
        with self._lock:
            return operation in self._forbidden

    def _acquire_token(self) -> bool:
        """Take a token from the rate-limit bucket; False when the request must be throttled."""
        with self._lock:
            if self._rate is None:
                return True
            now = time.monotonic()
            capacity = max(self._rate, 1.0)
            self._tokens = min(capacity, self._tokens + (now - self._refilled) * self._rate)
            self._refilled = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False


# --------------------------------------------------------------------------------------------
# Routing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Route:
    operation: str
    method: str
    segments: tuple[str, ...]
    literal_query: tuple[tuple[str, str], ...]

    @property
    def score(self) -> tuple[int, int]:
        literals = sum(1 for segment in self.segments if not segment.startswith("{"))
        return literals, len(self.literal_query)

    def match(
        self, method: str, segments: Sequence[str], query: Mapping[str, list[str]]
    ) -> dict[str, str] | None:
        """Return the URI labels (URL-decoded) when the request matches this route."""
        if method != self.method:
            return None
        if any(value not in query.get(key, ()) for key, value in self.literal_query):
            return None
        labels: dict[str, str] = {}
        for index, template in enumerate(self.segments):
            if template.endswith("+}"):
                rest = segments[index:]
                if not rest or not all(rest):
                    return None
                labels[template[1:-2]] = unquote("/".join(rest))
                return labels
            if index >= len(segments):
                return None
            segment = segments[index]
            if template.startswith("{"):
                if not segment:
                    return None
                labels[template[1:-1]] = unquote(segment)
            elif unquote(segment) != template:
                return None
        return labels if len(segments) == len(self.segments) else None


@functools.cache
def _routes() -> tuple[_Route, ...]:
    routes = []
    for name in service_model().operation_names:
        http = _operation(name).http
        path, _, literal = str(http["requestUri"]).partition("?")
        literal_query = tuple(
            (key, values[-1]) for key, values in parse_qs(literal, keep_blank_values=True).items()
        )
        segments = tuple(path.split("/")[1:])
        routes.append(_Route(name, str(http["method"]), segments, literal_query))
    return tuple(sorted(routes, key=lambda route: route.score, reverse=True))


def _route(
    method: str, path: str, query: Mapping[str, list[str]]
) -> tuple[str, dict[str, str]] | None:
    # Split before decoding: an encoded "/" (%2F) stays inside its label.
    segments = path.split("/")[1:]
    for route in _routes():
        labels = route.match(method, segments, query)
        if labels is not None:
            return route.operation, labels
    return None


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

_JSON_TYPES: Final[Mapping[str, tuple[type, ...]]] = {
    "structure": (dict,),
    "map": (dict,),
    "list": (list,),
    "string": (str,),
    "blob": (str,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "boolean": (bool,),
    "timestamp": (str, int, float),
}


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _is_sensitive(shape: Shape, seen: frozenset[str] = frozenset()) -> bool:
    if shape.metadata.get("sensitive"):
        return True
    if shape.name in seen:
        return False
    seen = seen | {shape.name}
    if isinstance(shape, StructureShape):
        return any(_is_sensitive(member, seen) for member in shape.members.values())
    if isinstance(shape, ListShape):
        return _is_sensitive(shape.member, seen)
    if isinstance(shape, MapShape):
        return _is_sensitive(shape.key, seen) or _is_sensitive(shape.value, seen)
    return False


def _show(value: object) -> str:
    """Render a value the way the service's (Java) validation messages do."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={_show(item)}" for key, item in value.items()) + "}"
    return str(value)


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        # Java regexes (the service's) treat \d, \w and \s as ASCII-only.
        return re.compile(pattern, re.ASCII)
    except re.error:
        return None


class _Validator:
    """Collects constraint violations of a request, in the service's message format."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def message(self) -> str:
        count = len(self.errors)
        noun = "error" if count == 1 else "errors"
        return f"{count} validation {noun} detected: " + "; ".join(self.errors)

    def _fail(self, shape: Shape, value: object, path: str, constraint: str) -> None:
        if value is None:
            shown = "Value null at"
        elif _is_sensitive(shape):
            shown = "Value at"
        else:
            shown = f"Value '{_show(value)}' at"
        self.errors.append(f"{shown} '{path}' failed to satisfy constraint: {constraint}")

    def structure(
        self, shape: StructureShape, value: Mapping[str, Any], path: str, *, top: bool
    ) -> None:
        """Validate the members of a structure; top-level values are keyed by member name."""
        required = set(shape.required_members)
        for name, member in shape.members.items():
            key = name if top else str(member.serialization.get("name", name))
            member_path = f"{path}.{_lower_first(name)}" if path else _lower_first(name)
            item = value.get(key)
            if item is None:
                if name in required:
                    self._fail(member, None, member_path, "Member must not be null")
                continue
            self.value(member, item, member_path)

    def value(self, shape: Shape, value: object, path: str) -> None:
        """Validate one value against its shape (type, then constraints, then nested values)."""
        kind = shape.type_name
        expected = _JSON_TYPES.get(kind, (object,))
        is_bool = isinstance(value, bool)
        if not isinstance(value, expected) or (is_bool and kind != "boolean"):
            self._fail(shape, value, path, f"Member must be of type {kind}")
            return
        meta = shape.metadata
        if kind in ("string", "blob", "list", "map"):
            length = len(cast("str | list[object] | dict[str, object]", value))
            if "min" in meta and length < meta["min"]:
                self._fail(
                    shape,
                    value,
                    path,
                    f"Member must have length greater than or equal to {meta['min']}",
                )
            if "max" in meta and length > meta["max"]:
                self._fail(
                    shape,
                    value,
                    path,
                    f"Member must have length less than or equal to {meta['max']}",
                )
        elif kind in ("integer", "long", "float", "double"):
            number = cast("float", value)
            if "min" in meta and number < meta["min"]:
                self._fail(
                    shape,
                    value,
                    path,
                    f"Member must have value greater than or equal to {meta['min']}",
                )
            if "max" in meta and number > meta["max"]:
                self._fail(
                    shape,
                    value,
                    path,
                    f"Member must have value less than or equal to {meta['max']}",
                )
        if isinstance(shape, StringShape) and isinstance(value, str):
            pattern = meta.get("pattern")
            compiled = _compiled(pattern) if pattern else None
            if compiled is not None and compiled.fullmatch(value) is None:
                self._fail(
                    shape, value, path, f"Member must satisfy regular expression pattern: {pattern}"
                )
            if shape.enum and value not in shape.enum:
                allowed = ", ".join(shape.enum)
                self._fail(shape, value, path, f"Member must satisfy enum value set: [{allowed}]")
        elif isinstance(shape, StructureShape) and isinstance(value, dict):
            self.structure(shape, value, path, top=False)
        elif isinstance(shape, ListShape) and isinstance(value, list):
            for index, item in enumerate(value, start=1):
                self.value(shape.member, item, f"{path}.{index}.member")
        elif isinstance(shape, MapShape) and isinstance(value, dict):
            for key, item in value.items():
                self.value(shape.key, key, f"{path}.{key}.key")
                self.value(shape.value, item, f"{path}.{key}.value")


def _coerce_query(shape: Shape, values: list[str]) -> object:
    """Turn query-string text into the member's type; leave it as text when it does not parse."""
    if isinstance(shape, ListShape):
        return [_coerce_query(shape.member, [value]) for value in values]
    text = values[-1]
    if shape.type_name in ("integer", "long"):
        with contextlib.suppress(ValueError):
            return int(text)
    elif shape.type_name == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


# --------------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------------


class _ApiError(Exception):
    """An error answered to the client as the service would."""

    def __init__(
        self, code: str, message: str, *, status: int | None = None, fault: str | None = None
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = _error_status(code) if status is None else status
        self.fault = fault


@dataclass(slots=True)
class _Session:
    voice_connector_id: str
    session_id: str
    status: str
    capabilities: list[str]
    expiry_minutes: int
    participants: list[tuple[str, str]]
    created: datetime
    updated: datetime
    ended: datetime | None = None
    name: str | None = None
    number_selection_behavior: str | None = None
    geo_match_level: str | None = None
    geo_match_params: dict[str, str] | None = None

    def to_api(self, *, wire: bool) -> dict[str, Any]:
        """The ProxySession structure: iso8601 strings on the wire, datetimes otherwise."""

        def stamp(moment: datetime) -> str | datetime:
            return _iso8601(moment) if wire else moment

        data: dict[str, Any] = {
            "VoiceConnectorId": self.voice_connector_id,
            "ProxySessionId": self.session_id,
            "Status": self.status,
            "ExpiryMinutes": self.expiry_minutes,
            "Capabilities": list(self.capabilities),
            "CreatedTimestamp": stamp(self.created),
            "UpdatedTimestamp": stamp(self.updated),
            "Participants": [
                {"PhoneNumber": phone, "ProxyPhoneNumber": proxy}
                for phone, proxy in self.participants
            ],
        }
        if self.name is not None:
            data["Name"] = self.name
        if self.ended is not None:
            data["EndedTimestamp"] = stamp(self.ended)
        if self.number_selection_behavior is not None:
            data["NumberSelectionBehavior"] = self.number_selection_behavior
        if self.geo_match_level is not None:
            data["GeoMatchLevel"] = self.geo_match_level
        if self.geo_match_params is not None:
            data["GeoMatchParams"] = dict(self.geo_match_params)
        return data


@dataclass(frozen=True, slots=True)
class _Outcome:
    status: int
    payload: dict[str, Any] | None
    error_code: str | None = None
    fault: str | None = None


class _Stopping(Exception):
    """The emulator stopped while a request waited: drop it unanswered."""


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


class _Server(http.server.ThreadingHTTPServer):
    """A threading HTTP server that can close its open connections and join its workers."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: ChimeVoiceEmulator) -> None:
        super().__init__(address, _Handler)
        self.emulator = emulator
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
            name="chime-emulator-conn",
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
        """Stay silent: clients going away is normal; anything else is kept on the emulator."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):
            self.emulator._note_internal_error(traceback.format_exc())

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
    """Speaks HTTP/1.1 (keep-alive, as botocore expects) and hands requests to the emulator."""

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
        """Log nothing: request lines carry identifiers and the emulator must stay quiet."""

    def _dispatch(self) -> None:
        emulator = cast("_Server", self.server).emulator
        emulator._serve(self)

    def read_body(self) -> bytes:
        """Read the request body (Content-Length framed, as botocore sends it)."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def answer(self, outcome: _Outcome, request_id: str) -> None:
        """Write the response; a 204 carries no body and no Content-Length."""
        body = b"" if outcome.payload is None else json.dumps(outcome.payload).encode()
        self.send_response(outcome.status)
        self.send_header("x-amzn-RequestId", request_id)
        if outcome.error_code is not None:
            self.send_header("x-amzn-ErrorType", outcome.error_code)
        if outcome.status != 204:
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def reset(self) -> None:
        """Drop the connection with a TCP reset instead of answering."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            # The socket really closes (sending the RST) once its last file object does.
            self.rfile.close()


# --------------------------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------------------------


class ChimeVoiceEmulator:
    """An in-memory Amazon Chime SDK Voice proxy-session service on a local HTTP port.

    Use it as a context manager, or call `start()` and `stop()`. Point boto3 at `endpoint_url`.
    All methods are thread-safe and may be called while the emulator serves.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        require_auth: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Configure the emulator; nothing listens until `start()`.

        Args:
            host: The address to bind (loopback by default).
            port: The port to bind; 0 picks a free ephemeral port.
            require_auth: Answer 401 UnauthorizedClientException to requests without a SigV4
                Authorization header (boto3 always signs when it has credentials).
            clock: Source of timestamps (timezone-aware datetimes); defaults to the wall clock.
        """
        self.host = host
        self.require_auth = require_auth
        self.faults = FaultInjector()
        self._requested_port = port
        self._clock = clock or _utc_now
        self._lock = threading.Lock()
        self._voice_connectors: set[str] = set()
        self._proxies: dict[str, dict[str, Any]] = {}
        self._sessions: dict[str, dict[str, _Session]] = {}
        self._calls: list[CallRecord] = []
        self._internal_errors: list[str] = []
        self._proxy_numbers = itertools.count(1)
        self._lifecycle = threading.Lock()
        self._server: _Server | None = None
        self._serve_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        _routes()

    # Lifecycle ---------------------------------------------------------------------------

    def start(self) -> ChimeVoiceEmulator:
        """Bind and serve in a daemon thread; a no-op when already running. Returns self."""
        with self._lifecycle:
            if self._server is not None:
                return self
            self._stopping = threading.Event()
            server = _Server((self.host, self._requested_port), self)
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="chime-emulator",
                daemon=True,
            )
            thread.start()
            self._server, self._serve_thread = server, thread
            return self

    def stop(self) -> None:
        """Stop serving, close open connections and join every worker thread; idempotent."""
        with self._lifecycle:
            server, thread = self._server, self._serve_thread
            if server is None or thread is None:
                return
            self._stopping.set()
            server.shutdown()
            thread.join()
            server.close_connections()
            server.server_close()
            self._server, self._serve_thread = None, None

    def __enter__(self) -> ChimeVoiceEmulator:
        """Start the emulator."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the emulator."""
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the emulator is serving."""
        return self._server is not None

    @property
    def port(self) -> int:
        """The bound port; raises RuntimeError when not running."""
        server = self._server
        if server is None:
            raise RuntimeError(
                "The emulator is not running: call start() (or use it as a context manager)"
            )
        return int(server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        """The URL for boto3's `endpoint_url=` or AWS_ENDPOINT_URL_CHIME_SDK_VOICE."""
        return f"http://{self.host}:{self.port}"

    # State set-up (bypasses the API) -----------------------------------------------------

    def add_voice_connector(self, voice_connector_id: str) -> None:
        """Make a voice connector exist (idempotent); ids must match the service's pattern."""
        pattern = str(service_model().shape_for("VoiceConnectorId").metadata["pattern"])
        if re.fullmatch(pattern, voice_connector_id, re.ASCII) is None:
            raise ValueError(
                f"Voice connector id {voice_connector_id!r} does not match the service's pattern "
                f"{pattern}: use 21-22 lowercase letters/digits or a lowercase UUID"
            )
        with self._lock:
            self._voice_connectors.add(voice_connector_id)
            self._sessions.setdefault(voice_connector_id, {})

    def configure_proxy(
        self,
        voice_connector_id: str,
        *,
        default_session_expiry_minutes: int = 60,
        countries: Sequence[str] = ("US",),
        disabled: bool = False,
    ) -> None:
        """Set the voice connector's proxy configuration, as PutVoiceConnectorProxy would.

        Adds the voice connector if it does not exist.
        """
        self.add_voice_connector(voice_connector_id)
        with self._lock:
            self._proxies[voice_connector_id] = {
                "DefaultSessionExpiryMinutes": default_session_expiry_minutes,
                "Disabled": disabled,
                "PhoneNumberCountries": list(countries),
            }

    def seed_session(
        self,
        voice_connector_id: str,
        capabilities: Sequence[str] = ("Voice",),
        expiry_minutes: int = 60,
        status: str = "Open",
        participants: tuple[str, str] = ("+12065550100", "+12065550101"),
        session_id: str | None = None,
        *,
        name: str | None = None,
    ) -> str:
        """Create a proxy session directly (no proxy configuration needed); returns its id.

        Adds the voice connector if it does not exist. A Closed session gets an EndedTimestamp.
        """
        if status not in _SESSION_STATUSES:
            raise ValueError(f"status must be one of {list(_SESSION_STATUSES)}, got {status!r}")
        unknown = [capability for capability in capabilities if capability not in _CAPABILITIES]
        if unknown:
            raise ValueError(f"capabilities must be among {list(_CAPABILITIES)}, got {unknown!r}")
        if expiry_minutes < 1:
            raise ValueError(f"expiry_minutes must be >= 1, got {expiry_minutes!r}")
        e164 = _compiled(str(service_model().shape_for("E164PhoneNumber").metadata["pattern"]))
        for index, phone in enumerate(participants):
            if e164 is not None and e164.fullmatch(phone) is None:
                raise ValueError(
                    f"participants[{index}] is not an E.164 phone number (e.g. +12065550100)"
                )
        self.add_voice_connector(voice_connector_id)
        session_id = session_id or str(uuid.uuid4())
        now = _to_millis(self._clock())
        with self._lock:
            sessions = self._sessions[voice_connector_id]
            if session_id in sessions:
                raise ValueError(
                    f"Proxy session {session_id} already exists on voice connector "
                    f"{voice_connector_id}: pass another session_id or remove_session() first"
                )
            sessions[session_id] = _Session(
                voice_connector_id=voice_connector_id,
                session_id=session_id,
                status=status,
                capabilities=list(capabilities),
                expiry_minutes=expiry_minutes,
                participants=self._assign_proxy_numbers(participants),
                created=now,
                updated=now,
                ended=now if status == "Closed" else None,
                name=name,
            )
        return session_id

    def session(self, voice_connector_id: str, session_id: str) -> dict[str, Any] | None:
        """A snapshot of the session as boto3 returns it (datetimes in UTC), or None."""
        with self._lock:
            found = self._sessions.get(voice_connector_id, {}).get(session_id)
            return None if found is None else found.to_api(wire=False)

    def close_session(self, voice_connector_id: str, session_id: str) -> None:
        """Mark the session Closed (as expiry does); KeyError when it does not exist."""
        with self._lock:
            found = self._find_session(voice_connector_id, session_id)
            if found is None:
                raise KeyError(
                    f"No proxy session {session_id} on voice connector {voice_connector_id}"
                )
            now = _to_millis(self._clock())
            found.status, found.updated, found.ended = "Closed", now, now

    def remove_session(self, voice_connector_id: str, session_id: str) -> bool:
        """Delete the session; returns whether it existed."""
        with self._lock:
            return self._sessions.get(voice_connector_id, {}).pop(session_id, None) is not None

    def reset(self) -> None:
        """Forget all voice connectors, proxies, sessions, calls, internal errors and faults."""
        with self._lock:
            self._voice_connectors.clear()
            self._proxies.clear()
            self._sessions.clear()
            self._calls.clear()
            self._internal_errors.clear()
        self.faults.clear()

    # Observation ---------------------------------------------------------------------------

    @property
    def calls(self) -> list[CallRecord]:
        """Every request received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._calls)

    def calls_for(self, operation: str) -> list[CallRecord]:
        """The requests routed to `operation`, oldest first."""
        with self._lock:
            return [call for call in self._calls if call.operation == operation]

    def reset_calls(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._calls.clear()

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of emulator bugs (answered as 500 ServiceFailureException); a copy."""
        with self._lock:
            return list(self._internal_errors)

    # Serving -------------------------------------------------------------------------------

    def _note_internal_error(self, text: str) -> None:
        with self._lock:
            self._internal_errors.append(text)

    def _pause(self, seconds: float) -> None:
        if self._stopping.wait(seconds):
            raise _Stopping

    def _serve(self, handler: _Handler) -> None:
        arrived = _to_millis(self._clock())
        body = handler.read_body()
        split = urlsplit(handler.path)
        query = parse_qs(split.query, keep_blank_values=True)
        routed = _route(handler.command, split.path, query)
        operation, labels = routed if routed else (None, {})
        voice_connector_id = labels.get("voiceConnectorId") or labels.get("VoiceConnectorId")
        session_id = labels.get("proxySessionId")
        faults = self.faults

        def record(status: int, error_code: str | None, fault: str | None) -> None:
            call = CallRecord(
                operation=operation or "Unknown",
                method=handler.command,
                path=split.path,
                voice_connector_id=voice_connector_id,
                session_id=session_id,
                status=status,
                error_code=error_code,
                fault=fault,
                timestamp=arrived,
            )
            with self._lock:
                self._calls.append(call)

        delay_fault: str | None = None
        try:
            latency = faults.latency_seconds
            if latency > 0:
                delay_fault = "latency"
                self._pause(latency)
            if faults._take("reset", operation) is not None:
                record(0, None, "reset")
                handler.reset()
                return
            hang = faults._take("hang", operation)
            if hang is not None:
                delay_fault = "hang"
                self._pause(hang)
        except _Stopping:
            record(0, None, delay_fault)
            handler.reset()
            return

        request_id = str(uuid.uuid4())
        try:
            outcome = self._process(handler, operation, labels, query, body)
        except _ApiError as error:
            outcome = _Outcome(
                error.status,
                {"Code": error.code, "Message": error.message},
                error.code,
                error.fault,
            )
        except Exception:
            self._note_internal_error(traceback.format_exc())
            code = "ServiceFailureException"
            message = "Emulator internal error: see ChimeVoiceEmulator.internal_errors"
            outcome = _Outcome(_error_status(code), {"Code": code, "Message": message}, code)
        if outcome.payload is not None and session_id is None:
            created = outcome.payload.get("ProxySession")
            if isinstance(created, dict):
                session_id = created.get("ProxySessionId")
        record(outcome.status, outcome.error_code, outcome.fault or delay_fault)
        handler.answer(outcome, request_id)

    def _process(
        self,
        handler: _Handler,
        operation: str | None,
        labels: Mapping[str, str],
        query: Mapping[str, list[str]],
        body: bytes,
    ) -> _Outcome:
        authorization = handler.headers.get("Authorization") or ""
        if self.require_auth and not authorization.startswith("AWS4-HMAC-SHA256 "):
            raise _ApiError(
                "UnauthorizedClientException",
                "Missing or malformed Authorization header: sign the request with SigV4 "
                "(configure AWS credentials for the client)",
            )
        if operation is None:
            raise _ApiError(
                "UnknownOperationException",
                f"No {SERVICE_NAME} operation matches "
                f"{handler.command} {urlsplit(handler.path).path}",
                status=404,
            )
        faults = self.faults
        if faults._is_forbidden(operation):
            raise _ApiError(
                "ForbiddenException",
                f"User is not authorized to perform chime:{operation} (forbidden by the emulator)",
                fault="forbid",
            )
        if faults._take("throttle", operation) is not None:
            raise _ApiError("ThrottledClientException", "Rate exceeded", fault="throttle")
        if not faults._acquire_token():
            raise _ApiError("ThrottledClientException", "Rate exceeded", fault="rate_limit")
        failure = faults._take("fail", operation)
        if failure is not None:
            code = "ServiceUnavailableException" if failure == 503 else "ServiceFailureException"
            raise _ApiError(
                code,
                "The service failed to process the request (fault injected by the emulator)",
                fault="fail",
            )
        if operation not in SUPPORTED_OPERATIONS:
            raise _ApiError(
                "NotImplemented",
                f"The emulator does not implement {operation}; "
                f"it implements {sorted(SUPPORTED_OPERATIONS)}",
                status=501,
            )
        model = _operation(operation)
        params = self._parse_params(model, labels, query, body)
        if model.input_shape is not None:
            validator = _Validator()
            validator.structure(model.input_shape, params, "", top=True)
            if validator.errors:
                raise _ApiError("BadRequestException", validator.message())
        payload = getattr(self, f"_op_{operation}")(params)
        return _Outcome(int(model.http.get("responseCode", 200)), payload)

    @staticmethod
    def _parse_params(
        model: OperationModel,
        labels: Mapping[str, str],
        query: Mapping[str, list[str]],
        body: bytes,
    ) -> dict[str, Any]:
        document: dict[str, Any] = {}
        if body.strip():
            try:
                parsed: object = json.loads(body)
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise _ApiError(
                    "BadRequestException", f"The request body is not valid JSON: {error}"
                ) from None
            if not isinstance(parsed, dict):
                raise _ApiError("BadRequestException", "The request body must be a JSON object")
            document = parsed
        params: dict[str, Any] = {}
        if model.input_shape is None:
            return params
        for name, member in model.input_shape.members.items():
            location = member.serialization.get("location")
            wire_name = str(member.serialization.get("name", name))
            if location == "uri":
                if wire_name in labels:
                    params[name] = labels[wire_name]
            elif location == "querystring":
                if wire_name in query:
                    params[name] = _coerce_query(member, query[wire_name])
            elif location is None and wire_name in document:
                params[name] = document[wire_name]
        return params

    # State helpers (call with self._lock held) ---------------------------------------------

    def _assign_proxy_numbers(self, phones: Sequence[str]) -> list[tuple[str, str]]:
        proxy = f"+1555{next(self._proxy_numbers) % 10_000_000:07d}"
        return [(phone, proxy) for phone in phones]

    def _find_session(self, voice_connector_id: str, session_id: str) -> _Session | None:
        return self._sessions.get(voice_connector_id, {}).get(session_id)

    def _require_voice_connector(self, voice_connector_id: str) -> None:
        if voice_connector_id not in self._voice_connectors:
            raise _ApiError("NotFoundException", f"Voice connector {voice_connector_id} not found")

    def _require_session(self, voice_connector_id: str, session_id: str) -> _Session:
        self._require_voice_connector(voice_connector_id)
        found = self._find_session(voice_connector_id, session_id)
        if found is None:
            raise _ApiError(
                "NotFoundException",
                f"Proxy session {session_id} not found on voice connector {voice_connector_id}",
            )
        return found

    # Operations ----------------------------------------------------------------------------

    def _op_CreateProxySession(self, params: dict[str, Any]) -> dict[str, Any]:
        voice_connector_id = str(params["VoiceConnectorId"])
        now = _to_millis(self._clock())
        with self._lock:
            self._require_voice_connector(voice_connector_id)
            proxy = self._proxies.get(voice_connector_id)
            if proxy is None:
                raise _ApiError(
                    "BadRequestException",
                    f"Voice connector {voice_connector_id} has no proxy configuration: "
                    "call PutVoiceConnectorProxy first",
                )
            if proxy["Disabled"]:
                raise _ApiError(
                    "BadRequestException",
                    f"Proxy is disabled on voice connector {voice_connector_id}: "
                    "call PutVoiceConnectorProxy with Disabled=false first",
                )
            session = _Session(
                voice_connector_id=voice_connector_id,
                session_id=str(uuid.uuid4()),
                status="Open",
                capabilities=list(params["Capabilities"]),
                expiry_minutes=int(
                    params.get("ExpiryMinutes") or proxy["DefaultSessionExpiryMinutes"]
                ),
                participants=self._assign_proxy_numbers(params["ParticipantPhoneNumbers"]),
                created=now,
                updated=now,
                name=params.get("Name"),
                number_selection_behavior=params.get("NumberSelectionBehavior"),
                geo_match_level=params.get("GeoMatchLevel"),
                geo_match_params=params.get("GeoMatchParams"),
            )
            self._sessions[voice_connector_id][session.session_id] = session
            return {"ProxySession": session.to_api(wire=True)}

    def _op_GetProxySession(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            found = self._require_session(params["VoiceConnectorId"], params["ProxySessionId"])
            return {"ProxySession": found.to_api(wire=True)}

    def _op_UpdateProxySession(self, params: dict[str, Any]) -> dict[str, Any]:
        voice_connector_id, session_id = params["VoiceConnectorId"], params["ProxySessionId"]
        now = _to_millis(self._clock())
        with self._lock:
            found = self._require_session(voice_connector_id, session_id)
            if found.status == "Closed":
                raise _ApiError(
                    "BadRequestException",
                    f"Proxy session {session_id} on voice connector {voice_connector_id} is closed "
                    "and cannot be updated: create a new proxy session",
                )
            found.capabilities = list(params["Capabilities"])
            if params.get("ExpiryMinutes") is not None:
                found.expiry_minutes = int(params["ExpiryMinutes"])
            found.updated = now
            return {"ProxySession": found.to_api(wire=True)}

    def _op_DeleteProxySession(self, params: dict[str, Any]) -> None:
        voice_connector_id, session_id = params["VoiceConnectorId"], params["ProxySessionId"]
        with self._lock:
            self._require_session(voice_connector_id, session_id)
            del self._sessions[voice_connector_id][session_id]

    def _op_ListProxySessions(self, params: dict[str, Any]) -> dict[str, Any]:
        voice_connector_id = params["VoiceConnectorId"]
        limit = int(params.get("MaxResults") or _DEFAULT_MAX_RESULTS)
        offset = 0
        if params.get("NextToken"):
            try:
                offset = int(base64.urlsafe_b64decode(str(params["NextToken"]).encode()).decode())
            except (ValueError, binascii.Error):
                raise _ApiError(
                    "BadRequestException",
                    "Invalid NextToken: pass the NextToken of an earlier ListProxySessions "
                    "response",
                ) from None
        with self._lock:
            self._require_voice_connector(voice_connector_id)
            matching = [
                found.to_api(wire=True)
                for found in self._sessions[voice_connector_id].values()
                if params.get("Status") in (None, found.status)
            ]
        result: dict[str, Any] = {"ProxySessions": matching[offset : offset + limit]}
        if offset + limit < len(matching):
            result["NextToken"] = base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
        return result

    def _op_PutVoiceConnectorProxy(self, params: dict[str, Any]) -> dict[str, Any]:
        voice_connector_id = params["VoiceConnectorId"]
        proxy: dict[str, Any] = {
            "DefaultSessionExpiryMinutes": params["DefaultSessionExpiryMinutes"],
            "Disabled": bool(params.get("Disabled", False)),
            "PhoneNumberCountries": list(params["PhoneNumberPoolCountries"]),
        }
        if params.get("FallBackPhoneNumber") is not None:
            proxy["FallBackPhoneNumber"] = params["FallBackPhoneNumber"]
        with self._lock:
            self._require_voice_connector(voice_connector_id)
            self._proxies[voice_connector_id] = proxy
            return {"Proxy": dict(proxy)}

    def _op_GetVoiceConnectorProxy(self, params: dict[str, Any]) -> dict[str, Any]:
        voice_connector_id = params["VoiceConnectorId"]
        with self._lock:
            return {"Proxy": dict(self._require_proxy(voice_connector_id))}

    def _op_DeleteVoiceConnectorProxy(self, params: dict[str, Any]) -> None:
        voice_connector_id = params["VoiceConnectorId"]
        with self._lock:
            self._require_proxy(voice_connector_id)
            del self._proxies[voice_connector_id]

    def _require_proxy(self, voice_connector_id: str) -> dict[str, Any]:
        self._require_voice_connector(voice_connector_id)
        proxy = self._proxies.get(voice_connector_id)
        if proxy is None:
            raise _ApiError(
                "NotFoundException",
                f"Proxy configuration for voice connector {voice_connector_id} not found: "
                "call PutVoiceConnectorProxy first",
            )
        return proxy


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the emulator until Ctrl-C or SIGTERM; prints the endpoint URL as the first line."""
    parser = argparse.ArgumentParser(
        prog="python -m harness.emulator",
        description="Serve a local Amazon Chime SDK Voice proxy-session API for boto3 clients.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=0, help="port to bind (default: 0, a free port)"
    )
    parser.add_argument(
        "--voice-connector",
        dest="voice_connectors",
        metavar="ID",
        action="extend",
        nargs="+",
        default=[],
        help="voice connector id(s) that exist from the start (repeatable)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    emulator = ChimeVoiceEmulator(args.host, args.port)
    for voice_connector_id in args.voice_connectors:
        try:
            emulator.add_voice_connector(voice_connector_id)
        except ValueError as error:
            parser.error(str(error))

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with emulator:
        print(emulator.endpoint_url, flush=True)
        print(
            f"chime-sdk-voice emulator serving; export {ENDPOINT_ENV_VAR}={emulator.endpoint_url}. "
            "Ctrl-C or SIGTERM stops it.",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
