"""What CloudFormation shows of a stack, and its answers: what ``harness.cloudformation`` serves.

A `StackView` is what DescribeStacks, DescribeStackResources, ListStackResources and GetTemplate
answer for one stack (`answer` writes those answers in CloudFormation's XML; ListStackResources
pages of `LIST_PAGE_SIZE` resources, as CloudFormation does, with an opaque NextToken):
its name and id, status, the template as deployed, the parameters' values, the outputs resolved,
and each resource's physical id and status. A test builds one by hand, or `view_of` builds it
from the lifecycle driver's state (`harness.lifecycle.CloudFormationStack`) each time it is asked,
so a deploy, an update or a delete through the driver shows at once:
- the status is the driver's last operation's (a stack never deployed does not exist; one whose
  last operation is DELETE_COMPLETE is deleted, which CloudFormation still shows by stack id);
- the custom resources' physical ids are the ones their answers gave, the voice connectors' their
  ARNs (their Ref, ``harness.cfn_native``), the tables' the names the runner made them with;
  the rest get plausible ones: the handler function ``FUNCTION_NAME`` (its ServiceToken's ARN),
  a role its RoleName or ``<stack>-<logical id>``, a KMS key its id (as ``Resolver`` answers their
  Ref), a name property when the template gives one, else ``<stack>-<logical id>-<SUFFIX>`` as
  CloudFormation generates names (an ARN of that name for a managed policy);
- a custom resource that was ever sent an Update shows UPDATE_COMPLETE, the others CREATE_COMPLETE;
- the outputs are resolved with the custom resources' Data and the voice connectors' attributes.
Times are when the stack was published: the driver does not keep when it deployed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from harness.cfn_template import (
    ACCOUNT,
    PARTITION,
    REGION,
    VOICE_CONNECTOR_TYPE,
    Resolver,
    TemplateError,
    handler_function,
)
from harness.emulator.model import iso8601, to_millis
from harness.lambda_runner import FUNCTION_NAME
from harness.lifecycle import STACK_ID, STACK_NAME, CloudFormationStack

API_VERSION: Final = "2010-05-15"
"""The CloudFormation API version the stand-in speaks."""
NAMESPACE: Final = f"http://cloudformation.amazonaws.com/doc/{API_VERSION}/"
"""The XML namespace of CloudFormation's answers."""
# A resource type's property that names it, when the template sets one (its Ref is that name).
_NAME_PROPERTIES: Final = {
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Policy": "PolicyName",
}
LIST_PAGE_SIZE: Final = 100
"""The resources one ListStackResources page holds."""
# Statuses after which CloudFormation has deleted the stack's resources.
_GONE: Final = frozenset({"ROLLBACK_COMPLETE", "DELETE_COMPLETE"})


