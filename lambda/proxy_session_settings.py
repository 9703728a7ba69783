"""Pure logic of the ChimeProxySessionSettings custom resource: no AWS client, no I/O.

Data flows one way through this module: CloudFormation ResourceProperties -> ``SessionSettings``
(parsed and validated) -> UpdateProxySession request -> response Data. CloudFormation sends every
property value as a string (``"60"``, ``"true"``), so everything is parsed again here even though
the construct validated it at synth time.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

# The property schema of Custom::ChimeProxySessionSettings (mirrored by the construct's schema.py).
VOICE_CONNECTOR_ID: Final = "VoiceConnectorId"
PROXY_SESSION_ID: Final = "ProxySessionId"
CAPABILITIES: Final = "Capabilities"
EXPIRY_MINUTES: Final = "ExpiryMinutes"
REMOVAL_POLICY: Final = "RemovalPolicy"
# Set by CloudFormation (ServiceToken) or by the resource's service timeout (ServiceTimeout).
SERVICE_TOKEN: Final = "ServiceToken"  # noqa: S105 - a property name, not a secret
SERVICE_TIMEOUT: Final = "ServiceTimeout"

SCHEMA_PROPERTIES: Final = (
    VOICE_CONNECTOR_ID,
    PROXY_SESSION_ID,
    CAPABILITIES,
    EXPIRY_MINUTES,
    REMOVAL_POLICY,
)
ALLOWED_PROPERTIES: Final = frozenset((*SCHEMA_PROPERTIES, SERVICE_TOKEN, SERVICE_TIMEOUT))

CAPABILITY_VALUES: Final = ("Voice", "SMS")
RETAIN: Final = "Retain"
DESTROY: Final = "Destroy"
REMOVAL_POLICIES: Final = (RETAIN, DESTROY)

# From botocore's chime-sdk-voice model: VoiceConnectorId and ProxySessionId (NonEmptyString128).
VOICE_CONNECTOR_ID_PATTERN: Final = re.compile(
    r"[a-z0-9]{21,22}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
PROXY_SESSION_ID_MAX_LENGTH: Final = 128
# The model allows any non-blank string; ids the service issues are printable ASCII, and a '/'
# would change the request path, so anything else is rejected before a call is made.
PROXY_SESSION_ID_PATTERN: Final = re.compile(r"[!-.0-~]+")
# ExpiryMinutes is a PositiveInteger in the model; the API reference documents 12 hours at most.
EXPIRY_MINUTES_DOCUMENTED_MAX: Final = 720
# Anything above this cannot be a sensible expiry and would not fit the service's integer.
EXPIRY_MINUTES_HARD_MAX: Final = 2_147_483_647

# The fields of a CloudFormation custom-resource request that the handler relies on.
REQUEST_TYPES: Final = ("Create", "Update", "Delete")
REQUIRED_EVENT_FIELDS: Final = (
    "RequestType",
    "ResponseURL",
    "StackId",
    "RequestId",
    "LogicalResourceId",
    "ResourceProperties",
)
# Echoed in the response, which CloudFormation matches to the request by them: non-empty strings.
STRING_EVENT_FIELDS: Final = ("ResponseURL", "StackId", "RequestId", "LogicalResourceId")

# A Create that failed answers with this prefix so that the rollback Delete makes no API call.
FAILED_CREATE_PREFIX: Final = "create-failed:"
PHYSICAL_ID_PREFIX: Final = "chime-proxy-session:"

# A "+" and 7 to 15 digits anywhere, or a bare run of them that is not part of a longer word: ids
# such as the voice connector "abcdefghij0123456789k" must stay readable in a Reason.
_E164 = re.compile(r"\+[1-9]\d{6,14}|(?<![A-Za-z0-9])[1-9]\d{6,14}(?![A-Za-z0-9])")
_JSON_LITERALS: Final = {"None": "null", "True": "true", "False": "false"}
_MAX_VALUE_ECHO = 80
_WHOLE_NUMBER = re.compile(r"\s*([+-]?)(\d+)\s*")


class InvalidPropertiesError(ValueError):
    """A ResourceProperties value is missing or invalid; the message says which and what to do."""


@dataclass(frozen=True)
class SessionSettings:
    """The validated desired state of one proxy session."""

    voice_connector_id: str
    proxy_session_id: str
    capabilities: tuple[str, ...]
    expiry_minutes: int | None
    removal_policy: str

    def update_request(self) -> dict[str, Any]:
        """Return the keyword arguments of ``UpdateProxySession`` for this state."""
        request: dict[str, Any] = {
            "VoiceConnectorId": self.voice_connector_id,
            "ProxySessionId": self.proxy_session_id,
            "Capabilities": list(self.capabilities),
        }
        if self.expiry_minutes is not None:
            request["ExpiryMinutes"] = self.expiry_minutes
        return request

    def delete_request(self) -> dict[str, str]:
        """Return the keyword arguments of ``DeleteProxySession`` for this session."""
        return {
            "VoiceConnectorId": self.voice_connector_id,
            "ProxySessionId": self.proxy_session_id,
        }

    def physical_resource_id(self) -> str:
        """Return the PhysicalResourceId: stable across in-place updates, new when an id changes."""
        return physical_resource_id(self.voice_connector_id, self.proxy_session_id)

    def describe(self) -> str:
        """Return a one-line, log-safe description (ids and settings only, never phone numbers)."""
        expiry = "unchanged" if self.expiry_minutes is None else f"{self.expiry_minutes} min"
        return (
            f"voice connector {self.voice_connector_id}, session {self.proxy_session_id!r}, "
            f"capabilities {','.join(self.capabilities)}, expiry {expiry}, "
            f"removal policy {self.removal_policy}"
        )


def physical_resource_id(voice_connector_id: str, proxy_session_id: str) -> str:
    """Return the deterministic PhysicalResourceId of a session.

    The session id is hashed so that the id stays short and printable whatever the session id
    holds; the voice connector id is kept readable for the CloudFormation console.
    """
    digest = hashlib.sha256(proxy_session_id.encode("utf-8")).hexdigest()[:32]
    return f"{PHYSICAL_ID_PREFIX}{voice_connector_id}:{digest}"


def failed_create_physical_id(request_id: str) -> str:
    """Return the PhysicalResourceId answered when a Create fails (marks the rollback Delete)."""
    return f"{FAILED_CREATE_PREFIX}{request_id}"[:1024]


def is_failed_create(physical_id: object) -> bool:
    """Tell whether a Delete targets a resource whose Create failed (nothing to undo)."""
    return isinstance(physical_id, str) and physical_id.startswith(FAILED_CREATE_PREFIX)


def echo(value: object) -> str:
    """Render a bad value for an error message: short, typed, and with phone numbers masked.

    ``null``, ``true`` and ``false`` are written as in the JSON template, not as Python.
    """
    text = repr(value)
    text = _JSON_LITERALS.get(text, text)
    if len(text) > _MAX_VALUE_ECHO:
        text = f"{text[: _MAX_VALUE_ECHO - 3]}..."
    return redact(text)


def redact(text: str) -> str:
    """Mask anything that looks like an E.164 phone number."""
    return _E164.sub("<phone number>", text)


def envelope_problem(event: object) -> str | None:
    """Say what makes ``event`` unusable as a CloudFormation request, or None if nothing does.

    Only the envelope is checked here (the fields CloudFormation always sends); the properties are
    parsed by ``parse_properties``.
    """
    if not isinstance(event, Mapping):
        return f"the event is not an object: {echo(event)}"
    missing = [name for name in REQUIRED_EVENT_FIELDS if name not in event]
    if missing:
        return f"the event lacks {', '.join(missing)}; it is not a CloudFormation request"
    request_type = event["RequestType"]
    if not isinstance(request_type, str) or request_type not in REQUEST_TYPES:
        return f"RequestType {echo(request_type)} is not one of {', '.join(REQUEST_TYPES)}"
    for name in STRING_EVENT_FIELDS:
        value = event[name]
        if not isinstance(value, str) or not value:
            return f"{name} must be a non-empty string, got {echo(value)}"
    if request_type != "Create":
        physical_id = event.get("PhysicalResourceId")
        if not isinstance(physical_id, str) or not physical_id:
            got = "nothing" if "PhysicalResourceId" not in event else echo(physical_id)
            return (
                f"every {request_type} request must carry PhysicalResourceId (a non-empty "
                f"string), got {got}"
            )
    return None


def parse_properties(properties: object) -> SessionSettings:
    """Parse and validate ResourceProperties; raise InvalidPropertiesError naming the property."""
    if not isinstance(properties, Mapping):
        raise InvalidPropertiesError(
            f"ResourceProperties must be an object of properties, got {echo(properties)}."
        )
    unknown = sorted(str(key) for key in properties if key not in ALLOWED_PROPERTIES)
    if unknown:
        raise InvalidPropertiesError(
            f"Unknown propert{'y' if len(unknown) == 1 else 'ies'} {', '.join(map(echo, unknown))}"
            f". Custom::ChimeProxySessionSettings accepts {', '.join(SCHEMA_PROPERTIES)}."
        )
    _reject_null(
        properties,
        EXPIRY_MINUTES,
        'give a whole number of minutes such as "60", or omit it to leave the expiry as it is',
    )
    _reject_null(
        properties, REMOVAL_POLICY, f"set {RETAIN!r} or {DESTROY!r}, or omit it for {RETAIN!r}"
    )
    return SessionSettings(
        voice_connector_id=parse_voice_connector_id(_required(properties, VOICE_CONNECTOR_ID)),
        proxy_session_id=parse_proxy_session_id(_required(properties, PROXY_SESSION_ID)),
        capabilities=parse_capabilities(_required(properties, CAPABILITIES)),
        expiry_minutes=parse_expiry_minutes(properties.get(EXPIRY_MINUTES)),
        removal_policy=parse_removal_policy(properties.get(REMOVAL_POLICY)),
    )


def _required(properties: Mapping[Any, Any], name: str) -> object:
    if name not in properties:
        raise InvalidPropertiesError(f"{name} is required but missing. Set {name}.")
    return properties[name]


def _reject_null(properties: Mapping[Any, Any], name: str, what_to_do: str) -> None:
    # An optional property given as null is not the same as one left out: say so, do not guess.
    if name in properties and properties[name] is None:
        raise InvalidPropertiesError(f"{name} is null; {what_to_do}.")


def parse_voice_connector_id(value: object) -> str:
    """Validate VoiceConnectorId against the service model's pattern."""
    if not isinstance(value, str):
        raise InvalidPropertiesError(
            f"{VOICE_CONNECTOR_ID} must be a string, got {echo(value)}. "
            "Pass the voice connector's id, e.g. CfnVoiceConnector.attr_voice_connector_id."
        )
    if not VOICE_CONNECTOR_ID_PATTERN.fullmatch(value):
        raise InvalidPropertiesError(
            f"{VOICE_CONNECTOR_ID} {echo(value)} is not a voice connector id: expected 21 or 22 "
            "lower-case letters and digits, or a lower-case UUID."
        )
    return value


