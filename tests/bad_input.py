"""Bad values, written once: the bad values of every value rule, the mutations of a request, limits.

``tests/handler/test_bad_input.py`` sends each rule's bad values as each property that uses the
rule (``resource_types``) through the real handler; ``tests/unit/test_property_rules.py`` checks
each against its rule directly; the construct tables (``tests/infra``) read ``constructor_props``.
"""

from __future__ import annotations

import copy
import inspect
import itertools
import string
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import property_rules as rules
import proxy_contract as contract
from property_rules import Rule
from tests.helpers import PARTICIPANTS, VC_ID

MAX_SECONDS = 2.0
MAX_BODY_BYTES = 4096
OVERSIZED = 300 * 1024
ROLE_ARN = "arn:aws:iam::123456789012:role/ChimeAdmin"
Mutation = Callable[[dict[str, Any]], None]

# Values of the wrong JSON type, bad for every rule unless ACCEPTED says otherwise.
WRONG_TYPES: Mapping[str, Any] = {
    "a number": 42,
    "an object": {"id": VC_ID},
    "another object": {"value": "US"},
    "a nested list": [["Voice"]],
    "another nested list": [["US"]],
}
# The wrong-type values a rule accepts: CloudFormation may send a number as a JSON number.
ACCEPTED: Mapping[Rule, frozenset[str]] = {
    rules.minutes: frozenset({"a number"}),
    rules.count: frozenset({"a number"}),
}
# What a rule's bad values are sent with: an external id goes with a role to assume.
ALONGSIDE: Mapping[Rule, Mapping[str, Any]] = {
    rules.external_id: {contract.ASSUME_ROLE_ARN: ROLE_ARN},
}
# 101 distinct, well-formed codes: one more than the service accepts.
TOO_MANY_COUNTRIES = [a + b for a, b in itertools.product(string.ascii_uppercase, repeat=2)][:101]
_A, _B = PARTICIPANTS

