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

from records import Record
from safe_text import redact

if TYPE_CHECKING:
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

logger = logging.getLogger(__name__)

RETRYABLE_CODES: Final = frozenset(
    {
        "ThrottledClientException",
        "ServiceUnavailableException",
        "ServiceFailureException",
        "Throttling",  # STS, for AssumeRole
    }
)
RETRYABLE_TRANSPORT_ERRORS: Final = (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
ACCESS_DENIED_CODES: Final = frozenset(
    {"ForbiddenException", "UnauthorizedClientException", "AccessDeniedException"}
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


class RetriesExhaustedError(Exception):
    """A transient failure outlived the retry budget."""

    def __init__(self, operation: str, last_error: Exception, attempts: int, elapsed: float):
        super().__init__(
            f"{operation}: {failure_label(last_error)} after {attempts} attempt(s) "
            f"over {elapsed:.1f} s"
        )
        self.operation = operation
        self.last_error = last_error
        self.attempts = attempts
        self.elapsed = elapsed


class CallOutcome(Record):
    """What a call returned and how many attempts it took."""

    response: dict[str, Any]
    attempts: int


def error_code(error: ClientError) -> str:
    """The service's error code (``NotFoundException``, ...)."""
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def error_message(error: ClientError) -> str:
    """The service's error message, phone numbers masked."""
    return redact(str(error.response.get("Error", {}).get("Message", "")).strip())


def failure_label(error: Exception) -> str:
    """A short name for a failure: the service's code, or the transport error's class."""
    return error_code(error) if isinstance(error, ClientError) else type(error).__name__


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


class ChimeCallError(Exception):
    """A call failed for good; the message is the Reason CloudFormation shows."""


class CallTarget(Record):
    """What a call acts on, for Reasons: ``subject`` names it, the ARN hint is what IAM allows."""

    subject: str
    voice_connector_id: str
    not_found_advice: str
    region: str | None = None
    role_arn: str | None = None

    @property
    def voice_connector_arn_hint(self) -> str:
        """The voice connector's ARN as the calling role must be allowed it."""
        region = self.region or "<region>"
        return f"arn:<partition>:chime:{region}:<account>:vc/{self.voice_connector_id}"

    @property
    def principal(self) -> str:
        """Who makes the calls: the function's role, or the role it assumes."""
        return "The function's role" if self.role_arn is None else f"The role {self.role_arn}"


def _attempts(count: int) -> str:
    return f"{count} attempt" if count == 1 else f"{count} attempts"


def explain_failure(operation: str, target: CallTarget, error: Exception) -> str:
    """Turn a failed call into a Reason that says what went wrong and what to do."""
    connector = f"voice connector {target.voice_connector_id}"
    if isinstance(error, RetriesExhaustedError):
        last = error.last_error
        spent = f"{_attempts(error.attempts)} over {error.elapsed:.0f} s"
        if isinstance(last, ClientError):
            message = error_message(last)
            code = error_code(last)
            detail = f" ({code}: {message})" if message else f" ({code})"
            return (
                f"{operation}: the service kept answering {code} for {target.subject} "
                f"({spent}){detail}. Nothing was changed; deploy again later, or deploy fewer "
                "sessions at once."
            )
        return (
            f"{operation}: could not reach the ChimeSDKVoice endpoint ({type(last).__name__}) "
            f"after {spent}. Check the function's network access to the service endpoint, then "
            "deploy again."
        )
    if isinstance(error, ClientError):
        code = error_code(error)
        message = error_message(error)
        detail = f" ({code}: {message})" if message else f" ({code})"
        if code == "NotFoundException":
            return (
                f"{operation}: {target.subject} was not found on {connector}{detail}. "
                f"{target.not_found_advice}"
            )
        if code in ACCESS_DENIED_CODES:
            return (
                f"{operation}: access denied{detail}. {target.principal} needs "
                f"chime:{operation} on {target.voice_connector_arn_hint}; check its policy and "
                "any permission boundary or SCP."
            )
        if code == "BadRequestException":
            return f"{operation} rejected the request for {target.subject} on {connector}{detail}."
        return f"{operation} failed for {target.subject} on {connector}{detail}."
    return f"{operation} failed for {target.subject} on {connector}: {type(error).__name__}."


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
        raise ChimeCallError(explain_failure(operation, target, error)) from None
    logger.info("%s succeeded after %d attempt(s)", operation, outcome.attempts)
    return outcome


def delete_or_gone(
    operation: str,
    call: Callable[[], Any],
    target: CallTarget,
    *,
    deadline: float,
    policy: RetryPolicy,
) -> bool:
    """A Delete call: True when it deleted, False when the thing was already gone (NotFound
    counts as done); any other failure raises ChimeCallError with its Reason."""
    try:
        outcome = call_with_retries(operation, call, deadline=deadline, policy=policy)
    except ClientError as error:
        if error_code(error) == "NotFoundException":
            logger.info("%s: %s was already gone (NotFoundException)", operation, target.subject)
            return False
        raise ChimeCallError(explain_failure(operation, target, error)) from None
    except RetriesExhaustedError as error:
        raise ChimeCallError(explain_failure(operation, target, error)) from None
    logger.info("%s succeeded after %d attempt(s)", operation, outcome.attempts)
    return True


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

    def delete(self, operation: str, **request: Any) -> bool:
        """A Delete call: True when it deleted, False when the thing was already gone."""
        call = self._bound(operation, request)
        return delete_or_gone(
            operation, call, self.target, deadline=self.deadline, policy=self.policy
        )

    def summary(self) -> str:
        """The calls made, by operation, for the log."""
        return ", ".join(f"{op} {n}" for op, n in sorted(self.counts.items())) or "none"
