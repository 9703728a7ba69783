"""Parsers for custom-resource property values, shared by every resource type's module.

CloudFormation sends every property value as a string (``"60"``, ``"true"``), so everything is
parsed again here even though the construct validated literal values at synth time. Each parser
raises ``InvalidPropertiesError`` with a message that names the property, echoes the bad value
(phone numbers masked) and says what to do.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import proxy_contract as contract
from safe_text import echo

_VOICE_CONNECTOR_ID: Final = re.compile(contract.VOICE_CONNECTOR_ID_PATTERN)
_PROXY_SESSION_ID: Final = re.compile(contract.PROXY_SESSION_ID_PATTERN)
_WHOLE_NUMBER: Final = re.compile(r"\s*([+-]?)(\d+)\s*")
_ROLE_ARN: Final = re.compile(contract.ROLE_ARN_PATTERN)
_EXTERNAL_ID: Final = re.compile(contract.EXTERNAL_ID_PATTERN)
_E164: Final = re.compile(contract.E164_PATTERN)


class InvalidPropertiesError(ValueError):
    """A ResourceProperties value is missing or invalid; the message says which and what to do."""


def check_names(
    properties: object, resource_type: str, names: Collection[str]
) -> Mapping[Any, Any]:
    """Return ``properties`` if it is an object holding only ``names`` and CloudFormation's own."""
    if not isinstance(properties, Mapping):
        raise InvalidPropertiesError(
            f"ResourceProperties must be an object of properties, got {echo(properties)}."
        )
    allowed = {*names, *contract.CLOUDFORMATION_PROPERTIES}
    unknown = sorted(str(key) for key in properties if key not in allowed)
    if unknown:
        raise InvalidPropertiesError(
            f"Unknown propert{'y' if len(unknown) == 1 else 'ies'} {', '.join(map(echo, unknown))}"
            f". {resource_type} accepts {', '.join(names)}."
        )
    return properties


def required(properties: Mapping[Any, Any], name: str) -> object:
    """Return a required property's value; raise naming it when it is missing."""
    if name not in properties:
        raise InvalidPropertiesError(f"{name} is required but missing. Set {name}.")
    return properties[name]


def reject_null(properties: Mapping[Any, Any], name: str, what_to_do: str) -> None:
    """Refuse an optional property given as null: that is not the same as leaving it out."""
    if name in properties and properties[name] is None:
        raise InvalidPropertiesError(f"{name} is null; {what_to_do}.")


def parse_voice_connector_id(value: object) -> str:
    """Validate VoiceConnectorId against the service model's pattern."""
    name = contract.VOICE_CONNECTOR_ID
    if not isinstance(value, str):
        raise InvalidPropertiesError(
            f"{name} must be a string, got {echo(value)}. "
            "Pass the voice connector's id, e.g. CfnVoiceConnector.attr_voice_connector_id."
        )
    if not _VOICE_CONNECTOR_ID.fullmatch(value):
        raise InvalidPropertiesError(
            f"{name} {echo(value)} is not a voice connector id: expected 21 or 22 "
            "lower-case letters and digits, or a lower-case UUID."
        )
    return value


def parse_proxy_session_id(value: object) -> str:
    """Validate ProxySessionId: 1 to 128 printable ASCII characters, no spaces or '/'."""
    name = contract.PROXY_SESSION_ID
    if not isinstance(value, str):
        raise InvalidPropertiesError(
            f"{name} must be a string, got {echo(value)}. "
            "Pass the id that CreateProxySession returned."
        )
    if not value.strip():
        raise InvalidPropertiesError(
            f"{name} must not be empty or blank, got {echo(value)}. "
            "Pass the id that CreateProxySession returned."
        )
    if len(value) > contract.PROXY_SESSION_ID_MAX_LENGTH:
        raise InvalidPropertiesError(
            f"{name} is {len(value)} characters long ({echo(value)}); "
            f"the service accepts at most {contract.PROXY_SESSION_ID_MAX_LENGTH}."
        )
    if not _PROXY_SESSION_ID.fullmatch(value):
        raise InvalidPropertiesError(
            f"{name} {echo(value)} holds a character that no proxy session id holds: "
            "ids are printable ASCII without spaces or '/' (the id is a path segment of the API). "
            "Pass the id that CreateProxySession returned."
        )
    return value


