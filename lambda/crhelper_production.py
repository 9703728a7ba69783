"""crhelper's CfnResource with production settings, and a response sender that checks delivery.

crhelper 2.0.12's defaults do not suit production, so this subclass changes exactly these:
- INFO logging (its DEBUG default logs the presigned ResponseURL) and no 120-second sleep on Delete;
- no boto3 clients at import: crhelper builds lambda/events/logs clients for its polling mode, which
  this handler does not use; they cost cold-start time and, without a region, fail every request;
- a failed Create answers a recognisable PhysicalResourceId instead of a random one, so the
  rollback Delete that follows knows there is nothing to undo;
- the response goes out through ``deliver_response``, which retries transient failures until the
  Lambda deadline and treats an HTTP error status as a failure (crhelper retries forever on a bad
  URL and counts a 503 as delivered).
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from crhelper import CfnResource, resource_helper

from proxy_session_settings import failed_create_physical_id, redact

logger = logging.getLogger(__name__)

MAX_RESPONSE_BYTES: Final = 4096
# Reasons are cut well below the limit so that ids and Data always fit beside them.
MAX_REASON_CHARS: Final = 1500
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
    while len(encoded) > MAX_RESPONSE_BYTES and body["Reason"]:
        overflow = len(encoded) - MAX_RESPONSE_BYTES
        body["Reason"] = body["Reason"][: max(0, len(body["Reason"]) - overflow - 20)] + "..."
        if len(body["Reason"]) <= 3:
            body["Reason"] = ""
        encoded = json.dumps(body, separators=(",", ":")).encode("utf-8")
    if len(encoded) > MAX_RESPONSE_BYTES:
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


class _NoClients:
    """Stands in for boto3 while crhelper initialises: its polling clients are never used."""

    @staticmethod
    def client(*_args: object, **_kwargs: object) -> None:
        return None


class ProductionCfnResource(CfnResource):
    """crhelper's CfnResource with the production settings described in this module's docstring."""

    # Set by crhelper's __init__ and __call__; its generated stubs do not declare them.
    _event: Mapping[str, Any]
    _context: Any
    _response_url: str

    def __init__(self) -> None:
        # crhelper's __init__ builds lambda/events/logs clients with boto3.client; only its
        # polling mode uses them and this handler never polls, so it gets a factory of None.
        # (Typed Any: crhelper's stubs do not declare the module's boto3 import.)
        helper_module: Any = resource_helper
        real_boto3 = helper_module.boto3
        helper_module.boto3 = _NoClients
        try:
            super().__init__(
                json_logging=False,
                log_level="INFO",
                boto_level="WARNING",
                sleep_on_delete=0,
            )
        finally:
            helper_module.boto3 = real_boto3

    def generate_physical_id(self, event: Mapping[str, Any]) -> str:
        """Answer a failed Create with an id its rollback Delete recognises."""
        return failed_create_physical_id(str(event.get("RequestId", "")))

    def _send(
        self,
        status: str | None = None,
        reason: str = "",
        send_response: object = None,
    ) -> None:
        event: Mapping[str, Any] = self._event or {}
        body = build_response_body(
            status=status or self.Status,
            reason=reason if status else str(self.Reason),
            physical_resource_id=str(self.PhysicalResourceId),
            event=event,
            data=self.Data if (status or self.Status) == "SUCCESS" else {},
            no_echo=bool(self.NoEcho),
        )
        send_deadline = time.monotonic() + remaining_seconds(self._context) - 0.2
        try:
            deliver_response(self._response_url, body, deadline=send_deadline)
        except ResponseDeliveryError as error:
            logger.error("Could not deliver the response to CloudFormation: %s", error)


def remaining_seconds(context: object, default: float = 60.0) -> float:
    """Seconds left before the Lambda deadline, from the context (``default`` without one)."""
    getter = getattr(context, "get_remaining_time_in_millis", None)
    if getter is None:
        return default
    return max(0.0, float(getter()) / 1000.0)
