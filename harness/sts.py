"""Local stand-in for AWS STS's AssumeRole, for tests of requests that cross accounts.

`StsEmulator` speaks the STS query protocol on loopback: a form-encoded POST (`Action=AssumeRole&
Version=2011-06-15&RoleArn=...&RoleSessionName=...`) answered with the XML botocore parses, so an
unmodified boto3 client reaches it through `endpoint_url=sts.endpoint_url` or the
`AWS_ENDPOINT_URL_STS` environment variable.

Only roles allowed with `allow_role` can be assumed, each optionally requiring an external id (as
a trust policy's `sts:ExternalId` condition does). Each allowed role issues a deterministic
access key id of its own (`issued_access_key_id`), so a test can tell whose credentials signed a
later request (`CallRecord.access_key_id` of the ChimeSDKVoice emulator). Requests are checked in
this order: SigV4 Authorization header present (403 MissingAuthenticationToken), action
AssumeRole of version 2011-06-15 (400 InvalidAction), `throttle_next` (400 Throttling), input
against botocore's STS model (400 ValidationError), role allowed and external id matching (403
AccessDenied), DurationSeconds within the role's maximum (400 ValidationError). The signature is
not verified, and nothing is written to stdout or stderr while serving.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import threading
import traceback
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, cast

import botocore.session
from botocore.model import ServiceModel, StructureShape

from harness.emulator.http import HttpRequest, HttpResponse, LoopbackService
from harness.emulator.model import to_millis, utc_now
from harness.emulator.records import Journal
from harness.emulator.signing import is_sigv4, signing_credential
from harness.emulator.validation import Validator, coerce_query

__all__ = [
    "API_VERSION",
    "STS_ENDPOINT_ENV_VAR",
    "StsCallRecord",
    "StsEmulator",
    "issued_access_key_id",
]

STS_ENDPOINT_ENV_VAR: Final = "AWS_ENDPOINT_URL_STS"
"""The environment variable that points boto3's STS clients at an endpoint."""

API_VERSION: Final = "2011-06-15"
"""The STS API version the stand-in speaks."""

_NAMESPACE: Final = f"https://sts.amazonaws.com/doc/{API_VERSION}/"
_DEFAULT_DURATION_SECONDS: Final = 3600
_ROLE_ARN: Final = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):iam::(?P<account>\d{12}):role/(?:[\w+=,.@-]+/)*"
    r"(?P<name>[\w+=,.@-]{1,64})",
    re.ASCII,
)


@functools.cache
def _sts_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("sts")


def _digest(*parts: str) -> str:
    """Upper-case base32 of a SHA-256 over `parts`: key-like, deterministic text."""
    raw = hashlib.sha256("\0".join(parts).encode()).digest()
    return base64.b32encode(raw).decode().rstrip("=")


def issued_access_key_id(role_arn: str) -> str:
    """The access key id of the credentials AssumeRole issues for `role_arn` (ASIA + 16)."""
    return "ASIA" + _digest("access-key", role_arn)[:16]


@dataclass(frozen=True, slots=True)
class StsCallRecord:
    """One request the STS stand-in received, with what it answered.

    Attributes:
        action: The `Action` parameter (e.g. "AssumeRole"), None when absent.
        role_arn: The `RoleArn` parameter, None when absent.
        role_session_name: The `RoleSessionName` parameter, None when absent.
        external_id: The `ExternalId` parameter sent, None when absent.
        external_id_matched: Whether the external id satisfied the role's requirement (False
            when the role is not allowed).
        duration_seconds: The `DurationSeconds` parameter, None when absent or not a number.
        access_key_id: The caller's access key id (SigV4 credential), None when unsigned.
        region: The region the request was signed for, None when unsigned.
        status: The HTTP status answered.
        error_code: The error code answered (e.g. "AccessDenied"), None on success.
        issued_access_key_id: The access key id of the credentials issued, None on error.
        timestamp: When the request arrived (the stand-in's clock, UTC).
    """

    action: str | None
    role_arn: str | None
    role_session_name: str | None
    external_id: str | None
    external_id_matched: bool
    duration_seconds: int | None
    access_key_id: str | None
    region: str | None
    status: int
    error_code: str | None
    issued_access_key_id: str | None
    timestamp: datetime


