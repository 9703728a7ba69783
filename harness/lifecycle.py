"""A CloudFormation lifecycle driver for the custom resources the function serves.

It takes templates synthesized by the real CDK CLI (``harness.synth``), runs the handler from the
cloud assembly's asset folder in a separate Python process (``LambdaRunner``, in
``harness.lambda_runner``: AWS's runtime interface client against a local Runtime API that enforces
the function's deadline) and sends the requests CloudFormation would send for a stack create,
update, rollback and delete. Responses go to a local HTTPS server standing in for the presigned S3
ResponseURL (``ResponseSink``); the handler reaches the ChimeSDKVoice emulator through
``AWS_ENDPOINT_URL_CHIME_SDK_VOICE``, with no test hooks of its own.

The driver models what CloudFormation does with custom resources:
- create: Create for each resource; if any fails, the stack rolls back with a Delete for every
  resource it created or tried to create (the failed one carrying the id its response gave);
- update: Create for new resources, Update for changed ones (a new PhysicalResourceId means
  replacement), and, once all succeed, Delete for replaced old ids and removed resources; if any
  fails, rollback: Update back to the old properties for every changed resource (Delete for the
  replacement's new id after that), Delete for the resources it created;
- delete: Delete for every resource.
Independent resources are sent concurrently, as CloudFormation does.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import proxy_contract as contract
from harness.lambda_runner import FUNCTION_ARN, Invocation, LambdaRunner

STACK_ID = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/ChimeProxySessionDemo/"
    "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)
# The runner lives in harness.lambda_runner; its names stay importable from here.
__all__ = [
    "FUNCTION_ARN",
    "CloudFormationStack",
    "Invocation",
    "LambdaRunner",
    "LifecycleError",
    "StackOperation",
    "cfn_value",
    "resource_properties",
]


class LifecycleError(RuntimeError):
    """The driver could not complete a request (e.g. the handler never answered).

    ``invocation`` is the run that sent CloudFormation no response, when there was one: a test
    can deliver it again as Lambda's retry would (``LambdaRunner.redeliver``).
    """

    def __init__(self, message: str, invocation: Invocation | None = None) -> None:
        super().__init__(message)
        self.invocation = invocation


def cfn_value(value: Any) -> Any:
    """A template value as CloudFormation sends it to a custom resource (scalars as strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return [cfn_value(item) for item in value]
    if isinstance(value, dict):
        if set(value) == {"Fn::GetAtt"} or set(value) == {"Ref"}:
            return FUNCTION_ARN
        return {key: cfn_value(item) for key, item in value.items()}
    return value


def resource_properties(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The custom resources of a template with their properties as CloudFormation sends them."""
    return {
        logical_id: cfn_value(resource.get("Properties", {}))
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] in contract.SERVED_RESOURCE_TYPES
    }


def _references(value: Any) -> set[str]:
    if isinstance(value, dict):
        found: set[str] = set()
        if "Ref" in value and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        if "Fn::GetAtt" in value and isinstance(value["Fn::GetAtt"], list):
            found.add(str(value["Fn::GetAtt"][0]))
        for item in value.values():
            found |= _references(item)
        return found
    if isinstance(value, list):
        return set().union(*(_references(item) for item in value)) if value else set()
    return set()


def dependencies(template: Mapping[str, Any]) -> dict[str, set[str]]:
    """For each served custom resource, the others it waits for (DependsOn, Ref, GetAtt)."""
    served = resource_types(template)
    found: dict[str, set[str]] = {}
    for logical_id in served:
        resource = template["Resources"][logical_id]
        depends_on = resource.get("DependsOn", [])
        named = {depends_on} if isinstance(depends_on, str) else set(depends_on)
        named |= _references(resource.get("Properties", {}))
        found[logical_id] = {other for other in named if other in served and other != logical_id}
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


def resource_types(template: Mapping[str, Any]) -> dict[str, str]:
    """The resource type of each custom resource the function serves, by logical id."""
    return {
        logical_id: str(resource["Type"])
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] in contract.SERVED_RESOURCE_TYPES
    }


@dataclass
class StackOperation:
    """What one stack operation sent and received, in order."""

    name: str
    invocations: list[Invocation] = field(default_factory=list)
    status: str = ""

    def requests(self, request_type: str | None = None) -> list[Invocation]:
        """The invocations, optionally only those of one RequestType."""
        return [
            item
            for item in self.invocations
            if request_type is None or item.request["RequestType"] == request_type
        ]


@dataclass
class _Resource:
    properties: dict[str, Any]
    physical_id: str


class CloudFormationStack:
    """The stack's state as CloudFormation keeps it, and the requests it sends to change it."""

    def __init__(
        self,
        runner: LambdaRunner,
        *,
        on_invocation: Callable[[Invocation], None] | None = None,
        max_workers: int = 20,
        dynamic_references: Mapping[str, str] | None = None,
    ) -> None:
        self.runner = runner
        # What CloudFormation would resolve {{resolve:...}} references to, as it sends a request;
        # the state it keeps (and compares) holds the references, as the template does.
        self.dynamic_references = dict(dynamic_references or {})
        self.max_workers = max_workers
        self.resources: dict[str, _Resource] = {}
        # Every type a logical id has had in a template deployed so far.
        self.types: dict[str, str] = {}
        # What each resource waits for, from the latest template that held it.
        self.waits_for: dict[str, set[str]] = {}
        self.history: list[StackOperation] = []
        self._on_invocation = on_invocation
        self._lock = threading.Lock()

    # requests ------------------------------------------------------------------------------
    def _send(
        self,
        request_type: str,
        logical_id: str,
        properties: dict[str, Any],
        *,
        physical_id: str | None = None,
        old_properties: dict[str, Any] | None = None,
    ) -> Invocation:
        key = uuid.uuid4().hex
        request: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": FUNCTION_ARN,
            "ResponseURL": self.runner.sink.url_for(key),
            "StackId": STACK_ID,
            "RequestId": str(uuid.uuid4()),
            "LogicalResourceId": logical_id,
            "ResourceType": self.types[logical_id],
            "ResourceProperties": self._resolved(properties),
        }
        if physical_id is not None:
            request["PhysicalResourceId"] = physical_id
        if old_properties is not None:
            request["OldResourceProperties"] = self._resolved(old_properties)
        invocation = self.runner.invoke(request, key)
        if invocation.response is None:
            raise LifecycleError(
                f"{request_type} {logical_id}: the handler sent no response "
                f"({invocation.summary}); its output:\n{invocation.logs}",
                invocation,
            )
        if self._on_invocation is not None:
            with self._lock:
                self._on_invocation(invocation)
        return invocation

    def _resolved(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.dynamic_references.get(value, value)
        if isinstance(value, list):
            return [self._resolved(item) for item in value]
        if isinstance(value, dict):
            return {key: self._resolved(item) for key, item in value.items()}
        return value

    @staticmethod
    def _ok(invocation: Invocation) -> bool:
        return invocation.response is not None and invocation.response["Status"] == "SUCCESS"

    def _in_waves(
        self, jobs: Mapping[str, Callable[[], Invocation]], *, reverse: bool = False
    ) -> list[Invocation]:
        """Run the jobs by logical id, dependencies first (dependents first if ``reverse``)."""
        ordered = waves(list(jobs), self.waits_for)
        done: list[Invocation] = []
        for wave in reversed(ordered) if reverse else ordered:
            done.extend(self._parallel([jobs[lid] for lid in wave]))
        return done

    def _parallel(self, jobs: list[Callable[[], Invocation]]) -> list[Invocation]:
        if not jobs:
            return []
        with ThreadPoolExecutor(max_workers=min(self.max_workers, len(jobs))) as pool:
            return list(pool.map(lambda job: job(), jobs))

    # stack operations ----------------------------------------------------------------------
    def deploy(self, template: Mapping[str, Any], name: str = "deploy") -> StackOperation:
        """Create or update the stack to ``template``; roll back if any resource fails.

        The function gets the environment ``template`` gives it first (its tables, when the
        runner was made by ``LambdaRunner.for_assembly``), as CloudFormation updates it before
        the custom resources that use it.
        """
        self.runner.use_template(template)
        operation = StackOperation(name)
        self.history.append(operation)
        desired = resource_properties(template)
        self.types.update(resource_types(template))
        self.waits_for.update(dependencies(template))
        creating = [lid for lid in desired if lid not in self.resources]
        updating = [
            lid
            for lid in desired
            if lid in self.resources and desired[lid] != self.resources[lid].properties
        ]
        removing = [lid for lid in self.resources if lid not in desired]
        jobs: dict[str, Callable[[], Invocation]] = {
            lid: partial(self._send, "Create", lid, desired[lid]) for lid in creating
        }
        for lid in updating:
            jobs[lid] = partial(
                self._send,
                "Update",
                lid,
                desired[lid],
                physical_id=self.resources[lid].physical_id,
                old_properties=self.resources[lid].properties,
            )
        results: dict[str, Invocation] = {}
        # Wave by wave, as CloudFormation orders dependent resources; after a failure, no
        # further wave starts (those resources are never sent).
        for wave in waves(list(jobs), self.waits_for):
            for lid, invocation in zip(
                wave, self._parallel([jobs[lid] for lid in wave]), strict=True
            ):
                results[lid] = invocation
            if not all(self._ok(results[lid]) for lid in wave):
                break
        creating = [lid for lid in creating if lid in results]
        updating = [lid for lid in updating if lid in results]
        operation.invocations.extend(results.values())
        if all(self._ok(item) for item in results.values()):
            self._commit(desired, creating, updating, removing, results, operation)
            operation.status = "UPDATE_COMPLETE" if self.history[:-1] else "CREATE_COMPLETE"
            return operation
        self._rollback(creating, updating, results, operation)
        operation.status = "UPDATE_ROLLBACK_COMPLETE" if self.resources else "ROLLBACK_COMPLETE"
        return operation

    def _commit(
        self,
        desired: dict[str, dict[str, Any]],
        creating: list[str],
        updating: list[str],
        removing: list[str],
        results: dict[str, Invocation],
        operation: StackOperation,
    ) -> None:
        cleanup: dict[str, Callable[[], Invocation]] = {}
        for lid in creating + updating:
            response = results[lid].response
            assert response is not None
            new_id = str(response["PhysicalResourceId"])
            old = self.resources.get(lid)
            if old is not None and old.physical_id != new_id:
                cleanup[lid] = partial(
                    self._send, "Delete", lid, old.properties, physical_id=old.physical_id
                )
            self.resources[lid] = _Resource(desired[lid], new_id)
        for lid in removing:
            gone = self.resources.pop(lid)
            cleanup[lid] = partial(
                self._send, "Delete", lid, gone.properties, physical_id=gone.physical_id
            )
        operation.invocations.extend(self._in_waves(cleanup, reverse=True))

    def _rollback(
        self,
        creating: list[str],
        updating: list[str],
        results: dict[str, Invocation],
        operation: StackOperation,
    ) -> None:
        jobs: dict[str, Callable[[], Invocation]] = {}
        replaced: dict[str, tuple[dict[str, Any], str]] = {}
        for lid in updating:
            previous = self.resources[lid]
            response = results[lid].response
            assert response is not None
            attempted = results[lid].request["ResourceProperties"]
            new_id = str(response["PhysicalResourceId"])
            if self._ok(results[lid]) and new_id != previous.physical_id:
                replaced[lid] = (attempted, new_id)
            jobs[lid] = partial(
                self._send,
                "Update",
                lid,
                previous.properties,
                physical_id=new_id,
                old_properties=attempted,
            )
        for lid in creating:
            response = results[lid].response
            assert response is not None
            jobs[lid] = partial(
                self._send,
                "Delete",
                lid,
                results[lid].request["ResourceProperties"],
                physical_id=str(response["PhysicalResourceId"]),
            )
        operation.invocations.extend(self._in_waves(jobs, reverse=True))
        # UPDATE_ROLLBACK_COMPLETE_CLEANUP: delete what the rolled-back replacements created.
        cleanup: dict[str, Callable[[], Invocation]] = {
            lid: partial(self._send, "Delete", lid, props, physical_id=new_id)
            for lid, (props, new_id) in replaced.items()
        }
        operation.invocations.extend(self._in_waves(cleanup, reverse=True))

    def delete(self, name: str = "delete") -> StackOperation:
        """Delete the stack: a Delete for every resource."""
        operation = StackOperation(name)
        self.history.append(operation)
        jobs: dict[str, Callable[[], Invocation]] = {
            lid: partial(
                self._send, "Delete", lid, resource.properties, physical_id=resource.physical_id
            )
            for lid, resource in self.resources.items()
        }
        operation.invocations.extend(self._in_waves(jobs, reverse=True))
        failed = [item for item in operation.invocations if not self._ok(item)]
        operation.status = "DELETE_FAILED" if failed else "DELETE_COMPLETE"
        if not failed:
            self.resources.clear()
        return operation
