"""One request through the emulator: faults, authorization, routing, validation, the operation.

Requests are checked in this order: SigV4 Authorization header present (401), operation routed
(404 UnknownOperationException), a proxy operation after the end of support (403), forbidden
operation (403), `throttle_next` (429), rate limit (429), `fail_next` (5xx), implemented (501),
input validation (400), then the operation itself.
Latency, resets and hangs apply before all of these. Every request is recorded, answered or not.
"""

from __future__ import annotations

import json
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from harness.emulator.faults import FaultInjector, FaultKind
from harness.emulator.http import HttpRequest, HttpResponse
from harness.emulator.model import (
    END_OF_SUPPORT_ERROR,
    END_OF_SUPPORT_MESSAGE,
    SERVICE_NAME,
    SUPPORTED_OPERATIONS,
    ApiError,
    end_of_support_operations,
    error_status,
    operation_model,
    to_millis,
)
from harness.emulator.operations import Operations
from harness.emulator.records import CallRecord, Journal
from harness.emulator.routing import route
from harness.emulator.signing import is_sigv4, signing_credential
from harness.emulator.validation import parse_params, validate_input


class _Stopping(Exception):
    """The emulator stopped while a request waited: drop it unanswered."""


class _FaultAnswer(ApiError):
    """An error answered because of an injected fault, which the call record names."""

    def __init__(self, code: str, message: str, fault: FaultKind) -> None:
        super().__init__(code, message)
        self.fault = fault


@dataclass(frozen=True, slots=True)
class _Outcome:
    status: int
    payload: dict[str, Any] | None
    error_code: str | None = None
    fault: FaultKind | None = None

    def response(self, request_id: str) -> HttpResponse:
        """The rest-json response; a 204 carries no body and no Content-Length."""
        body = b"" if self.payload is None else json.dumps(self.payload).encode()
        headers = [("x-amzn-RequestId", request_id)]
        if self.error_code is not None:
            headers.append(("x-amzn-ErrorType", self.error_code))
        if self.status != 204:
            headers.append(("Content-Type", "application/json"))
            headers.append(("Content-Length", str(len(body))))
        return HttpResponse(self.status, tuple(headers), body)


def _member(payload: dict[str, Any], structure: str, member: str) -> str | None:
    """An id an answer carries (a created resource's), or None."""
    found = payload.get(structure)
    return str(found[member]) if isinstance(found, dict) and member in found else None


def _pause(request: HttpRequest, seconds: float) -> None:
    if request.stopping.wait(seconds):
        raise _Stopping


