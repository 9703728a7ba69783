"""What a synthesized template gives its function and its custom resources, references resolved.

CloudFormation resolves a function's ``Environment.Variables`` when it creates the function:
``{"Ref": <a DynamoDB table>}`` becomes the table's name, ``{"Fn::GetAtt": [<a role>, "Arn"]}``
the role's ARN. ``function_environment`` does the same for the harness, with the physical names
the harness gave the resources it created (the tables it made in moto, ``harness.dynamodb``), and
fixed stand-ins for what the harness does not create: account 123456789012, region us-east-1, a
role named by its ``RoleName`` or ``<stack>-<logical id>``, a KMS key id derived from its logical
id. A reference it cannot resolve is an error that names it, never a silently wrong value.

A custom resource's properties are resolved the same way as the lifecycle driver sends them, with
the physical ids and attributes of the resources it made: the ``Data`` each custom resource's
answer gave (``Fn::GetAtt``) and its PhysicalResourceId (``Ref``), and the stack's
``AWS::Chime::VoiceConnector`` resources, which the lifecycle driver creates in the emulator.
Their ``Ref`` is the VoiceConnectorArn, as for every registry type whose primaryIdentifier is its
ARN (the type's schema; aws-cdk-lib's ``CfnVoiceConnector.voiceConnectorRef`` is
``{voiceConnectorArn: this.ref}``): a VoiceConnectorId is ``Fn::GetAtt [<vc>, VoiceConnectorId]``
(``attr_voice_connector_id``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any, Final

import proxy_contract as contract
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
    ``Ref`` answers for it, and what its ARN is built from. ``attributes`` gives what
    ``Fn::GetAtt`` answers for the resources it made (a custom resource's Data, a voice
    connector's attributes). A template parameter's ``Ref`` is its value in ``parameters``, or
    its Default.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        stack_name: str,
        physical_ids: Mapping[str, str] | None = None,
        attributes: Mapping[str, Mapping[str, str]] | None = None,
        parameters: Mapping[str, str] | None = None,
    ) -> None:
        """Resolve references within ``template``, deployed as the stack ``stack_name``."""
        self._resources: Mapping[str, Any] = template.get("Resources", {})
        self._declared_parameters: Mapping[str, Any] = template.get("Parameters", {})
        self._parameters = {
            name: str(spec["Default"])
            for name, spec in self._declared_parameters.items()
            if "Default" in spec
        }
        self._parameters.update(parameters or {})
        self._stack_name = stack_name
        self._physical_ids = dict(physical_ids or {})
        self._attributes = dict(attributes or {})
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
        if name in self._parameters:
            return self._parameters[name]
        if name in self._declared_parameters:
            raise TemplateError(
                f"{where}: the parameter {name} has no Default: give the stack its value "
                f"(CloudFormationStack(parameters={{{name!r}: ...}}))"
            )
        if self._type(name, where) == "AWS::IAM::Role":
            return self._role_name(name)
        if self._type(name, where) == KEY_TYPE:
            return self._key_id(name)
        raise TemplateError(
            f"{where}: Ref to {name} ({self._type(name, where)}) has no value in the harness: it "
            "resolves roles, KMS keys and the resources it created (DynamoDB tables, in "
            "harness.dynamodb; voice connectors and custom resources, in harness.lifecycle)"
        )

    def _get_att(self, argument: Any, where: str) -> str:
        logical_id, attribute = (
            argument.split(".", 1) if isinstance(argument, str) else (str(argument[0]), argument[1])
        )
        kind = self._type(logical_id, where)
        if logical_id in self._attributes:
            known = self._attributes[logical_id]
            if attribute in known:
                return known[attribute]
            raise TemplateError(
                f"{where}: Fn::GetAtt {logical_id}.{attribute}: {logical_id} ({kind}) has no "
                f"attribute {attribute}; it has {sorted(known)}"
            )
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


# The custom resources the function serves, and the voice connectors CloudFormation makes. ------

VOICE_CONNECTOR_TYPE: Final = "AWS::Chime::VoiceConnector"
VOICE_CONNECTOR_ATTRIBUTES: Final = (
    "VoiceConnectorId",
    "VoiceConnectorArn",
    "OutboundHostName",
    "CreatedTimestamp",
    "UpdatedTimestamp",
)
"""What ``Fn::GetAtt`` answers for an AWS::Chime::VoiceConnector (its readOnlyProperties)."""
VOICE_CONNECTOR_CREATE_ONLY: Final = ("AwsRegion", "NetworkType")
"""The properties whose change replaces a voice connector (its createOnlyProperties)."""
PENDING: Final = "<made by the stack>"
"""What a reference resolves to before the resource it names exists (``check_references``)."""


def sent_value(value: Any, service_token: str) -> Any:
    """Custom resource properties as CloudFormation sends them: scalars as strings, the
    ServiceToken ``service_token``, other references kept (``CloudFormationStack`` resolves them
    when it sends a request, once the resources they name exist)."""
    if isinstance(value, dict) and "ServiceToken" in value:
        rest = sent_value({k: v for k, v in value.items() if k != "ServiceToken"}, service_token)
        return {"ServiceToken": service_token, **rest}
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return [sent_value(item, service_token) for item in value]
    if isinstance(value, dict):
        key = next(iter(value), "")
        if len(value) == 1 and (key == "Ref" or key.startswith("Fn::")):
            return value
        return {key: sent_value(item, service_token) for key, item in value.items()}
    return value


def dynamic(value: Any, references: Mapping[str, str]) -> Any:
    """``value`` with each dynamic reference (``{{resolve:...}}``) in ``references`` replaced by
    what CloudFormation resolves it to as it sends a request."""
    if isinstance(value, str):
        return references.get(value, value)
    if isinstance(value, list):
        return [dynamic(item, references) for item in value]
    if isinstance(value, dict):
        return {key: dynamic(item, references) for key, item in value.items()}
    return value


def resource_types(template: Mapping[str, Any]) -> dict[str, str]:
    """The resource type of each custom resource the function serves, by logical id."""
    return {
        logical_id: str(resource["Type"])
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] in contract.SERVED_RESOURCE_TYPES
    }


def voice_connectors(template: Mapping[str, Any]) -> list[str]:
    """The logical ids of the template's AWS::Chime::VoiceConnector resources."""
    return [
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == VOICE_CONNECTOR_TYPE
    ]


