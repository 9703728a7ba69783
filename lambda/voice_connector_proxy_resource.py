"""Custom::ChimeVoiceConnectorProxy: a voice connector's proxy configuration.

Create reads the voice connector's configuration first (GetVoiceConnectorProxy). When there is one,
which this stack did not make, it answers FAILED and changes nothing, unless AdoptExisting is true:
then it puts the declared settings over it, and its PhysicalResourceId ends in ``:adopted``, so
that no Delete ever removes that configuration (the application that made it relies on it).
Otherwise it puts every declared setting with PutVoiceConnectorProxy; Update does the same; a
Delete with RemovalPolicy Destroy removes a configuration the stack made. Whether one existed is
recorded on the Create's claim before the put (``once``), so a repeated delivery or a retry after a
crash never mistakes the stack's own put for someone else's configuration.

The PhysicalResourceId names the region the client calls and the voice connector, so changing
either replaces the resource: CloudFormation then sends Delete with the old properties, which name
the old configuration. The fall-back phone number goes to the API only: never to Data, a log line
or a Reason.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

import proxy_contract as contract
from cfn_lifecycle import Job
from cfn_request import CfnResult

logger = logging.getLogger(__name__)

# The fact a Create records on its claim: whether the voice connector had a configuration before.
EXISTING: Final = "existing"


class ExistingConfigurationError(Exception):
    """The voice connector already has a proxy configuration and AdoptExisting is not set."""


def physical_resource_id(region: str, voice_connector_id: str, *, adopted: bool = False) -> str:
    """Return the PhysicalResourceId: one per voice connector and region (its configuration),
    ending in ``:adopted`` for a configuration the stack adopted."""
    prefix = contract.VOICE_CONNECTOR_PROXY_PHYSICAL_ID_PREFIX
    suffix = contract.ADOPTED_SUFFIX if adopted else ""
    return f"{prefix}{region}:{voice_connector_id}{suffix}"


def is_adopted(physical_id: str) -> bool:
    """Whether a PhysicalResourceId names a configuration the stack adopted (never deleted)."""
    return physical_id.endswith(contract.ADOPTED_SUFFIX)


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


def _had_configuration(job: Job) -> bool:
    """Whether the voice connector had a configuration before this Create put one: recorded on
    the claim before the put, so every later run of the request reads the same answer."""
    progress = job.progress
    recorded = None if progress is None else progress.facts.get(EXISTING)
    if recorded is not None:
        return recorded == "true"
    found = job.calls.find(
        "GetVoiceConnectorProxy", VoiceConnectorId=job.properties[contract.VOICE_CONNECTOR_ID]
    )
    existing = bool(found and found.get("Proxy"))
    if progress is not None:
        progress.note(**{EXISTING: "true" if existing else "false"})
    return existing


def create(job: Job) -> CfnResult:
    """Check for a configuration the stack did not make, then put every setting."""
    voice_connector_id = job.properties[contract.VOICE_CONNECTOR_ID]
    previous = None if job.progress is None else job.progress.previous
    if previous is not None:  # the rollback of a replacement: back to the stack's own
        response = job.calls.call("PutVoiceConnectorProxy", **put_request(job))
        data = response_data(response.get("Proxy") or {})
        return CfnResult(physical_resource_id=previous.physical_id, data=data)
    if job.request.request_type == "Update":
        held = job.physical_id.removesuffix(contract.ADOPTED_SUFFIX)
        if held == physical_resource_id(job.calls.region, voice_connector_id):
            # A replacing Update that ends on the configuration the resource holds (the same
            # region written another way, or the rollback of a refused replacement).
            return update(job)
    existing = _had_configuration(job)
    if existing and not job.properties[contract.ADOPT_EXISTING]:
        raise ExistingConfigurationError(
            f"Voice connector {voice_connector_id} in {job.calls.region} already has a proxy "
            "configuration, which this stack did not make. Nothing was changed: putting this one "
            "over it would change proxying for every session on that voice connector, and a "
            "later Delete would remove it. To manage it from this stack, set adopt_existing=True "
            f'({contract.ADOPT_EXISTING} "true"): the stack then puts its declared settings and '
            "never deletes the configuration."
        )
    response = job.calls.call("PutVoiceConnectorProxy", **put_request(job))
    if existing:
        logger.info(
            "Adopted the existing proxy configuration of voice connector %s: its settings are "
            "now the declared ones, and no Delete of this resource removes it",
            voice_connector_id,
        )
    physical_id = physical_resource_id(job.calls.region, voice_connector_id, adopted=existing)
    if job.progress is not None:
        job.progress.made = physical_id
    data = response_data(response.get("Proxy") or {})
    return CfnResult(physical_resource_id=physical_id, data=data)


def update(job: Job) -> CfnResult:
    """Put every setting; the PhysicalResourceId (and whether it was adopted) stays."""
    response = job.calls.call("PutVoiceConnectorProxy", **put_request(job))
    return CfnResult(
        physical_resource_id=job.physical_id, data=response_data(response.get("Proxy") or {})
    )


def kept(job: Job) -> dict[str, str]:
    """The attributes of an Update that changes only RemovalPolicy: the declared settings."""
    values = job.properties
    return {
        contract.ATTR_DEFAULT_SESSION_EXPIRY_MINUTES: str(
            values[contract.DEFAULT_SESSION_EXPIRY_MINUTES]
        ),
        contract.ATTR_PHONE_NUMBER_COUNTRIES: ",".join(
            values[contract.PHONE_NUMBER_POOL_COUNTRIES]
        ),
        contract.ATTR_DISABLED: str(bool(values[contract.DISABLED])).lower(),
    }


def delete(job: Job) -> None:
    """Remove a configuration the stack made (RemovalPolicy Destroy); already gone counts as
    done. An adopted one is left as declared."""
    voice_connector_id = job.properties[contract.VOICE_CONNECTOR_ID]
    if is_adopted(job.physical_id):
        logger.info(
            "The proxy configuration of voice connector %s was adopted, not made by this stack: "
            "left as declared, whatever the removal policy",
            voice_connector_id,
        )
        return
    job.calls.delete("DeleteVoiceConnectorProxy", VoiceConnectorId=voice_connector_id)


def made_by_lost_run(job: Job) -> list[str]:
    """What a run that died may have put: a configuration, when the voice connector had none
    before (recorded on the claim); an adopted one, or none recorded, is never removed."""
    progress = job.progress
    if progress is None or progress.facts.get(EXISTING) != "false":
        return []
    return [physical_resource_id(job.calls.region, job.properties[contract.VOICE_CONNECTOR_ID])]