def parse_capabilities(value: object) -> tuple[str, ...]:
    """Validate Capabilities: a non-empty list of distinct values among Voice and SMS."""
    name = contract.CAPABILITIES
    allowed = " and ".join(contract.CAPABILITY_VALUES)
    if not isinstance(value, list):
        raise InvalidPropertiesError(
            f'{name} must be a list of strings, got {echo(value)}. Use e.g. ["Voice", "SMS"].'
        )
    if not value:
        raise InvalidPropertiesError(f"{name} must not be empty. List at least one of {allowed}.")
    seen: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or item not in contract.CAPABILITY_VALUES:
            raise InvalidPropertiesError(
                f"{name}[{index}] is {echo(item)}; each capability must be exactly one "
                f"of {allowed} (case-sensitive)."
            )
        if item in seen:
            raise InvalidPropertiesError(
                f"{name} lists {item!r} twice ({echo(value)}). List each capability once."
            )
        seen.append(item)
    return tuple(seen)


def parse_expiry_minutes(value: object, name: str = contract.EXPIRY_MINUTES) -> int | None:
    """Validate ExpiryMinutes: absent (leave the expiry as it is) or a whole number >= 1.

    CloudFormation delivers numbers as strings ("60"); plain integers are accepted too. ``name``
    is the property's, for messages (DefaultSessionExpiryMinutes reads the same way; only
    ExpiryMinutes is optional, so only its messages advise omitting it).
    """
    if value is None:
        return None
    omit = (
        " Omit it to leave the session's expiry as it is."
        if name == contract.EXPIRY_MINUTES
        else ""
    )
    minutes: int
    if isinstance(value, bool):
        raise InvalidPropertiesError(
            f"{name} must be a whole number of minutes, got the boolean {echo(value)}."
        )
    if isinstance(value, int):
        minutes = value
    elif isinstance(value, str) and (number := _WHOLE_NUMBER.fullmatch(value)):
        sign, digits = number.group(1), number.group(2).lstrip("0") or "0"
        # Bound the digits before int(): a long digit string is slow to convert (and refused past
        # 4,300 digits), and anything this long is out of range anyway.
        if len(digits) > len(str(contract.EXPIRY_MINUTES_HARD_MAX)):
            if sign == "-":
                raise InvalidPropertiesError(
                    f"{name} must be at least {contract.EXPIRY_MINUTES_MIN}, got a "
                    f"{len(digits)}-digit negative number.{omit}"
                )
            raise _expiry_too_large(name, len(digits))
        minutes = int(sign + digits)
    else:
        raise InvalidPropertiesError(
            f'{name} must be a whole number of minutes such as "60", got {echo(value)}.{omit}'
        )
    if minutes < contract.EXPIRY_MINUTES_MIN:
        raise InvalidPropertiesError(
            f"{name} must be at least {contract.EXPIRY_MINUTES_MIN}, got {minutes}.{omit}"
        )
    if minutes > contract.EXPIRY_MINUTES_HARD_MAX:
        raise _expiry_too_large(name, len(str(minutes)))
    return minutes


def _expiry_too_large(name: str, digit_count: int) -> InvalidPropertiesError:
    # The digits are counted, not echoed: a long number would be masked as a phone number.
    return InvalidPropertiesError(
        f"{name} is too large: a {digit_count}-digit number of minutes, above "
        f"{contract.EXPIRY_MINUTES_HARD_MAX:,}; the service documents "
        f"{contract.EXPIRY_MINUTES_DOCUMENTED_MAX} minutes (12 hours) as the maximum."
    )


def parse_removal_policy(value: object, default: str = contract.DEFAULT_REMOVAL_POLICY) -> str:
    """Validate RemovalPolicy: Retain or Destroy; absent means ``default``."""
    if value is None:
        return default
    if not isinstance(value, str) or value not in contract.REMOVAL_POLICIES:
        raise InvalidPropertiesError(
            f"{contract.REMOVAL_POLICY} must be {contract.RETAIN!r} or {contract.DESTROY!r}, "
            f"got {echo(value)}."
        )
    return value