def parse_proxy_session_id(value: object) -> str:
    """Validate ProxySessionId: 1 to 128 characters, not blank."""
    if not isinstance(value, str):
        raise InvalidPropertiesError(
            f"{PROXY_SESSION_ID} must be a string, got {echo(value)}. "
            "Pass the id that CreateProxySession returned."
        )
    if not value.strip():
        raise InvalidPropertiesError(
            f"{PROXY_SESSION_ID} must not be empty or blank, got {echo(value)}. "
            "Pass the id that CreateProxySession returned."
        )
    if len(value) > PROXY_SESSION_ID_MAX_LENGTH:
        raise InvalidPropertiesError(
            f"{PROXY_SESSION_ID} is {len(value)} characters long ({echo(value)}); "
            f"the service accepts at most {PROXY_SESSION_ID_MAX_LENGTH}."
        )
    if not PROXY_SESSION_ID_PATTERN.fullmatch(value):
        raise InvalidPropertiesError(
            f"{PROXY_SESSION_ID} {echo(value)} holds a character that no proxy session id holds: "
            "ids are printable ASCII without spaces or '/' (the id is a path segment of the API). "
            "Pass the id that CreateProxySession returned."
        )
    return value


def parse_capabilities(value: object) -> tuple[str, ...]:
    """Validate Capabilities: a non-empty list of distinct values among Voice and SMS."""
    allowed = " and ".join(CAPABILITY_VALUES)
    if not isinstance(value, list):
        raise InvalidPropertiesError(
            f"{CAPABILITIES} must be a list of strings, got {echo(value)}. "
            f'Use e.g. ["Voice", "SMS"].'
        )
    if not value:
        raise InvalidPropertiesError(
            f"{CAPABILITIES} must not be empty. List at least one of {allowed}."
        )
    seen: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or item not in CAPABILITY_VALUES:
            raise InvalidPropertiesError(
                f"{CAPABILITIES}[{index}] is {echo(item)}; each capability must be exactly one "
                f"of {allowed} (case-sensitive)."
            )
        if item in seen:
            raise InvalidPropertiesError(
                f"{CAPABILITIES} lists {item!r} twice ({echo(value)}). List each capability once."
            )
        seen.append(item)
    return tuple(seen)


