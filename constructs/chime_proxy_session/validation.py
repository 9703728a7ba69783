"""Synth-time validation of ProxySessionSettings props.

Only literal values are checked: tokens (e.g. ``CfnVoiceConnector.attr_voice_connector_id``) are
resolved at deploy time, and the handler validates them again then.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from aws_cdk import Duration, RemovalPolicy, Stack, Token
from constructs import Construct

from .contract import contract
from .provider import ProxySessionProvider


class Capability(Enum):
    """What a proxy session can carry: voice calls, SMS messages, or both."""

    VOICE = contract.CAPABILITY_VOICE
    SMS = contract.CAPABILITY_SMS


class ProxySessionSettingsError(ValueError):
    """A ProxySessionSettings prop is invalid; the message names the prop and the value."""


class VoiceConnectorProxyError(ValueError):
    """A VoiceConnectorProxy prop is invalid; the message names the prop and the value."""


class ProxySessionError(ValueError):
    """A ProxySession prop is invalid; the message names the prop (never a phone number)."""


@dataclass(frozen=True)
class Subject:
    """The construct being validated: its kind and path, and the error its bad props raise."""

    kind: str
    path: str
    error: type[ValueError]

    def fail(self, message: str) -> ValueError:
        """The error for ``message``, prefixed with the construct's kind and path."""
        return self.error(f"{self.kind} {self.path}: {message}")


_MAX_ECHO = 80
# CloudFormation resolves a dynamic reference ({{resolve:secretsmanager:...}}) before the handler
# sees the value: checked then, not at synth.
DYNAMIC_REFERENCE = "{{resolve:"


def _echo(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_ECHO else f"{text[: _MAX_ECHO - 3]}..."


def _fail(subject: Subject, message: str) -> ValueError:
    return subject.fail(message)


def validate_voice_connector_id(path: Subject, value: object) -> str:
    """Check a literal voice connector id against the service model's pattern."""
    if not isinstance(value, str):
        raise _fail(
            path,
            f"voice_connector_id must be a string or token, got {_echo(value)}. Pass e.g. "
            "CfnVoiceConnector.attr_voice_connector_id.",
        )
    if Token.is_unresolved(value):
        return value
    if not re.fullmatch(contract.VOICE_CONNECTOR_ID_PATTERN, value):
        raise _fail(
            path,
            f"voice_connector_id {_echo(value)} is not a voice connector id: expected 21 or 22 "
            "lower-case letters and digits, or a lower-case UUID.",
        )
    return value


def validate_proxy_session_id(path: Subject, value: object) -> str:
    """Check a literal proxy session id: 1 to 128 printable ASCII characters, not blank."""
    if not isinstance(value, str):
        raise _fail(path, f"proxy_session_id must be a string or token, got {_echo(value)}.")
    if Token.is_unresolved(value):
        return value
    if not value.strip():
        raise _fail(path, f"proxy_session_id must not be empty or blank, got {_echo(value)}.")
    if len(value) > contract.PROXY_SESSION_ID_MAX_LENGTH:
        raise _fail(
            path,
            f"proxy_session_id is {len(value)} characters long ({_echo(value)}); the service "
            f"accepts at most {contract.PROXY_SESSION_ID_MAX_LENGTH}.",
        )
    if not re.fullmatch(contract.PROXY_SESSION_ID_PATTERN, value):
        raise _fail(
            path,
            f"proxy_session_id {_echo(value)} holds a character that no proxy session id holds: "
            "ids are printable ASCII without spaces or '/'.",
        )
    return value


def validate_capabilities(path: Subject, value: object) -> list[str]:
    """Check capabilities: non-empty, Capability members only, no duplicates."""
    allowed = "Capability.VOICE, Capability.SMS"
    if isinstance(value, str) and Token.is_unresolved(value):
        raise _fail(path, "capabilities must be a list of Capability values, not a token.")
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise _fail(
            path,
            f"capabilities must be a list of Capability values ({allowed}), got {_echo(value)}.",
        )
    if not value:
        raise _fail(path, f"capabilities must not be empty. Pass at least one of {allowed}.")
    names: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, Capability):
            raise _fail(
                path,
                f"capabilities[{index}] is {_echo(item)}; use {allowed} "
                f"(e.g. Capability.VOICE rather than 'Voice').",
            )
        if item.value in names:
            raise _fail(
                path,
                f"capabilities lists Capability.{item.name} twice; list each capability once.",
            )
        names.append(item.value)
    return names


