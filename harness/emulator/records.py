"""What a stand-in observed: one record per request, and the tracebacks of its own bugs."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from harness.emulator.faults import FaultKind


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One request the emulator received, with what it answered.

    Attributes:
        operation: The routed operation name, or "Unknown" when no operation matched.
        method: The HTTP method.
        path: The request path (without the query string).
        voice_connector_id: The voice connector id from the path, or the id CreateVoiceConnector
            generated.
        session_id: The proxy session id from the path, or the id CreateProxySession generated.
        status: The HTTP status answered; 0 when the connection was reset or dropped unanswered.
        error_code: The error code answered (e.g. "ThrottledClientException"), None on success.
        fault: The injected fault that shaped the answer (a `FaultKind`, equal to its string:
            "latency", "reset", "hang", "throttle", "rate_limit", "fail", "forbid",
            "end_of_support"), None when none did.
        timestamp: When the request arrived (the emulator's clock, UTC).
        region: The region the request was signed for (its SigV4 credential scope); None when
            the Authorization header has no SigV4 credential.
        access_key_id: The access key id that signed the request; None likewise.
        order_id: The phone number order id from the path, or the id CreatePhoneNumberOrder
            generated.
    """

    operation: str
    method: str
    path: str
    voice_connector_id: str | None
    session_id: str | None
    status: int
    error_code: str | None
    fault: FaultKind | None
    timestamp: datetime
    region: str | None = None
    access_key_id: str | None = None
    order_id: str | None = None


RecordT = TypeVar("RecordT")
"""The type of a stand-in's request records (`CallRecord` for the emulator)."""


class Journal(Generic[RecordT]):
    """The requests a stand-in received and the internal errors it hit; thread-safe."""

    def __init__(self) -> None:
        """Start empty."""
        self._lock = threading.Lock()
        self._calls: list[RecordT] = []
        self._internal_errors: list[str] = []

    def record(self, call: RecordT) -> None:
        """Append one request's record."""
        with self._lock:
            self._calls.append(call)

    @property
    def calls(self) -> list[RecordT]:
        """Every request recorded so far, oldest first (a copy)."""
        with self._lock:
            return list(self._calls)

    def clear_calls(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._calls.clear()

    def note_internal_error(self, text: str) -> None:
        """Keep the traceback of an emulator bug."""
        with self._lock:
            self._internal_errors.append(text)

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of emulator bugs, oldest first (a copy)."""
        with self._lock:
            return list(self._internal_errors)

    def clear(self) -> None:
        """Forget the recorded requests and internal errors."""
        with self._lock:
            self._calls.clear()
            self._internal_errors.clear()
