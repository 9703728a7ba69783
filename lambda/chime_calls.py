"""ChimeSDKVoice calls: the client's settings, the retry policy, and failures turned into Reasons.

Clients are built with botocore's retries off (``total_max_attempts=1``): botocore's standard mode
does not retry the modeled ``ThrottledClientException`` (429), so ``call_with_retries`` retries
every transient failure itself, within one budget that always leaves time to answer
CloudFormation before the Lambda deadline. The client is passed in, so tests wrap a real client
in botocore's Stubber.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from call_reasons import (
    ACCESS_DENIED_CODES,
    ANSWER_LOST,
    CallTarget,
    ChimeCallError,
    RetriesExhaustedError,
    error_code,
    error_message,
    explain_failure,
    failure_label,
)
from records import Record

# Re-exported: the names of call_reasons are part of this module's interface.
__all__ = [
    "ACCESS_DENIED_CODES",
    "CallOutcome",
    "CallTarget",
    "Calls",
    "ChimeCallError",
    "RetriesExhaustedError",
    "RetryPolicy",
    "call_or_fail",
    "call_with_retries",
    "client_config",
    "delete_or_gone",
    "error_code",
    "error_message",
    "explain_failure",
    "failure_label",
    "new_client",
    "unless_gone",
]

if TYPE_CHECKING:
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

logger = logging.getLogger(__name__)

RETRYABLE_CODES: Final = frozenset(
    {
        "ThrottledClientException",
        "ServiceUnavailableException",
        "ServiceFailureException",
        "Throttling",  # STS, for AssumeRole
        # DynamoDB, for the claim table
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
    }
)
RETRYABLE_TRANSPORT_ERRORS: Final = (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
CONNECT_TIMEOUT_SECONDS: Final = 3.0
READ_TIMEOUT_SECONDS: Final = 10.0
USER_AGENT_EXTRA: Final = "cdk-chime-proxy-session"


def client_config() -> Config:
    """The botocore settings of every client the handler builds: botocore's retries off (this
    module retries), bounded timeouts, and the library's user agent."""
    return Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        user_agent_extra=USER_AGENT_EXTRA,
    )


def new_client(**options: Any) -> ChimeSDKVoiceClient:
    """A chime-sdk-voice client with ``client_config()``.

    ``options`` go to ``boto3.client`` (``region_name``, assumed credentials).
    """
    return boto3.client("chime-sdk-voice", **options, config=client_config())


