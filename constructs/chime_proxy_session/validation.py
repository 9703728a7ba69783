"""Synth-time validation for every construct of this library.

A literal value is checked by the same rule the handler applies at deploy time
(``property_rules``, through the type's description in ``resource_types``): ``check`` runs it with
the construct's prop name and prefixes the construct's kind and path. Tokens and dynamic references
(``{{resolve:...}}``) are resolved at deploy time and pass here; the handler checks them then. What
is left here turns CDK types into property values (a ``Duration`` into whole minutes, enums into
their values) and checks the stack-level things a rule cannot see (the stack's region, the
provider).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from aws_cdk import Duration, RemovalPolicy, Stack, Token
from constructs import Construct

from .contract import contract, rules
from .provider import ProxySessionProvider

if TYPE_CHECKING:
    from property_rules import Rule
    from resource_types import Property

_MAX_ECHO = 80


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


def echo(value: object) -> str:
    """A prop's bad value, short (a construct's own value, never a participant's number)."""
    text = repr(value)
    return text if len(text) <= _MAX_ECHO else f"{text[: _MAX_ECHO - 3]}..."


def deferred(value: object) -> bool:
    """Whether ``value`` (or any part of it) is known only at deploy time: a token or a dynamic
    reference. Its rule runs in the handler."""
    if isinstance(value, str):
        return Token.is_unresolved(value) or value.startswith(rules.DYNAMIC_REFERENCE)
    if isinstance(value, list):
        return Token.is_unresolved(value) or any(deferred(item) for item in value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Token.is_unresolved(value)
    if isinstance(value, dict):
        return any(deferred(item) for item in value.values())
    return False


def apply(subject: Subject, rule: Rule, prop: str, value: object, advice: str = "") -> Any:
    """Apply ``rule`` to a literal ``value``, naming ``prop``; deferred values pass."""
    if deferred(value):
        return value
    try:
        rule(prop, value)
    except rules.RuleError as error:
        raise subject.fail(f"{error} {advice}".strip()) from None
    return value


def check(subject: Subject, item: Property, value: object) -> Any:
    """Apply ``item``'s rule to a literal ``value``, naming the construct's prop."""
    return apply(subject, item.rule, item.prop, value, item.advice)


def string_or_token(subject: Subject, prop: str, value: object, *, secret: bool = False) -> str:
    """Require a string (a token is a string); the rule checks the rest."""
    if not isinstance(value, str):
        shown = "its value is not shown" if secret else f"got {echo(value)}"
        raise subject.fail(f"{prop} must be a string or token ({shown}).")
    return value


def flag(subject: Subject, prop: str, value: object) -> bool:
    """A bool prop: True or False, nothing else (the handler also takes "true" and "false",
    which CloudFormation sends; a construct's prop is Python's)."""
    if not isinstance(value, bool):
        raise subject.fail(f"{prop} must be True or False, got {echo(value)}.")
    return value


def minutes(subject: Subject, prop: str, value: object) -> int | float | None:
    """A Duration as whole minutes (a token Duration passes as its token), or None if unset."""
    if value is None:
        return None
    if not isinstance(value, Duration):
        raise subject.fail(
            f"{prop} must be a Duration such as Duration.hours(2), got {echo(value)}."
        )
    if value.is_unresolved():
        return value.to_minutes()
    # to_seconds() raises on a Duration with fractional seconds (Duration.millis(1500)); the
    # milliseconds, fractional allowed, always convert.
    milliseconds = value.to_milliseconds(integral=False)
    if not math.isfinite(milliseconds) or milliseconds % 60_000 != 0:
        raise subject.fail(
            f"{prop} must be a whole number of minutes, got {value.to_human_string()}. "
            "Use e.g. Duration.minutes(90)."
        )
    return int(milliseconds // 60_000)


def capabilities(subject: Subject, value: object) -> list[str]:
    """Capability members as their values (the rule then checks emptiness and duplicates)."""
    allowed = "Capability.VOICE, Capability.SMS"
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise subject.fail(
            f"capabilities must be a list of Capability values ({allowed}), not a token or "
            f"{echo(value)}."
        )
    for index, item in enumerate(value):
        if not isinstance(item, Capability):
            raise subject.fail(
                f"capabilities[{index}] is {echo(item)}; use {allowed} "
                f"(e.g. Capability.VOICE rather than 'Voice')."
            )
    return [item.value for item in value]


def choice(subject: Subject, prop: str, value: object, kind: type[Enum]) -> str | None:
    """An enum member's value, or None if unset."""
    if value is None:
        return None
    if not isinstance(value, kind):
        members = ", ".join(f"{kind.__name__}.{member.name}" for member in kind)
        raise subject.fail(f"{prop} must be one of {members}, got {echo(value)}.")
    return str(value.value)


def removal_policy(subject: Subject, value: object, *, ends: str) -> str:
    """RETAIN or DESTROY as the handler's values; ``ends`` says what DESTROY removes."""
    if value == RemovalPolicy.RETAIN:
        return contract.RETAIN
    if value == RemovalPolicy.DESTROY:
        return contract.DESTROY
    raise subject.fail(
        f"removal_policy must be RemovalPolicy.RETAIN (leave {ends} as it is on delete) or "
        f"RemovalPolicy.DESTROY (remove it), got {echo(value)}."
    )


def region(subject: Subject, value: object, stack_region: str) -> str | None:
    """A region where the Chime SDK Voice API exists; without one, the stack's literal region
    must be one (tokens pass: the handler checks them at deploy time)."""
    if value is None:
        if Token.is_unresolved(stack_region) or stack_region in contract.CHIME_SDK_VOICE_REGIONS:
            return None
        raise subject.fail(
            f"the stack's region {stack_region!r} has no Chime SDK Voice API, which exists in "
            f"{', '.join(contract.CHIME_SDK_VOICE_REGIONS)} only. Pass region= with the voice "
            "connector's region."
        )
    return string_or_token(subject, "region", value)


def provider(subject: Subject, value: object, construct: Construct) -> ProxySessionProvider | None:
    """provider=: a ProxySessionProvider of the construct's own stack, or None."""
    if value is None:
        return None
    if not isinstance(value, ProxySessionProvider):
        raise subject.fail(
            f"provider must be a ProxySessionProvider, got {echo(value)}. Create one with "
            "ProxySessionProvider(stack, 'Provider', ...) or omit provider=."
        )
    stack, own = Stack.of(construct), Stack.of(value)
    if own is not stack:
        raise subject.fail(
            f"provider {value.node.path} belongs to stack {own.node.path}, and a provider "
            f"serves its own stack only. Create a ProxySessionProvider in {stack.node.path}, or "
            "omit provider= to use that stack's default."
        )
    return value
