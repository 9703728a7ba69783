"""ResourceProperties of any resource type, parsed by its description (``resource_types``).

CloudFormation sends every property value as a string (``"60"``, ``"true"``), so every value is
checked again here with the same rules the construct applied to literal values at synth time
(``property_rules``). A bad value raises ``InvalidPropertiesError`` whose message names the
property, echoes the value (phone numbers and secrets never) and says what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import proxy_contract as contract
from property_rules import RuleError
from records import Record
from resource_types import Property, ResourceType
from safe_text import echo


class InvalidPropertiesError(ValueError):
    """A ResourceProperties value is missing or invalid; the message says which and what to do."""


class Location(Record):
    """Where and as whom a resource's calls go; the external id never shows in a repr."""

    region: str | None = None
    role_arn: str | None = None
    external_id: str | None = None

    def __repr__(self) -> str:
        shown = "set" if self.external_id is not None else None
        return f"Location(region={self.region!r}, role_arn={self.role_arn!r}, external_id={shown})"

    def describe(self) -> str:
        """A log-safe description: region and role, never the external id."""
        where = f"region {self.region}" if self.region else "the function's region"
        who = f"role {self.role_arn}" if self.role_arn else "the function's role"
        extra = " with an external id" if self.external_id else ""
        return f"{where}, as {who}{extra}"


class Properties:
    """A request's parsed properties: each value by its CloudFormation name (an absent optional
    one is its ``Property.default``: None, False for Disabled, the type's RemovalPolicy), and
    where the calls go. The values stay out of the repr: they hold phone numbers, secrets and
    sensitive names."""

    __slots__ = ("location", "values")

    def __init__(self, values: Mapping[str, Any], location: Location) -> None:
        self.values = values
        self.location = location

    def __repr__(self) -> str:
        return f"Properties(<{len(self.values)} values, not shown>, location={self.location!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Properties):
            return NotImplemented
        return dict(self.values) == dict(other.values) and self.location == other.location

    __hash__ = None  # type: ignore[assignment]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def removal_policy(self) -> str:
        """Retain or Destroy."""
        return str(self.values[contract.REMOVAL_POLICY])

    def request(self, *names: str) -> dict[str, Any]:
        """The API request parameters of the same names as ``names`` (lists as lists, objects
        copied), leaving out those that are unset."""
        request: dict[str, Any] = {}
        for name in names:
            value = self.values[name]
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            if value is not None:
                request[name] = value
        return request


def _object(properties: object) -> Mapping[Any, Any]:
    if not isinstance(properties, Mapping):
        raise InvalidPropertiesError(
            f"ResourceProperties must be an object of properties, got {echo(properties)}."
        )
    return properties


def check_names(properties: object, kind: ResourceType) -> Mapping[Any, Any]:
    """Return ``properties`` if it is an object holding only ``kind``'s names and
    CloudFormation's own."""
    checked = _object(properties)
    allowed = {*kind.property_names, *contract.CLOUDFORMATION_PROPERTIES}
    unknown = sorted(str(key) for key in checked if key not in allowed)
    if unknown:
        raise InvalidPropertiesError(
            f"Unknown propert{'y' if len(unknown) == 1 else 'ies'} {', '.join(map(echo, unknown))}"
            f". {kind.type_name} accepts {', '.join(kind.property_names)}."
        )
    return checked


def parse_value(item: Property, value: object) -> Any:
    """Apply ``item``'s rule to ``value``; a break raises InvalidPropertiesError."""
    try:
        return item.rule(item.name, value)
    except RuleError as error:
        message = str(error)
        raise InvalidPropertiesError(f"{message} {item.advice}".strip()) from None


def parse_properties(kind: ResourceType, properties: object) -> Properties:
    """Check and parse ``properties`` against ``kind``'s description."""
    checked = check_names(properties, kind)
    for item in kind.properties:
        if not item.required and item.name in checked and checked[item.name] is None:
            raise InvalidPropertiesError(f"{item.name} is null; {item.null_advice}.")
    values: dict[str, Any] = {}
    for item in kind.properties:
        if item.name in checked:
            values[item.name] = parse_value(item, checked[item.name])
        elif item.required:
            raise InvalidPropertiesError(f"{item.name} is required but missing. Set {item.name}.")
        else:
            values[item.name] = item.default
    if values[contract.REMOVAL_POLICY] is None:
        values[contract.REMOVAL_POLICY] = kind.default_removal_policy
    if values[contract.EXTERNAL_ID] is not None and values[contract.ASSUME_ROLE_ARN] is None:
        raise InvalidPropertiesError(
            f"{contract.EXTERNAL_ID} is set without {contract.ASSUME_ROLE_ARN}; the external id "
            "goes with the role to assume. Set both, or neither."
        )
    if kind.combination is not None:
        try:
            kind.combination({item.name: item.name for item in kind.properties}, values)
        except RuleError as error:
            raise InvalidPropertiesError(str(error)) from None
    return Properties(
        values=values,
        location=Location(
            region=values[contract.REGION],
            role_arn=values[contract.ASSUME_ROLE_ARN],
            external_id=values[contract.EXTERNAL_ID],
        ),
    )


def removal_policy_of(kind: ResourceType, properties: object) -> str:
    """The RemovalPolicy of a Delete request, validating only that property.

    A null RemovalPolicy counts as absent here (the type's default): a Retain Delete then makes no
    call, which is the safe answer; Create and Update reject the null before a resource ever
    exists with it.
    """
    value = _object(properties).get(contract.REMOVAL_POLICY)
    if value is None:
        return kind.default_removal_policy
    return str(parse_value(kind.get(contract.REMOVAL_POLICY), value))
