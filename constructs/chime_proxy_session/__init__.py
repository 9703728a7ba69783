"""Declare an Amazon Chime SDK Voice proxy setup in AWS CDK code.

``VoiceConnectorProxy`` declares a voice connector's proxy configuration, ``ProxySession`` a proxy
session the stack creates, ``ProxySessionSettings`` the capabilities and expiry of a session
created elsewhere, and ``PhoneNumbers`` the phone numbers the stack orders (a proxy's numbers).
They share one Lambda function per stack, ``ProxySessionProvider``.

AWS ended support for Chime SDK proxy sessions on 2026-04-07; the service may reject these calls.
"""

from .contract import contract
from .phone_numbers import PhoneNumberProductType, PhoneNumbers, PhoneNumbersError, PhoneNumberType
from .provider import ProxySessionProvider, ProxySessionProviderError
from .proxy_session import GeoMatchLevel, GeoMatchParams, NumberSelectionBehavior, ProxySession
from .settings import ProxySessionSettings
from .validation import Capability, ProxySessionError, ProxySessionSettingsError
from .voice_connector_proxy import VoiceConnectorProxy, VoiceConnectorProxyError

RESOURCE_TYPE: str = contract.SETTINGS_RESOURCE_TYPE
"""ProxySessionSettings' CloudFormation type (``Custom::ChimeProxySessionSettings``), kept for
compatibility: it was the only type when 0.1.0 exported it."""

__all__ = [
    "RESOURCE_TYPE",
    "Capability",
    "GeoMatchLevel",
    "GeoMatchParams",
    "NumberSelectionBehavior",
    "PhoneNumberProductType",
    "PhoneNumberType",
    "PhoneNumbers",
    "PhoneNumbersError",
    "ProxySession",
    "ProxySessionError",
    "ProxySessionProvider",
    "ProxySessionProviderError",
    "ProxySessionSettings",
    "ProxySessionSettingsError",
    "VoiceConnectorProxy",
    "VoiceConnectorProxyError",
]
