"""Lambda entry point of Custom::ChimeProxySessionSettings: crhelper glue only.

Create and Update apply the declared capabilities and expiry with UpdateProxySession. Delete ends
the session only when RemovalPolicy is Destroy, and never after a failed Create. The logic lives in
proxy_session_settings (pure) and proxy_session_calls (API calls and retries).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.config import Config

from crhelper_production import (
    ProductionCfnResource,
    ResponseDeliveryError,
    build_response_body,
    deliver_response,
    remaining_seconds,
)
from proxy_session_calls import (
    CONNECT_TIMEOUT_SECONDS,
    READ_TIMEOUT_SECONDS,
    RetryPolicy,
    delete_session,
    update_session,
)
from proxy_session_settings import (
    DESTROY,
    envelope_problem,
    failed_create_physical_id,
    is_failed_create,
    parse_properties,
    removal_policy_of,
)

if TYPE_CHECKING:
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

logger = logging.getLogger(__name__)

# Time kept back from the Lambda deadline for answering CloudFormation after the last API call.
RESPONSE_RESERVE_SECONDS: Final = 8.0

helper = ProductionCfnResource()
client: ChimeSDKVoiceClient | None = None
try:
    client = boto3.client(
        "chime-sdk-voice",
        config=Config(
            # Retries are the handler's own (proxy_session_calls): botocore's standard mode does
            # not retry ThrottledClientException, and one loop keeps one deadline.
            retries={"mode": "standard", "total_max_attempts": 1},
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            user_agent_extra="cdk-chime-proxy-session",
        ),
    )
except Exception as error:  # any init failure must reach CloudFormation
    helper.init_failure(error)


def _chime() -> ChimeSDKVoiceClient:
    if client is None:  # pragma: no cover - init_failure answers before handlers run
        raise RuntimeError("the ChimeSDKVoice client was not created")
    return client


def _api_deadline(context: object) -> float:
    return time.monotonic() + remaining_seconds(context) - RESPONSE_RESERVE_SECONDS


@helper.create
@helper.update
def apply_settings(event: Mapping[str, Any], context: object) -> str:
    """Create and Update: apply capabilities and expiry; return the PhysicalResourceId."""
    settings = parse_properties(event.get("ResourceProperties"))
    logger.info("%s: applying %s", event["RequestType"], settings.describe())
    helper.Data.update(
        update_session(_chime(), settings, deadline=_api_deadline(context), policy=RetryPolicy())
    )
    return settings.physical_resource_id()


@helper.delete
def remove_settings(event: Mapping[str, Any], context: object) -> str:
    """Delete: end the session only for RemovalPolicy Destroy, never after a failed Create."""
    physical_id = str(event.get("PhysicalResourceId", ""))
    if is_failed_create(physical_id):
        logger.info("Delete after a failed Create: nothing was applied, no API call")
        return physical_id
    if removal_policy_of(event.get("ResourceProperties")) != DESTROY:
        logger.info("Delete with RemovalPolicy Retain: the session is left as it is")
        return physical_id
    settings = parse_properties(event.get("ResourceProperties"))
    logger.info("Delete with RemovalPolicy Destroy: ending %s", settings.describe())
    delete_session(_chime(), settings, deadline=_api_deadline(context), policy=RetryPolicy())
    return physical_id


def _reject(event: Mapping[str, Any], problem: str, context: object) -> None:
    """Answer a malformed request FAILED without letting crhelper touch it."""
    response_url = event.get("ResponseURL")
    if not isinstance(response_url, str):
        logger.error("Malformed request with no ResponseURL, nothing to answer: %s", problem)
        return
    physical_id = event.get("PhysicalResourceId")
    if not isinstance(physical_id, str) or not physical_id:
        physical_id = failed_create_physical_id(str(event.get("RequestId") or ""))
    body = build_response_body(
        status="FAILED",
        reason=f"Malformed request: {problem}.",
        physical_resource_id=physical_id,
        event=event,
        data={},
    )
    logger.error("Malformed request: %s", problem)
    try:
        deliver_response(
            response_url, body, deadline=time.monotonic() + remaining_seconds(context) - 0.2
        )
    except ResponseDeliveryError as error:
        logger.error("Could not deliver the response to CloudFormation: %s", error)


def handler(event: Any, context: Any) -> None:
    """Lambda handler: answers every request, malformed ones included."""
    problem = envelope_problem(event)
    if problem is not None:
        _reject(event if isinstance(event, Mapping) else {}, problem, context)
        return
    helper(event, context)
