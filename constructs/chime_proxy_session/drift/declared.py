"""A resource as the stack declares it: its properties parsed by the handler's own rules, where
its calls go, and how its values may be shown.

Each value is parsed by ``cfn_properties.parse_value`` with the rule its type's description gives
it (``resource_types``), so the check reads a value exactly as the handler read it when it was
deployed (``"60"`` is 60, ``"false"`` is False, an absent property its default). A property whose
value CloudFormation resolves at deploy time and never shows is ``Hidden`` unless the caller
allowed the check to read it; asking for it raises ``NotCompared``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..contract import contract
from ..contract import types as resource_types
from .handler import cfn_properties
from .report import Difference, ResourceDrift, Status
from .template import Hidden, contains_hidden

# What a value that is never shown becomes in a report.
MASK: Final = "<not shown>"
OTHER_MASK: Final = "<another value, not shown>"


class NotChecked(Exception):
    """The resource cannot be compared with the service; the message says why."""


class NotCompared(Exception):
    """A declared value the check may not read; the message says which and how to allow it."""


class Declared:
    """A resource's declared properties, parsed by its type's rules.

    :param kind: the resource type's description.
    :param raw: the properties as CloudFormation sends them (``Hidden`` where not shown).
    :param revealed: the properties whose value the check read from a secret (never shown).
    """

    def __init__(
        self, kind: resource_types.ResourceType, raw: Mapping[str, Any], revealed: frozenset[str]
    ) -> None:
        cfn_properties.check_names(raw, kind)
        self.kind = kind
        self.hidden: dict[str, Hidden] = {}
        self.values: dict[str, Any] = {}
        for item in kind.properties:
            hidden = contains_hidden(raw.get(item.name))
            if hidden is not None:
                self.hidden[item.name] = hidden
            elif item.name in raw:
                self.values[item.name] = cfn_properties.parse_value(item, raw[item.name])
            else:
                self.values[item.name] = item.default
        self.masked = frozenset(
            item.name for item in kind.properties if item.secret or item.name in revealed
        )

    def __getitem__(self, name: str) -> Any:
        hidden = self.hidden.get(name)
        if hidden is not None:
            raise NotCompared(
                f"{name} is {hidden.source}, which CloudFormation resolves at deploy time and "
                "never shows: not compared (--resolve-secrets reads it with your permissions)"
            )
        return self.values[name]

    def location(self) -> cfn_properties.Location:
        """Where and as whom the resource's calls go (NotCompared when one of them is hidden)."""
        return cfn_properties.Location(
            region=self[contract.REGION],
            role_arn=self[contract.ASSUME_ROLE_ARN],
            external_id=self[contract.EXTERNAL_ID],
        )

    def difference(self, name: str, declared: Any, live: Any, label: str = "") -> Difference:
        """A Difference of property ``name`` (shown as ``label`` when given), masked when its
        values are never shown."""
        if name not in self.masked:
            return Difference(label or name, shown(declared), shown(live))
        mine = None if declared is None else MASK
        theirs = None if live is None else OTHER_MASK if mine else MASK
        return Difference(label or name, mine, theirs)


def shown(value: Any) -> str | None:
    """A value as the resource's attributes show it: lists comma-joined, booleans ``true`` or
    ``false``; None stays None (not set)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return str(value)


@dataclass(frozen=True)
class Subject:
    """One custom resource of the library, resolved and parsed: what the check compares.

    ``raw`` holds the properties as CloudFormation sends them (what ``--revert`` parses with
    ``parse_properties``); ``region`` is where its calls go.
    """

    logical_id: str
    kind: resource_types.ResourceType
    physical_id: str
    raw: Mapping[str, Any]
    declared: Declared
    location: cfn_properties.Location
    region: str

    def drift(
        self, status: Status, differences: tuple[Difference, ...] = (), reason: str | None = None
    ) -> ResourceDrift:
        """The resource's ResourceDrift."""
        return ResourceDrift(
            logical_id=self.logical_id,
            type=self.kind.type_name,
            physical_id=self.physical_id,
            status=status,
            differences=differences,
            reason=reason,
        )