# Each rule's own bad values (null, missing and the wrong types are added for every property).
BAD_VALUES: Mapping[Rule, Mapping[str, Any]] = {
    rules.voice_connector_id: {
        "a boolean": True,
        "empty": "",
        "blank": "   ",
        "too long (23)": "a" * 23,
        "too short (20)": "a" * 20,
        "with a slash": "abcdefghij/123456789k",
        "path traversal": "../../abcdefghij01234k",
        "unicode": "abcdefghij0123456789ķ",
        "upper case": "ABCDEFGHIJ0123456789K",
        "upper-case UUID": "0F1E2D3C-4B5A-6978-8A9B-0C1D2E3F4A5B",
        "trailing newline": "abcdefghij0123456789k\n",
        "an ARN": f"arn:aws:chime:us-east-1:123456789012:vc/{VC_ID}",
        "nope": "nope",
        "of 300 KB": "a" * OVERSIZED,
    },
    rules.proxy_session_id: {
        "empty": "",
        "blank": " \t ",
        "too long (129)": "s" * 129,
        "with a slash": "a/b",
        "path traversal": "../x",
        "a slash between dots": "a/../b",
        "unicode accent": "séance",
        "unicode emoji": "session-\N{TELEPHONE SIGN}",
        "with a space": "a b",
        "control character": "a\x00b",
        "of 300 KB": "x" * OVERSIZED,
    },
    rules.capabilities: {
        "empty": [],
        "a comma-joined string": "Voice,SMS",
        "an object of flags": {"Voice": True},
        "unknown Fax": ["Fax"],
        "lower-case voice": ["voice"],
        "lower-case sms": ["Voice", "sms"],
        "upper-case VOICE": ["VOICE"],
        "duplicated Voice": ["Voice", "Voice"],
        "duplicated SMS": ["SMS", "SMS"],
        "duplicated SMS after Voice": ["SMS", "Voice", "SMS"],
        "item null": [None],
        "item number": [1],
        "item with spaces": [" Voice "],
        "item of 300 KB": ["V" * OVERSIZED],
        "50,000 items": ["Voice"] * 50_000,
    },
    rules.minutes: {
        "zero string": "0",
        "zero number": 0,
        "negative": "-5",
        "negative number": -1,
        "fractional string": "1.5",
        "fractional number": 1.5,
        "non-numeric": "sixty",
        "empty string": "",
        "exponent": "1e3",
        "hexadecimal": "0x10",
        "huge string": "99999999999999",
        "huge number": 10**30,
        "huge negative": "-" + "9" * 20,
        "5,000 digits": "9" * 5000,
        "300 KB of digits": "9" * OVERSIZED,
        "blank": "   ",
        "above the service integer": "2147483648",
        "boolean true": True,
        "boolean false": False,
        "boolean string": "true",
        "infinity": "Infinity",
        "letters": "abc",
        "a list of a number": [60],
    },
    rules.removal_policy: {
        "lower case": "destroy",
        "lower-case retain": "retain",
        "Snapshot": "Snapshot",
        "empty": "",
        "one": 1,
        "of 300 KB": "R" * OVERSIZED,
    },
    rules.region: {
        "us-east-2 (no Chime SDK Voice)": "us-east-2",
        "upper case": "US-EAST-1",
        "empty": "",
        "a list": ["us-east-1"],
        "mars-1": "mars-1",
        "of 300 KB": "r" * OVERSIZED,
    },
    rules.role_arn: {
        "a user ARN": "arn:aws:iam::123456789012:user/admin",
        "a role name only": "ChimeAdmin",
        "an 11-digit account": "arn:aws:iam::12345678901:role/ChimeAdmin",
        "empty": "",
        "of 300 KB": f"{ROLE_ARN}{'x' * OVERSIZED}",
    },
    rules.external_id: {
        "one character": "x",
        "with a space": "shared secret",
        "a b": "a b",
        "has a space": "has a space",
        "too long (1225)": "e" * 1225,
        "twelve": 12,
        "of 300 KB": "e" * OVERSIZED,
    },
    rules.e164: {
        "without a plus": "12065550100",
        "a leading zero": "+012065550100",
        "with spaces": "+1 206 555 0100",
        "with dashes": "+1-206-555-0100",
        "16 digits": "+1206555010012345",
        "a tel URI": "tel:+12065550100",
        "trailing newline": "+12065550100\n",
        "only a plus": "+",
        "empty": "",
        "a number without a plus": 12065550100,
        "an unresolved reference": "{{resolve:secretsmanager:help-line:SecretString}}",
        "of 300 KB": "+1" + "2" * OVERSIZED,
    },
    rules.participants: {
        "a string": _A,
        "comma-joined": f"{_A},{_B}",
        "an object of both": {"first": _A, "second": _B},
        "empty": [],
        "one number": [_A],
        "three numbers": [_A, _B, "+14255550100"],
        "the same number twice": [_A, _A],
        "an item null": [_A, None],
        "an item number": [_A, 14255550187],
        "an item without +": [_A, _B.lstrip("+")],
        "an item with letters": [_A, "+1425CALLNOW"],
        "an item of 16 digits": [_A, "+1425555018712345"],
        "an item with spaces": [_A, "+1 425 555 0187"],
        "an item of 300 KB": [_A, "+" + "1" * OVERSIZED],
        "50,000 items": [_A] * 50_000,
        "an unresolved secretsmanager reference": [
            _A,
            "{{resolve:secretsmanager:help-line:SecretString:customer}}",
        ],
        "an unresolved ssm-secure reference": [_A, "{{resolve:ssm-secure:/help/customer}}"],
    },
    rules.countries: {
        "empty": [],
        "lower case": ["us"],
        "mixed case": ["Us"],
        "three letters": ["USA"],
        "one letter": ["U"],
        "digits": ["12"],
        "with a space": [" US"],
        "non-ASCII": ["ÜS"],
        "duplicated": ["US", "CA", "US"],
        "duplicated GB": ["GB", "GB"],
        "item null": [None],
        "item number": [1],
        "a bare string": "US",
        "comma-joined": "US,CA",
        "an object of flags": {"US": True},
        "101 countries": TOO_MANY_COUNTRIES,
        "50,000 items": ["US"] * 50_000,
        "item of 300 KB": ["U" * OVERSIZED],
    },
    rules.country_code: {
        "lower case": "us",
        "three letters": "USA",
        "empty": "",
        "of 300 KB": "U" * OVERSIZED,
    },
    rules.area_code: {
        "two digits": "20",
        "with a letter": "2O6",
        "four digits": "2060",
        "the number 206": 206,
        "of 300 KB": "2" * OVERSIZED,
    },
    rules.boolean: {
        "True (capitalised)": "True",
        "FALSE": "FALSE",
        "yes": "yes",
        "1": "1",
        "number 0": 0,
        "number 1": 1,
        "no": "no",
        "a list": ["true"],
        "empty": "",
        "of 300 KB": "t" * OVERSIZED,
    },
    rules.session_name: {
        "empty": "",
        "blank": "   ",
        "31 characters": "n" * 31,
        "with punctuation": "help-line",
        "with an accent": "Séance",
        "with a newline": "help\nline",
        "seven": 7,
        "a list": ["help"],
        "of 300 KB": "n" * OVERSIZED,
    },
    rules.number_selection_behavior: {
        "empty": "",
        "lower case": "prefersticky",
        "unknown": "Sticky",
        "one": 1,
        "of 300 KB": "P" * OVERSIZED,
    },
    rules.geo_match_level: {
        "empty": "",
        "lower case": "country",
        "unknown": "City",
        "a list": ["Country"],
        "of 300 KB": "C" * OVERSIZED,
    },
    rules.geo_match_params: {
        "a string": "US/206",
        "a list": ["US", "206"],
        "without AreaCode": {"Country": "US"},
        "without Country": {"AreaCode": "206"},
        "with an extra key": {"Country": "US", "AreaCode": "206", "City": "Seattle"},
        "a lower-case country": {"Country": "us", "AreaCode": "206"},
        "a three-letter country": {"Country": "USA", "AreaCode": "206"},
        "a two-digit area code": {"Country": "US", "AreaCode": "20"},
        "an area code with letters": {"Country": "US", "AreaCode": "2O6"},
        "a number area code": {"Country": "US", "AreaCode": 206},
        "a country of 300 KB": {"Country": "U" * OVERSIZED, "AreaCode": "206"},
    },
    rules.count: {
        "zero": "0",
        "zero number": 0,
        "101": "101",
        "101 number": 101,
        "1000": "1000",
        "negative": "-1",
        "fractional": "1.5",
        "fractional number": 1.5,
        "non-numeric": "two",
        "exponent": "1e2",
        "empty": "",
        "blank": "   ",
        "boolean true": True,
        "a list of a number": ["2"],
        "300 KB of digits": "9" * OVERSIZED,
    },
    rules.toll_free_prefix: {
        "not toll-free (900)": "900",
        "two digits": "80",
        "four digits": "8000",
        "the number 800": 800,
        "with a space": " 800",
        "empty": "",
        "of 300 KB": "8" * OVERSIZED,
    },
    rules.state: {
        "lower case": "wa",
        "three letters": "WAS",
        "one letter": "W",
        "with a digit": "W1",
        "a name": "Washington",
        "empty": "",
        "of 300 KB": "W" * OVERSIZED,
    },
    rules.city: {
        "empty": "",
        "a leading space": " Seattle",
        "with a digit": "Seattle1",
        "65 characters": "S" * 65,
        "with a newline": "Seattle\n",
        "a list": ["Seattle"],
        "of 300 KB": "S" * OVERSIZED,
    },
    rules.phone_number_type: {
        "lower case": "local",
        "upper case": "TOLLFREE",
        "unknown": "Mobile",
        "empty": "",
        "of 300 KB": "L" * OVERSIZED,
    },
    rules.product_type: {
        "lower case": "voiceconnector",
        "the retired BusinessCalling": "BusinessCalling",
        "a wrong case": "SipMediaApplicationDialin",
        "empty": "",
        "of 300 KB": "V" * OVERSIZED,
    },
    rules.order_name: {
        "empty": "",
        "blank": "   ",
        "a leading space": " support",
        "a trailing space": "support ",
        "with a slash": "support/line",
        "with an accent": "Séance",
        "257 characters": "n" * 257,
        "a list": ["support"],
        "of 300 KB": "n" * OVERSIZED,
    },
}


