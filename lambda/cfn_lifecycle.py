"""What every resource type's request goes through, written once, around the type's own code.

``serve`` reads the type's description (``resource_types``) and then, in this order:

1. a Delete whose RemovalPolicy is Retain makes no call to the service (it validates nothing
   else; a type that makes something marks its claims ended);
2. a Delete after a failed Create makes no call when the type makes nothing;
3. the properties are parsed by the description's rules (``cfn_properties``);
4. an Update that changes nothing but RemovalPolicy makes no call: the type's ``kept`` answers
   with the attributes the resource has (CloudFormation replaces them with the Update's Data);
5. any other Update is in place unless a property whose change replaces the resource changed;
6. the type's module (imported on the first request of that type) runs ``create``, ``update`` or
   ``delete`` with a ``Job``: the request, its parsed properties, and the one call path
   (``chime_calls.Calls``), whose client is made on the first call. For a type that makes
   something (``ResourceType.creates``), Create and Delete run under its claims (``once``);
7. the result, physical id and Data together, goes back to ``index`` to answer.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

import proxy_contract as contract
from cfn_properties import (
    InvalidPropertiesError,
    Properties,
    parse_properties,
    removal_policy_of,
)
from cfn_request import CfnRequest, CfnResult, is_failed_create
from chime_calls import Calls, CallTarget, RetryPolicy
from chime_clients import ClientFactory, client_for
from records import Record
from resource_types import BY_TYPE_NAME, ResourceType

if TYPE_CHECKING:
    from types import ModuleType

    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

    from claims import ClaimTable
    from once import Progress

logger = logging.getLogger(__name__)


class Job(Record):
    """One request of one resource type, as its module sees it."""

    request: CfnRequest
    kind: ResourceType
    properties: Properties
    calls: Calls
    # The Lambda request id of this invocation and its deadline (epoch seconds): who holds a
    # claim, and until when.
    invocation: str = ""
    lease: float = 0.0
    # The function's claim table (None when it has none) and, in a Create of a type that makes
    # something, the claim it works under.
    claims: ClaimTable | None = None
    progress: Progress | None = None

    @property
    def physical_id(self) -> str:
        """The request's PhysicalResourceId (empty on Create)."""
        return self.request.physical_resource_id or ""


if TYPE_CHECKING:

    class TypeModule(Protocol):
        """What a resource type's module provides: its API choreography, nothing else."""

        def create(self, job: Job) -> CfnResult:
            """Create, and an Update that replaces the resource."""

        def update(self, job: Job) -> CfnResult:
            """An Update in place."""

        def delete(self, job: Job) -> None:
            """A Delete with RemovalPolicy Destroy."""

        def kept(self, job: Job) -> Mapping[str, str]:
            """The Data of an Update that changes only RemovalPolicy: no call to the service."""

        def made_by_lost_run(self, job: Job) -> list[str]:
            """The PhysicalResourceIds of what a run that died under ``job.progress``'s claim
            may have made (types that make something)."""


def module_of(kind: ResourceType) -> TypeModule:
    """The type's module, imported on first use: a request imports only what its type needs."""
    module: TypeModule = importlib.import_module(kind.module)
    return module


def replaces(kind: ResourceType, request: CfnRequest) -> bool:
    """Whether an Update changes a property whose change replaces the resource (or the old
    properties are not an object, so nothing can be compared)."""
    new, old = request.properties, request.old_properties
    if not isinstance(new, Mapping) or not isinstance(old, Mapping):
        return True
    return any(new.get(name) != old.get(name) for name in kind.replacing)


def _once() -> ModuleType:
    """The claims protocol, imported for a type that makes something only: a request of
    ProxySessionSettings never loads it (the cold start)."""
    return importlib.import_module("once")


def policy_only(request: CfnRequest) -> bool:
    """Whether an Update changes RemovalPolicy and nothing the service holds (ServiceToken and
    ServiceTimeout are CloudFormation's)."""
    new, old = request.properties, request.old_properties
    if not isinstance(new, Mapping) or not isinstance(old, Mapping):
        return False
    ignored = {contract.REMOVAL_POLICY, *contract.CLOUDFORMATION_PROPERTIES}
    names = (set(new) | set(old)) - ignored
    return all(new.get(name) == old.get(name) for name in names)


