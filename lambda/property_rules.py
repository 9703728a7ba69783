"""Value rules: each written once, applied at synth time by the constructs and at deploy time by
the handler. Standard library only: the construct library loads this same file (see
``chime_proxy_session/contract.py``).

A rule takes the name to use in its message (``VoiceConnectorId`` in the handler,
``voice_connector_id`` at synth) and a value as CloudFormation carries it (numbers may be strings,
``"60"``), and returns the parsed value or raises ``RuleError`` saying what is wrong and what to do.
A rule whose value is a phone number or a secret never shows the value: ``SECRET_RULES`` lists them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

import proxy_contract as contract
from safe_text import echo, kind_of

Rule = Callable[[str, object], Any]

# Patterns are compiled on first use (re's own cache), not at import: a request runs a few rules.
_WHOLE_NUMBER: Final = r"\s*([+-]?)(\d+)\s*"
# CloudFormation sends a template's booleans as these strings; JSON booleans are accepted too.
_BOOLEAN_TEXT: Final = {"true": True, "false": False}
# CloudFormation resolves a dynamic reference before the handler sees it; the constructs let one
# through at synth, and the handler refuses one that arrives unresolved.
DYNAMIC_REFERENCE: Final = "{{resolve:"


class RuleError(ValueError):
    """A value breaks its rule; the message names it, says what is wrong and what to do."""


def voice_connector_id(name: str, value: object) -> str:
    """A voice connector id, as the service model's pattern gives it."""
    if not isinstance(value, str):
        raise RuleError(
            f"{name} must be a string, got {echo(value)}. "
            "Pass the voice connector's id, e.g. CfnVoiceConnector.attr_voice_connector_id."
        )
    if not re.fullmatch(contract.VOICE_CONNECTOR_ID_PATTERN, value):
        raise RuleError(
            f"{name} {echo(value)} is not a voice connector id: expected 21 or 22 "
            "lower-case letters and digits, or a lower-case UUID."
        )
    return value


def proxy_session_id(name: str, value: object) -> str:
    """A proxy session id: 1 to 128 printable ASCII characters, no spaces or '/'."""
    advice = "Pass the id that CreateProxySession returned."
    if not isinstance(value, str):
        raise RuleError(f"{name} must be a string, got {echo(value)}. {advice}")
    if not value.strip():
        raise RuleError(f"{name} must not be empty or blank, got {echo(value)}. {advice}")
    if len(value) > contract.PROXY_SESSION_ID_MAX_LENGTH:
        raise RuleError(
            f"{name} is {len(value)} characters long ({echo(value)}); "
            f"the service accepts at most {contract.PROXY_SESSION_ID_MAX_LENGTH}."
        )
    if not re.fullmatch(contract.PROXY_SESSION_ID_PATTERN, value):
        raise RuleError(
            f"{name} {echo(value)} holds a character that no proxy session id holds: "
            "ids are printable ASCII without spaces or '/' (the id is a path segment of the API). "
            f"{advice}"
        )
    return value


def capabilities(name: str, value: object) -> tuple[str, ...]:
    """A non-empty list of distinct capabilities among Voice and SMS."""
    allowed = " and ".join(contract.CAPABILITY_VALUES)
    if not isinstance(value, list):
        raise RuleError(
            f'{name} must be a list of strings, got {echo(value)}. Use e.g. ["Voice", "SMS"].'
        )
    if not value:
        raise RuleError(f"{name} must not be empty. List at least one of {allowed}.")
    seen: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or item not in contract.CAPABILITY_VALUES:
            raise RuleError(
                f"{name}[{index}] is {echo(item)}; each capability must be exactly one "
                f"of {allowed} (case-sensitive)."
            )
        if item in seen:
            raise RuleError(f"{name} lists {item!r} twice ({echo(value)}). List each once.")
        seen.append(item)
    return tuple(seen)


def minutes(name: str, value: object) -> int:
    """A whole number of minutes, at least one ("60" as CloudFormation sends it, or 60)."""
    if isinstance(value, bool):
        raise RuleError(f"{name} must be a whole number of minutes, got the boolean {echo(value)}.")
    if isinstance(value, int):
        count = value
    elif isinstance(value, str) and (number := re.fullmatch(_WHOLE_NUMBER, value)):
        sign, digits = number.group(1), number.group(2).lstrip("0") or "0"
        # Bound the digits before int(): a long digit string is slow to convert (and refused past
        # 4,300 digits), and anything this long is out of range anyway.
        if len(digits) > len(str(contract.EXPIRY_MINUTES_HARD_MAX)):
            if sign == "-":
                raise RuleError(
                    f"{name} must be at least {contract.EXPIRY_MINUTES_MIN}, got a "
                    f"{len(digits)}-digit negative number."
                )
            raise _minutes_too_large(name, len(digits))
        count = int(sign + digits)
    else:
        raise RuleError(
            f'{name} must be a whole number of minutes such as "60", got {echo(value)}.'
        )
    if count < contract.EXPIRY_MINUTES_MIN:
        raise RuleError(f"{name} must be at least {contract.EXPIRY_MINUTES_MIN}, got {count}.")
    if count > contract.EXPIRY_MINUTES_HARD_MAX:
        raise _minutes_too_large(name, len(str(count)))
    return count


