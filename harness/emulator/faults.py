"""Faults the emulator injects: rate limit, latency, throttling, 5xx bursts, resets, hangs, 403s,
and the end of support of proxy sessions."""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from harness.emulator.model import check_operation


class FaultKind(enum.StrEnum):
    """The kinds of fault the emulator injects; `CallRecord.fault` names the one that applied.

    Members are strings equal to their values, so `call.fault == "throttle"` holds.
    """

    LATENCY = "latency"
    """`latency_seconds` delayed the request."""
    RESET = "reset"
    """`reset_next` dropped the connection with a TCP reset."""
    HANG = "hang"
    """`hang_next` held the request before processing it."""
    THROTTLE = "throttle"
    """`throttle_next` answered 429 ThrottledClientException."""
    RATE_LIMIT = "rate_limit"
    """`rate_limit_per_second` answered 429 ThrottledClientException."""
    FAIL = "fail"
    """`fail_next` answered a 5xx error."""
    FORBID = "forbid"
    """`forbid` answered 403 ForbiddenException."""
    END_OF_SUPPORT = "end_of_support"
    """`end_of_support` refused a proxy operation (403 ForbiddenException)."""


QUEUED_FAULTS: Final = (FaultKind.THROTTLE, FaultKind.FAIL, FaultKind.RESET, FaultKind.HANG)
"""The kinds queued for the next requests (`*_next`); `FaultInjector.take` consumes them."""


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

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Start with no faults; ``clock`` times the rate limit (a virtual one in simulations)."""
        self._clock = clock
        self._lock = threading.Lock()
        self._rate: float | None = None
        self._tokens = 0.0
        self._refilled = 0.0
        self._latency = 0.0
        self._pending: dict[FaultKind, list[_Pending]] = {kind: [] for kind in QUEUED_FAULTS}
        self._forbidden: set[str] = set()
        self._end_of_support = False

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
            self._refilled = self._clock()

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

    @property
    def end_of_support(self) -> bool:
        """Whether every proxy operation is refused, as after AWS's end of support (default off).

        The operations are those botocore's model marks deprecated
        (`harness.emulator.model.end_of_support_operations`); each answers 403 ForbiddenException
        with `END_OF_SUPPORT_MESSAGE`. Every other operation is served as before, and the state
        (voice connectors, proxy configurations, sessions) is kept, so switching it off again
        serves the proxy operations from where they were.
        """
        with self._lock:
            return self._end_of_support

    @end_of_support.setter
    def end_of_support(self, ended: bool) -> None:
        with self._lock:
            self._end_of_support = bool(ended)

    def throttle_next(self, count: int = 1, *, operation: str | None = None) -> None:
        """Answer the next `count` requests with 429 ThrottledClientException."""
        self._queue(FaultKind.THROTTLE, count, operation, 0.0)

    def fail_next(self, count: int = 1, status: int = 500, *, operation: str | None = None) -> None:
        """Answer the next `count` requests with a 5xx error.

        `status` 500 answers ServiceFailureException, 503 ServiceUnavailableException.
        """
        if status not in (500, 503):
            raise ValueError(
                f"fail_next status must be 500 (ServiceFailureException) or 503 "
                f"(ServiceUnavailableException), got {status!r}"
            )
        self._queue(FaultKind.FAIL, count, operation, float(status))

    def reset_next(self, count: int = 1, *, operation: str | None = None) -> None:
        """Close the connection of the next `count` requests without answering (TCP reset)."""
        self._queue(FaultKind.RESET, count, operation, 0.0)

    def hang_next(
        self, count: int = 1, seconds: float = 5.0, *, operation: str | None = None
    ) -> None:
        """Sleep `seconds` before processing each of the next `count` requests.

        Use it to provoke client read timeouts; the request is still processed afterwards (or
        dropped unanswered if the emulator stops meanwhile).
        """
        if not seconds >= 0:
            raise ValueError(f"hang_next seconds must be >= 0, got {seconds!r}")
        self._queue(FaultKind.HANG, count, operation, float(seconds))

    def forbid(self, *operations: str) -> None:
        """Answer 403 ForbiddenException to every request for these operations until allowed."""
        names = {check_operation(name) for name in operations}
        with self._lock:
            self._forbidden |= names

    def allow(self, *operations: str) -> None:
        """Undo `forbid` for these operations."""
        with self._lock:
            self._forbidden -= set(operations)

    def clear(self) -> None:
        """Remove every fault: rate limit, latency, pending faults, forbidden operations, and the
        end of support (proxy operations are served again)."""
        with self._lock:
            self._rate = None
            self._latency = 0.0
            for queue in self._pending.values():
                queue.clear()
            self._forbidden.clear()
            self._end_of_support = False

    # The request pipeline's side: each call consumes or checks one fault. -------------------

    def take(self, kind: FaultKind, operation: str | None) -> float | None:
        """Consume one pending fault of `kind` that applies to `operation`; its value or None.

        `kind` is one of `QUEUED_FAULTS`. The value is the status of a FAIL, the seconds of a
        HANG, 0 for the others.
        """
        with self._lock:
            queue = self._pending[kind]
            for index, pending in enumerate(queue):
                if pending.operation is None or pending.operation == operation:
                    pending.count -= 1
                    if pending.count == 0:
                        del queue[index]
                    return pending.value
        return None

    def is_forbidden(self, operation: str) -> bool:
        """Whether requests for `operation` are answered 403 ForbiddenException."""
        with self._lock:
            return operation in self._forbidden

    def acquire_token(self) -> bool:
        """Take a token from the rate-limit bucket; False when the request must be throttled."""
        with self._lock:
            if self._rate is None:
                return True
            now = self._clock()
            capacity = max(self._rate, 1.0)
            self._tokens = min(capacity, self._tokens + (now - self._refilled) * self._rate)
            self._refilled = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False

    def _queue(self, kind: FaultKind, count: int, operation: str | None, value: float) -> None:
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count!r}")
        if operation is not None:
            check_operation(operation)
        if count:
            with self._lock:
                self._pending[kind].append(_Pending(count, operation, value))