class RequestPipeline:
    """Answers chime-sdk-voice requests as the service would, with the injected faults.

    Attributes:
        faults: The faults applied to each request.
        require_auth: Answer 401 UnauthorizedClientException to unsigned requests.
    """

    def __init__(
        self,
        operations: Operations,
        journal: Journal[CallRecord],
        clock: Callable[[], datetime],
        *,
        faults: FaultInjector,
        require_auth: bool,
    ) -> None:
        """Serve `operations`, recording each request in `journal` at `clock`'s time."""
        self.faults = faults
        self.require_auth = require_auth
        self._operations = operations
        self._journal = journal
        self._clock = clock

    def respond(self, request: HttpRequest) -> HttpResponse | None:
        """Answer one request, or None to drop its connection (reset, or stopped meanwhile)."""
        arrived = to_millis(self._clock())
        split = urlsplit(request.target)
        query = parse_qs(split.query, keep_blank_values=True)
        routed = route(request.method, split.path, query)
        operation, labels = routed if routed else (None, {})
        voice_connector_id = labels.get("voiceConnectorId") or labels.get("VoiceConnectorId")
        if query.get("filter-name") == ["VoiceConnectorId"]:  # ListPhoneNumbers of one
            voice_connector_id = query.get("filter-value", [None])[-1]
        session_id = labels.get("proxySessionId")
        order_id = labels.get("phoneNumberOrderId")
        signer = signing_credential(request.header("Authorization"))
        faults = self.faults

        def record(status: int, error_code: str | None, fault: FaultKind | None) -> None:
            self._journal.record(
                CallRecord(
                    operation=operation or "Unknown",
                    method=request.method,
                    path=split.path,
                    voice_connector_id=voice_connector_id,
                    session_id=session_id,
                    status=status,
                    error_code=error_code,
                    fault=fault,
                    timestamp=arrived,
                    region=signer.region if signer else None,
                    access_key_id=signer.access_key_id if signer else None,
                    order_id=order_id,
                )
            )

        delay_fault: FaultKind | None = None
        try:
            latency = faults.latency_seconds
            if latency > 0:
                delay_fault = FaultKind.LATENCY
                _pause(request, latency)
            if faults.take(FaultKind.RESET, operation) is not None:
                record(0, None, FaultKind.RESET)
                return None
            hang = faults.take(FaultKind.HANG, operation)
            if hang is not None:
                delay_fault = FaultKind.HANG
                _pause(request, hang)
        except _Stopping:
            record(0, None, delay_fault)
            return None

        request_id = str(uuid.uuid4())
        try:
            outcome = self._process(request, split.path, operation, labels, query)
        except ApiError as error:
            outcome = _Outcome(
                error.status,
                {"Code": error.code, "Message": error.message},
                error.code,
                error.fault if isinstance(error, _FaultAnswer) else None,
            )
        except Exception:
            self._journal.note_internal_error(traceback.format_exc())
            code = "ServiceFailureException"
            message = "Emulator internal error: see ChimeVoiceEmulator.internal_errors"
            outcome = _Outcome(error_status(code), {"Code": code, "Message": message}, code)
        if outcome.payload is not None:
            session_id = session_id or _member(outcome.payload, "ProxySession", "ProxySessionId")
            voice_connector_id = voice_connector_id or _member(
                outcome.payload, "VoiceConnector", "VoiceConnectorId"
            )
            order_id = order_id or _member(
                outcome.payload, "PhoneNumberOrder", "PhoneNumberOrderId"
            )
        record(outcome.status, outcome.error_code, outcome.fault or delay_fault)
        return outcome.response(request_id)

    def _process(
        self,
        request: HttpRequest,
        path: str,
        operation: str | None,
        labels: Mapping[str, str],
        query: Mapping[str, list[str]],
    ) -> _Outcome:
        if self.require_auth and not is_sigv4(request.header("Authorization")):
            raise ApiError(
                "UnauthorizedClientException",
                "Missing or malformed Authorization header: sign the request with SigV4 "
                "(configure AWS credentials for the client)",
            )
        if operation is None:
            raise ApiError(
                "UnknownOperationException",
                f"No {SERVICE_NAME} operation matches {request.method} {path}",
                status=404,
            )
        faults = self.faults
        if faults.end_of_support and operation in end_of_support_operations():
            raise _FaultAnswer(
                END_OF_SUPPORT_ERROR, END_OF_SUPPORT_MESSAGE, FaultKind.END_OF_SUPPORT
            )
        if faults.is_forbidden(operation):
            raise _FaultAnswer(
                "ForbiddenException",
                f"User is not authorized to perform chime:{operation} (forbidden by the emulator)",
                FaultKind.FORBID,
            )
        if faults.take(FaultKind.THROTTLE, operation) is not None:
            raise _FaultAnswer("ThrottledClientException", "Rate exceeded", FaultKind.THROTTLE)
        if not faults.acquire_token():
            raise _FaultAnswer("ThrottledClientException", "Rate exceeded", FaultKind.RATE_LIMIT)
        failure = faults.take(FaultKind.FAIL, operation)
        if failure is not None:
            code = "ServiceUnavailableException" if failure == 503 else "ServiceFailureException"
            raise _FaultAnswer(
                code,
                "The service failed to process the request (fault injected by the emulator)",
                FaultKind.FAIL,
            )
        if operation not in SUPPORTED_OPERATIONS:
            raise ApiError(
                "NotImplemented",
                f"The emulator does not implement {operation}; "
                f"it implements {sorted(SUPPORTED_OPERATIONS)}",
                status=501,
            )
        model = operation_model(operation)
        params = parse_params(model, labels, query, request.body)
        validate_input(model, params)
        payload = self._operations.call(operation, params)
        return _Outcome(int(model.http.get("responseCode", 200)), payload)
