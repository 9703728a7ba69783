"""ChimeSDKVoice calls with the handler's own retry policy and error messages.

The client is passed in (so tests wrap a real client in botocore's Stubber) and must be built with
botocore retries off (``total_max_attempts=1``): botocore's standard mode does not retry the modeled
``ThrottledClientException`` (429), so one loop here retries every transient failure within a
single budget that always leaves time to answer CloudFormation before the Lambda deadline.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from proxy_session_settings import SessionSettings, redact, response_data

if TYPE_CHECKING:
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient
else:
    ChimeSDKVoiceClient = Any

logger = logging.getLogger(__name__)

RETRYABLE_CODES: Final = frozenset(
    {"ThrottledClientException", "ServiceUnavailableException", "ServiceFailureException"}
)
RETRYABLE_TRANSPORT_ERRORS: Final = (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
# Client settings the handler builds its client with; the retry loop sizes attempts by them.
CONNECT_TIMEOUT_SECONDS: Final = 3.0
READ_TIMEOUT_SECONDS: Final = 10.0


class ProxySessionCallError(Exception):
    """A call failed for good; the message is the Reason CloudFormation shows."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded by a deadline.

    ``attempt_cost`` is the longest one attempt can take (connect plus read timeout): no attempt
    starts unless it can finish before the deadline.
    """

    base_delay: float = 0.5
    max_delay: float = 8.0
    attempt_cost: float = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[float, float], float] = field(default=random.uniform)

    def delay(self, attempt: int) -> float:
        """Return the sleep before retry number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self.jitter(0.0, ceiling)


@dataclass
class CallOutcome:
    """What a call returned and how many attempts it took."""

    response: dict[str, Any]
    attempts: int


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def _error_message(error: ClientError) -> str:
    return redact(str(error.response.get("Error", {}).get("Message", "")).strip())


def call_with_retries(
    operation: str,
    call: Callable[[], Any],
    *,
    deadline: float,
    policy: RetryPolicy,
) -> CallOutcome:
    """Run ``call`` until it succeeds, fails for good, or the next attempt would miss ``deadline``.

    ``deadline`` is on ``policy.clock``'s scale. Non-retryable errors propagate at once; a
    retryable one that outlives the budget propagates as the last error seen, with the number of
    attempts recorded in ``error.attempts``.
    """
    attempt = 0
    started = policy.clock()
    while True:
        attempt += 1
        try:
            return CallOutcome(response=call(), attempts=attempt)
        except ClientError as error:
            if _error_code(error) not in RETRYABLE_CODES:
                raise
            last: Exception = error
            what = _error_code(error)
        except RETRYABLE_TRANSPORT_ERRORS as error:
            last = error
            what = type(error).__name__
        wait = policy.delay(attempt)
        if policy.clock() + wait + policy.attempt_cost > deadline:
            elapsed = policy.clock() - started
            last.attempts = attempt  # type: ignore[attr-defined]
            last.elapsed = elapsed  # type: ignore[attr-defined]
            raise last
        logger.warning(
            "%s attempt %d failed with %s; retrying in %.2f s", operation, attempt, what, wait
        )
        policy.sleep(wait)


def _attempts(count: int) -> str:
    return f"{count} attempt" if count == 1 else f"{count} attempts"


def _vc_arn_hint(settings: SessionSettings) -> str:
    return f"arn:<partition>:chime:<region>:<account>:vc/{settings.voice_connector_id}"


def explain_failure(operation: str, settings: SessionSettings, error: Exception) -> str:
    """Turn a failed call into a Reason that says what went wrong and what to do."""
    attempts = getattr(error, "attempts", None)
    elapsed = getattr(error, "elapsed", None)
    session = f"proxy session {settings.proxy_session_id!r}"
    connector = f"voice connector {settings.voice_connector_id}"
    if isinstance(error, ClientError):
        code = _error_code(error)
        message = _error_message(error)
        detail = f" ({code}: {message})" if message else f" ({code})"
        if code == "NotFoundException":
            return (
                f"{operation}: {session} was not found on {connector}{detail}. Check "
                "ProxySessionId and VoiceConnectorId; a session that was deleted or has expired "
                "cannot be updated."
            )
        if code in ("ForbiddenException", "UnauthorizedClientException", "AccessDeniedException"):
            return (
                f"{operation}: access denied{detail}. The function's role needs "
                f"chime:{operation} on {_vc_arn_hint(settings)}; check its policy and any "
                "permission boundary or SCP."
            )
        if code == "BadRequestException":
            return f"{operation} rejected the request for {session} on {connector}{detail}."
        if code in RETRYABLE_CODES and attempts is not None:
            return (
                f"{operation}: the service kept answering {code} for {session} "
                f"({_attempts(attempts)} over {elapsed or 0:.0f} s){detail}. Nothing was changed; "
                "deploy again later, or deploy fewer sessions at once."
            )
        return f"{operation} failed for {session} on {connector}{detail}."
    if isinstance(error, RETRYABLE_TRANSPORT_ERRORS):
        return (
            f"{operation}: could not reach the ChimeSDKVoice endpoint ({type(error).__name__}) "
            f"after {_attempts(attempts or 1)} over {elapsed or 0:.0f} s. Check the function's "
            "network access to the service endpoint, then deploy again."
        )
    return f"{operation} failed for {session} on {connector}: {type(error).__name__}."


def update_session(
    client: ChimeSDKVoiceClient,
    settings: SessionSettings,
    *,
    deadline: float,
    policy: RetryPolicy,
) -> dict[str, str]:
    """Apply ``settings`` with UpdateProxySession and return the response Data."""
    request = settings.update_request()
    try:
        outcome = call_with_retries(
            "UpdateProxySession",
            lambda: client.update_proxy_session(**request),
            deadline=deadline,
            policy=policy,
        )
    except (ClientError, *RETRYABLE_TRANSPORT_ERRORS) as error:
        raise ProxySessionCallError(
            explain_failure("UpdateProxySession", settings, error)
        ) from None
    logger.info("UpdateProxySession succeeded after %d attempt(s)", outcome.attempts)
    return response_data(outcome.response.get("ProxySession") or {})


def delete_session(
    client: ChimeSDKVoiceClient,
    settings: SessionSettings,
    *,
    deadline: float,
    policy: RetryPolicy,
) -> bool:
    """End the session with DeleteProxySession; a session already gone counts as deleted.

    Returns True when the call deleted it, False when it was already gone.
    """
    request = settings.delete_request()
    try:
        outcome = call_with_retries(
            "DeleteProxySession",
            lambda: client.delete_proxy_session(**request),
            deadline=deadline,
            policy=policy,
        )
    except ClientError as error:
        if _error_code(error) == "NotFoundException":
            logger.info("DeleteProxySession: the session was already gone (NotFoundException)")
            return False
        raise ProxySessionCallError(
            explain_failure("DeleteProxySession", settings, error)
        ) from None
    except RETRYABLE_TRANSPORT_ERRORS as error:
        raise ProxySessionCallError(
            explain_failure("DeleteProxySession", settings, error)
        ) from None
    logger.info("DeleteProxySession succeeded after %d attempt(s)", outcome.attempts)
    return True
