"""Log-safe text: bad values echoed short and typed, phone numbers masked.

Every Reason, log line and error message that may hold a value from a request passes through
here, so no E.164 number reaches CloudFormation's events or the function's log.
"""

from __future__ import annotations

import re
from typing import Final

# A "+" and 7 to 15 digits anywhere, or a bare run of them that is not part of a longer word: ids
# such as the voice connector "abcdefghij0123456789k" must stay readable in a Reason.
# Compiled on first use (re's own cache): most requests never echo a value.
_E164: Final = r"\+[1-9]\d{6,14}|(?<![A-Za-z0-9])[1-9]\d{6,14}(?![A-Za-z0-9])"
# A UUID (a RequestId, a session id): its all-digit groups are not phone numbers.
_UUID: Final = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
_JSON_LITERALS: Final = {"None": "null", "True": "true", "False": "false"}
MAX_VALUE_ECHO: Final = 80


def _mask(match: re.Match[str]) -> str:
    # An ARN's account field is 12 digits between colons: an id, not a phone number.
    start, end, text = match.start(), match.end(), match.string
    is_account = end - start == 12 and text[start - 1 : start] == ":" and text[end : end + 1] == ":"
    return match.group(0) if is_account else "<phone number>"


def redact(text: str) -> str:
    """Mask anything that looks like an E.164 phone number (ARN account ids and the groups of a
    UUID excepted)."""
    if "-" not in text:
        return re.sub(_E164, _mask, text)
    parts: list[str] = []
    done = 0
    for uuid in re.finditer(_UUID, text):
        parts.append(re.sub(_E164, _mask, text[done : uuid.start()]))
        parts.append(uuid.group(0))
        done = uuid.end()
    parts.append(re.sub(_E164, _mask, text[done:]))
    return "".join(parts)


def kind_of(value: object) -> str:
    """A value's JSON type in words, for a message that may not show the value: ``null``,
    ``a boolean``, ``a number``, ``a string``, ``a list`` or ``an object``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "an object" if isinstance(value, dict) else f"a {type(value).__name__}"


def echo(value: object) -> str:
    """Render a bad value for an error message: short, typed, and with phone numbers masked.

    ``null``, ``true`` and ``false`` are written as in the JSON template, not as Python.
    """
    text = repr(value)
    text = _JSON_LITERALS.get(text, text)
    if len(text) > MAX_VALUE_ECHO:
        text = f"{text[: MAX_VALUE_ECHO - 3]}..."
    return redact(text)
