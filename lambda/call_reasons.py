"""Failures of calls, turned into Reasons that say what went wrong and what to do.

A Reason names the operation, the thing it acted on and the IAM action and resource a denial
needs; the service's own message is passed through with phone numbers masked. Split from
``chime_calls``, which re-exports these names.
"""

from __future__ import annotations

from typing import Final

from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

import proxy_contract as contract
from records import Record
from safe_text import redact

ACCESS_DENIED_CODES: Final = frozenset(
    {"ForbiddenException", "UnauthorizedClientException", "AccessDeniedException"}
)


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


def error_code(error: ClientError) -> str:
    """The service's error code (``NotFoundException``, ...)."""
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def error_message(error: ClientError) -> str:
    """The service's error message, phone numbers masked."""
    return redact(str(error.response.get("Error", {}).get("Message", "")).strip())


def failure_label(error: Exception) -> str:
    """A short name for a failure: the service's code, or the transport error's class."""
    return error_code(error) if isinstance(error, ClientError) else type(error).__name__


class ChimeCallError(Exception):
    """A call failed for good; the message is the Reason CloudFormation shows.

    ``uncertain`` is True when the service may have done it anyway: the last attempt's answer was
    lost (a read timeout, a closed connection) after the request was sent.
    """

    def __init__(self, reason: str, *, uncertain: bool = False) -> None:
        super().__init__(reason)
        self.uncertain = uncertain


# Failures after which the service may have acted on the request although no answer came.
ANSWER_LOST: Final = (ReadTimeoutError, ConnectionClosedError)


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

    def resource_hint(self, operation: str) -> str:
        """What IAM must allow ``operation`` on: the voice connector's ARN, or Resource "*" for
        an account-wide operation."""
        if operation in contract.ACCOUNT_WIDE_OPERATIONS:
            return 'Resource "*" (it takes no resource ARN)'
        return self.voice_connector_arn_hint

    @property
    def where(self) -> str:
        """Where the call acts, for a Reason: the voice connector, or the account."""
        return (
            f"voice connector {self.voice_connector_id}"
            if self.voice_connector_id
            else "the account"
        )

    @property
    def principal(self) -> str:
        """Who makes the calls: the function's role, or the role it assumes."""
        return "The function's role" if self.role_arn is None else f"The role {self.role_arn}"


def _attempts(count: int) -> str:
    return f"{count} attempt" if count == 1 else f"{count} attempts"


def _end_of_support(operation: str) -> str:
    if operation not in contract.END_OF_SUPPORT_OPERATIONS:
        return ""
    return (
        f" If the service no longer serves proxy sessions (AWS ended their support on "
        f"{contract.END_OF_SUPPORT_DATE}), retire the stack: every construct to RETAIN, deploy, "
        "then delete it, with no call (README 'After the end of support')."
    )


def explain_failure(operation: str, target: CallTarget, error: Exception) -> str:
    """Turn a failed call into a Reason that says what went wrong and what to do."""
    connector = target.where
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
                f"chime:{operation} on {target.resource_hint(operation)}; check its policy and "
                f"any permission boundary or SCP.{_end_of_support(operation)}"
            )
        if code == "BadRequestException":
            return (
                f"{operation} rejected the request for {target.subject} on {connector}{detail}."
                f"{_end_of_support(operation)}"
            )
        return f"{operation} failed for {target.subject} on {connector}{detail}."
    return f"{operation} failed for {target.subject} on {connector}: {type(error).__name__}."
