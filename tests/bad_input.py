"""Shared by the bad-input tables of every resource type: cases, mutations and limits.

Each table (tests/handler/test_*bad_input.py) sends malformed requests through the real handler;
every one must be answered FAILED within MAX_SECONDS, naming what is wrong, with no API call.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_SECONDS = 2.0
MAX_BODY_BYTES = 4096
OVERSIZED = 300 * 1024
Mutation = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Case:
    """One malformed request: what is sent, and the name its Reason must carry."""

    label: str
    request_type: str
    names: str
    mutate: Mutation
    # A value the Reason must never echo, not even masked (a phone number, a secret).
    secret: str | None = None


def set_prop(name: str, value: Any) -> Mutation:
    """Set ResourceProperties[name] to ``value`` (None stays a JSON null)."""

    def mutate(request: dict[str, Any]) -> None:
        request["ResourceProperties"][name] = copy.deepcopy(value)

    return mutate


def set_props(values: dict[str, Any]) -> Mutation:
    """Set several ResourceProperties at once."""

    def mutate(request: dict[str, Any]) -> None:
        request["ResourceProperties"].update(copy.deepcopy(values))

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