def parse_expiry_minutes(value: object) -> int | None:
    """Validate ExpiryMinutes: absent (leave the expiry as it is) or a whole number >= 1.

    CloudFormation delivers numbers as strings ("60"); plain integers are accepted too.
    """
    if value is None:
        return None
    minutes: int
    if isinstance(value, bool):
        raise InvalidPropertiesError(
            f"{EXPIRY_MINUTES} must be a whole number of minutes, got the boolean {echo(value)}."
        )
    if isinstance(value, int):
        minutes = value
    elif isinstance(value, str) and (number := _WHOLE_NUMBER.fullmatch(value)):
        sign, digits = number.group(1), number.group(2).lstrip("0") or "0"
        # Bound the digits before int(): a long digit string is slow to convert (and refused past
        # 4,300 digits), and anything this long is out of range anyway.
        if len(digits) > len(str(EXPIRY_MINUTES_HARD_MAX)):
            if sign == "-":
                raise InvalidPropertiesError(
                    f"{EXPIRY_MINUTES} must be at least 1, got a {len(digits)}-digit negative "
                    "number. Omit it to leave the session's expiry as it is."
                )
            raise _expiry_too_large(len(digits))
        minutes = int(sign + digits)
    else:
        raise InvalidPropertiesError(
            f'{EXPIRY_MINUTES} must be a whole number of minutes such as "60", got {echo(value)}.'
            " Omit it to leave the session's expiry as it is."
        )
    if minutes < 1:
        raise InvalidPropertiesError(
            f"{EXPIRY_MINUTES} must be at least 1, got {minutes}. "
            "Omit it to leave the session's expiry as it is."
        )
    if minutes > EXPIRY_MINUTES_HARD_MAX:
        raise _expiry_too_large(len(str(minutes)))
    return minutes


