"""The one response path: the body CloudFormation expects, delivered once, whatever happens.

Every answer a request gets, success, failure, a malformed request or the safety net before the
deadline, goes through ``Responder.answer``. A ``Responder`` answers at most once: a second
``answer`` (crhelper's exception path after a response, the safety-net timer after the main path
started delivering) is refused and logged. Delivery checks the HTTP status, retries transient
failures until the Lambda deadline, never retries a 4xx and never logs the URL (its query string
is a credential).
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

import proxy_contract as contract
from cfn_request import failed_create_physical_id, remaining_seconds
from safe_text import redact

logger = logging.getLogger(__name__)

# Reasons are cut well below the limit so that ids and Data always fit beside them.
MAX_REASON_CHARS: Final = 1500
# Time kept back from the Lambda deadline when delivering, so the PUT ends before the function.
DELIVERY_MARGIN_SECONDS: Final = 0.2
_SEND_ATTEMPT_TIMEOUT = 10.0
_SEND_MAX_DELAY = 4.0


class ResponseDeliveryError(Exception):
    """The response could not be delivered to the ResponseURL."""


def build_response_body(
    *,
    status: str,
    reason: str,
    physical_resource_id: str,
    event: Mapping[str, Any],
    data: Mapping[str, Any],
    no_echo: bool = False,
) -> bytes:
    """Return the JSON body CloudFormation expects, never larger than 4,096 bytes."""
    reason = redact(reason)
    if len(reason) > MAX_REASON_CHARS:
        reason = reason[: MAX_REASON_CHARS - 15] + " ...(truncated)"
    body: dict[str, Any] = {
        "Status": status,
        "Reason": reason,
        "PhysicalResourceId": physical_resource_id,
        "StackId": event.get("StackId", ""),
        "RequestId": event.get("RequestId", ""),
        "LogicalResourceId": event.get("LogicalResourceId", ""),
        "NoEcho": no_echo,
        "Data": dict(data),
    }
    encoded = json.dumps(body, separators=(",", ":")).encode("utf-8")
    while len(encoded) > contract.MAX_RESPONSE_BYTES and body["Reason"]:
        overflow = len(encoded) - contract.MAX_RESPONSE_BYTES
        body["Reason"] = body["Reason"][: max(0, len(body["Reason"]) - overflow - 20)] + "..."
        if len(body["Reason"]) <= 3:
            body["Reason"] = ""
        encoded = json.dumps(body, separators=(",", ":")).encode("utf-8")
    if len(encoded) > contract.MAX_RESPONSE_BYTES:
        body.update(
            Status="FAILED",
            Data={},
            Reason="The response would exceed CloudFormation's 4,096-byte limit.",
        )
        encoded = json.dumps(body, separators=(",", ":")).encode("utf-8")
    return encoded


def deliver_response(
    response_url: str,
    body: bytes,
    *,
    deadline: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """PUT ``body`` to the presigned ResponseURL; return the HTTP status that accepted it.

    Connection errors and 5xx answers are retried with backoff until ``deadline`` (on ``clock``'s
    scale); a 4xx answer is final. The URL is never logged: its query string is a credential.
    """
    parts = urlsplit(response_url)
    if parts.scheme != "https" or not parts.hostname:
        raise ResponseDeliveryError("the ResponseURL is not an https URL; no response was sent")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    attempt = 0
    while True:
        attempt += 1
        remaining = deadline - clock()
        timeout = max(0.5, min(_SEND_ATTEMPT_TIMEOUT, remaining))
        problem: str
        try:
            connection = http.client.HTTPSConnection(
                parts.hostname,
                parts.port,
                timeout=timeout,
                context=ssl.create_default_context(),
            )
            try:
                connection.request(
                    "PUT",
                    path,
                    body=body,
                    headers={"Content-Type": "", "Content-Length": str(len(body))},
                )
                answer = connection.getresponse()
                answer.read()
            finally:
                connection.close()
        except (OSError, http.client.HTTPException) as error:
            problem = type(error).__name__
        else:
            if 200 <= answer.status < 300:
                logger.info(
                    "Response delivered to CloudFormation (HTTP %d, attempt %d)",
                    answer.status,
                    attempt,
                )
                return answer.status
            if answer.status < 500 and answer.status != 429:
                raise ResponseDeliveryError(
                    f"the ResponseURL answered HTTP {answer.status}; not retried"
                )
            problem = f"HTTP {answer.status}"
        wait = min(_SEND_MAX_DELAY, 0.25 * (2 ** (attempt - 1)))
        if clock() + wait + 0.5 > deadline:
            raise ResponseDeliveryError(
                f"the ResponseURL failed {attempt} time(s), last with {problem}; "
                "out of time before the Lambda deadline"
            )
        logger.warning(
            "Response delivery attempt %d failed with %s; retrying in %.2f s",
            attempt,
            problem,
            wait,
        )
        sleep(wait)


class Responder:
    """Answers one CloudFormation request, exactly once.

    :param event: the request (only its envelope fields are read).
    :param context: the Lambda context, for the deadline.
    """

    def __init__(self, event: Mapping[str, Any], context: object) -> None:
        self._event = event
        self._context = context
        self._lock = threading.Lock()
        self._claimed_by: str | None = None

    @property
    def answered(self) -> bool:
        """Whether an answer was sent (or is being sent) for this request."""
        with self._lock:
            return self._claimed_by is not None

    def physical_id_or_fallback(self, physical_resource_id: str | None) -> str:
        """The id to answer: the one given, else the request's, else the failed-Create marker."""
        if physical_resource_id:
            return physical_resource_id
        from_event = self._event.get("PhysicalResourceId")
        if isinstance(from_event, str) and from_event:
            return from_event
        return failed_create_physical_id(str(self._event.get("RequestId") or ""))

    def answer(
        self,
        *,
        status: str,
        reason: str,
        physical_resource_id: str | None,
        data: Mapping[str, Any],
        no_echo: bool = False,
        by: str = "handler",
    ) -> bool:
        """Send the answer unless one was sent already; return whether this call sent it."""
        with self._lock:
            if self._claimed_by is not None:
                logger.error(
                    "A second answer (%s, from %s) was not sent: this request was already "
                    "answered by the %s",
                    status,
                    by,
                    self._claimed_by,
                )
                return False
            self._claimed_by = by
        response_url = self._event.get("ResponseURL")
        if not isinstance(response_url, str):
            logger.error("The request has no ResponseURL; nothing to answer (%s)", status)
            return True
        body = build_response_body(
            status=status,
            reason=reason,
            physical_resource_id=self.physical_id_or_fallback(physical_resource_id),
            event=self._event,
            data=data if status == "SUCCESS" else {},
            no_echo=no_echo,
        )
        deadline = time.monotonic() + remaining_seconds(self._context) - DELIVERY_MARGIN_SECONDS
        try:
            deliver_response(response_url, body, deadline=deadline)
        except ResponseDeliveryError as error:
            logger.error("Could not deliver the response to CloudFormation: %s", error)
        return True
