"""Log-safe text (``safe_text``): bad values echoed short and typed, phone numbers masked."""

from __future__ import annotations

import pytest

import safe_text


def test_echo_writes_json_literals() -> None:
    assert [safe_text.echo(value) for value in (None, True, False)] == ["null", "true", "false"]


def test_echo_is_short_and_typed() -> None:
    assert safe_text.echo("60") == "'60'"
    assert safe_text.echo(60) == "60"
    long = safe_text.echo("x" * 1000)
    assert len(long) == safe_text.MAX_VALUE_ECHO
    assert long.endswith("...")


def test_echo_masks_a_phone_number() -> None:
    assert safe_text.echo("+12065550100") == "'<phone number>'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call +12065550100 now", "call <phone number> now"),
        ("to 12065550100.", "to <phone number>."),
        ("id-+12065550100", "id-<phone number>"),
        ("abcdefghij0123456789k", "abcdefghij0123456789k"),  # digits inside an id
        ("call :12065550100: now", "call :<phone number>: now"),  # 11 digits: not an account
        ("to 210987654321:", "to <phone number>:"),  # no colon before: not an account
        ("123456", "123456"),  # too short for a phone number
    ],
)
def test_redact_masks_numbers_and_keeps_ids(text: str, expected: str) -> None:
    assert safe_text.redact(text) == expected


def test_redact_keeps_an_arns_account() -> None:
    arn = "arn:aws:iam::210987654321:role/ChimeProxyAdmin"
    assert safe_text.redact(f"role {arn}") == f"role {arn}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "a boolean"),
        (7, "a number"),
        (1.5, "a number"),
        ("x", "a string"),
        ([], "a list"),
        ({}, "an object"),
        (b"x", "a bytes"),
    ],
)
def test_kind_of_names_the_json_type(value: object, expected: str) -> None:
    assert safe_text.kind_of(value) == expected
