"""A fleet of handlers on a virtual clock: the handler's own retry code against the emulator's
own rate limiter, with time that passes only when a handler sleeps.

Each of N handlers runs ``chime_calls.call_with_retries`` (the code the Lambda function runs) in a
thread of its own. An attempt costs ``latency`` virtual seconds, then asks the emulator's
``FaultInjector`` (its token bucket, on the virtual clock) for a token: success, or a throttled
``ThrottledClientException``. A scheduler lets exactly one thread run at a time and, when all are
asleep, moves the clock to the earliest wake-up; so a run is deterministic for a seed, and 494
handlers over ten virtual minutes take seconds.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

# lambda/ is on the path through harness/__init__.
from chime_calls import RetriesExhaustedError, RetryPolicy, call_with_retries
from harness.emulator import FaultInjector


class VirtualClock:
    """Virtual time for ``participants`` threads: it moves only when all of them sleep."""

    def __init__(self, participants: int) -> None:
        self._now = 0.0
        self._running = participants
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._wakeups: list[tuple[float, int, threading.Event]] = []
        self._order = itertools.count()

    def now(self) -> float:
        """The virtual time, in seconds since the start."""
        return self._now

    def sleep(self, seconds: float) -> None:
        """Block the calling thread until the clock reaches now + ``seconds``."""
        wake = threading.Event()
        with self._lock:
            heapq.heappush(self._wakeups, (self._now + max(0.0, seconds), next(self._order), wake))
            self._running -= 1
            self._idle.notify()
        wake.wait()

    def leave(self) -> None:
        """The calling thread is done; it takes no further part."""
        with self._lock:
            self._running -= 1
            self._idle.notify()

    def run(self) -> None:
        """Wake sleepers one at a time, earliest first, until every thread has left."""
        with self._lock:
            while True:
                self._idle.wait_for(lambda: self._running == 0)
                if not self._wakeups:
                    return
                when, _, wake = heapq.heappop(self._wakeups)
                self._now = max(self._now, when)
                self._running += 1
                wake.set()


@dataclass(frozen=True)
class HandlerOutcome:
    """One handler's run: whether it succeeded, when it finished, and its attempts."""

    succeeded: bool
    finished_at: float
    attempts: int


def simulate(
    n: int,
    rate: float,
    *,
    budget_seconds: float,
    latency: float = 0.01,
    seed: int = 1,
) -> list[HandlerOutcome]:
    """Run ``n`` handlers at once against a limit of ``rate`` requests/s; return their outcomes.

    ``budget_seconds`` is each handler's API deadline (the function's timeout less the reserve
    kept for answering CloudFormation), as ``index`` computes it.
    """
    clock = VirtualClock(n)
    limiter = FaultInjector(clock=clock.now)
    limiter.rate_limit_per_second = rate
    outcomes: list[HandlerOutcome | None] = [None] * n

    def attempt(counter: list[int]) -> Callable[[], dict[str, Any]]:
        def call() -> dict[str, Any]:
            counter[0] += 1
            clock.sleep(latency)
            if limiter.acquire_token():
                return {"ProxySession": {}}
            raise ClientError(
                {"Error": {"Code": "ThrottledClientException", "Message": "Rate exceeded"}},
                "UpdateProxySession",
            )

        return call

    def handler(index: int) -> None:
        counter = [0]
        jitter = random.Random(seed * 1_000_003 + index)  # noqa: S311 - jitter, not secrets
        policy = RetryPolicy(sleep=clock.sleep, clock=clock.now, jitter=jitter.uniform)
        try:
            call_with_retries(
                "UpdateProxySession", attempt(counter), deadline=budget_seconds, policy=policy
            )
            succeeded = True
        except RetriesExhaustedError:
            succeeded = False
        outcomes[index] = HandlerOutcome(succeeded, clock.now(), counter[0])
        clock.leave()

    threads = [threading.Thread(target=handler, args=(index,), daemon=True) for index in range(n)]
    # Each thread runs until its first sleep before the scheduler starts moving time.
    for thread in threads:
        thread.start()
    clock.run()
    for thread in threads:
        thread.join()
    return [outcome for outcome in outcomes if outcome is not None]
