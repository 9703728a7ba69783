"""Declare Amazon Chime SDK Voice proxy-session capabilities and expiry in AWS CDK code.

AWS ended support for Chime SDK proxy sessions on 2026-04-07; the service may reject these calls.
"""

from .contract import contract
from .provider import ProxySessionProvider, ProxySessionProviderError
from .proxy_session import GeoMatchLevel, GeoMatchParams, NumberSelectionBehavior, ProxySession
from .settings import ProxySessionSettings
from .validation import Capability, ProxySessionError, ProxySessionSettingsError
from .voice_connector_proxy import VoiceConnectorProxy, VoiceConnectorProxyError

RESOURCE_TYPE: str = contract.SETTINGS_RESOURCE_TYPE
"""The CloudFormation type of ProxySessionSettings' custom resource."""

__all__ = [
    "RESOURCE_TYPE",
    "Capability",
    "GeoMatchLevel",
    "GeoMatchParams",
    "NumberSelectionBehavior",
    "ProxySession",
    "ProxySessionError",
    "ProxySessionProvider",
    "ProxySessionProviderError",
    "ProxySessionSettings",
    "ProxySessionSettingsError",
    "VoiceConnectorProxy",
    "VoiceConnectorProxyError",
]
