"""Custom::ChimeVoiceConnectorProxy: a voice connector's proxy configuration.

Create and Update put every declared setting with PutVoiceConnectorProxy; a Delete with
RemovalPolicy Destroy removes the configuration. The PhysicalResourceId names the region the
client calls and the voice connector, so changing either replaces the resource: CloudFormation then
sends Delete with the old properties, which name the old configuration. The fall-back phone number
goes to the API only: never to Data, a log line or a Reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import proxy_contract as contract
from cfn_lifecycle import Job
from cfn_request import CfnResult


def physical_resource_id(region: str, voice_connector_id: str) -> str:
    """Return the PhysicalResourceId: one per voice connector and region (its configuration)."""
    return f"{contract.VOICE_CONNECTOR_PROXY_PHYSICAL_ID_PREFIX}{region}:{voice_connector_id}"


def put_request(job: Job) -> dict[str, Any]:
    """The keyword arguments of ``PutVoiceConnectorProxy``: every setting."""
    return job.properties.request(
        contract.VOICE_CONNECTOR_ID,
        contract.DEFAULT_SESSION_EXPIRY_MINUTES,
        contract.PHONE_NUMBER_POOL_COUNTRIES,
        contract.FALL_BACK_PHONE_NUMBER,
        contract.DISABLED,
    )


def response_data(proxy: Mapping[str, Any]) -> dict[str, str]:
    """Shape the custom resource's Data (its GetAtt attributes) from the service's Proxy.

    Only the expiry, the countries and Disabled leave the function: FallBackPhoneNumber is a
    phone number and is never copied. A value the service leaves out is an empty string.
    """
    expiry = proxy.get("DefaultSessionExpiryMinutes")
    countries = proxy.get("PhoneNumberCountries") or []
    disabled = proxy.get("Disabled")
    return {
        contract.ATTR_DEFAULT_SESSION_EXPIRY_MINUTES: "" if expiry is None else str(expiry),
        contract.ATTR_PHONE_NUMBER_COUNTRIES: ",".join(str(item) for item in countries),
        contract.ATTR_DISABLED: "" if disabled is None else str(bool(disabled)).lower(),
    }


def create(job: Job) -> CfnResult:
    """Put every setting with PutVoiceConnectorProxy."""
    response = job.calls.call("PutVoiceConnectorProxy", **put_request(job))
    return CfnResult(
        physical_resource_id=physical_resource_id(
            job.calls.region, job.properties[contract.VOICE_CONNECTOR_ID]
        ),
        data=response_data(response.get("Proxy") or {}),
    )


update = create


def delete(job: Job) -> None:
    """Remove the configuration (RemovalPolicy Destroy); already gone counts as done."""
    job.calls.delete(
        "DeleteVoiceConnectorProxy", VoiceConnectorId=job.properties[contract.VOICE_CONNECTOR_ID]
    )
