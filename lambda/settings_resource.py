"""Custom::ChimeProxySessionSettings: a proxy session's capabilities and expiry.

Create and Update apply the declared capabilities and expiry with UpdateProxySession; a Delete
with RemovalPolicy Destroy ends the session. Everything else (parsing, the Delete short-circuits,
the call path) is ``cfn_lifecycle``'s. Participants carry phone numbers and never reach the Data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import proxy_contract as contract
from cfn_lifecycle import Job
from cfn_request import CfnResult


def physical_resource_id(voice_connector_id: str, proxy_session_id: str) -> str:
    """Return the deterministic PhysicalResourceId of a session.

    The session id is hashed so that the id stays short and printable whatever the session id
    holds; the voice connector id is kept readable for the CloudFormation console.
    """
    digest = hashlib.sha256(proxy_session_id.encode("utf-8")).hexdigest()[:32]
    return f"{contract.SETTINGS_PHYSICAL_ID_PREFIX}{voice_connector_id}:{digest}"


def update_request(job: Job) -> dict[str, Any]:
    """The keyword arguments of ``UpdateProxySession`` for the declared state."""
    return job.properties.request(
        contract.VOICE_CONNECTOR_ID,
        contract.PROXY_SESSION_ID,
        contract.CAPABILITIES,
        contract.EXPIRY_MINUTES,
    )


def response_data(proxy_session: Mapping[str, Any]) -> dict[str, str]:
    """Shape the custom resource's Data (its GetAtt attributes) from a ProxySession: the status,
    expiry, capabilities and timestamp only."""
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


def _calls(job: Job) -> Any:
    return job.calls.about(f"proxy session {job.properties[contract.PROXY_SESSION_ID]!r}")


def create(job: Job) -> CfnResult:
    """Apply capabilities and expiry with UpdateProxySession."""
    response = _calls(job).call("UpdateProxySession", **update_request(job))
    return CfnResult(
        physical_resource_id=physical_resource_id(
            job.properties[contract.VOICE_CONNECTOR_ID], job.properties[contract.PROXY_SESSION_ID]
        ),
        data=response_data(response.get("ProxySession") or {}),
    )


update = create


def kept(job: Job) -> dict[str, str]:
    """The attributes of an Update that changes only RemovalPolicy, with no call: the declared
    capabilities and expiry (empty when left as it is). Status and UpdatedTimestamp are the
    service's and are not known without a call: empty."""
    expiry = job.properties[contract.EXPIRY_MINUTES]
    return {
        contract.ATTR_STATUS: "",
        contract.ATTR_EXPIRY_MINUTES: "" if expiry is None else str(expiry),
        contract.ATTR_CAPABILITIES: ",".join(job.properties[contract.CAPABILITIES]),
        contract.ATTR_UPDATED_TIMESTAMP: "",
    }


def delete(job: Job) -> None:
    """End the session (RemovalPolicy Destroy)."""
    _calls(job).delete(
        "DeleteProxySession",
        VoiceConnectorId=job.properties[contract.VOICE_CONNECTOR_ID],
        ProxySessionId=job.properties[contract.PROXY_SESSION_ID],
    )
