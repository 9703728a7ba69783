"""The contract between the constructs and the handler: data only, standard library only.

This file ships in the Lambda asset, where the handler imports it flat (``import proxy_contract``),
and the construct library loads this same file from its handler folder (see
``chime_proxy_session/contract.py``). The harness, the benchmark and the tests import it too, so
every resource type, property and attribute name, enum, limit and pattern is written once, here.
``tests/unit/test_contract.py`` holds the values taken from the service against botocore's
chime-sdk-voice model.
"""

from __future__ import annotations

from typing import Final

# Resource types -----------------------------------------------------------------------------
SETTINGS_RESOURCE_TYPE: Final = "Custom::ChimeProxySessionSettings"
# Every resource type the one function per stack serves; the handler dispatches on these.
SERVED_RESOURCE_TYPES: Final = (SETTINGS_RESOURCE_TYPE,)

# Properties of Custom::ChimeProxySessionSettings --------------------------------------------
VOICE_CONNECTOR_ID: Final = "VoiceConnectorId"
PROXY_SESSION_ID: Final = "ProxySessionId"
CAPABILITIES: Final = "Capabilities"
EXPIRY_MINUTES: Final = "ExpiryMinutes"
REMOVAL_POLICY: Final = "RemovalPolicy"
SETTINGS_PROPERTIES: Final = (
    VOICE_CONNECTOR_ID,
    PROXY_SESSION_ID,
    CAPABILITIES,
    EXPIRY_MINUTES,
    REMOVAL_POLICY,
)
# Set on every custom resource by CloudFormation (ServiceToken) or by CDK (ServiceTimeout).
SERVICE_TOKEN: Final = "ServiceToken"  # noqa: S105 - a property name, not a secret
SERVICE_TIMEOUT: Final = "ServiceTimeout"
CLOUDFORMATION_PROPERTIES: Final = (SERVICE_TOKEN, SERVICE_TIMEOUT)

# Attributes of Custom::ChimeProxySessionSettings (the response Data, read with Fn::GetAtt) --
ATTR_STATUS: Final = "Status"
ATTR_EXPIRY_MINUTES: Final = "ExpiryMinutes"
ATTR_CAPABILITIES: Final = "Capabilities"
ATTR_UPDATED_TIMESTAMP: Final = "UpdatedTimestamp"
SETTINGS_ATTRIBUTES: Final = (
    ATTR_STATUS,
    ATTR_EXPIRY_MINUTES,
    ATTR_CAPABILITIES,
    ATTR_UPDATED_TIMESTAMP,
)

# Enums ----------------------------------------------------------------------------------------
CAPABILITY_VOICE: Final = "Voice"
CAPABILITY_SMS: Final = "SMS"
# The model's Capability enum, in its order.
CAPABILITY_VALUES: Final = (CAPABILITY_VOICE, CAPABILITY_SMS)
RETAIN: Final = "Retain"
DESTROY: Final = "Destroy"
REMOVAL_POLICIES: Final = (RETAIN, DESTROY)
DEFAULT_REMOVAL_POLICY: Final = RETAIN

# Limits and patterns (regular expressions, matched whole) ------------------------------------
# The model's VoiceConnectorId pattern, as the model writes it (matched whole).
VOICE_CONNECTOR_ID_PATTERN: Final = (
    r"([a-z0-9]{21,22}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)
# ProxySessionId is a NonEmptyString128 in the model.
PROXY_SESSION_ID_MAX_LENGTH: Final = 128
# The model allows any non-blank string; ids the service issues are printable ASCII, and a '/'
# would change the request path, so anything else is rejected before a call is made.
PROXY_SESSION_ID_PATTERN: Final = r"[!-.0-~]+"
# ExpiryMinutes is a PositiveInteger in the model; the API reference documents 12 hours at most.
EXPIRY_MINUTES_MIN: Final = 1
EXPIRY_MINUTES_DOCUMENTED_MAX: Final = 720
# Anything above this cannot be a sensible expiry and would not fit the service's integer.
EXPIRY_MINUTES_HARD_MAX: Final = 2_147_483_647

# Physical ids ---------------------------------------------------------------------------------
SETTINGS_PHYSICAL_ID_PREFIX: Final = "chime-proxy-session:"
# A Create that failed answers with this prefix so that the rollback Delete makes no API call.
FAILED_CREATE_PREFIX: Final = "create-failed:"

# The CloudFormation request envelope ---------------------------------------------------------
REQUEST_TYPES: Final = ("Create", "Update", "Delete")
REQUIRED_EVENT_FIELDS: Final = (
    "RequestType",
    "ResponseURL",
    "StackId",
    "RequestId",
    "LogicalResourceId",
    "ResourceType",
    "ResourceProperties",
)
# Echoed in the response, which CloudFormation matches to the request by them: non-empty strings.
STRING_EVENT_FIELDS: Final = (
    "ResponseURL",
    "StackId",
    "RequestId",
    "LogicalResourceId",
    "ResourceType",
)
# CloudFormation's limit on the response body.
MAX_RESPONSE_BYTES: Final = 4096