def validate_expiry(path: Subject, value: object, prop: str = "expiry") -> int | float | None:
    """Return the expiry in whole minutes (a token number passes through), or None if unset."""
    if value is None:
        return None
    if not isinstance(value, Duration):
        raise _fail(
            path, f"{prop} must be a Duration such as Duration.hours(2), got {_echo(value)}."
        )
    if value.is_unresolved():
        return value.to_minutes()
    # to_seconds() raises on a Duration with fractional seconds (Duration.millis(1500)); the
    # milliseconds, fractional allowed, always convert.
    milliseconds = value.to_milliseconds(integral=False)
    if not math.isfinite(milliseconds) or milliseconds % 60_000 != 0:
        raise _fail(
            path,
            f"{prop} must be a whole number of minutes, got {value.to_human_string()}. "
            "Use e.g. Duration.minutes(90).",
        )
    minutes = int(milliseconds // 60_000)
    if minutes < 1:
        raise _fail(path, f"{prop} must be at least 1 minute, got {value.to_human_string()}.")
    return minutes


def validate_removal_policy(path: Subject, value: object) -> str:
    """Map RETAIN and DESTROY to the handler's values; reject the other policies."""
    if value == RemovalPolicy.RETAIN:
        return contract.RETAIN
    if value == RemovalPolicy.DESTROY:
        return contract.DESTROY
    raise _fail(
        path,
        f"removal_policy must be RemovalPolicy.RETAIN (leave the session as it is on delete) or "
        f"RemovalPolicy.DESTROY (end it), got {_echo(value)}.",
    )


def validate_region(path: Subject, region: object, stack_region: str) -> str | None:
    """Check a literal region, or without one the stack's literal region, against the regions
    where the Chime SDK Voice API exists. Tokens pass: the handler checks them at deploy time."""
    regions = ", ".join(contract.CHIME_SDK_VOICE_REGIONS)
    if region is None:
        if Token.is_unresolved(stack_region) or stack_region in contract.CHIME_SDK_VOICE_REGIONS:
            return None
        raise _fail(
            path,
            f"the stack's region {stack_region!r} has no Chime SDK Voice API, which exists in "
            f"{regions} only. Pass region= with the voice connector's region.",
        )
    if not isinstance(region, str):
        raise _fail(path, f"region must be a string or token, got {_echo(region)}.")
    if Token.is_unresolved(region) or region in contract.CHIME_SDK_VOICE_REGIONS:
        return region
    raise _fail(
        path,
        f"region {_echo(region)} has no Chime SDK Voice API; region= must be one of {regions}.",
    )


def validate_role_arn(path: Subject, role_arn: object) -> str | None:
    """Check a literal assume_role_arn: an IAM role's ARN."""
    if role_arn is None:
        return None
    if not isinstance(role_arn, str):
        raise _fail(path, f"assume_role_arn must be a string or token, got {_echo(role_arn)}.")
    if Token.is_unresolved(role_arn) or re.fullmatch(contract.ROLE_ARN_PATTERN, role_arn):
        return role_arn
    raise _fail(
        path,
        f"assume_role_arn {_echo(role_arn)} is not an IAM role ARN; expected "
        "arn:aws:iam::<12-digit account>:role/<name>.",
    )


def validate_external_id(path: Subject, external_id: object, role_arn: str | None) -> str | None:
    """Check a literal external_id (never echoed): STS's characters and length, with a role."""
    if external_id is None:
        return None
    if role_arn is None:
        raise _fail(
            path, "external_id is set without assume_role_arn; it goes with the role to assume."
        )
    if not isinstance(external_id, str):
        raise _fail(path, "external_id must be a string or token (its value is not shown).")
    if Token.is_unresolved(external_id) or external_id.startswith(DYNAMIC_REFERENCE):
        return external_id
    low, high = contract.EXTERNAL_ID_MIN_LENGTH, contract.EXTERNAL_ID_MAX_LENGTH
    if low <= len(external_id) <= high and re.fullmatch(contract.EXTERNAL_ID_PATTERN, external_id):
        return external_id
    raise _fail(
        path,
        f"external_id is not one STS accepts (its value is not shown): {low} to {high} "
        "letters, digits and +=,.@:/- characters.",
    )


def validate_provider(
    path: Subject, provider: object, construct: Construct
) -> ProxySessionProvider | None:
    """Check provider=: a ProxySessionProvider of the construct's own stack, or None."""
    if provider is None:
        return None
    if not isinstance(provider, ProxySessionProvider):
        raise _fail(
            path,
            f"provider must be a ProxySessionProvider, got {_echo(provider)}. Create one with "
            "ProxySessionProvider(stack, 'Provider', ...) or omit provider=.",
        )
    stack, own = Stack.of(construct), Stack.of(provider)
    if own is not stack:
        raise _fail(
            path,
            f"provider {provider.node.path} belongs to stack {own.node.path}, and a provider "
            f"serves its own stack only. Create a ProxySessionProvider in {stack.node.path}, or "
            "omit provider= to use that stack's default.",
        )
    return provider


def validate_e164(path: Subject, prop: str, value: object) -> str:
    """Check a literal phone number: E.164 with its "+". The value is never echoed."""
    if not isinstance(value, str):
        raise _fail(path, f"{prop} must be a string or token (its value is not shown).")
    if Token.is_unresolved(value) or value.startswith(DYNAMIC_REFERENCE):
        return value
    if not re.fullmatch(contract.E164_PATTERN, value):
        raise _fail(
            path,
            f"{prop} is not an E.164 phone number (its value is not shown): expected a '+' and "
            "2 to 15 digits, e.g. +12065550100.",
        )
    return value


def validate_whole_minutes(path: Subject, prop: str, value: object) -> int | float:
    """Check a required Duration of whole minutes, at least one (a token passes)."""
    minutes = validate_expiry(path, value, prop)
    if minutes is None:
        raise _fail(
            path, f"{prop} is required: a Duration of whole minutes, e.g. Duration.hours(1)."
        )
    return minutes