class CloudFormationError(Exception):
    """An error answer: its HTTP status, CloudFormation's code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        """Answer ``status`` with ``code`` and ``message``."""
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class ResourceView:
    """One resource of a stack as DescribeStackResources shows it."""

    logical_id: str
    resource_type: str
    physical_id: str
    status: str = "CREATE_COMPLETE"


@dataclass(frozen=True)
class StackView:
    """A stack as CloudFormation shows it: ``parameters`` and ``outputs`` as values by key
    (a NoEcho parameter's value already masked), ``resources`` in the template's order."""

    name: str
    stack_id: str
    status: str
    template: Mapping[str, Any]
    created: datetime
    parameters: Mapping[str, str] = field(default_factory=dict)
    outputs: Mapping[str, str] = field(default_factory=dict)
    resources: tuple[ResourceView, ...] = ()
    last_updated: datetime | None = None

    @property
    def deleted(self) -> bool:
        """Whether the stack is deleted: found by its stack id only, with no resources."""
        return self.status == "DELETE_COMPLETE"


def stack_id_for(name: str) -> str:
    """A stack id for a stack named ``name`` (the driver's STACK_ID for its STACK_NAME)."""
    if name == STACK_NAME:
        return STACK_ID
    arn = f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/{name}"
    return f"{arn}/{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _suffix(seed: str, length: int) -> str:
    """Upper-case letters and digits from ``seed``: the same name for the same resource."""
    return base64.b32encode(hashlib.sha256(seed.encode()).digest()).decode()[:length]


def view_of(
    stack: CloudFormationStack,
    template: Mapping[str, Any],
    *,
    published: datetime,
) -> StackView | None:
    """What CloudFormation shows of the driver's ``stack`` deployed with ``template`` (its last
    successful template), published at ``published``; None before any deploy. The driver deploys
    as STACK_NAME, STACK_ID: its requests carry them and AWS::StackName resolves to the name."""
    if not stack.history:
        return None
    status = stack.history[-1].status or (
        "CREATE_IN_PROGRESS" if len(stack.history) == 1 else "UPDATE_IN_PROGRESS"
    )
    declared: Mapping[str, Any] = template.get("Resources", {})
    physical_ids, attributes = stack.voice_connectors.references()
    physical_ids.update(getattr(stack.runner, "tables", {}))
    for logical_id, resource in list(stack.resources.items()):
        physical_ids[logical_id], attributes[logical_id] = resource.physical_id, resource.data
    resolver = Resolver(
        template,
        stack_name=STACK_NAME,
        physical_ids=physical_ids,
        attributes=attributes,
        parameters=stack.parameters,
    )
    held = set(stack.resources) | set(stack.voice_connectors.made)
    updated = {
        invocation.request["LogicalResourceId"]
        for operation in stack.history
        for invocation in operation.invocations
        if invocation.request["RequestType"] == "Update"
    }
    resources: list[ResourceView] = []
    for logical_id in [*declared, *sorted(held - set(declared))]:
        kind = str(declared.get(logical_id, {}).get("Type") or stack.types.get(logical_id))
        if logical_id in held:
            kind = VOICE_CONNECTOR_TYPE if logical_id in stack.voice_connectors.made else kind
            physical_id = physical_ids[logical_id]
        elif kind.startswith("Custom::") or kind == VOICE_CONNECTOR_TYPE or status in _GONE:
            continue
        else:
            physical_id = _native_id(resolver, template, logical_id, kind)
        state = "UPDATE_COMPLETE" if logical_id in updated else "CREATE_COMPLETE"
        resources.append(ResourceView(logical_id, kind, physical_id, state))
    return StackView(
        name=STACK_NAME,
        stack_id=STACK_ID,
        status=status,
        template=template,
        created=published,
        parameters=_parameters(template, stack.parameters),
        outputs={} if status in _GONE else _outputs(resolver, template),
        resources=() if status == "DELETE_COMPLETE" else tuple(resources),
        last_updated=published if len(stack.history) > 1 else None,
    )


def _native_id(resolver: Resolver, template: Mapping[str, Any], logical_id: str, kind: str) -> str:
    found = handler_function(template)
    if found is not None and found[0] == logical_id:
        return FUNCTION_NAME
    given = template["Resources"][logical_id].get("Properties", {}).get(_NAME_PROPERTIES.get(kind))
    if isinstance(given, str):
        return given
    try:
        return str(resolver.resolve({"Ref": logical_id}, logical_id))
    except TemplateError:
        pass
    generated = f"{STACK_NAME}-{logical_id}"[:50] + "-" + _suffix(f"{STACK_ID}/{logical_id}", 12)
    if kind == "AWS::IAM::ManagedPolicy":
        return f"arn:{PARTITION}:iam::{ACCOUNT}:policy/{generated}"
    return generated


def _parameters(template: Mapping[str, Any], given: Mapping[str, str]) -> dict[str, str]:
    """The template's parameters' values as deployed (given, else Default); NoEcho masked."""
    values: dict[str, str] = {}
    for key, spec in template.get("Parameters", {}).items():
        if key not in given and "Default" not in spec:
            continue
        value = str(given.get(key, spec.get("Default")))
        values[key] = "****" if str(spec.get("NoEcho")).lower() == "true" else value
    return values


def _outputs(resolver: Resolver, template: Mapping[str, Any]) -> dict[str, str]:
    """The template's outputs resolved (a TemplateError names one the harness cannot)."""
    return {
        key: str(resolver.resolve(spec["Value"], f"Outputs.{key}.Value"))
        for key, spec in template.get("Outputs", {}).items()
    }


# The answers, in CloudFormation's XML as botocore's model names the members. -------------------


def answer(
    result: ET.Element, action: str, params: Mapping[str, str], views: list[StackView]
) -> None:
    """Fill ``result`` (the ``<action>Result`` element) with the answer to ``action`` over the
    stacks ``views``; CloudFormationError for a stack that does not exist."""
    if action == "DescribeStacks":
        name = params.get("StackName")
        found = [_stack(views, name)] if name else [view for view in views if not view.deleted]
        stacks = child(result, "Stacks")
        for view in found:
            _render_stack(child(stacks, "member"), view)
    elif action == "DescribeStackResources":
        view = _resources_of(views, params.get("StackName"), params.get("PhysicalResourceId"))
        _render_resources(child(result, "StackResources"), view, params.get("LogicalResourceId"))
    elif action == "ListStackResources":
        _render_summaries(result, _stack(views, params["StackName"]), params.get("NextToken"))
    elif params.get("ChangeSetName"):
        change_set = params["ChangeSetName"]
        raise CloudFormationError(
            404, "ChangeSetNotFound", f"ChangeSet [{change_set}] does not exist"
        )
    elif not params.get("StackName"):
        raise CloudFormationError(
            400, "ValidationError", "Either StackName or ChangeSetName is required"
        )
    else:
        # Original and Processed differ only by transforms, which the harness does not run.
        template = _stack(views, params["StackName"]).template
        child(result, "TemplateBody", json.dumps(template, indent=1))
        stages = child(result, "StagesAvailable")
        for stage in ("Original", "Processed"):
            child(stages, "member", stage)


def _stack(views: list[StackView], name_or_id: str) -> StackView:
    for view in views:
        if view.stack_id == name_or_id or (view.name == name_or_id and not view.deleted):
            return view
    raise CloudFormationError(400, "ValidationError", f"Stack with id {name_or_id} does not exist")


def _resources_of(views: list[StackView], name: str | None, physical_id: str | None) -> StackView:
    if name:
        return _stack(views, name)
    if not physical_id:
        message = "Either StackName or PhysicalResourceId must be specified."
        raise CloudFormationError(400, "ValidationError", message)
    for view in views:
        if any(resource.physical_id == physical_id for resource in view.resources):
            return view
    raise CloudFormationError(400, "ValidationError", f"Stack for {physical_id} does not exist")


def child(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    """A new element ``tag`` in ``parent``, holding ``text`` if given."""
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _time(moment: datetime) -> str:
    return iso8601(to_millis(moment))


def _pairs(parent: ET.Element, kind: str, pairs: Iterable[tuple[str, str]]) -> None:
    """Parameters (ParameterKey, ParameterValue) or Outputs (OutputKey, OutputValue)."""
    for key, value in pairs:
        item = child(parent, "member")
        child(item, f"{kind}Key", key)
        child(item, f"{kind}Value", value)


def _render_stack(item: ET.Element, view: StackView) -> None:
    """Fill ``item`` (a member of DescribeStacks' Stacks) with ``view``."""
    child(item, "StackId", view.stack_id)
    child(item, "StackName", view.name)
    if "Description" in view.template:
        child(item, "Description", str(view.template["Description"]))
    _pairs(child(item, "Parameters"), "Parameter", view.parameters.items())
    child(item, "CreationTime", _time(view.created))
    if view.deleted:
        child(item, "DeletionTime", _time(view.last_updated or view.created))
    elif view.last_updated is not None:
        child(item, "LastUpdatedTime", _time(view.last_updated))
    child(item, "StackStatus", view.status)
    child(item, "DisableRollback", "false")
    child(item, "NotificationARNs")
    if view.outputs:
        _pairs(child(item, "Outputs"), "Output", view.outputs.items())
    child(item, "Tags")
    child(item, "EnableTerminationProtection", "false")
    child(child(item, "DriftInformation"), "StackDriftStatus", "NOT_CHECKED")


def _render_resources(parent: ET.Element, view: StackView, logical_id: str | None) -> None:
    """Fill ``parent`` (DescribeStackResources' StackResources) with the view's resources, or
    with the one of ``logical_id`` only."""
    for resource in view.resources:
        if logical_id and resource.logical_id != logical_id:
            continue
        item = child(parent, "member")
        child(item, "StackName", view.name)
        child(item, "StackId", view.stack_id)
        child(item, "LogicalResourceId", resource.logical_id)
        child(item, "PhysicalResourceId", resource.physical_id)
        child(item, "ResourceType", resource.resource_type)
        child(item, "Timestamp", _time(view.last_updated or view.created))
        child(item, "ResourceStatus", resource.status)
        child(child(item, "DriftInformation"), "StackResourceDriftStatus", "NOT_CHECKED")


def _page_start(token: str | None) -> int:
    """Where the page a NextToken names starts (0 without one)."""
    if not token:
        return 0
    try:
        return int(base64.urlsafe_b64decode(token.encode()).decode())
    except (ValueError, binascii.Error):
        message = "Invalid NextToken: pass the NextToken of an earlier ListStackResources answer"
        raise CloudFormationError(400, "ValidationError", message) from None


def _render_summaries(result: ET.Element, view: StackView, token: str | None) -> None:
    """Fill ``result`` (ListStackResources' result) with one page of the view's resources, and
    the NextToken of the next page when there is one."""
    start = _page_start(token)
    page = view.resources[start : start + LIST_PAGE_SIZE]
    summaries = child(result, "StackResourceSummaries")
    for resource in page:
        item = child(summaries, "member")
        child(item, "LogicalResourceId", resource.logical_id)
        child(item, "PhysicalResourceId", resource.physical_id)
        child(item, "ResourceType", resource.resource_type)
        child(item, "LastUpdatedTimestamp", _time(view.last_updated or view.created))
        child(item, "ResourceStatus", resource.status)
        child(child(item, "DriftInformation"), "StackResourceDriftStatus", "NOT_CHECKED")
    if start + LIST_PAGE_SIZE < len(view.resources):
        following = str(start + LIST_PAGE_SIZE).encode()
        child(result, "NextToken", base64.urlsafe_b64encode(following).decode())