def removal_policy_of(properties: object, default: str = contract.DEFAULT_REMOVAL_POLICY) -> str:
    """Return the RemovalPolicy of a Delete request, validating only that property.

    A null RemovalPolicy counts as absent here (the default): a Retain Delete then makes no call,
    which is the safe answer; Create and Update reject the null before a resource ever exists
    with it.
    """
    if not isinstance(properties, Mapping):
        raise InvalidPropertiesError(
            f"ResourceProperties must be an object of properties, got {echo(properties)}."
        )
    return parse_removal_policy(properties.get(contract.REMOVAL_POLICY), default)


@dataclass(frozen=True)
class Location:
    """Where and as whom a resource's calls go; the external id never shows in a repr."""

    region: str | None = None
    role_arn: str | None = None
    external_id: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        """A log-safe description: region and role, never the external id."""
        where = f"region {self.region}" if self.region else "the function's region"
        who = f"role {self.role_arn}" if self.role_arn else "the function's role"
        extra = " with an external id" if self.external_id else ""
        return f"{where}, as {who}{extra}"


def parse_region(value: object) -> str | None:
    """Validate Region: absent (the function's region) or a region where the API exists."""
    if value is None:
        return None
    if not isinstance(value, str) or value not in contract.CHIME_SDK_VOICE_REGIONS:
        raise InvalidPropertiesError(
            f"{contract.REGION} {echo(value)} is not a region where the Chime SDK Voice API "
            f"exists; use one of {', '.join(contract.CHIME_SDK_VOICE_REGIONS)}, or omit it for "
            "the function's own region."
        )
    return value


def parse_role_arn(value: object) -> str | None:
    """Validate AssumeRoleArn: absent (the function's own role) or an IAM role's ARN."""
    if value is None:
        return None
    if not isinstance(value, str) or not _ROLE_ARN.fullmatch(value):
        raise InvalidPropertiesError(
            f"{contract.ASSUME_ROLE_ARN} {echo(value)} is not an IAM role ARN; expected "
            "arn:aws:iam::<12-digit account>:role/<name>, or omit it to call with the "
            "function's own role."
        )
    return value


def parse_external_id(value: object, role_arn: str | None) -> str | None:
    """Validate ExternalId (never echoed: it is a shared secret); it needs AssumeRoleArn."""
    name = contract.EXTERNAL_ID
    if value is None:
        return None
    if role_arn is None:
        raise InvalidPropertiesError(
            f"{name} is set without {contract.ASSUME_ROLE_ARN}; the external id goes with the "
            "role to assume. Set both, or neither."
        )
    if (
        not isinstance(value, str)
        or not contract.EXTERNAL_ID_MIN_LENGTH <= len(value) <= contract.EXTERNAL_ID_MAX_LENGTH
        or not _EXTERNAL_ID.fullmatch(value)
    ):
        raise InvalidPropertiesError(
            f"{name} is not a valid external id (its value is not shown): STS accepts "
            f"{contract.EXTERNAL_ID_MIN_LENGTH} to {contract.EXTERNAL_ID_MAX_LENGTH} letters, "
            "digits and +=,.@:/- characters."
        )
    return value


def parse_location(properties: Mapping[Any, Any]) -> Location:
    """Read Region, AssumeRoleArn and ExternalId (nulls refused: omit a property instead)."""
    for name in contract.LOCATION_PROPERTIES:
        reject_null(properties, name, "omit it to use the function's own region and role")
    role_arn = parse_role_arn(properties.get(contract.ASSUME_ROLE_ARN))
    return Location(
        region=parse_region(properties.get(contract.REGION)),
        role_arn=role_arn,
        external_id=parse_external_id(properties.get(contract.EXTERNAL_ID), role_arn),
    )


def parse_e164(name: str, value: object) -> str:
    """Validate a phone number in E.164 ("+" and 2 to 15 digits). Its value is never echoed:
    phone numbers are personal data, and a Reason lands in CloudFormation's events."""
    if not isinstance(value, str) or not _E164.fullmatch(value):
        kind = "a string" if isinstance(value, str) else f"a {type(value).__name__}"
        raise InvalidPropertiesError(
            f"{name} is not an E.164 phone number ({kind}; its value is not shown): expected a "
            # An example number would be masked on its way into the Reason, so none is given.
            "'+' and 2 to 15 digits, country code first, without spaces or dashes."
        )
    return value
