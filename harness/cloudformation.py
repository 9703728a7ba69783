"""Local stand-in for CloudFormation's read operations on stacks, for the drift check's tests.

`CloudFormationServer` speaks CloudFormation's query protocol on loopback: a form-encoded POST
(`Action=DescribeStacks&Version=2010-05-15&StackName=...`) answered with the XML botocore parses
(namespace ``http://cloudformation.amazonaws.com/doc/2010-05-15/``), so an unmodified boto3 client
reaches it through ``AWS_ENDPOINT_URL_CLOUDFORMATION`` (`CLOUDFORMATION_ENDPOINT_ENV_VAR`) or
``endpoint_url=``. It serves DescribeStacks, DescribeStackResources, ListStackResources (pages of
100) and GetTemplate for the stacks it is given: `publish` a stack the lifecycle driver deploys
(read afresh at every request, so an update or delete through the driver shows at once;
``harness.cfn_stack_view``), or `put` a `StackView` built by hand.

Requests are checked in this order, as CloudFormation does: SigV4 Authorization header present
(403 MissingAuthenticationToken), an action of version 2010-05-15 it serves (400 InvalidAction),
an action `deny` switched off (403 AccessDenied, IAM's message naming the action and the stack's
ARN), `throttle_next` (400 Throttling), input against botocore's model (400 ValidationError), the
stack found by name or stack id (400 ValidationError "Stack with id X does not exist"; a deleted
stack is found by its stack id only). The signature is not verified, and nothing is written to
stdout or stderr while serving. Every request is recorded (`calls`, `calls_for`).
"""

from __future__ import annotations

import copy
import functools
import json
import threading
import traceback
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

import boto3
import botocore.session
from botocore.config import Config
from botocore.model import ServiceModel, StructureShape

from harness.cfn_stack_view import (
    API_VERSION,
    NAMESPACE,
    CloudFormationError,
    ResourceView,
    StackView,
    answer,
    child,
    stack_id_for,
    view_of,
)
from harness.cfn_template import ACCOUNT, PARTITION, REGION
from harness.emulator.http import HttpRequest, HttpResponse, LoopbackService
from harness.emulator.model import to_millis, utc_now
from harness.emulator.records import Journal
from harness.emulator.signing import is_sigv4, signing_credential
from harness.emulator.validation import Validator, coerce_query
from harness.lifecycle import STACK_NAME, CloudFormationStack

__all__ = [
    "API_VERSION",
    "CALLER_ARN",
    "CLOUDFORMATION_ENDPOINT_ENV_VAR",
    "OPERATIONS",
    "CloudFormationCallRecord",
    "CloudFormationServer",
    "ResourceView",
    "StackView",
    "stack_id_for",
]

CLOUDFORMATION_ENDPOINT_ENV_VAR: Final = "AWS_ENDPOINT_URL_CLOUDFORMATION"
"""The environment variable that points boto3's CloudFormation clients at an endpoint."""
OPERATIONS: Final = (
    "DescribeStacks",
    "DescribeStackResources",
    "ListStackResources",
    "GetTemplate",
)
"""The actions the stand-in serves."""
CALLER_ARN: Final = f"arn:{PARTITION}:iam::{ACCOUNT}:user/harness"
"""Who an AccessDenied message says was refused."""

_STACK_ARN_PREFIX: Final = f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/"
_CLIENT_CONFIG: Final = Config(
    retries={"mode": "standard", "total_max_attempts": 1}, proxies={}, connect_timeout=5
)


@functools.cache
def _model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("cloudformation")


@dataclass(frozen=True, slots=True)
class CloudFormationCallRecord:
    """One request the stand-in received, with what it answered.

    Attributes:
        operation: The ``Action`` parameter (e.g. "DescribeStacks"), None when absent.
        stack: The ``StackName`` parameter as sent (a name or a stack id), None when absent.
        status: The HTTP status answered.
        error_code: The error code answered (e.g. "ValidationError"), None on success.
        access_key_id: The caller's access key id (SigV4 credential), None when unsigned.
        timestamp: When the request arrived (the stand-in's clock, UTC).
    """

    operation: str | None
    stack: str | None
    status: int
    error_code: str | None
    access_key_id: str | None
    timestamp: datetime


