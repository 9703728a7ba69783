"""Custom::ChimeProxySession: a proxy session this resource creates, updates in place, and ends.

Create makes the session with CreateProxySession, exactly once however often the request runs
(``proxy_session_dedup``); the PhysicalResourceId carries the id the service returned. An Update
that changes only ``PROXY_SESSION_IN_PLACE_PROPERTIES`` calls UpdateProxySession and keeps the id;
any other change creates a new session, and CloudFormation's cleanup Delete then ends the old one
per its RemovalPolicy. Delete calls DeleteProxySession unless Retain, and never after a failed
Create. Data flows one way: ResourceProperties -> ``SessionSpec`` (``proxy_session_spec``) ->
requests -> the session -> response Data. Participant phone numbers never reach a log line, a
Reason or the Data.
"""

from __future__ import annotations

import logging
from typing import Any, Final

import proxy_contract as contract
from cfn_properties import removal_policy_of
from cfn_request import CfnRequest, CfnResult, is_failed_create
from chime_calls import (
    ChimeCallError,
    RetryPolicy,
    delete_or_gone,
)
from chime_clients import ClientFactory, client_for
from proxy_session_dedup import SessionCalls, settle
from proxy_session_spec import (
    SessionSpec,
    parse_physical_id,
    parse_properties,
    physical_resource_id,
    replaces,
    response_data,
)
from safe_text import echo

logger = logging.getLogger(__name__)

RESOURCE_TYPE: Final = contract.PROXY_SESSION_RESOURCE_TYPE


class SessionIdentityError(Exception):
    """The request names a session this resource type did not issue; the message says why."""


def _update(spec: SessionSpec, calls: SessionCalls, session_id: str) -> dict[str, Any]:
    request = spec.update_request(session_id)
    response = calls.call(
        "UpdateProxySession",
        lambda: calls.client.update_proxy_session(**request),
        spec.call_target(f"proxy session {session_id!r}"),
    )
    session: dict[str, Any] = response.get("ProxySession") or {}
    return session


def _create_once(spec: SessionSpec, request: CfnRequest, calls: SessionCalls) -> dict[str, Any]:
    """The resource's one session: adopted when a marked one exists, else created and settled."""
    held = parse_physical_id(request.physical_resource_id)
    key = spec.owner_key(request, exclude=None if held is None else held[1])
    found = calls.owned(key)
    if found:
        kept = settle(calls, found, None)
        logger.info(
            "Adopting session %s %s: an earlier run of this resource created it",
            kept["ProxySessionId"],
            key.label,
        )
    else:
        own = calls.create(spec.create_request(key.name))
        logger.info("Created session %s %s", own.get("ProxySessionId"), key.label)
        try:
            found = calls.owned(key)
        except ChimeCallError as error:
            logger.warning(
                "Could not look for duplicates of session %s (%s); answering with it. Other "
                "sessions %s may exist on voice connector %s.",
                own.get("ProxySessionId"),
                error,
                key.label,
                spec.voice_connector_id,
            )
            return own
        kept = settle(calls, found, own)
    if spec.differs_from(kept):
        return _update(spec, calls, str(kept["ProxySessionId"]))
    return kept


def apply(
    request: CfnRequest, clients: ClientFactory, *, deadline: float, policy: RetryPolicy
) -> CfnResult:
    """Create, and Update: in place for capabilities and expiry, else one new session."""
    spec = parse_properties(request.properties)
    in_place = request.request_type == "Update" and not replaces(request)
    held = parse_physical_id(request.physical_resource_id)
    if in_place and held is None:
        raise SessionIdentityError(
            f"PhysicalResourceId {echo(request.physical_resource_id)} was not issued by "
            f"{RESOURCE_TYPE}, so there is no session to update in place."
        )
    logger.info(
        "%s (%s): %s",
        request.request_type,
        "in place" if in_place else "one new session",
        spec.describe(),
    )
    client = client_for(request, spec.location, clients, deadline=deadline, policy=policy)
    calls = SessionCalls(
        client=client,
        voice_connector_id=spec.voice_connector_id,
        target=spec.call_target(f"the proxy session of {request.logical_resource_id}"),
        deadline=deadline,
        policy=policy,
    )
    if in_place and held is not None:
        session = _update(spec, calls, held[1])
    else:
        session = _create_once(spec, request, calls)
    logger.info("API calls: %s", ", ".join(f"{op} {n}" for op, n in sorted(calls.counts.items())))
    return CfnResult(
        physical_resource_id=physical_resource_id(
            spec.voice_connector_id, str(session["ProxySessionId"])
        ),
        data=response_data(session),
    )


def remove(
    request: CfnRequest, clients: ClientFactory, *, deadline: float, policy: RetryPolicy
) -> CfnResult:
    """Delete: end the session unless Retain; no call after a failed Create."""
    physical_id = request.physical_resource_id or ""
    keep = CfnResult(physical_resource_id=physical_id, data={})
    if is_failed_create(physical_id):
        logger.info("Delete after a failed Create: no session was created, no API call")
        return keep
    removal_policy = removal_policy_of(request.properties, contract.CREATED_DEFAULT_REMOVAL_POLICY)
    held = parse_physical_id(physical_id)
    if held is None:
        logger.warning(
            "Delete of a PhysicalResourceId this function did not issue (its Create may never "
            "have answered): no API call. A session that Create made may remain (README, "
            "'What can remain')."
        )
        return keep
    voice_connector_id, session_id = held
    if removal_policy != contract.DESTROY:
        logger.info("Delete with RemovalPolicy Retain: session %s is left as it is", session_id)
        return keep
    spec = parse_properties(request.properties)
    logger.info("Delete with RemovalPolicy Destroy: ending session %s", session_id)
    client = client_for(request, spec.location, clients, deadline=deadline, policy=policy)
    target = spec.call_target(f"proxy session {session_id!r}")
    delete_or_gone(
        "DeleteProxySession",
        lambda: client.delete_proxy_session(
            VoiceConnectorId=voice_connector_id, ProxySessionId=session_id
        ),
        target,
        deadline=deadline,
        policy=policy,
    )
    return keep
