"""Which ChimeSDKVoice client serves a resource: its region, and its account through STS.

A resource without ``Region`` and ``AssumeRoleArn`` uses the function's own client (its region,
its role). Otherwise a client is built for that region and, with a role, for credentials that
``sts:AssumeRole`` returns; assumed credentials are kept while they outlast the request, so a warm
function serving many resources of one role asks STS once. Credentials, session tokens and the
external id are never logged or put in a Reason.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.exceptions import ClientError

import proxy_contract as contract
from cfn_properties import Location
from cfn_request import CfnRequest
from chime_calls import (
    ChimeCallError,
    RetriesExhaustedError,
    RetryPolicy,
    call_with_retries,
    client_config,
    error_code,
    error_message,
    new_client,
)
from records import Record

if TYPE_CHECKING:
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

logger = logging.getLogger(__name__)

_SESSION_NAME_DROP: Final = r"[^\w+=,.@-]"
# Assumed credentials are reused only while they outlive the request by this much.
_CREDENTIALS_MARGIN_SECONDS: Final = 60.0


def role_session_name(stack_id: str, logical_resource_id: str) -> str:
    """The STS session name: the stack's name and the resource's logical id, as STS allows."""
    parts = stack_id.split("/")
    stack_name = parts[1] if len(parts) > 2 else "stack"
    stack_part = re.sub(_SESSION_NAME_DROP, "", stack_name)[:32]
    text = f"{stack_part}-{re.sub(_SESSION_NAME_DROP, '', logical_resource_id)}"
    return text[: contract.ROLE_SESSION_NAME_MAX_LENGTH].ljust(2, "-")


def _new_sts_client() -> Any:
    return boto3.client("sts", config=client_config())


class _Credentials(Record):
    access_key_id: str
    secret_access_key: str
    session_token: str
    expires_at: float

    def __repr__(self) -> str:
        # The secret key and the session token never show.
        return f"_Credentials(access_key_id={self.access_key_id!r}, expires_at={self.expires_at})"


def explain_assume_role_failure(role_arn: str, error: Exception, has_external_id: bool) -> str:
    """A Reason for a failed AssumeRole that says what the role's trust policy must allow."""
    if isinstance(error, RetriesExhaustedError):
        return (
            f"AssumeRole on {role_arn}: STS kept failing ({error.last_error.__class__.__name__}, "
            f"{error.attempts} attempt(s) over {error.elapsed:.0f} s). Nothing was changed; "
            "check the function's network access to STS, then deploy again."
        )
    if not isinstance(error, ClientError):
        return f"AssumeRole on {role_arn} failed: {type(error).__name__}."
    code = error_code(error)
    message = error_message(error)
    detail = f" ({code}: {message})" if message else f" ({code})"
    if code == "AccessDenied":
        function_role = os.environ.get(contract.FUNCTION_ROLE_ARN_VARIABLE) or "the function's role"
        condition = (
            ' with the condition "StringEquals": {"sts:ExternalId": <the ExternalId you set>}'
            if has_external_id
            else ""
        )
        return (
            f"AssumeRole on {role_arn} was denied{detail}. The role's trust policy must allow "
            f"sts:AssumeRole to the principal {function_role}{condition}, and that role must be "
            f"allowed sts:AssumeRole on {role_arn} (assume_role_arn grants it)."
        )
    return f"AssumeRole on {role_arn} failed{detail}."


class ClientFactory:
    """Hands out the ChimeSDKVoice client for a resource's location.

    :param default: the function's own client (its region and role), read at each call.
    :param sts: builds the STS client, on first use.
    :param clock: wall-clock seconds, for credential expiry.
    """

    def __init__(
        self,
        default: Callable[[], ChimeSDKVoiceClient],
        *,
        sts: Callable[[], Any] = _new_sts_client,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._default = default
        self._sts_factory = sts
        self._sts: Any = None
        self._clock = clock
        self._lock = threading.Lock()
        self._credentials: dict[tuple[str, str | None], _Credentials] = {}

    def chime(
        self,
        location: Location,
        *,
        session_name: str,
        deadline: float,
        policy: RetryPolicy,
    ) -> ChimeSDKVoiceClient:
        """The client for ``location``; assumes its role first when it names one."""
        default = self._default()
        if location.role_arn is None and location.region is None:
            return default
        own_region = default.meta.region_name
        if location.role_arn is None and location.region == own_region:
            return default
        region = location.region or own_region
        if location.role_arn is None:
            return new_client(region_name=region)
        credentials = self._assumed(location, session_name, deadline=deadline, policy=policy)
        return new_client(
            region_name=region,
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
        )

    def _assumed(
        self, location: Location, session_name: str, *, deadline: float, policy: RetryPolicy
    ) -> _Credentials:
        assert location.role_arn is not None
        key = (location.role_arn, location.external_id)
        needed_until = (
            self._clock() + max(0.0, deadline - policy.clock()) + _CREDENTIALS_MARGIN_SECONDS
        )
        with self._lock:
            cached = self._credentials.get(key)
        if cached is not None and cached.expires_at > needed_until:
            return cached
        # Long enough for this request, within what every role allows by default.
        duration = min(
            contract.ASSUME_ROLE_MAX_SECONDS,
            max(contract.ASSUME_ROLE_MIN_SECONDS, math.ceil(needed_until - self._clock())),
        )
        request: dict[str, Any] = {
            "RoleArn": location.role_arn,
            "RoleSessionName": session_name,
            "DurationSeconds": duration,
        }
        if location.external_id is not None:
            request["ExternalId"] = location.external_id
        if self._sts is None:
            self._sts = self._sts_factory()
        sts = self._sts
        try:
            outcome = call_with_retries(
                "AssumeRole", lambda: sts.assume_role(**request), deadline=deadline, policy=policy
            )
        except (ClientError, RetriesExhaustedError) as error:
            raise ChimeCallError(
                explain_assume_role_failure(
                    location.role_arn, error, location.external_id is not None
                )
            ) from None
        issued = outcome.response["Credentials"]
        expiration = issued["Expiration"]
        expires_at = (
            expiration.timestamp() if isinstance(expiration, datetime) else self._clock() + 900
        )
        credentials = _Credentials(
            access_key_id=issued["AccessKeyId"],
            secret_access_key=issued["SecretAccessKey"],
            session_token=issued["SessionToken"],
            expires_at=expires_at,
        )
        logger.info("Assumed %s as session %s", location.role_arn, session_name)
        with self._lock:
            self._credentials[key] = credentials
        return credentials


def client_for(
    request: CfnRequest,
    location: Location,
    clients: ClientFactory,
    *,
    deadline: float,
    policy: RetryPolicy,
) -> ChimeSDKVoiceClient:
    """The client for a resource's location; an assumed role's session names the resource."""
    session_name = role_session_name(request.stack_id, request.logical_resource_id)
    return clients.chime(location, session_name=session_name, deadline=deadline, policy=policy)