class CloudFormationServer(LoopbackService):
    """An in-memory CloudFormation that answers four read operations, on a local HTTP port.

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
            clock: Source of time for publish times and call records (timezone-aware).
        """
        self._clock = clock or utc_now
        self._lock = threading.Lock()
        self._stacks: dict[str, Callable[[], StackView | None]] = {}
        self._published: dict[str, datetime] = {}
        self._denied: set[str] = set()
        self._throttles = 0
        self._journal = Journal[CloudFormationCallRecord]()
        super().__init__(
            host,
            port,
            self._respond,
            name="cloudformation-stand-in",
            description="CloudFormation stand-in",
            on_error=self._journal.note_internal_error,
        )

    # Set-up --------------------------------------------------------------------------------

    def publish(
        self,
        stack: CloudFormationStack,
        *,
        template: Mapping[str, Any],
        name: str = STACK_NAME,
    ) -> None:
        """Serve the driver's ``stack`` as deployed with ``template``, read at every request.

        Publish again after a deploy of another template; the stack keeps its CreationTime.
        ``name`` must be the driver's STACK_NAME: the requests it sent carried that name's
        STACK_ID, and its AWS::StackName resolved to it (another stack: `put` a StackView).
        """
        if name != STACK_NAME:
            raise ValueError(
                f"CloudFormationStack deploys every stack as {STACK_NAME!r}, not {name!r}: "
                "publish it under that name, or put() a StackView for another stack"
            )
        kept = json.loads(json.dumps(template))
        with self._lock:
            published = self._published.setdefault(name, self._clock())
            self._stacks[name] = functools.partial(view_of, stack, kept, published=published)

    def put(self, view: StackView) -> None:
        """Serve ``view`` as it is (replacing any stack of its name)."""
        kept = copy.deepcopy(view)
        with self._lock:
            self._stacks[view.name] = lambda: kept

    def deny(self, *operations: str) -> None:
        """Answer ``operations`` (e.g. "DescribeStackResources") with 403 AccessDenied."""
        unknown = sorted(set(operations) - set(OPERATIONS))
        if unknown:
            raise ValueError(f"unknown operations {unknown}: the stand-in serves {OPERATIONS}")
        with self._lock:
            self._denied.update(operations)

    def allow(self, *operations: str) -> None:
        """Serve ``operations`` again (all of them when none is named)."""
        with self._lock:
            self._denied.difference_update(operations or OPERATIONS)

    def throttle_next(self, count: int = 1) -> None:
        """Answer the next ``count`` requests with 400 Throttling."""
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count!r}")
        with self._lock:
            self._throttles += count

    def reset(self) -> None:
        """Forget the stacks, denied operations, pending throttles, calls and internal errors."""
        with self._lock:
            self._stacks.clear()
            self._published.clear()
            self._denied.clear()
            self._throttles = 0
        self._journal.clear()

    def client(self) -> Any:
        """A boto3 CloudFormation client for this stand-in: fake credentials, one attempt."""
        return boto3.client(
            "cloudformation",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
            aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  # noqa: S106 - fake
            config=_CLIENT_CONFIG,
        )

    # Observation ---------------------------------------------------------------------------

    @property
    def calls(self) -> list[CloudFormationCallRecord]:
        """Every request received so far, oldest first (a copy)."""
        return self._journal.calls

    def calls_for(self, operation: str) -> list[CloudFormationCallRecord]:
        """The requests of one operation, oldest first."""
        return [call for call in self.calls if call.operation == operation]

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
        request_id = str(uuid.uuid4())
        try:
            document = self._serve(request, params, request_id)
            status, code = 200, None
        except CloudFormationError as error:
            status, code = error.status, error.code
            document = self._error(error, request_id)
        except Exception:
            self._journal.note_internal_error(traceback.format_exc())
            status, code = 500, "InternalFailure"
            failure = CloudFormationError(
                status, code, "CloudFormation stand-in error: see internal_errors"
            )
            document = self._error(failure, request_id)
        self._journal.record(
            CloudFormationCallRecord(
                operation=params.get("Action"),
                stack=params.get("StackName"),
                status=status,
                error_code=code,
                access_key_id=signer.access_key_id if signer else None,
                timestamp=arrived,
            )
        )
        headers = (
            ("x-amzn-RequestId", request_id),
            ("Content-Type", "text/xml"),
            ("Content-Length", str(len(document))),
        )
        return HttpResponse(status, headers, document)

    def _serve(self, request: HttpRequest, params: Mapping[str, str], request_id: str) -> bytes:
        if not is_sigv4(request.header("Authorization")):
            raise CloudFormationError(
                403, "MissingAuthenticationToken", "Request is missing Authentication Token"
            )
        action, version = params.get("Action"), params.get("Version")
        if action not in OPERATIONS or version != API_VERSION:
            raise CloudFormationError(
                400,
                "InvalidAction",
                f"Could not find operation {action} for version {version}: the CloudFormation "
                f"stand-in serves {', '.join(OPERATIONS)} of version {API_VERSION}",
            )
        with self._lock:
            denied = action in self._denied
            throttled = self._throttles > 0
            if throttled:
                self._throttles -= 1
        if denied:
            raise CloudFormationError(
                403, "AccessDenied", self._denial(action, params.get("StackName"))
            )
        if throttled:
            raise CloudFormationError(400, "Throttling", "Rate exceeded")
        self._validate(action, params)
        root = ET.Element(f"{action}Response", xmlns=NAMESPACE)
        answer(child(root, f"{action}Result"), action, params, self._views())
        child(child(root, "ResponseMetadata"), "RequestId", request_id)
        return ET.tostring(root, encoding="unicode").encode()

    @staticmethod
    def _denial(action: str, stack: str | None) -> str:
        if stack is None:
            resource = f"{_STACK_ARN_PREFIX}*/*"
        else:
            resource = stack if stack.startswith("arn:") else f"{_STACK_ARN_PREFIX}{stack}/*"
        return (
            f"User: {CALLER_ARN} is not authorized to perform: cloudformation:{action} on "
            f"resource: {resource} because no identity-based policy allows the "
            f"cloudformation:{action} action"
        )

    @staticmethod
    def _validate(action: str, params: Mapping[str, str]) -> None:
        shape = cast("StructureShape", _model().operation_model(action).input_shape)
        typed = {
            name: coerce_query(member, [params[name]])
            for name, member in shape.members.items()
            if name in params and member.type_name not in ("list", "structure", "map")
        }
        validator = Validator()
        validator.structure(shape, typed, "", top=True)
        if validator.errors:
            raise CloudFormationError(400, "ValidationError", validator.message())

    def _views(self) -> list[StackView]:
        with self._lock:
            sources = list(self._stacks.values())
        return [view for view in (source() for source in sources) if view is not None]

    @staticmethod
    def _error(error: CloudFormationError, request_id: str) -> bytes:
        root = ET.Element("ErrorResponse", xmlns=NAMESPACE)
        detail = child(root, "Error")
        child(detail, "Type", "Sender" if error.status < 500 else "Receiver")
        child(detail, "Code", error.code)
        child(detail, "Message", error.message)
        child(root, "RequestId", request_id)
        return ET.tostring(root, encoding="unicode").encode()
