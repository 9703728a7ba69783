"""``records.Record``: the handler's cheap immutable records behave as frozen dataclasses do."""

from __future__ import annotations

from typing import Any

import pytest

from records import Record


class Point(Record):
    x: int
    y: int = 0
    label: str = "p"


class Child(Point):
    z: int = 9


def test_fields_in_order_with_defaults_positional_or_keyword() -> None:
    assert Point._fields == ("x", "y", "label")
    point = Point(1, label="q")
    assert (point.x, point.y, point.label) == (1, 0, "q")
    assert Point(x=2, y=3) == Point(2, 3)
    assert Child._fields == ("x", "y", "label", "z")
    assert Child(1).z == 9


def test_equality_needs_the_same_class_and_fields() -> None:
    assert Point(1) == Point(1)
    assert Point(1) != Point(2)
    assert Point(1) != Child(1)
    assert hash(Point(1, 2)) == hash(Point(1, 2))


def test_it_is_immutable_and_replace_copies() -> None:
    point = Point(1)
    with pytest.raises(AttributeError, match="immutable"):
        point.x = 5  # type: ignore[misc]
    moved = point._replace(y=7)
    assert (moved.x, moved.y, point.y) == (1, 7, 0)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "needs 'x'"),
        ((1, 2, "a", "extra"), {}, "at most 3"),
        ((1,), {"x": 2}, "repeated 'x'"),
        ((1,), {"w": 2}, "unexpected or repeated 'w'"),
    ],
)
def test_bad_construction_says_what_is_wrong(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        Point(*args, **kwargs)


def test_repr_names_the_fields() -> None:
    assert repr(Point(1)) == "Point(x=1, y=0, label='p')"


def _twice(value: int) -> int:
    return 2 * value


class WithFunction(Record):
    double: Any = _twice


def test_a_function_default_is_a_value_not_a_bound_method() -> None:
    assert WithFunction().double(4) == 8
    assert WithFunction(double=abs).double(-3) == 3