class RetryPolicy(Record):
    """Exponential backoff with full jitter, bounded by a deadline.

    ``attempt_cost`` is the longest one attempt can take (connect plus read timeout): no attempt
    starts unless it can finish before the deadline.
    """

    base_delay: float = 0.5
    max_delay: float = 8.0
    attempt_cost: float = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[float, float], float] = random.uniform

    def delay(self, attempt: int) -> float:
        """Return the sleep before retry number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self.jitter(0.0, ceiling)


class CallOutcome(Record):
    """What a call returned and how many attempts it took."""

    response: dict[str, Any]
    attempts: int


def call_with_retries(
    operation: str,
    call: Callable[[], Any],
    *,
    deadline: float,
    policy: RetryPolicy,
) -> CallOutcome:
    """Run ``call`` until it succeeds, fails for good, or the next attempt would miss ``deadline``.

    ``deadline`` is on ``policy.clock``'s scale. A non-retryable ``ClientError`` propagates at once;
    a retryable failure that outlives the budget raises ``RetriesExhaustedError``.
    """
    attempt = 0
    started = policy.clock()
    while True:
        attempt += 1
        try:
            return CallOutcome(response=call(), attempts=attempt)
        except ClientError as error:
            if error_code(error) not in RETRYABLE_CODES:
                raise
            last: Exception = error
        except RETRYABLE_TRANSPORT_ERRORS as error:
            last = error
        wait = policy.delay(attempt)
        if policy.clock() + wait + policy.attempt_cost > deadline:
            raise RetriesExhaustedError(operation, last, attempt, policy.clock() - started)
        logger.warning(
            "%s attempt %d failed with %s; retrying in %.2f s",
            operation,
            attempt,
            failure_label(last),
            wait,
        )
        policy.sleep(wait)


def call_or_fail(
    operation: str,
    call: Callable[[], Any],
    target: CallTarget,
    *,
    deadline: float,
    policy: RetryPolicy,
) -> CallOutcome:
    """``call_with_retries``; a failure for good raises ChimeCallError with its Reason."""
    try:
        outcome = call_with_retries(operation, call, deadline=deadline, policy=policy)
    except (ClientError, RetriesExhaustedError) as error:
        uncertain = isinstance(error, RetriesExhaustedError) and isinstance(
            error.last_error, ANSWER_LOST
        )
        raise ChimeCallError(
            explain_failure(operation, target, error), uncertain=uncertain
        ) from None
    logger.info("%s succeeded after %d attempt(s)", operation, outcome.attempts)
    return outcome


def unless_gone(
    operation: str,
    call: Callable[[], Any],
    target: CallTarget,
    *,
    deadline: float,
    policy: RetryPolicy,
) -> dict[str, Any] | None:
    """``call_or_fail``, except that NotFoundException answers None (gone, or never there)."""
    try:
        outcome = call_with_retries(operation, call, deadline=deadline, policy=policy)
    except ClientError as error:
        if error_code(error) == "NotFoundException":
            logger.info("%s: %s is not there (NotFoundException)", operation, target.subject)
            return None
        raise ChimeCallError(explain_failure(operation, target, error)) from None
    except RetriesExhaustedError as error:
        raise ChimeCallError(explain_failure(operation, target, error)) from None
    logger.info("%s succeeded after %d attempt(s)", operation, outcome.attempts)
    response: dict[str, Any] = outcome.response
    return response


def delete_or_gone(
    operation: str, call: Callable[[], Any], target: CallTarget, **budget: Any
) -> bool:
    """A Delete call: True when it deleted, False when the thing was already gone."""
    return unless_gone(operation, call, target, **budget) is not None


class Calls:
    """The one call path of a request: every ChimeSDKVoice call a resource type makes, on one
    client, within one deadline, counted, and limited to the operations its description declares
    (``resource_types.ResourceType.operations``), which are the IAM actions it is granted.

    The client is made by ``connect`` on the first call; ``counts`` holds every call made, by
    operation, for the log line that ends the request.
    """

    __slots__ = ("_client", "allowed", "connect", "counts", "deadline", "policy", "target")

    def __init__(
        self,
        connect: Callable[[], ChimeSDKVoiceClient],
        allowed: frozenset[str],
        target: CallTarget,
        deadline: float,
        policy: RetryPolicy,
    ) -> None:
        self.connect = connect
        self.allowed = allowed
        self.target = target
        self.deadline = deadline
        self.policy = policy
        self.counts: dict[str, int] = {}
        self._client: list[ChimeSDKVoiceClient] = []

    @property
    def client(self) -> ChimeSDKVoiceClient:
        """The client, made on first use (a request that calls nothing makes none)."""
        if not self._client:
            self._client.append(self.connect())
        return self._client[0]

    @property
    def region(self) -> str:
        """The region the client calls."""
        return str(self.client.meta.region_name)

    def about(self, subject: str) -> Calls:
        """The same calls, with Reasons about ``subject``; client and counts are shared."""
        other = Calls(
            self.connect,
            self.allowed,
            self.target._replace(subject=subject),
            self.deadline,
            self.policy,
        )
        other.counts = self.counts
        other._client = self._client
        return other

    def _bound(self, operation: str, request: dict[str, Any]) -> Callable[[], Any]:
        if operation not in self.allowed:
            raise RuntimeError(
                f"{operation} is not among the operations this resource type declares "
                f"({', '.join(sorted(self.allowed))}); declare it in resource_types.py, which "
                "also grants its IAM action"
            )
        method = getattr(self.client, xform_name(operation))
        if self.target.region is None:
            self.target = self.target._replace(region=self.region)
        self.counts[operation] = self.counts.get(operation, 0) + 1
        return lambda: method(**request)

    def attempt(self, operation: str, **request: Any) -> dict[str, Any]:
        """Call with retries; a failure for good raises the ClientError or RetriesExhaustedError."""
        call = self._bound(operation, request)
        response: dict[str, Any] = call_with_retries(
            operation, call, deadline=self.deadline, policy=self.policy
        ).response
        return response

    def call(self, operation: str, **request: Any) -> dict[str, Any]:
        """Call with retries; a failure for good raises ChimeCallError with its Reason."""
        call = self._bound(operation, request)
        response: dict[str, Any] = call_or_fail(
            operation, call, self.target, deadline=self.deadline, policy=self.policy
        ).response
        return response

    def find(self, operation: str, **request: Any) -> dict[str, Any] | None:
        """A read: its response, or None when the thing is not there (NotFoundException)."""
        call = self._bound(operation, request)
        return unless_gone(operation, call, self.target, deadline=self.deadline, policy=self.policy)

    def delete(self, operation: str, **request: Any) -> bool:
        """A Delete call: True when it deleted, False when the thing was already gone."""
        call = self._bound(operation, request)
        return delete_or_gone(
            operation, call, self.target, deadline=self.deadline, policy=self.policy
        )

    def summary(self) -> str:
        """The calls made, by operation, for the log."""
        return ", ".join(f"{op} {n}" for op, n in sorted(self.counts.items())) or "none"