@dataclass(frozen=True, slots=True)
class _Role:
    external_id: str | None
    max_session_seconds: int


class _StsError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _xml(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="unicode").encode()


def _child(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


class StsEmulator(LoopbackService):
    """An in-memory STS that answers AssumeRole for allowed roles, on a local HTTP port.

    Use it as a context manager, or call `start()` and `stop()`. Point boto3 at `endpoint_url`.
    All methods are thread-safe and may be called while it serves.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Configure the stand-in; nothing listens until `start()`.

        Args:
            host: The address to bind (loopback by default).
            port: The port to bind; 0 picks a free ephemeral port.
            clock: Source of time for credential expirations (timezone-aware datetimes).
        """
        self._clock = clock or utc_now
        self._lock = threading.Lock()
        self._roles: dict[str, _Role] = {}
        self._throttles = 0
        self._journal = Journal[StsCallRecord]()
        super().__init__(
            host,
            port,
            self._respond,
            name="sts-emulator",
            description="STS emulator",
            on_error=self._journal.note_internal_error,
        )

    # Set-up --------------------------------------------------------------------------------

    def allow_role(
        self,
        role_arn: str,
        *,
        external_id: str | None = None,
        max_session_seconds: int = _DEFAULT_DURATION_SECONDS,
    ) -> str:
        """Let callers assume `role_arn`; returns the access key id its credentials carry.

        Args:
            role_arn: An IAM role ARN (`arn:aws:iam::123456789012:role/name`).
            external_id: The external id callers must pass; None requires none.
            max_session_seconds: The role's maximum session duration (900 to 43200; IAM's
                default is 3600); a longer DurationSeconds answers ValidationError.
        """
        if _ROLE_ARN.fullmatch(role_arn) is None:
            raise ValueError(
                f"Role ARN {role_arn!r} is not an IAM role ARN: use "
                "arn:aws:iam::<12-digit account>:role/<name>"
            )
        if not 900 <= max_session_seconds <= 43200:
            raise ValueError(
                f"max_session_seconds must be between 900 and 43200, got {max_session_seconds!r}"
            )
        with self._lock:
            self._roles[role_arn] = _Role(external_id, max_session_seconds)
        return issued_access_key_id(role_arn)

    def throttle_next(self, count: int = 1) -> None:
        """Answer the next `count` AssumeRole requests with 400 Throttling."""
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count!r}")
        with self._lock:
            self._throttles += count

    def reset(self) -> None:
        """Forget the allowed roles, pending throttles, calls and internal errors."""
        with self._lock:
            self._roles.clear()
            self._throttles = 0
        self._journal.clear()

    # Observation ---------------------------------------------------------------------------

    @property
    def calls(self) -> list[StsCallRecord]:
        """Every request received so far, oldest first (a copy)."""
        return self._journal.calls

    def reset_calls(self) -> None:
        """Forget the recorded requests."""
        self._journal.clear_calls()

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of stand-in bugs (answered as 500 InternalFailure); a copy."""
        return self._journal.internal_errors

    # Serving -------------------------------------------------------------------------------

    def _respond(self, request: HttpRequest) -> HttpResponse:
        arrived = to_millis(self._clock())
        params = request.form()
        signer = signing_credential(request.header("Authorization"))
        role = self._role(params.get("RoleArn"))
        external_id = params.get("ExternalId")
        matched = role is not None and role.external_id in (None, external_id)
        request_id = str(uuid.uuid4())
        issued: str | None = None
        try:
            document = self._assume_role(request, params, role, matched, request_id, arrived)
            issued = issued_access_key_id(str(params["RoleArn"]))
            status, code = 200, None
        except _StsError as error:
            status, code = error.status, error.code
            document = self._error(error, request_id)
        except Exception:
            self._journal.note_internal_error(traceback.format_exc())
            status, code = 500, "InternalFailure"
            failure = _StsError(status, code, "STS emulator internal error: see internal_errors")
            document = self._error(failure, request_id)
        duration = params.get("DurationSeconds", "")
        call = StsCallRecord(
            action=params.get("Action"),
            role_arn=params.get("RoleArn"),
            role_session_name=params.get("RoleSessionName"),
            external_id=external_id,
            external_id_matched=matched,
            duration_seconds=int(duration) if duration.isdigit() else None,
            access_key_id=signer.access_key_id if signer else None,
            region=signer.region if signer else None,
            status=status,
            error_code=code,
            issued_access_key_id=issued,
            timestamp=arrived,
        )
        self._journal.record(call)
        headers = (
            ("x-amzn-RequestId", request_id),
            ("Content-Type", "text/xml"),
            ("Content-Length", str(len(document))),
        )
        return HttpResponse(status, headers, document)

    def _role(self, role_arn: str | None) -> _Role | None:
        with self._lock:
            return None if role_arn is None else self._roles.get(role_arn)

    def _take_throttle(self) -> bool:
        with self._lock:
            if self._throttles == 0:
                return False
            self._throttles -= 1
            return True

    def _assume_role(
        self,
        request: HttpRequest,
        params: Mapping[str, str],
        role: _Role | None,
        matched: bool,
        request_id: str,
        now: datetime,
    ) -> bytes:
        if not is_sigv4(request.header("Authorization")):
            raise _StsError(
                403, "MissingAuthenticationToken", "Request is missing Authentication Token"
            )
        action, version = params.get("Action"), params.get("Version")
        if action != "AssumeRole" or version != API_VERSION:
            raise _StsError(
                400,
                "InvalidAction",
                f"Could not find operation {action} for version {version}: the STS emulator "
                f"serves AssumeRole of version {API_VERSION} only",
            )
        if self._take_throttle():
            raise _StsError(400, "Throttling", "Rate exceeded")
        self._validate(params)
        role_arn, session_name = params["RoleArn"], params["RoleSessionName"]
        if role is None or not matched:
            why = "the role is not allowed" if role is None else "the external id does not match"
            raise _StsError(
                403,
                "AccessDenied",
                f"User is not authorized to perform: sts:AssumeRole on resource: {role_arn} "
                f"({why}: see StsEmulator.allow_role)",
            )
        duration = int(params.get("DurationSeconds") or _DEFAULT_DURATION_SECONDS)
        if duration > role.max_session_seconds:
            raise _StsError(
                400,
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            )
        return self._credentials(
            role_arn, session_name, now + timedelta(seconds=duration), request_id
        )

    @staticmethod
    def _validate(params: Mapping[str, str]) -> None:
        shape = cast("StructureShape", _sts_model().operation_model("AssumeRole").input_shape)
        typed = {
            name: coerce_query(member, [params[name]])
            for name, member in shape.members.items()
            if name in params and member.type_name not in ("list", "structure", "map")
        }
        validator = Validator()
        validator.structure(shape, typed, "", top=True)
        if validator.errors:
            raise _StsError(400, "ValidationError", validator.message())

    @staticmethod
    def _credentials(role_arn: str, session_name: str, expires: datetime, request_id: str) -> bytes:
        arn = _ROLE_ARN.fullmatch(role_arn)
        assert arn is not None  # allow_role accepts role ARNs only
        root = ET.Element("AssumeRoleResponse", xmlns=_NAMESPACE)
        result = _child(root, "AssumeRoleResult")
        user = _child(result, "AssumedRoleUser")
        _child(
            user,
            "Arn",
            f"arn:{arn['partition']}:sts::{arn['account']}:assumed-role/{arn['name']}/{session_name}",
        )
        _child(user, "AssumedRoleId", f"AROA{_digest('role-id', role_arn)[:17]}:{session_name}")
        credentials = _child(result, "Credentials")
        _child(credentials, "AccessKeyId", issued_access_key_id(role_arn))
        _child(credentials, "SecretAccessKey", _digest("secret", role_arn)[:40])
        _child(credentials, "SessionToken", _digest("token", role_arn, str(uuid.uuid4())))
        _child(credentials, "Expiration", expires.strftime("%Y-%m-%dT%H:%M:%SZ"))
        _child(result, "PackedPolicySize", "0")
        _child(_child(root, "ResponseMetadata"), "RequestId", request_id)
        return _xml(root)

    @staticmethod
    def _error(error: _StsError, request_id: str) -> bytes:
        root = ET.Element("ErrorResponse", xmlns=_NAMESPACE)
        detail = _child(root, "Error")
        _child(detail, "Type", "Sender" if error.status < 500 else "Receiver")
        _child(detail, "Code", error.code)
        _child(detail, "Message", error.message)
        _child(root, "RequestId", request_id)
        return _xml(root)
