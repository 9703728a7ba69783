"""A CloudFormation lifecycle driver for the custom resources the function serves.

It takes templates synthesized by the real CDK CLI (``harness.synth``), runs the handler from the
cloud assembly's asset folder in its own process (``harness.lambda_runner``: AWS's runtime
interface client against a local Runtime API that enforces the deadline) and sends the requests
CloudFormation would send for a stack create, update, rollback and delete. Responses go to a
local HTTPS server standing in for the presigned S3 ResponseURL (``ResponseSink``); the handler
reaches the ChimeSDKVoice emulator through ``AWS_ENDPOINT_URL_CHIME_SDK_VOICE``, with no test hooks
of its own.

The driver models what CloudFormation does with custom resources:
- create: Create for each resource; if any fails, the stack rolls back with a Delete for every
  resource it created or tried to create (the failed one carrying the id its response gave);
- update: Create for new resources, Update for changed ones (a new PhysicalResourceId means
  replacement), and, once all succeed, Delete for replaced old ids and removed resources; if any
  fails, rollback: Update back to the old properties for every changed resource (Delete for the
  replacement's new id after that), Delete for the resources it created;
- delete: Delete for every resource.
Independent resources are sent concurrently, as CloudFormation does. Properties are resolved as
each resource is sent: a Ref or Fn::GetAtt of a custom resource reads its answer (its
PhysicalResourceId, its Data), so a dependant of a changed resource is updated too; an answer
lacking an attribute the template reads fails, as CloudFormation's "Vendor response doesn't
contain ..." does. The stack's AWS::Chime::VoiceConnector resources (``harness.cfn_native``) are
made before the custom resources and deleted after them; a rollback undoes them last.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final

from harness.cfn_native import CLOUDFORMATION_ACCESS_KEY_ID, VoiceConnectors
from harness.cfn_template import (
    Resolver,
    TemplateError,
    attributes_used,
    check_references,
    dependencies,
    dynamic,
    resource_types,
    sent_value,
    waves,
)
from harness.emulator.model import ENDPOINT_ENV_VAR
from harness.lambda_runner import FUNCTION_ARN, Invocation, LambdaRunner

STACK_NAME: Final = "ChimeProxySessionDemo"
STACK_ID: Final = (
    f"arn:aws:cloudformation:us-east-1:123456789012:stack/{STACK_NAME}/"
    "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)
__all__ = [
    "CLOUDFORMATION_ACCESS_KEY_ID",
    "FUNCTION_ARN",
    "CloudFormationStack",
    "Invocation",
    "LambdaRunner",
    "LifecycleError",
    "StackOperation",
    "TemplateError",
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
    """A value as sent to a custom resource (``cfn_template.sent_value``), the function's ARN."""
    return sent_value(value, FUNCTION_ARN)


