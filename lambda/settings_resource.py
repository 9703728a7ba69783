"""Custom::ChimeProxySessionSettings: a proxy session's capabilities and expiry.

Create and Update apply the declared capabilities and expiry with UpdateProxySession. Delete ends
the session only when RemovalPolicy is Destroy, and never after a failed Create. Data flows one
way: ResourceProperties -> ``SessionSettings`` -> UpdateProxySession request -> response Data.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import proxy_contract as contract
from cfn_properties import (
    Location,
    check_names,
    parse_capabilities,
    parse_expiry_minutes,
    parse_location,
    parse_proxy_session_id,
    parse_removal_policy,
    parse_voice_connector_id,
    reject_null,
    removal_policy_of,
    required,
)
from cfn_request import CfnRequest, CfnResult, is_failed_create
from chime_calls import (
    CallTarget,
    RetryPolicy,
    call_or_fail,
    delete_or_gone,
)
from chime_clients import ClientFactory, client_for

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

RESOURCE_TYPE = contract.SETTINGS_RESOURCE_TYPE
_NOT_FOUND_ADVICE = (
    "Check ProxySessionId and VoiceConnectorId; a session that was deleted or has expired "
    "cannot be updated."
)


@dataclass(frozen=True)
class SessionSettings:
    """The validated desired state of one proxy session."""

    voice_connector_id: str
    proxy_session_id: str
    capabilities: tuple[str, ...]
    expiry_minutes: int | None
    removal_policy: str
    location: Location = field(default_factory=Location)

    def update_request(self) -> dict[str, Any]:
        """Return the keyword arguments of ``UpdateProxySession`` for this state."""
        request: dict[str, Any] = {
            "VoiceConnectorId": self.voice_connector_id,
            "ProxySessionId": self.proxy_session_id,
            "Capabilities": list(self.capabilities),
        }
        if self.expiry_minutes is not None:
            request["ExpiryMinutes"] = self.expiry_minutes
        return request

    def delete_request(self) -> dict[str, str]:
        """Return the keyword arguments of ``DeleteProxySession`` for this session."""
        return {
            "VoiceConnectorId": self.voice_connector_id,
            "ProxySessionId": self.proxy_session_id,
        }

    def physical_resource_id(self) -> str:
        """Return the PhysicalResourceId: stable across in-place updates, new when an id changes."""
        return physical_resource_id(self.voice_connector_id, self.proxy_session_id)

    def call_target(self) -> CallTarget:
        """What the calls act on, for Reasons."""
        return CallTarget(
            subject=f"proxy session {self.proxy_session_id!r}",
            voice_connector_id=self.voice_connector_id,
            not_found_advice=_NOT_FOUND_ADVICE,
            region=self.location.region,
            role_arn=self.location.role_arn,
        )

    def describe(self) -> str:
        """Return a one-line, log-safe description (ids and settings only, never phone numbers)."""
        expiry = "unchanged" if self.expiry_minutes is None else f"{self.expiry_minutes} min"
        return (
            f"voice connector {self.voice_connector_id}, session {self.proxy_session_id!r}, "
            f"capabilities {','.join(self.capabilities)}, expiry {expiry}, "
            f"removal policy {self.removal_policy}, in {self.location.describe()}"
        )


def physical_resource_id(voice_connector_id: str, proxy_session_id: str) -> str:
    """Return the deterministic PhysicalResourceId of a session.

    The session id is hashed so that the id stays short and printable whatever the session id
    holds; the voice connector id is kept readable for the CloudFormation console.
    """
    digest = hashlib.sha256(proxy_session_id.encode("utf-8")).hexdigest()[:32]
    return f"{contract.SETTINGS_PHYSICAL_ID_PREFIX}{voice_connector_id}:{digest}"


def parse_properties(properties: object) -> SessionSettings:
    """Parse and validate ResourceProperties; raise InvalidPropertiesError naming the property."""
    checked = check_names(properties, RESOURCE_TYPE, contract.SETTINGS_PROPERTIES)
    reject_null(
        checked,
        contract.EXPIRY_MINUTES,
        'give a whole number of minutes such as "60", or omit it to leave the expiry as it is',
    )
    reject_null(
        checked,
        contract.REMOVAL_POLICY,
        f"set {contract.RETAIN!r} or {contract.DESTROY!r}, or omit it for {contract.RETAIN!r}",
    )
    return SessionSettings(
        voice_connector_id=parse_voice_connector_id(required(checked, contract.VOICE_CONNECTOR_ID)),
        proxy_session_id=parse_proxy_session_id(required(checked, contract.PROXY_SESSION_ID)),
        capabilities=parse_capabilities(required(checked, contract.CAPABILITIES)),
        expiry_minutes=parse_expiry_minutes(checked.get(contract.EXPIRY_MINUTES)),
        removal_policy=parse_removal_policy(checked.get(contract.REMOVAL_POLICY)),
        location=parse_location(checked),
    )


def response_data(proxy_session: Mapping[str, Any]) -> dict[str, str]:
    """Shape the custom resource's Data (its GetAtt attributes) from a ProxySession.

    Only the status, expiry, capabilities and timestamp leave the function: Participants carry
    phone numbers and are never copied.
    """
    expiry = proxy_session.get("ExpiryMinutes")
    updated = proxy_session.get("UpdatedTimestamp")
    if isinstance(updated, datetime):
        updated_text = updated.isoformat()
    else:
        updated_text = "" if updated is None else str(updated)
    capabilities = proxy_session.get("Capabilities") or []
    return {
        contract.ATTR_STATUS: str(proxy_session.get("Status") or ""),
        contract.ATTR_EXPIRY_MINUTES: "" if expiry is None else str(expiry),
        contract.ATTR_CAPABILITIES: ",".join(str(item) for item in capabilities),
        contract.ATTR_UPDATED_TIMESTAMP: updated_text,
    }


def apply(
    request: CfnRequest, clients: ClientFactory, *, deadline: float, policy: RetryPolicy
) -> CfnResult:
    """Create and Update: apply capabilities and expiry with UpdateProxySession."""
    settings = parse_properties(request.properties)
    logger.info("%s: applying %s", request.request_type, settings.describe())
    client = client_for(request, settings.location, clients, deadline=deadline, policy=policy)
    call = settings.update_request()
    outcome = call_or_fail(
        "UpdateProxySession",
        lambda: client.update_proxy_session(**call),
        settings.call_target(),
        deadline=deadline,
        policy=policy,
    )
    return CfnResult(
        physical_resource_id=settings.physical_resource_id(),
        data=response_data(outcome.response.get("ProxySession") or {}),
    )


def remove(
    request: CfnRequest, clients: ClientFactory, *, deadline: float, policy: RetryPolicy
) -> CfnResult:
    """Delete: end the session only for RemovalPolicy Destroy, never after a failed Create."""
    physical_id = request.physical_resource_id or ""
    keep = CfnResult(physical_resource_id=physical_id, data={})
    if is_failed_create(physical_id):
        logger.info("Delete after a failed Create: nothing was applied, no API call")
        return keep
    if removal_policy_of(request.properties) != contract.DESTROY:
        logger.info("Delete with RemovalPolicy Retain: the session is left as it is")
        return keep
    settings = parse_properties(request.properties)
    logger.info("Delete with RemovalPolicy Destroy: ending %s", settings.describe())
    client = client_for(request, settings.location, clients, deadline=deadline, policy=policy)
    call = settings.delete_request()
    delete_or_gone(
        "DeleteProxySession",
        lambda: client.delete_proxy_session(**call),
        settings.call_target(),
        deadline=deadline,
        policy=policy,
    )
    return keep
