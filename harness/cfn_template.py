"""What a synthesized template gives its function: the environment, with references resolved.

CloudFormation resolves a function's ``Environment.Variables`` when it creates the function:
``{"Ref": <a DynamoDB table>}`` becomes the table's name, ``{"Fn::GetAtt": [<a role>, "Arn"]}``
the role's ARN. ``function_environment`` does the same for the harness, with the physical names
the harness gave the resources it created (the tables it made in moto, ``harness.dynamodb``), and
fixed stand-ins for what the harness does not create: account 123456789012, region us-east-1, a
role named by its ``RoleName`` or ``<stack>-<logical id>``, a KMS key id derived from its logical
id. A reference it cannot resolve is an
error that names it, never a silently wrong value.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

from harness.synth import FUNCTION_TYPE

HANDLER: Final = "index.handler"
"""The Handler of the function the harness runs (what the provider construct configures)."""
TABLE_TYPE: Final = "AWS::DynamoDB::Table"
KEY_TYPE: Final = "AWS::KMS::Key"
ACCOUNT: Final = "123456789012"
"""The account the harness stands in for (moto's default account, the runner's ARNs)."""
REGION: Final = "us-east-1"
"""The region the harness stands in for (the runner's AWS_REGION)."""
PARTITION: Final = "aws"


class TemplateError(ValueError):
    """The template holds something the harness cannot stand in for; the message names it."""


def handler_function(template: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The logical id and resource of the template's function whose Handler is HANDLER; None
    when it has none (a test's hand-made template of custom resources only)."""
    found = [
        (logical_id, dict(resource))
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") == FUNCTION_TYPE
        and resource.get("Properties", {}).get("Handler") == HANDLER
    ]
    if len(found) > 1:
        raise TemplateError(
            f"expected one {FUNCTION_TYPE} with Handler {HANDLER} in the template, found "
            f"{len(found)}: {[logical_id for logical_id, _ in found]}"
        )
    return found[0] if found else None


class Resolver:
    """Resolves a template's intrinsic references as CloudFormation would for one stack.

    ``physical_ids`` gives the name of each resource the harness created (by logical id): what
    ``Ref`` answers for it, and what its ARN is built from.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        stack_name: str,
        physical_ids: Mapping[str, str] | None = None,
    ) -> None:
        """Resolve references within ``template``, deployed as the stack ``stack_name``."""
        self._resources: Mapping[str, Any] = template.get("Resources", {})
        self._stack_name = stack_name
        self._physical_ids = dict(physical_ids or {})
        self._pseudo = {
            "AWS::AccountId": ACCOUNT,
            "AWS::Region": REGION,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
        }

    def resolve(self, value: Any, where: str = "the template") -> Any:
        """``value`` with every Ref, Fn::GetAtt and Fn::Join resolved; ``where`` names it in
        errors."""
        if isinstance(value, list):
            return [self.resolve(item, f"{where}[{index}]") for index, item in enumerate(value)]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Ref":
                return self._ref(str(argument), where)
            if name == "Fn::GetAtt":
                return self._get_att(argument, where)
            if name == "Fn::Join":
                separator, parts = argument
                return str(separator).join(str(part) for part in self.resolve(parts, where))
            if name.startswith("Fn::"):
                raise TemplateError(
                    f"{where}: the harness does not resolve {name} ({value!r:.200})"
                )
        return {key: self.resolve(item, f"{where}.{key}") for key, item in value.items()}

    def _type(self, logical_id: str, where: str) -> str:
        resource = self._resources.get(logical_id)
        if resource is None:
            raise TemplateError(f"{where}: no resource {logical_id!r} in the template")
        return str(resource.get("Type"))

    def _ref(self, name: str, where: str) -> str:
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._physical_ids:
            return self._physical_ids[name]
        if self._type(name, where) == "AWS::IAM::Role":
            return self._role_name(name)
        if self._type(name, where) == KEY_TYPE:
            return self._key_id(name)
        raise TemplateError(
            f"{where}: Ref to {name} ({self._type(name, where)}) has no value in the harness: it "
            "resolves roles, KMS keys and the resources it created (DynamoDB tables, in "
            "harness.dynamodb)"
        )

    def _get_att(self, argument: Any, where: str) -> str:
        logical_id, attribute = (
            argument.split(".", 1) if isinstance(argument, str) else (str(argument[0]), argument[1])
        )
        kind = self._type(logical_id, where)
        if attribute == "Arn" and kind == "AWS::IAM::Role":
            path = str(self._resources[logical_id].get("Properties", {}).get("Path", "/"))
            return f"arn:{PARTITION}:iam::{ACCOUNT}:role{path}{self._role_name(logical_id)}"
        if attribute == "Arn" and kind == KEY_TYPE:
            return f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/{self._key_id(logical_id)}"
        if attribute == "Arn" and kind == TABLE_TYPE and logical_id in self._physical_ids:
            table = self._physical_ids[logical_id]
            return f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
        raise TemplateError(
            f"{where}: Fn::GetAtt {logical_id}.{attribute} ({kind}) has no value in the harness: "
            "it resolves the Arn of roles, KMS keys and the DynamoDB tables it created"
        )

    @staticmethod
    def _key_id(logical_id: str) -> str:
        """A KMS key id (a UUID), the same for the same logical id."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kms-key:{logical_id}"))

    def _role_name(self, logical_id: str) -> str:
        name = self._resources[logical_id].get("Properties", {}).get("RoleName")
        if isinstance(name, str):
            return name
        # CloudFormation's generated names add a random suffix; a fixed one serves the tests.
        return f"{self._stack_name}-{logical_id}"[:64]


def function_environment(
    template: Mapping[str, Any],
    *,
    stack_name: str,
    physical_ids: Mapping[str, str] | None = None,
) -> dict[str, str] | None:
    """The handler function's Environment.Variables, resolved as CloudFormation would.

    ``physical_ids`` names the resources the harness created for the stack (the tables it made
    in moto), by logical id. An empty dict when the function declares no variables; None when
    the template has no handler function.
    """
    found = handler_function(template)
    if found is None:
        return None
    logical_id, function = found
    variables = function.get("Properties", {}).get("Environment", {}).get("Variables", {})
    resolver = Resolver(template, stack_name=stack_name, physical_ids=physical_ids)
    environment: dict[str, str] = {}
    for name, value in variables.items():
        where = f"{logical_id} Environment.Variables.{name}"
        resolved = resolver.resolve(value, where)
        if not isinstance(resolved, str):
            raise TemplateError(f"{where}: resolves to {resolved!r:.200}, not a string")
        environment[name] = resolved
    return environment
