"""Routing of rest-json requests to operations, from the URI templates in the service model."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote

from harness.emulator.model import operation_model, service_model


@dataclass(frozen=True, slots=True)
class Route:
    """One operation's HTTP method and request URI template, split into path segments.

    Attributes:
        operation: The operation name.
        method: The HTTP method.
        segments: The path's segments; `{label}` and greedy `{label+}` segments capture.
        literal_query: Query parameters the template fixes (e.g. `?operation=...`).
    """

    operation: str
    method: str
    segments: tuple[str, ...]
    literal_query: tuple[tuple[str, str], ...]

    @property
    def score(self) -> tuple[int, int]:
        """How specific the route is: literal segments, then literal query parameters."""
        literals = sum(1 for segment in self.segments if not segment.startswith("{"))
        return literals, len(self.literal_query)

    def match(
        self, method: str, segments: Sequence[str], query: Mapping[str, list[str]]
    ) -> dict[str, str] | None:
        """Return the URI labels (URL-decoded) when the request matches this route."""
        if method != self.method:
            return None
        if any(value not in query.get(key, ()) for key, value in self.literal_query):
            return None
        labels: dict[str, str] = {}
        for index, template in enumerate(self.segments):
            if template.endswith("+}"):
                rest = segments[index:]
                if not rest or not all(rest):
                    return None
                labels[template[1:-2]] = unquote("/".join(rest))
                return labels
            if index >= len(segments):
                return None
            segment = segments[index]
            if template.startswith("{"):
                if not segment:
                    return None
                labels[template[1:-1]] = unquote(segment)
            elif unquote(segment) != template:
                return None
        return labels if len(segments) == len(self.segments) else None


@functools.cache
def routes() -> tuple[Route, ...]:
    """Every operation's route, the most specific first."""
    found = []
    for name in service_model().operation_names:
        http = operation_model(name).http
        path, _, literal = str(http["requestUri"]).partition("?")
        literal_query = tuple(
            (key, values[-1]) for key, values in parse_qs(literal, keep_blank_values=True).items()
        )
        segments = tuple(path.split("/")[1:])
        found.append(Route(name, str(http["method"]), segments, literal_query))
    return tuple(sorted(found, key=lambda route: route.score, reverse=True))


def route(
    method: str, path: str, query: Mapping[str, list[str]]
) -> tuple[str, dict[str, str]] | None:
    """The operation and URI labels a request is for, or None when no route matches."""
    # Split before decoding: an encoded "/" (%2F) stays inside its label.
    segments = path.split("/")[1:]
    for candidate in routes():
        labels = candidate.match(method, segments, query)
        if labels is not None:
            return candidate.operation, labels
    return None
