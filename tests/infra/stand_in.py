"""A stand-in for VoiceConnectorProxy (built on another branch): what a ProxySession reads of it."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk

import proxy_contract as contract
from chime_proxy_session import ProxySessionProvider

PROXY_VC = "klmnopqrst9876543210a"


@dataclass
class StandInProxy:
    """The public attributes the real VoiceConnectorProxy will have."""

    voice_connector_id: str
    region: str | None
    assume_role_arn: str | None
    external_id: str | None
    provider: ProxySessionProvider
    resource: cdk.CustomResource


def stand_in(stack: cdk.Stack, construct_id: str, region: str | None = None) -> StandInProxy:
    """A proxy configuration resource on PROXY_VC in ``stack``, served by its provider."""
    provider = ProxySessionProvider.of(stack)
    resource = cdk.CustomResource(
        stack,
        construct_id,
        service_token=provider.service_token,
        resource_type=contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE,
        properties={contract.VOICE_CONNECTOR_ID: PROXY_VC},
    )
    return StandInProxy(PROXY_VC, region, None, None, provider, resource)