def _minutes_too_large(name: str, digit_count: int) -> RuleError:
    # The digits are counted, not echoed: a long number would be masked as a phone number.
    return RuleError(
        f"{name} is too large: a {digit_count}-digit number of minutes, above "
        f"{contract.EXPIRY_MINUTES_HARD_MAX:,}; the service documents "
        f"{contract.EXPIRY_MINUTES_DOCUMENTED_MAX} minutes (12 hours) as the maximum."
    )


def removal_policy(name: str, value: object) -> str:
    """Retain or Destroy."""
    if not isinstance(value, str) or value not in contract.REMOVAL_POLICIES:
        raise RuleError(
            f"{name} must be {contract.RETAIN!r} or {contract.DESTROY!r}, got {echo(value)}."
        )
    return value


def region(name: str, value: object) -> str:
    """One of the regions where the Chime SDK Voice API exists."""
    if not isinstance(value, str) or value not in contract.CHIME_SDK_VOICE_REGIONS:
        raise RuleError(
            f"{name} {echo(value)} is not a region where the Chime SDK Voice API exists; use one "
            f"of {', '.join(contract.CHIME_SDK_VOICE_REGIONS)}, or omit it for the function's "
            "own region."
        )
    return value


def role_arn(name: str, value: object) -> str:
    """An IAM role's ARN, in any partition."""
    if not isinstance(value, str) or not re.fullmatch(contract.ROLE_ARN_PATTERN, value):
        raise RuleError(
            f"{name} {echo(value)} is not an IAM role ARN; expected "
            "arn:aws:iam::<12-digit account>:role/<name>, or omit it to call with the "
            "function's own role."
        )
    return value


def external_id(name: str, value: object) -> str:
    """An STS external id (never shown: it is a shared secret)."""
    low, high = contract.EXTERNAL_ID_MIN_LENGTH, contract.EXTERNAL_ID_MAX_LENGTH
    if (
        not isinstance(value, str)
        or not low <= len(value) <= high
        or not re.fullmatch(contract.EXTERNAL_ID_PATTERN, value)
    ):
        raise RuleError(
            f"{name} is not a valid external id (its value is not shown): STS accepts "
            f"{low} to {high} letters, digits and +=,.@:/- characters."
        )
    return value


def e164(name: str, value: object) -> str:
    """A phone number in E.164 ("+" and 2 to 15 digits), never shown: phone numbers are personal
    data, and a Reason lands in CloudFormation's events."""
    if isinstance(value, str) and value.startswith(DYNAMIC_REFERENCE):
        raise RuleError(
            f"{name} is a dynamic reference that CloudFormation did not resolve (not shown). "
            "CloudFormation resolves {{resolve:secretsmanager:...}} references in any resource "
            "property and does not persist the value; it does not resolve ssm-secure references "
            "in custom resources. Use a secretsmanager reference."
        )
    if not isinstance(value, str) or not re.fullmatch(contract.E164_PATTERN, value):
        raise RuleError(
            f"{name} is not an E.164 phone number ({kind_of(value)}; its value is not shown): "
            # An example number would be masked on its way into the Reason, so none is given.
            "expected a '+' and 2 to 15 digits, country code first, without spaces or dashes."
        )
    return value


def participants(name: str, value: object) -> tuple[str, str]:
    """The two participants' distinct E.164 numbers (never shown)."""
    count = contract.PARTICIPANT_COUNT
    if not isinstance(value, list) or len(value) != count:
        shape = f"{len(value)} item(s)" if isinstance(value, list) else kind_of(value)
        raise RuleError(
            f"{name} must be a list of exactly {count} phone numbers in E.164 ('+' and 2 to 15 "
            f"digits), got {shape} (values not shown)."
        )
    first, second = (e164(f"{name}[{index}]", item) for index, item in enumerate(value))
    if first == second:
        raise RuleError(
            f"{name} lists the same phone number twice (not shown); give the two participants."
        )
    return first, second


def countries(name: str, value: object) -> tuple[str, ...]:
    """1 to 100 distinct upper-case ISO 3166 alpha-2 country codes."""
    most = contract.PHONE_NUMBER_POOL_COUNTRIES_MAX
    if not isinstance(value, list):
        raise RuleError(
            f'{name} must be a list of country codes, got {echo(value)}. Use e.g. ["US", "CA"].'
        )
    if not value:
        raise RuleError(
            f"{name} must not be empty. List at least one ISO 3166 alpha-2 country code, e.g. US."
        )
    if len(value) > most:
        raise RuleError(f"{name} lists {len(value)} countries; the service accepts at most {most}.")
    seen: list[str] = []
    for index, item in enumerate(value):
        country_code(f"{name}[{index}]", item)
        if item in seen:
            raise RuleError(f"{name} lists {item!r} twice. List each country once.")
        seen.append(item)
    return tuple(seen)