def describe(kind: ResourceType, properties: Properties) -> str:
    """A log-safe line: each given value, secrets (phone numbers, names, external ids) as
    'given (not shown)'."""
    parts: list[str] = []
    for item in kind.properties:
        value = properties.values.get(item.name)
        if value is None or item.name in contract.LOCATION_PROPERTIES:
            continue
        if item.secret:
            shown = "given (not shown)"
        elif isinstance(value, (tuple, list)):
            shown = ",".join(map(str, value))
        else:
            shown = str(value)
        parts.append(f"{item.name} {shown}")
    return f"{', '.join(parts)}; in {properties.location.describe()}"


def serve(
    request: CfnRequest,
    clients: ClientFactory,
    *,
    deadline: float,
    policy: RetryPolicy,
    invocation: str = "",
    lease: float = 0.0,
    claims: Callable[[], ClaimTable | None] = lambda: None,
) -> CfnResult:
    """Serve one request of any type; the answer is the type's result (physical id and Data).

    ``invocation`` and ``lease`` are the Lambda request id and its deadline (epoch seconds);
    ``claims`` makes the function's claim table (None when it has none), called for a type that
    makes something only.
    """
    kind = BY_TYPE_NAME[request.resource_type]
    keep = CfnResult(physical_resource_id=request.physical_resource_id or "", data={})
    if request.request_type == "Delete":
        # A Create that failed or never answered (an id this function did not issue).
        failed = not (request.physical_resource_id or "").startswith(kind.physical_id_prefix)
        undo = kind.undo_failed_create and failed
        if removal_policy_of(kind, request.properties) != contract.DESTROY and not undo:
            logger.info("Delete with RemovalPolicy Retain: %s is left as it is", kind.summary)
            if kind.creates:
                _once().retire(claims(), request)
            return keep
        if is_failed_create(request.physical_resource_id) and not kind.creates:
            logger.info("Delete after a failed Create: nothing was made, no API call")
            return keep
    try:
        properties = parse_properties(kind, request.properties)
    except InvalidPropertiesError:
        if request.request_type == "Delete" and not (request.physical_resource_id or "").startswith(
            kind.physical_id_prefix
        ):
            # Its Create was refused for these properties before anything was claimed or made.
            logger.info("Delete of a Create refused for its properties: nothing was made")
            return keep
        raise
    module = module_of(kind)
    kept = request.request_type == "Update" and policy_only(request)
    in_place = request.request_type == "Update" and not replaces(kind, request)
    step = {"Create": "create", "Delete": "delete"}.get(request.request_type)
    logger.info(
        "%s %s (%s): %s",
        request.request_type,
        kind.construct,
        step or ("RemovalPolicy only" if kept else "in place" if in_place else "replacement"),
        describe(kind, properties),
    )

    def connect() -> ChimeSDKVoiceClient:
        location = properties.location
        return client_for(request, location, clients, deadline=deadline, policy=policy)

    calls = Calls(
        connect=connect,
        allowed=kind.all_operations(),
        target=CallTarget(
            subject=kind.summary,
            voice_connector_id=str(properties.values.get(contract.VOICE_CONNECTOR_ID) or ""),
            not_found_advice=kind.not_found_advice,
            region=properties.location.region,
            role_arn=properties.location.role_arn,
        ),
        deadline=deadline,
        policy=policy,
    )
    job = Job(
        request=request,
        kind=kind,
        properties=properties,
        calls=calls,
        invocation=invocation,
        lease=lease,
        claims=claims() if kind.creates else None,
    )
    result = keep
    if request.request_type == "Delete":
        if kind.creates:
            _once().delete(job, module)
        else:
            module.delete(job)
    elif kept:
        result = keep._replace(data=module.kept(job))
    elif in_place:
        result = _once().update(job, module) if kind.update_creates else module.update(job)
    elif kind.creates:
        result = _once().create(job, module)
    else:
        result = module.create(job)
    logger.info("API calls: %s", calls.summary())
    return result
