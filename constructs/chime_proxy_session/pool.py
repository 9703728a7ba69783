"""A proxy and its numbers: the ``PhoneNumbers`` a ``VoiceConnectorProxy`` waits for, and the
warning about a pool country that no ``PhoneNumbers`` of the stack orders for its voice connector.

A proxy hands out proxy numbers from the numbers of its voice connector (the API reference says
only "the account's Voice Connector numbers"; this library takes them to be the numbers assigned
to the voice connector, the way calls reach it at all). So the numbers a proxy needs are those
``PhoneNumbers`` assigned to the same voice connector, in the same region and account.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from aws_cdk import Annotations, Stack, Token

from . import validation
from .at_synth import at_synth
from .phone_numbers import PhoneNumbers
from .provider import registered

if TYPE_CHECKING:
    from .voice_connector_proxy import VoiceConnectorProxy

POOL_COUNTRY_WARNING_ID: Final = "chime-proxy-session:poolCountryWithoutPhoneNumbers"


def _shown(value: str | None) -> str:
    if value is None:
        return "none"
    return "a token" if Token.is_unresolved(value) else repr(value)


def _where(scope: Stack, region: str | None) -> str:
    return region if region is not None else scope.region


def _region(region: str | None) -> str:
    return "the stack's region" if region is None else f"region {_shown(region)}"


def check_phone_numbers(
    proxy: VoiceConnectorProxy,
    given: object,
    *,
    region: str | None,
    assume_role_arn: str | None,
) -> tuple[PhoneNumbers, ...]:
    """``phone_numbers=``: PhoneNumbers of the proxy's stack, each assigned to the proxy's voice
    connector (the same id or id token) in its region, ordered as the same role."""
    if given is None:
        return ()
    subject = proxy._subject()
    if isinstance(given, (str, bytes)) or not isinstance(given, Sequence) or not given:
        raise subject.fail(
            "phone_numbers must be a non-empty list of PhoneNumbers assigned to this voice "
            f"connector, got {validation.echo(given)}; omit it for none."
        )
    stack = Stack.of(proxy)
    for index, numbers in enumerate(given):
        prop = f"phone_numbers[{index}]"
        if not isinstance(numbers, PhoneNumbers):
            raise subject.fail(f"{prop} must be a PhoneNumbers, got {validation.echo(numbers)}.")
        path = numbers.node.path
        if Stack.of(numbers) is not stack:
            raise subject.fail(
                f"{prop} {path} belongs to another stack; the proxy waits for PhoneNumbers of "
                f"its own stack, {stack.node.path}."
            )
        if numbers.voice_connector_id is None:
            raise subject.fail(
                f"{prop} {path} is not assigned to a voice connector; give it this proxy's "
                "voice_connector (or voice_connector_id)."
            )
        if numbers.voice_connector_id != proxy.voice_connector_id or _where(
            stack, numbers.region
        ) != _where(stack, region):
            raise subject.fail(
                f"{prop} {path} is assigned to voice connector "
                f"{_shown(numbers.voice_connector_id)} in {_region(numbers.region)}, not to this "
                f"proxy's {_shown(proxy.voice_connector_id)} in {_region(region)}; a proxy hands "
                "out the numbers of its own voice connector."
            )
        if numbers.assume_role_arn != assume_role_arn:
            raise subject.fail(
                f"{prop} {path} calls as role {_shown(numbers.assume_role_arn)}, this proxy as "
                f"{_shown(assume_role_arn)}; a voice connector's numbers are in its own account, "
                "so give both the same assume_role_arn."
            )
    return tuple(given)


def warn_about_pool_countries(proxy: VoiceConnectorProxy) -> None:
    """At synth, warn about each literal country of ``phone_number_pool_countries`` for which no
    ``PhoneNumbers`` of the stack orders numbers on the proxy's voice connector."""
    at_synth(proxy, lambda: _warn(proxy))


def _serves(numbers: PhoneNumbers, proxy: VoiceConnectorProxy) -> bool:
    stack = Stack.of(proxy)
    return (
        numbers.voice_connector_id == proxy.voice_connector_id
        and _where(stack, numbers.region) == _where(stack, proxy.region)
        and numbers.assume_role_arn == proxy.assume_role_arn
    )


def _warn(proxy: VoiceConnectorProxy) -> None:
    countries = list(proxy.phone_number_pool_countries)
    if Token.is_unresolved(countries):
        return
    covered: set[str] = set()
    for numbers in registered(proxy):
        if isinstance(numbers, PhoneNumbers) and _serves(numbers, proxy):
            if Token.is_unresolved(numbers.country):
                return  # a country known at deploy time only may be any of them
            covered.add(numbers.country)
    stack = Stack.of(proxy).node.path
    for country in countries:
        if Token.is_unresolved(country) or country in covered:
            continue
        Annotations.of(proxy).add_warning_v2(
            POOL_COUNTRY_WARNING_ID,
            f"phone_number_pool_countries lists {country!r}, but no PhoneNumbers of stack "
            f"{stack} orders {country} numbers for this voice connector, whose numbers are the "
            f"proxy numbers. Declare PhoneNumbers(country={country!r}, voice_connector=...) and "
            f"pass it as phone_numbers=; or, if the voice connector has {country} numbers from "
            "elsewhere (the API orders numbers outside the US for SIP media applications only), "
            "acknowledge this warning: Annotations.of(proxy).acknowledge_warning("
            f"{POOL_COUNTRY_WARNING_ID!r}, <why>).",
        )