def resource_properties(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each custom resource's properties as sent, references but the ServiceToken unresolved."""
    return {
        logical_id: cfn_value(template["Resources"][logical_id].get("Properties", {}))
        for logical_id in resource_types(template)
    }


@dataclass
class StackOperation:
    """What one stack operation sent and received, in order; ``errors``, by logical id, why a
    voice connector's call or an answer without an attribute the template reads failed."""

    name: str
    invocations: list[Invocation] = field(default_factory=list)
    status: str = ""
    errors: dict[str, str] = field(default_factory=dict)

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
    data: dict[str, str] = field(default_factory=dict)


def _data(invocation: Invocation) -> dict[str, str]:
    data = (invocation.response or {}).get("Data") or {}
    return {str(key): str(value) for key, value in data.items()}


class CloudFormationStack:
    """The stack's state as CloudFormation keeps it, and the requests it sends to change it."""

    def __init__(
        self,
        runner: LambdaRunner,
        *,
        on_invocation: Callable[[Invocation], None] | None = None,
        max_workers: int = 20,
        dynamic_references: Mapping[str, str] | None = None,
        chime_endpoint_url: str | None = None,
        parameters: Mapping[str, str] | None = None,
    ) -> None:
        """Deploy through ``runner``; ``chime_endpoint_url`` is where the stack's voice
        connectors are made (by default the endpoint the runner gives the function);
        ``parameters`` the template parameters' values (their Default otherwise)."""
        self.parameters = dict(parameters or {})
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
        env: Mapping[str, str] = getattr(runner, "env", {})
        self.voice_connectors = VoiceConnectors(chime_endpoint_url or env.get(ENDPOINT_ENV_VAR))
        # The attributes the latest template reads of each resource (Fn::GetAtt).
        self._read: dict[str, set[str]] = {}
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
            "ResourceProperties": dynamic(properties, self.dynamic_references),
        }
        if physical_id is not None:
            request["PhysicalResourceId"] = physical_id
        if old_properties is not None:
            request["OldResourceProperties"] = dynamic(old_properties, self.dynamic_references)
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

    @staticmethod
    def _ok(invocation: Invocation) -> bool:
        return invocation.response is not None and invocation.response["Status"] == "SUCCESS"

    def _accepted(self, logical_id: str, invocation: Invocation, operation: StackOperation) -> bool:
        """SUCCESS with every attribute the template reads of the resource in its Data."""
        missing = sorted(self._read.get(logical_id, set()) - set(_data(invocation)))
        if self._ok(invocation) and missing:
            operation.errors[logical_id] = (
                f"CustomResource attribute error: Vendor response doesn't contain {missing[0]} "
                f"key in object {STACK_ID}|{logical_id}"
            )
        return self._ok(invocation) and not missing

    def _resolver(self, template: Mapping[str, Any], fresh: Mapping[str, Invocation]) -> Resolver:
        # References as they stand: this deploy's answers over the stack's state.
        physical_ids, attributes = self.voice_connectors.references()
        physical_ids.update(getattr(self.runner, "tables", {}))
        for logical_id, resource in self.resources.items():
            physical_ids[logical_id], attributes[logical_id] = resource.physical_id, resource.data
        for logical_id, invocation in fresh.items():
            if self._ok(invocation) and invocation.response is not None:
                physical_ids[logical_id] = str(invocation.response["PhysicalResourceId"])
                attributes[logical_id] = _data(invocation)
        return Resolver(
            template,
            stack_name=STACK_NAME,
            physical_ids=physical_ids,
            attributes=attributes,
            parameters=self.parameters,
        )

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

        First the function's environment (its tables, for a runner from ``for_assembly``), as
        CloudFormation updates the function first; then the voice connectors; then the custom
        resources wave by wave. An unresolvable reference is a TemplateError before any of it.
        """
        declared = resource_properties(template)
        check_references(template, declared, stack_name=STACK_NAME, parameters=self.parameters)
        connectors = self.voice_connectors.declared(
            template, stack_name=STACK_NAME, parameters=self.parameters
        )
        self.runner.use_template(template)
        operation = StackOperation(name)
        self.history.append(operation)
        self.types.update(resource_types(template))
        self.waits_for.update(dependencies(template))
        self._read = attributes_used(template)
        changes, ready = self.voice_connectors.apply(connectors, operation.errors)
        results: dict[str, Invocation] = {}
        desired: dict[str, dict[str, Any]] = {}
        # Wave by wave, as CloudFormation orders dependent resources; after a failure, no
        # further wave starts (those resources are never sent).
        for wave in waves(list(declared), self.waits_for) if ready else []:
            resolver = self._resolver(template, results)
            jobs: dict[str, Callable[[], Invocation]] = {}
            for lid in wave:
                desired[lid] = resolver.resolve(declared[lid], f"{lid} Properties")
                old = self.resources.get(lid)
                if old is None or desired[lid] != old.properties:
                    jobs[lid] = partial(
                        self._send,
                        "Create" if old is None else "Update",
                        lid,
                        desired[lid],
                        physical_id=None if old is None else old.physical_id,
                        old_properties=None if old is None else old.properties,
                    )
            results.update(zip(jobs, self._parallel(list(jobs.values())), strict=True))
            if not all([self._accepted(lid, results[lid], operation) for lid in jobs]):
                ready = False
                break
        creating = [lid for lid in results if lid not in self.resources]
        updating = [lid for lid in results if lid in self.resources]
        removing = [lid for lid in self.resources if lid not in declared]
        operation.invocations.extend(results.values())
        if ready:
            self._commit(desired, creating, updating, removing, results, operation)
            gone = [lid for lid in self.voice_connectors.made if lid not in connectors]
            self.voice_connectors.finish(changes, gone, operation.errors)
            operation.status = "UPDATE_COMPLETE" if self.history[:-1] else "CREATE_COMPLETE"
            return operation
        self._rollback(creating, updating, results, operation)
        self.voice_connectors.undo(changes, operation.errors)
        rolled_back = self.resources or self.voice_connectors.made
        operation.status = "UPDATE_ROLLBACK_COMPLETE" if rolled_back else "ROLLBACK_COMPLETE"
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
            self.resources[lid] = _Resource(desired[lid], new_id, _data(results[lid]))
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
        """Delete the stack: a Delete for every custom resource, then its voice connectors (but
        those a custom resource that failed to delete waits for)."""
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
        needed = {
            other
            for item in failed
            for other in self.waits_for.get(item.request["LogicalResourceId"], set())
        }
        self.voice_connectors.delete(needed, operation.errors)
        operation.status = "DELETE_FAILED" if failed or operation.errors else "DELETE_COMPLETE"
        if not failed:
            self.resources.clear()
        return operation