def _expiry_too_large(digit_count: int) -> InvalidPropertiesError:
    # The digits are counted, not echoed: a long number would be masked as a phone number.
    return InvalidPropertiesError(
        f"{EXPIRY_MINUTES} is too large: a {digit_count}-digit number of minutes, above "
        f"{EXPIRY_MINUTES_HARD_MAX:,}; the service documents {EXPIRY_MINUTES_DOCUMENTED_MAX} "
        "minutes (12 hours) as the maximum."
    )


def parse_removal_policy(value: object) -> str:
    """Validate RemovalPolicy: Retain (the default when absent) or Destroy."""
    if value is None:
        return RETAIN
    if not isinstance(value, str) or value not in REMOVAL_POLICIES:
        raise InvalidPropertiesError(
            f"{REMOVAL_POLICY} must be {RETAIN!r} or {DESTROY!r}, got {echo(value)}."
        )
    return value


def removal_policy_of(properties: object) -> str:
    """Return the RemovalPolicy of a Delete request, validating only that property.

    A null RemovalPolicy counts as absent here (Retain): a Delete then makes no call, which is the
    safe answer; Create and Update reject the null before a resource ever exists with it.
    """
    if not isinstance(properties, Mapping):
        raise InvalidPropertiesError(
            f"ResourceProperties must be an object of properties, got {echo(properties)}."
        )
    return parse_removal_policy(properties.get(REMOVAL_POLICY))


def response_data(proxy_session: Mapping[str, Any]) -> dict[str, str]:
    """Shape the custom resource's Data (its GetAtt attributes) from a ProxySession.

    Only the status, expiry, capabilities and timestamp leave the function: Participants carry
    phone numbers and are never copied.
    """
    expiry = proxy_session.get("ExpiryMinutes")
    updated = proxy_session.get("UpdatedTimestamp")
    if isinstance(updated, datetime):
        updated_text = updated.isoformat()
    else:
        updated_text = "" if updated is None else str(updated)
    capabilities = proxy_session.get("Capabilities") or []
    return {
        "Status": str(proxy_session.get("Status") or ""),
        "ExpiryMinutes": "" if expiry is None else str(expiry),
        "Capabilities": ",".join(str(item) for item in capabilities),
        "UpdatedTimestamp": updated_text,
    }
