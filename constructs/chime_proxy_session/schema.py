"""The property schema of Custom::ChimeProxySessionSettings: the seam between construct and handler.

The handler keeps the same names in ``lambda/proxy_session_settings.py``; tests check both sides
against the same fixtures (``tests/fixtures/properties.json``).
"""

from __future__ import annotations

from typing import Final

RESOURCE_TYPE: Final = "Custom::ChimeProxySessionSettings"

VOICE_CONNECTOR_ID: Final = "VoiceConnectorId"
PROXY_SESSION_ID: Final = "ProxySessionId"
CAPABILITIES: Final = "Capabilities"
EXPIRY_MINUTES: Final = "ExpiryMinutes"
REMOVAL_POLICY: Final = "RemovalPolicy"
PROPERTIES: Final = (
    VOICE_CONNECTOR_ID,
    PROXY_SESSION_ID,
    CAPABILITIES,
    EXPIRY_MINUTES,
    REMOVAL_POLICY,
)

RETAIN: Final = "Retain"
DESTROY: Final = "Destroy"

# Attributes (the response Data), read with Fn::GetAtt.
ATTR_STATUS: Final = "Status"
ATTR_EXPIRY_MINUTES: Final = "ExpiryMinutes"
ATTR_CAPABILITIES: Final = "Capabilities"
ATTR_UPDATED_TIMESTAMP: Final = "UpdatedTimestamp"

VOICE_CONNECTOR_ID_REGEX: Final = (
    r"[a-z0-9]{21,22}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
PROXY_SESSION_ID_MAX_LENGTH: Final = 128
PROXY_SESSION_ID_REGEX: Final = r"[!-.0-~]+"
EXPIRY_MINUTES_DOCUMENTED_MAX: Final = 720
