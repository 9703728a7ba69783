"""Declare Amazon Chime SDK Voice proxy-session capabilities and expiry in AWS CDK code.

AWS ended support for Chime SDK proxy sessions on 2026-04-07; the service may reject these calls.
"""

from .provider import ProxySessionProvider
from .schema import RESOURCE_TYPE
from .settings import ProxySessionSettings
from .validation import Capability, ProxySessionSettingsError

__all__ = [
    "RESOURCE_TYPE",
    "Capability",
    "ProxySessionProvider",
    "ProxySessionSettings",
    "ProxySessionSettingsError",
]