def references(value: Any) -> set[str]:
    """The logical ids (and pseudo parameters) ``value`` names in a Ref or Fn::GetAtt."""
    if isinstance(value, dict):
        found: set[str] = set()
        if isinstance(value.get("Ref"), str):
            found.add(value["Ref"])
        attribute = value.get("Fn::GetAtt")
        if isinstance(attribute, str):
            attribute = attribute.split(".", 1)
        if isinstance(attribute, list) and attribute:
            found.add(str(attribute[0]))
        for item in value.values():
            found |= references(item)
        return found
    if isinstance(value, list):
        return set().union(*(references(item) for item in value)) if value else set()
    return set()


def dependencies(template: Mapping[str, Any]) -> dict[str, set[str]]:
    """For each served custom resource, the served resources and voice connectors it waits for
    (DependsOn, Ref, Fn::GetAtt)."""
    served = resource_types(template)
    made = set(served) | set(voice_connectors(template))
    found: dict[str, set[str]] = {}
    for logical_id in served:
        resource = template["Resources"][logical_id]
        depends_on = resource.get("DependsOn", [])
        named = {depends_on} if isinstance(depends_on, str) else set(depends_on)
        named |= references(resource.get("Properties", {}))
        found[logical_id] = {other for other in named if other in made and other != logical_id}
    return found


def waves(logical_ids: list[str], waits_for: Mapping[str, set[str]]) -> list[list[str]]:
    """``logical_ids`` in dependency order: each wave waits only for earlier waves."""
    pending = list(logical_ids)
    done: set[str] = set()
    ordered: list[list[str]] = []
    while pending:
        wave = [lid for lid in pending if not (waits_for.get(lid, set()) & set(pending)) - done]
        if not wave:  # a cycle: CloudFormation would refuse the template; send the rest at once
            wave = list(pending)
        ordered.append(wave)
        done.update(wave)
        pending = [lid for lid in pending if lid not in done]
    return ordered


def attributes_used(template: Mapping[str, Any]) -> dict[str, set[str]]:
    """For each logical id, the attributes the template reads with Fn::GetAtt."""
    found: dict[str, set[str]] = {}

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            attribute = value.get("Fn::GetAtt")
            if isinstance(attribute, str):
                attribute = attribute.split(".", 1)
            if isinstance(attribute, list) and len(attribute) == 2:
                found.setdefault(str(attribute[0]), set()).add(str(attribute[1]))
            for item in value.values():
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    visit([template.get("Resources", {}), template.get("Outputs", {})])
    return found


class _Anything(Mapping[str, str]):
    """Every attribute: what a custom resource's Data may hold, before it answers."""

    def __getitem__(self, key: str) -> str:
        return PENDING

    def __contains__(self, key: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def check_references(
    template: Mapping[str, Any],
    sent: Mapping[str, Any],
    *,
    stack_name: str,
    parameters: Mapping[str, str] | None = None,
) -> None:
    """Raise TemplateError for a reference in a custom resource's properties the lifecycle
    driver cannot resolve, before it sends anything (a voice connector's unknown attribute, a
    resource it does not make); ``sent`` holds the properties by logical id."""
    made = voice_connectors(template)
    tables = [lid for lid, r in template["Resources"].items() if r["Type"] == TABLE_TYPE]
    resolver = Resolver(
        template,
        stack_name=stack_name,
        physical_ids={lid: PENDING for lid in [*made, *tables, *resource_types(template)]},
        attributes={
            **{lid: _Anything() for lid in resource_types(template)},
            **{lid: dict.fromkeys(VOICE_CONNECTOR_ATTRIBUTES, PENDING) for lid in made},
        },
        parameters=parameters,
    )
    for logical_id, properties in sent.items():
        resolver.resolve(properties, f"{logical_id} Properties")