def bad_values(rule: Rule) -> dict[str, Any]:
    """Every bad value of ``rule`` by label: the wrong types it refuses and its own."""
    accepted = ACCEPTED.get(rule, frozenset())
    wrong = {label: value for label, value in WRONG_TYPES.items() if label not in accepted}
    return {**wrong, **BAD_VALUES[rule]}


def _leaves(value: object) -> Iterator[object]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def hidden_parts(value: object) -> tuple[str, ...]:
    """What a message must never hold of a secret ``value``: each string of five or more
    characters whole, the first seven digits of a number, the names in a dynamic reference."""
    parts: list[str] = []
    for leaf in _leaves(value):
        if isinstance(leaf, bool) or not isinstance(leaf, (str, int)):
            continue
        text = str(leaf)
        if text.startswith(rules.DYNAMIC_REFERENCE):
            # {{resolve:<service>:<names...>}}: the service is named in the advice, never the rest.
            parts.extend(text.removeprefix("{{resolve:").removesuffix("}}").split(":")[1:])
            continue
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 7:
            parts.append(digits[:7])
        if len(text.strip()) >= 5:
            parts.append(text)
    return tuple(parts)


def set_prop(name: str, value: Any) -> Mutation:
    """Set ResourceProperties[name] to ``value`` (None stays a JSON null)."""
    return set_props({name: value})


def set_props(values: Mapping[str, Any]) -> Mutation:
    """Set several ResourceProperties at once."""

    def mutate(request: dict[str, Any]) -> None:
        request["ResourceProperties"].update(copy.deepcopy(dict(values)))

    return mutate


def drop_prop(name: str) -> Mutation:
    """Remove ResourceProperties[name]."""

    def mutate(request: dict[str, Any]) -> None:
        del request["ResourceProperties"][name]

    return mutate


def set_field(name: str, value: Any) -> Mutation:
    """Set the event field ``name`` to ``value``."""

    def mutate(request: dict[str, Any]) -> None:
        request[name] = copy.deepcopy(value)

    return mutate


def drop_field(name: str) -> Mutation:
    """Remove the event field ``name``."""

    def mutate(request: dict[str, Any]) -> None:
        del request[name]

    return mutate


def both(*mutations: Mutation) -> Mutation:
    """Apply several mutations in order."""

    def mutate(request: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(request)

    return mutate


def constructor_props(construct: type) -> set[str]:
    """A construct's props: its ``__init__`` keywords (jsii's metaclass hides the class's own
    signature), without ``scope`` and ``construct_id``."""
    parameters = inspect.signature(construct.__init__).parameters  # type: ignore[misc]
    return set(parameters) - {"self", "scope", "construct_id"}
