"""The deployed stack as CloudFormation holds it: parameters, template and physical ids.

Three reads, each retried with the handler's own policy (``chime_calls.call_with_retries``):
``DescribeStacks`` (the stack's id and parameters), ``GetTemplate`` (the declared properties, as
deployed: the processed template) and ``DescribeStackResources`` (each resource's physical id;
that call answers the first 100 resources only, so a larger template is read with
``ListStackResources``, page by page). Any failure stops the check (``DriftCheckError``) with a
message naming the action and the stack.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from .handler import chime_calls

# DescribeStackResources answers at most this many resources.
_DESCRIBE_LIMIT: Final = 100
# The time one call and its retries may take (the handler's policy backs off within it).
CALL_BUDGET_SECONDS: Final = 120.0


def service_client(session: boto3.Session, service: str, region: str) -> Any:
    """A client of ``session`` in ``region`` with the handler's client settings (its retries are
    ``call_with_retries``'s)."""
    make: Any = session.client  # boto3's stubs type a client by a literal service name only
    return make(service, region_name=region, config=chime_calls.client_config())


class DriftCheckError(Exception):
    """The check could not run: the message names the action, the resource, and what to do."""


def no_credentials(action: str) -> DriftCheckError:
    """The error for a call made without credentials."""
    return DriftCheckError(
        f"{action}: no AWS credentials were found. Give --profile, or set AWS_PROFILE or the "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables."
    )


def denied(action: str, resource: str, error: ClientError, principal: str = "The caller") -> str:
    """A message for a denied call: who needs which action on what."""
    code, message = chime_calls.error_code(error), chime_calls.error_message(error)
    detail = f"{code}: {message}" if message else code
    return (
        f"{action} on {resource}: access denied ({detail}). {principal} needs {action} on "
        f"{resource}; check its policy and any permission boundary or SCP."
    )


def aws_call(
    action: str,
    resource: str,
    call: Callable[[], Any],
    policy: chime_calls.RetryPolicy,
    *,
    missing: str = "",
) -> dict[str, Any]:
    """Run one read with the handler's retries; any failure raises DriftCheckError (``missing``
    is the message when the service says the resource does not exist)."""
    try:
        outcome = chime_calls.call_with_retries(
            action, call, deadline=policy.clock() + CALL_BUDGET_SECONDS, policy=policy
        )
    except NoCredentialsError:
        raise no_credentials(action) from None
    except ClientError as error:
        code = chime_calls.error_code(error)
        if code in chime_calls.ACCESS_DENIED_CODES or code == "AccessDenied":
            raise DriftCheckError(denied(action, resource, error)) from None
        message = chime_calls.error_message(error)
        if missing and "does not exist" in message:
            raise DriftCheckError(f"{missing} ({code}: {message})") from None
        raise DriftCheckError(f"{action} on {resource} failed ({code}: {message}).") from None
    except (chime_calls.RetriesExhaustedError, BotoCoreError) as error:
        raise DriftCheckError(f"{action} on {resource} failed: {error}.") from None
    response: dict[str, Any] = outcome.response
    return response


@dataclass(frozen=True)
class StackResource:
    """One resource of the stack as DescribeStackResources shows it."""

    logical_id: str
    type: str
    physical_id: str | None
    status: str


@dataclass(frozen=True)
class DeployedStack:
    """What CloudFormation holds of a stack.

    ``parameters`` are the values the stack was given (an SSM parameter type's resolved value);
    ``template`` is the processed template; ``resources`` are by logical id.
    """

    name: str
    stack_id: str
    region: str
    parameters: Mapping[str, str]
    template: Mapping[str, Any]
    resources: Mapping[str, StackResource]

    @property
    def partition(self) -> str:
        """The partition, from the stack's ARN."""
        return self.stack_id.split(":")[1]

    @property
    def account(self) -> str:
        """The account, from the stack's ARN."""
        return self.stack_id.split(":")[4]


def _template(body: object, stack: str) -> Mapping[str, Any]:
    """The template body: botocore decodes a JSON template; a string is JSON or YAML."""
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            raise DriftCheckError(
                f"cloudformation:GetTemplate on stack {stack}: the template is not JSON (YAML?). "
                "The drift check reads JSON templates, as cdk deploy uploads them."
            ) from None
    if not isinstance(body, Mapping) or not isinstance(body.get("Resources"), Mapping):
        raise DriftCheckError(f"cloudformation:GetTemplate on stack {stack}: no Resources.")
    return body


def _resources(
    client: Any, stack_id: str, count: int, policy: chime_calls.RetryPolicy
) -> dict[str, StackResource]:
    if count <= _DESCRIBE_LIMIT:
        answer = aws_call(
            "cloudformation:DescribeStackResources",
            stack_id,
            partial(client.describe_stack_resources, StackName=stack_id),
            policy,
        )
        listed = list(answer.get("StackResources") or [])
    else:
        listed = []
        more: dict[str, str] = {}
        while True:
            page = aws_call(
                "cloudformation:ListStackResources",
                stack_id,
                partial(client.list_stack_resources, StackName=stack_id, **more),
                policy,
            )
            listed += page.get("StackResourceSummaries") or []
            if not page.get("NextToken"):
                break
            more = {"NextToken": str(page["NextToken"])}
    return {
        str(item["LogicalResourceId"]): StackResource(
            logical_id=str(item["LogicalResourceId"]),
            type=str(item["ResourceType"]),
            physical_id=item.get("PhysicalResourceId") or None,
            status=str(item.get("ResourceStatus") or ""),
        )
        for item in listed
    }


def read_stack(
    client: Any, stack_name: str, region: str, policy: chime_calls.RetryPolicy
) -> DeployedStack:
    """Read a stack with ``client`` (CloudFormation, in ``region``)."""
    answer = aws_call(
        "cloudformation:DescribeStacks",
        f"stack {stack_name} in {region}",
        partial(client.describe_stacks, StackName=stack_name),
        policy,
        missing=f"cloudformation:DescribeStacks: there is no stack {stack_name} in {region}. "
        "Check the stack name and --region",
    )
    (stack,) = answer["Stacks"]
    stack_id = str(stack["StackId"])
    parameters = {
        str(item["ParameterKey"]): str(item.get("ResolvedValue", item.get("ParameterValue", "")))
        for item in stack.get("Parameters") or []
    }
    body = aws_call(
        "cloudformation:GetTemplate",
        stack_id,
        partial(client.get_template, StackName=stack_id, TemplateStage="Processed"),
        policy,
    ).get("TemplateBody")
    template = _template(body, stack_name)
    return DeployedStack(
        name=str(stack.get("StackName") or stack_name),
        stack_id=stack_id,
        region=region,
        parameters=parameters,
        template=template,
        resources=_resources(client, stack_id, len(template["Resources"]), policy),
    )
