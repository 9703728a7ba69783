"""Lambda entry point: check the envelope, dispatch on ResourceType, answer exactly once.

One function per stack serves every resource type in ``proxy_contract.SERVED_RESOURCE_TYPES``;
each type has its own module (``settings_resource``, ``voice_connector_proxy_resource``,
``proxy_session_resource``). crhelper dispatches on RequestType (``crhelper_adapter``); the answer
goes through ``cfn_response``, the one response path.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import proxy_contract as contract
import proxy_session_resource
import settings_resource
import voice_connector_proxy_resource
from cfn_request import CfnRequest, CfnResult, envelope_problem, remaining_seconds
from cfn_response import Responder
from chime_calls import RetryPolicy, new_client
from chime_clients import ClientFactory
from crhelper_adapter import ProductionCfnResource
from safe_text import echo

if TYPE_CHECKING:
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

logger = logging.getLogger(__name__)

RESPONSE_RESERVE_SECONDS: Final = contract.RESPONSE_RESERVE_SECONDS

ResourceHandler = Callable[..., CfnResult]
# For each resource type: (Create and Update, Delete).
HANDLERS: Final[Mapping[str, tuple[ResourceHandler, ResourceHandler]]] = {
    settings_resource.RESOURCE_TYPE: (settings_resource.apply, settings_resource.remove),
    voice_connector_proxy_resource.RESOURCE_TYPE: (
        voice_connector_proxy_resource.apply,
        voice_connector_proxy_resource.remove,
    ),
    proxy_session_resource.RESOURCE_TYPE: (
        proxy_session_resource.apply,
        proxy_session_resource.remove,
    ),
}

helper = ProductionCfnResource()
client: ChimeSDKVoiceClient | None = None
try:
    client = new_client()
except Exception as error:  # any init failure must reach CloudFormation
    helper.init_failure(error)


def _own_client() -> ChimeSDKVoiceClient:
    if client is None:  # pragma: no cover - init_failure answers before handlers run
        raise RuntimeError("the ChimeSDKVoice client was not created")
    return client


# Clients for resources in other regions or accounts; the function's own client otherwise.
clients = ClientFactory(_own_client)


def _run(event: Mapping[str, Any], context: object, which: int) -> str:
    request = CfnRequest.from_event(event)
    handlers = HANDLERS[request.resource_type]
    result = handlers[which](
        request,
        clients,
        deadline=time.monotonic() + remaining_seconds(context) - RESPONSE_RESERVE_SECONDS,
        policy=RetryPolicy(),
    )
    helper.Data.update(result.data)
    return result.physical_resource_id


@helper.create
@helper.update
def create_or_update(event: Mapping[str, Any], context: object) -> str:
    """Create and Update: the resource type's apply; returns the PhysicalResourceId."""
    return _run(event, context, 0)


@helper.delete
def delete(event: Mapping[str, Any], context: object) -> str:
    """Delete: the resource type's remove; returns the PhysicalResourceId."""
    return _run(event, context, 1)


def request_problem(event: object) -> str | None:
    """Say why ``event`` cannot be served (a malformed envelope, an unknown type), or None."""
    problem = envelope_problem(event)
    if problem is not None or not isinstance(event, Mapping):
        return problem
    resource_type = event["ResourceType"]
    if resource_type not in HANDLERS:
        return (
            f"ResourceType {echo(resource_type)} is not served by this function; it serves "
            f"{', '.join(contract.SERVED_RESOURCE_TYPES)}"
        )
    return None


def handler(event: Any, context: Any) -> None:
    """Lambda handler: answers every request exactly once, malformed ones included."""
    problem = request_problem(event)
    if problem is None:
        helper(event, context)
        return
    logger.error("Malformed request: %s", problem)
    Responder(event if isinstance(event, Mapping) else {}, context).answer(
        status="FAILED",
        reason=f"Malformed request: {problem}.",
        physical_resource_id=None,
        data={},
    )
