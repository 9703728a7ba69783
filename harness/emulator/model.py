"""botocore's model of chime-sdk-voice: operations, error codes and the wire format's timestamps.

Everything the emulator knows about the service's shape comes from here, so it follows the SDK
the tests run with.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Final

import botocore.session
from botocore.model import OperationModel, ServiceModel

SERVICE_NAME: Final = "chime-sdk-voice"
"""The botocore service name the emulator speaks."""

ENDPOINT_ENV_VAR: Final = "AWS_ENDPOINT_URL_CHIME_SDK_VOICE"
"""The environment variable that points boto3's chime-sdk-voice clients at an endpoint."""

SUPPORTED_OPERATIONS: Final = frozenset(
    {
        "CreateProxySession",
        "GetProxySession",
        "UpdateProxySession",
        "DeleteProxySession",
        "ListProxySessions",
        "PutVoiceConnectorProxy",
        "GetVoiceConnectorProxy",
        "DeleteVoiceConnectorProxy",
        "CreateVoiceConnector",
        "GetVoiceConnector",
        "UpdateVoiceConnector",
        "DeleteVoiceConnector",
        "SearchAvailablePhoneNumbers",
        "CreatePhoneNumberOrder",
        "GetPhoneNumberOrder",
        "ListPhoneNumberOrders",
        "GetPhoneNumber",
        "ListPhoneNumbers",
        "AssociatePhoneNumbersWithVoiceConnector",
        "DisassociatePhoneNumbersFromVoiceConnector",
        "DeletePhoneNumber",
        "RestorePhoneNumber",
    }
)
"""Operations the emulator implements; other operations of the model answer 501."""

END_OF_SUPPORT_DATE: Final = "2026-04-07"
"""The day AWS ended support for Amazon Chime SDK proxy sessions (botocore's deprecation notes)."""

END_OF_SUPPORT_ERROR: Final = "ForbiddenException"
"""What a proxy operation answers in end-of-support mode (HTTP 403; see the package docstring)."""

END_OF_SUPPORT_MESSAGE: Final = (
    f"Amazon Chime SDK proxy sessions reached end of support on {END_OF_SUPPORT_DATE}; "
    "this operation is no longer available"
)
"""The message of that answer."""


@functools.cache
def service_model() -> ServiceModel:
    """Return botocore's model of chime-sdk-voice, loaded once per process."""
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


@functools.cache
def end_of_support_operations() -> frozenset[str]:
    """The proxy operations botocore's model marks deprecated: those that ended with support.

    The model marks two Alexa skill operations deprecated as well (they ended earlier, and answer
    GoneException); they are not proxy operations and stay as they are.
    """
    model = service_model()
    return frozenset(
        name
        for name in model.operation_names
        if "Proxy" in name and model.operation_model(name).deprecated
    )


def operation_model(name: str) -> OperationModel:
    """Return the model of the operation called `name` (botocore raises for unknown names)."""
    return service_model().operation_model(name)


def check_operation(name: str) -> str:
    """Return `name` when the service model has that operation; ValueError otherwise."""
    if name not in service_model().operation_names:
        raise ValueError(
            f"Unknown {SERVICE_NAME} operation {name!r}: use a name from the service model, "
            f"e.g. one of {sorted(SUPPORTED_OPERATIONS)}"
        )
    return name


@functools.cache
def error_status(code: str) -> int:
    """The HTTP status the model gives the error shape called `code`."""
    shape = service_model().shape_for(code)
    return int(shape.metadata["error"]["httpStatusCode"])


class ApiError(Exception):
    """An error answered to the client as the service would: code, message and HTTP status.

    Attributes:
        code: The error code (a modeled error shape's name unless `status` is given).
        message: The message the client sees.
        status: The HTTP status; the model's for `code` unless given.
    """

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        """Describe the error; `status` defaults to the model's status for `code`."""
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = error_status(code) if status is None else status


def utc_now() -> datetime:
    """The wall clock, timezone-aware in UTC (the emulator's default clock)."""
    return datetime.now(UTC)


def to_millis(moment: datetime) -> datetime:
    """Normalize to UTC with millisecond precision, the precision the wire format carries."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def iso8601(moment: datetime) -> str:
    """Render a UTC datetime as the service's timestamps: ISO 8601 with milliseconds and Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
