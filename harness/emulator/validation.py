"""Request decoding and validation against the model's shapes, in the service's message format.

Validation messages follow the AWS format; values of sensitive members (phone numbers, session
names) are left out of them.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Mapping
from typing import Any, Final, cast

from botocore.model import (
    ListShape,
    MapShape,
    OperationModel,
    Shape,
    StringShape,
    StructureShape,
)

from harness.emulator.model import ApiError

_JSON_TYPES: Final[Mapping[str, tuple[type, ...]]] = {
    "structure": (dict,),
    "map": (dict,),
    "list": (list,),
    "string": (str,),
    "blob": (str,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "boolean": (bool,),
    "timestamp": (str, int, float),
}


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def is_sensitive(shape: Shape, seen: frozenset[str] = frozenset()) -> bool:
    """Whether the shape is, or contains, a member the model marks sensitive."""
    if shape.metadata.get("sensitive"):
        return True
    if shape.name in seen:
        return False
    seen = seen | {shape.name}
    if isinstance(shape, StructureShape):
        return any(is_sensitive(member, seen) for member in shape.members.values())
    if isinstance(shape, ListShape):
        return is_sensitive(shape.member, seen)
    if isinstance(shape, MapShape):
        return is_sensitive(shape.key, seen) or is_sensitive(shape.value, seen)
    return False


def show(value: object) -> str:
    """Render a value the way the service's (Java) validation messages do."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(show(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={show(item)}" for key, item in value.items()) + "}"
    return str(value)


@functools.cache
def compiled_pattern(pattern: str) -> re.Pattern[str] | None:
    """Compile a model pattern as the service's Java regexes read it; None if Python cannot."""
    try:
        # Java regexes (the service's) treat \d, \w and \s as ASCII-only.
        return re.compile(pattern, re.ASCII)
    except re.error:
        return None


class Validator:
    """Collects constraint violations of a request, in the service's message format."""

    def __init__(self) -> None:
        """Start with no errors."""
        self.errors: list[str] = []

    def message(self) -> str:
        """The message of a validation error answering the collected violations."""
        count = len(self.errors)
        noun = "error" if count == 1 else "errors"
        return f"{count} validation {noun} detected: " + "; ".join(self.errors)

    def _fail(self, shape: Shape, value: object, path: str, constraint: str) -> None:
        if value is None:
            shown = "Value null at"
        elif is_sensitive(shape):
            shown = "Value at"
        else:
            shown = f"Value '{show(value)}' at"
        self.errors.append(f"{shown} '{path}' failed to satisfy constraint: {constraint}")

    def structure(
        self, shape: StructureShape, value: Mapping[str, Any], path: str, *, top: bool
    ) -> None:
        """Validate the members of a structure; top-level values are keyed by member name."""
        required = set(shape.required_members)
        for name, member in shape.members.items():
            key = name if top else str(member.serialization.get("name", name))
            member_path = f"{path}.{_lower_first(name)}" if path else _lower_first(name)
            item = value.get(key)
            if item is None:
                if name in required:
                    self._fail(member, None, member_path, "Member must not be null")
                continue
            self.value(member, item, member_path)

    def value(self, shape: Shape, value: object, path: str) -> None:
        """Validate one value against its shape (type, then constraints, then nested values)."""
        kind = shape.type_name
        expected = _JSON_TYPES.get(kind, (object,))
        is_bool = isinstance(value, bool)
        if not isinstance(value, expected) or (is_bool and kind != "boolean"):
            self._fail(shape, value, path, f"Member must be of type {kind}")
            return
        meta = shape.metadata
        if kind in ("string", "blob", "list", "map"):
            length = len(cast("str | list[object] | dict[str, object]", value))
            if "min" in meta and length < meta["min"]:
                self._fail(
                    shape,
                    value,
                    path,
                    f"Member must have length greater than or equal to {meta['min']}",
                )
            if "max" in meta and length > meta["max"]:
                self._fail(
                    shape,
                    value,
                    path,
                    f"Member must have length less than or equal to {meta['max']}",
                )
        elif kind in ("integer", "long", "float", "double"):
            number = cast("float", value)
            if "min" in meta and number < meta["min"]:
                self._fail(
                    shape,
                    value,
                    path,
                    f"Member must have value greater than or equal to {meta['min']}",
                )
            if "max" in meta and number > meta["max"]:
                self._fail(
                    shape,
                    value,
                    path,
                    f"Member must have value less than or equal to {meta['max']}",
                )
        if isinstance(shape, StringShape) and isinstance(value, str):
            pattern = meta.get("pattern")
            compiled = compiled_pattern(pattern) if pattern else None
            if compiled is not None and compiled.fullmatch(value) is None:
                self._fail(
                    shape, value, path, f"Member must satisfy regular expression pattern: {pattern}"
                )
            if shape.enum and value not in shape.enum:
                allowed = ", ".join(shape.enum)
                self._fail(shape, value, path, f"Member must satisfy enum value set: [{allowed}]")
        elif isinstance(shape, StructureShape) and isinstance(value, dict):
            self.structure(shape, value, path, top=False)
        elif isinstance(shape, ListShape) and isinstance(value, list):
            for index, item in enumerate(value, start=1):
                self.value(shape.member, item, f"{path}.{index}.member")
        elif isinstance(shape, MapShape) and isinstance(value, dict):
            for key, item in value.items():
                self.value(shape.key, key, f"{path}.{key}.key")
                self.value(shape.value, item, f"{path}.{key}.value")


def coerce_query(shape: Shape, values: list[str]) -> object:
    """Turn query-string text into the member's type; leave it as text when it does not parse."""
    if isinstance(shape, ListShape):
        return [coerce_query(shape.member, [value]) for value in values]
    text = values[-1]
    if shape.type_name in ("integer", "long"):
        with contextlib.suppress(ValueError):
            return int(text)
    elif shape.type_name == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def parse_params(
    model: OperationModel,
    labels: Mapping[str, str],
    query: Mapping[str, list[str]],
    body: bytes,
) -> dict[str, Any]:
    """Collect an operation's input members from URI labels, query string and JSON body.

    Raises ApiError (BadRequestException) when the body is not a JSON object.
    """
    document: dict[str, Any] = {}
    if body.strip():
        try:
            parsed: object = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ApiError(
                "BadRequestException", f"The request body is not valid JSON: {error}"
            ) from None
        if not isinstance(parsed, dict):
            raise ApiError("BadRequestException", "The request body must be a JSON object")
        document = parsed
    params: dict[str, Any] = {}
    if model.input_shape is None:
        return params
    for name, member in model.input_shape.members.items():
        location = member.serialization.get("location")
        wire_name = str(member.serialization.get("name", name))
        if location == "uri":
            if wire_name in labels:
                params[name] = labels[wire_name]
        elif location == "querystring":
            if wire_name in query:
                params[name] = coerce_query(member, query[wire_name])
        elif location is None and wire_name in document:
            params[name] = document[wire_name]
    return params


def validate_input(model: OperationModel, params: Mapping[str, Any]) -> None:
    """Raise ApiError (BadRequestException) listing every constraint `params` violates."""
    if model.input_shape is None:
        return
    validator = Validator()
    validator.structure(model.input_shape, params, "", top=True)
    if validator.errors:
        raise ApiError("BadRequestException", validator.message())