def country_code(name: str, value: object) -> str:
    """An upper-case ISO 3166 alpha-2 country code."""
    if not isinstance(value, str) or not re.fullmatch(contract.COUNTRY_CODE_PATTERN, value):
        raise RuleError(
            f"{name} is {echo(value)}; it must be an upper-case ISO 3166 alpha-2 country code "
            "such as US or GB."
        )
    return value


def area_code(name: str, value: object) -> str:
    """A three-digit area code."""
    if not isinstance(value, str) or not re.fullmatch(contract.AREA_CODE_PATTERN, value):
        raise RuleError(f"{name} must be three digits, got {echo(value)}.")
    return value


def boolean(name: str, value: object) -> bool:
    """A boolean: "true" or "false" as CloudFormation sends one, or a JSON boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in _BOOLEAN_TEXT:
        return _BOOLEAN_TEXT[value]
    raise RuleError(f'{name} must be "true" or "false", got {echo(value)}.')


def session_name(name: str, value: object) -> str:
    """A proxy session's name: 1 to 30 letters, digits and spaces, not blank (never shown: the
    service model marks it sensitive)."""
    limit = contract.PROXY_SESSION_NAME_MAX_LENGTH
    if (
        not isinstance(value, str)
        or not value.strip()
        or not re.fullmatch(contract.PROXY_SESSION_NAME_PATTERN, value)
    ):
        kind = f"{len(value)} characters" if isinstance(value, str) else kind_of(value)
        raise RuleError(
            f"{name} must be 1 to {limit} letters, digits and spaces, not blank; got {kind} (the "
            "value is not shown). Omit it to let the resource name the session."
        )
    return value


def one_of(allowed: tuple[str, ...]) -> Rule:
    """A rule accepting exactly one of ``allowed`` (case-sensitive)."""

    def rule(name: str, value: object) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise RuleError(f"{name} must be one of {', '.join(allowed)}, got {echo(value)}.")
        return value

    rule.__name__ = rule.__qualname__ = f"one_of({', '.join(allowed)})"
    return rule


number_selection_behavior: Final = one_of(contract.NUMBER_SELECTION_BEHAVIORS)
geo_match_level: Final = one_of(contract.GEO_MATCH_LEVELS)


def geo_match_params(name: str, value: object) -> dict[str, str]:
    """An object of exactly a country code and an area code."""
    country, area = contract.GEO_MATCH_COUNTRY, contract.GEO_MATCH_AREA_CODE
    if not isinstance(value, Mapping) or set(value) != {country, area}:
        raise RuleError(
            f"{name} must be an object with exactly {country} and {area}, got {echo(value)}. "
            f'Use e.g. {{"{country}": "US", "{area}": "206"}}.'
        )
    return {
        country: country_code(f"{name}.{country}", value[country]),
        area: area_code(f"{name}.{area}", value[area]),
    }


def count(name: str, value: object) -> int:
    """How many phone numbers: a whole number from 1 to 100 ("3" as CloudFormation sends it)."""
    low, high = contract.PHONE_NUMBER_COUNT_MIN, contract.PHONE_NUMBER_COUNT_MAX
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    number = re.fullmatch(r"\s*(\d{1,3})\s*", text)
    if number is None or not low <= int(number.group(1)) <= high:
        raise RuleError(
            f"{name} must be a whole number from {low} to {high}, got {echo(value)}. A resource "
            f"orders at most {high} numbers; declare more resources for more."
        )
    return int(number.group(1))


def _matching(pattern: str, what: str) -> Rule:
    def rule(name: str, value: object) -> str:
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            raise RuleError(f"{name} must be {what}, got {echo(value)}.")
        return value

    rule.__name__ = rule.__qualname__ = f"matching({what})"
    return rule


toll_free_prefix: Final = _matching(
    contract.TOLL_FREE_PREFIX_PATTERN, "a toll-free prefix: 800, 833, 844, 855, 866, 877 or 888"
)
state: Final = _matching(contract.STATE_PATTERN, "a state's two upper-case letters, e.g. WA")
city: Final = _matching(contract.CITY_PATTERN, "a city's name, e.g. Seattle (with State)")
phone_number_type: Final = one_of(contract.PHONE_NUMBER_TYPES)
product_type: Final = one_of(contract.PRODUCT_TYPES)


def order_name(name: str, value: object) -> str:
    """A phone number order's name: words of letters, digits and ,._- separated by spaces."""
    limit = contract.PHONE_NUMBER_ORDER_NAME_MAX_LENGTH
    if (
        not isinstance(value, str)
        or len(value) > limit
        or not re.fullmatch(contract.PHONE_NUMBER_ORDER_NAME_PATTERN, value)
    ):
        kind = f"{len(value)} characters" if isinstance(value, str) else kind_of(value)
        raise RuleError(
            f"{name} must be 1 to {limit} characters: words of letters, digits and , . _ - "
            f"separated by single spaces; got {kind} (the value is not shown: the service treats "
            "an order's name as sensitive)."
        )
    return value


# Rules whose values are never shown in a message (phone numbers, secrets, sensitive names).
SECRET_RULES: Final[frozenset[Rule]] = frozenset(
    {e164, participants, external_id, session_name, order_name}
)
