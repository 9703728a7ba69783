"""A resource's declared properties, resolved from the deployed template as CloudFormation resolved
them when it sent them to the function.

``Ref`` answers a parameter's value (a list for list types), a pseudo parameter (``AWS::Region``,
``AWS::AccountId``, ``AWS::Partition``, ``AWS::StackName``, ``AWS::StackId``, ``AWS::URLSuffix``,
``AWS::NoValue``) or a resource's physical id; ``Fn::GetAtt`` asks the check (a custom resource's
attributes come from the service; a voice connector's id from its physical id); ``Fn::Join``,
``Fn::Select``, ``Fn::Split``, ``Fn::Sub`` and ``Fn::FindInMap`` are worked out here. Anything
else (``Fn::If``, ``Fn::ImportValue``, ...) raises ``Unresolved``, and the resource is not
checked. A NoEcho parameter is ``Hidden``: CloudFormation never shows it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from .stack import DeployedStack

_VOICE_CONNECTOR: Final = "AWS::Chime::VoiceConnector"
_SUB_VARIABLE: Final = re.compile(r"\$\{([^}]*)\}")


class Unresolved(Exception):
    """A value the check cannot work out; the message says which and why."""


@dataclass(frozen=True)
class Hidden:
    """A value CloudFormation resolves at deploy time and never shows: ``source`` says which."""

    source: str


class _NoValue:
    """``Ref: AWS::NoValue``: the property (or list item) is left out."""


NO_VALUE: Final = _NoValue()

# (logical id, attribute) -> the attribute's value; raises Unresolved.
Attribute = Callable[[str, str], str]


def contains_hidden(value: object) -> Hidden | None:
    """The first Hidden inside ``value``, or None."""
    if isinstance(value, Hidden):
        return value
    if isinstance(value, Mapping):
        items = list(value.values())
    elif isinstance(value, list):
        items = value
    else:
        return None
    for item in items:
        found = contains_hidden(item)
        if found is not None:
            return found
    return None


def as_sent(value: Any) -> Any:
    """A resolved value as CloudFormation sends it to a custom resource: scalars as strings,
    booleans as ``true`` or ``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return [as_sent(item) for item in value]
    if isinstance(value, Mapping):
        return {key: as_sent(item) for key, item in value.items()}
    return value


def voice_connector_attribute(stack: DeployedStack, logical_id: str, name: str) -> str:
    """``VoiceConnectorId`` or ``VoiceConnectorArn`` of a stack's AWS::Chime::VoiceConnector,
    from its physical id (its ARN)."""
    physical_id = stack.resources[logical_id].physical_id or ""
    if physical_id.startswith("arn:") and "/" in physical_id:
        if name == "VoiceConnectorArn":
            return physical_id
        if name == "VoiceConnectorId":
            return physical_id.rsplit("/", 1)[1]
    elif physical_id and name == "VoiceConnectorId":
        return physical_id
    raise Unresolved(
        f"Fn::GetAtt {logical_id}.{name} ({_VOICE_CONNECTOR}, physical id {physical_id!r}) is not "
        "worked out by the drift check: it reads VoiceConnectorId and VoiceConnectorArn only"
    )


class Resolver:
    """Resolves a stack's template values; ``attribute`` answers ``Fn::GetAtt``."""

    def __init__(self, stack: DeployedStack, attribute: Attribute) -> None:
        self._stack = stack
        self._attribute = attribute
        partition = stack.partition
        self._pseudo: dict[str, str] = {
            "AWS::Region": stack.region,
            "AWS::AccountId": stack.account,
            "AWS::Partition": partition,
            "AWS::StackName": stack.name,
            "AWS::StackId": stack.stack_id,
            "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
        }

    def resolve(self, value: Any, where: str) -> Any:
        """``value`` with every intrinsic function resolved; ``where`` names it in errors."""
        if isinstance(value, list):
            items = [self.resolve(item, f"{where}[{i}]") for i, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Ref" or name.startswith("Fn::"):
                return self._function(str(name), argument, where)
        resolved = {key: self.resolve(item, f"{where}.{key}") for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _function(self, name: str, argument: Any, where: str) -> Any:
        if name == "Ref":
            return self.ref(str(argument), where)
        if name == "Fn::GetAtt":
            logical_id, attribute = (
                argument.split(".", 1) if isinstance(argument, str) else map(str, argument)
            )
            return self._attribute(logical_id, attribute)
        if name == "Fn::Sub":
            return self._sub(argument, where)
        if name == "Fn::FindInMap":
            mapping, top, second = (self.resolve(part, where) for part in argument)
            try:
                return self._stack.template["Mappings"][mapping][top][second]
            except (KeyError, TypeError):
                raise Unresolved(f"{where}: Fn::FindInMap {mapping}.{top}.{second}") from None
        combine = {"Fn::Join": _join, "Fn::Select": _select, "Fn::Split": _split}.get(name)
        if combine is None:
            raise Unresolved(f"{where}: {name} is not worked out by the drift check")
        first, second = (self.resolve(part, where) for part in argument)
        hidden = contains_hidden([first, second])
        return hidden if hidden is not None else combine(first, second, where)

    def ref(self, name: str, where: str) -> Any:
        """What ``Ref: name`` answers."""
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self._pseudo:
            return self._pseudo[name]
        declared = self._stack.template.get("Parameters") or {}
        if name in declared:
            return self._parameter(name, declared[name], where)
        resource = self._stack.resources.get(name)
        if resource is None:
            raise Unresolved(f"{where}: Ref {name}: the stack has no such resource or parameter")
        if resource.physical_id is None:
            raise Unresolved(f"{where}: Ref {name}: it has no physical id ({resource.status})")
        return resource.physical_id

    def _parameter(self, name: str, spec: Mapping[str, Any], where: str) -> Any:
        if str(spec.get("NoEcho", "")).lower() == "true":
            return Hidden(f"the NoEcho parameter {name}")
        value = self._stack.parameters.get(name, spec.get("Default"))
        if value is None:
            raise Unresolved(f"{where}: Ref {name}: the stack shows no value for the parameter")
        kind = str(spec.get("Type", "String"))
        if "List<" in kind or "CommaDelimitedList" in kind:
            return [item.strip() for item in str(value).split(",")]
        return str(value)

    def _sub(self, argument: Any, where: str) -> Any:
        text, names = (argument, {}) if isinstance(argument, str) else argument
        variables = {key: self.resolve(item, where) for key, item in names.items()}
        values: list[Any] = []

        def value_of(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = variables[name]
            elif "." in name:
                value = self._attribute(*name.split(".", 1))
            else:
                value = self.ref(name, where)
            values.append(value)
            return str(value)

        result = _SUB_VARIABLE.sub(value_of, str(text))
        hidden = contains_hidden(values)
        return hidden if hidden is not None else result


def _join(separator: Any, parts: Any, where: str) -> str:
    if not isinstance(parts, list):
        raise Unresolved(f"{where}: Fn::Join needs a list, got {type(parts).__name__}")
    return str(separator).join(str(part) for part in parts)


def _select(index: Any, items: Any, where: str) -> Any:
    try:
        return items[int(index)]
    except (IndexError, TypeError, ValueError):
        raise Unresolved(f"{where}: Fn::Select {index} is out of its list") from None


def _split(separator: Any, text: Any, where: str) -> list[str]:
    if not isinstance(text, str):
        raise Unresolved(f"{where}: Fn::Split needs a string, got {type(text).__name__}")
    return text.split(str(separator))
