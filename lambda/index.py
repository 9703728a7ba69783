"""Lambda entry point: check the envelope, dispatch on ResourceType, answer exactly once.

One function per stack serves every resource type that ``resource_types`` describes. crhelper
dispatches on RequestType (``crhelper_adapter``); ``cfn_lifecycle`` runs what every type shares
and imports the type's own module on its first request; the answer goes through ``cfn_response``,
the one response path.
"""

from __future__ import annotations

import importlib
import logging
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import proxy_contract as contract
from cfn_lifecycle import serve
from cfn_request import CfnRequest, CfnResult, envelope_problem, remaining_seconds
from cfn_response import Responder
from chime_calls import RetryPolicy, new_client
from chime_clients import ClientFactory
from crhelper_adapter import ProductionCfnResource
from resource_types import BY_TYPE_NAME
from safe_text import echo

if TYPE_CHECKING:
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient
    from mypy_boto3_dynamodb import DynamoDBClient

    from claims import ClaimTable

logger = logging.getLogger(__name__)

RESPONSE_RESERVE_SECONDS: Final = contract.RESPONSE_RESERVE_SECONDS

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
# The claim table's client, made on the first request that needs it and kept while warm.
_dynamodb: list[DynamoDBClient] = []


def _dynamodb_client() -> DynamoDBClient:
    if not _dynamodb:
        _dynamodb.append(importlib.import_module("claims").new_dynamodb_client())
    return _dynamodb[0]


def _claim_table(deadline: float, policy: RetryPolicy) -> ClaimTable | None:
    """The function's claim table, for a type that makes something: ``claims`` is imported then
    only, so a request of ProxySessionSettings never loads it (the cold start)."""
    claims = importlib.import_module("claims")
    table: ClaimTable | None = claims.table_from_environment(
        deadline=deadline, policy=policy, connect=_dynamodb_client
    )
    return table


@helper.serve
def run(event: Mapping[str, Any], context: object) -> CfnResult:
    """Create, Update and Delete of every type: the type's result, physical id and Data."""
    remaining = remaining_seconds(context)
    deadline = time.monotonic() + remaining - RESPONSE_RESERVE_SECONDS
    policy = RetryPolicy()
    return serve(
        CfnRequest.from_event(event),
        clients,
        deadline=deadline,
        policy=policy,
        # Lambda's retry of a crashed or timed-out invocation keeps its request id.
        invocation=str(getattr(context, "aws_request_id", "") or uuid.uuid4()),
        lease=time.time() + remaining,
        claims=lambda: _claim_table(deadline, policy),
    )


def request_problem(event: object) -> str | None:
    """Say why ``event`` cannot be served (a malformed envelope, an unknown type), or None."""
    problem = envelope_problem(event)
    if problem is not None or not isinstance(event, Mapping):
        return problem
    resource_type = event["ResourceType"]
    if resource_type not in BY_TYPE_NAME:
        return (
            f"ResourceType {echo(resource_type)} is not served by this function; it serves "
            f"{', '.join(BY_TYPE_NAME)}"
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
