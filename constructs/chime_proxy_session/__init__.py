"""Declare an Amazon Chime SDK Voice proxy setup in AWS CDK code.

``VoiceConnectorProxy`` declares a voice connector's proxy configuration, ``ProxySession`` a proxy
session the stack creates, ``ProxySessionSettings`` the capabilities and expiry of a session
created elsewhere, and ``PhoneNumbers`` the phone numbers the stack orders (a proxy's numbers).
They share one Lambda function per stack, ``ProxySessionProvider``.

AWS ended support for Chime SDK proxy sessions on 2026-04-07; the service may reject these calls.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .contract import contract

if TYPE_CHECKING:
    from .phone_numbers import (
        PhoneNumberProductType,
        PhoneNumbers,
        PhoneNumbersError,
        PhoneNumberType,
    )
    from .provider import ProxySessionProvider, ProxySessionProviderError
    from .proxy_session import GeoMatchLevel, GeoMatchParams, NumberSelectionBehavior, ProxySession
    from .settings import ProxySessionSettings
    from .validation import Capability, ProxySessionError, ProxySessionSettingsError
    from .voice_connector_proxy import VoiceConnectorProxy, VoiceConnectorProxyError

RESOURCE_TYPE: str = contract.SETTINGS_RESOURCE_TYPE
"""ProxySessionSettings' CloudFormation type (``Custom::ChimeProxySessionSettings``), kept for
compatibility: it was the only type when 0.1.0 exported it."""

# Each public name and the module that defines it, imported on first use: the drift check
# (``chime_proxy_session.drift``) runs without loading aws-cdk-lib, which starts Node.js.
_MODULES = {
    "Capability": ".validation",
    "GeoMatchLevel": ".proxy_session",
    "GeoMatchParams": ".proxy_session",
    "NumberSelectionBehavior": ".proxy_session",
    "PhoneNumberProductType": ".phone_numbers",
    "PhoneNumberType": ".phone_numbers",
    "PhoneNumbers": ".phone_numbers",
    "PhoneNumbersError": ".phone_numbers",
    "ProxySession": ".proxy_session",
    "ProxySessionError": ".validation",
    "ProxySessionProvider": ".provider",
    "ProxySessionProviderError": ".provider",
    "ProxySessionSettings": ".settings",
    "ProxySessionSettingsError": ".validation",
    "VoiceConnectorProxy": ".voice_connector_proxy",
    "VoiceConnectorProxyError": ".voice_connector_proxy",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


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
