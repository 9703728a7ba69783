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
VOICE_CONNECTOR_PROXY_RESOURCE_TYPE: Final = "Custom::ChimeVoiceConnectorProxy"
PROXY_SESSION_RESOURCE_TYPE: Final = "Custom::ChimeProxySession"
PHONE_NUMBERS_RESOURCE_TYPE: Final = "Custom::ChimePhoneNumbers"
# Every resource type the one function per stack serves; the handler dispatches on these.
SERVED_RESOURCE_TYPES: Final = (
    SETTINGS_RESOURCE_TYPE,
    VOICE_CONNECTOR_PROXY_RESOURCE_TYPE,
    PROXY_SESSION_RESOURCE_TYPE,
    PHONE_NUMBERS_RESOURCE_TYPE,
)

# Properties of Custom::ChimeProxySessionSettings --------------------------------------------
VOICE_CONNECTOR_ID: Final = "VoiceConnectorId"
PROXY_SESSION_ID: Final = "ProxySessionId"
CAPABILITIES: Final = "Capabilities"
EXPIRY_MINUTES: Final = "ExpiryMinutes"
REMOVAL_POLICY: Final = "RemovalPolicy"
# Where and as whom the handler calls the API, for any resource type; each optional, and left out
# of the template when unset. Region defaults to the function's own region.
REGION: Final = "Region"
ASSUME_ROLE_ARN: Final = "AssumeRoleArn"
EXTERNAL_ID: Final = "ExternalId"
LOCATION_PROPERTIES: Final = (REGION, ASSUME_ROLE_ARN, EXTERNAL_ID)
SETTINGS_PROPERTIES: Final = (
    VOICE_CONNECTOR_ID,
    PROXY_SESSION_ID,
    CAPABILITIES,
    EXPIRY_MINUTES,
    REMOVAL_POLICY,
    *LOCATION_PROPERTIES,
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

# Properties of Custom::ChimeVoiceConnectorProxy (with VOICE_CONNECTOR_ID, REMOVAL_POLICY and the
# location properties) --------------------------------------------------------------------------
DEFAULT_SESSION_EXPIRY_MINUTES: Final = "DefaultSessionExpiryMinutes"
PHONE_NUMBER_POOL_COUNTRIES: Final = "PhoneNumberPoolCountries"
FALL_BACK_PHONE_NUMBER: Final = "FallBackPhoneNumber"
DISABLED: Final = "Disabled"
# Whether a Create may put its configuration over one the voice connector already has (and then
# never deletes it); not a setting of the service.
ADOPT_EXISTING: Final = "AdoptExisting"
VOICE_CONNECTOR_PROXY_PROPERTIES: Final = (
    VOICE_CONNECTOR_ID,
    DEFAULT_SESSION_EXPIRY_MINUTES,
    PHONE_NUMBER_POOL_COUNTRIES,
    FALL_BACK_PHONE_NUMBER,
    DISABLED,
    ADOPT_EXISTING,
    REMOVAL_POLICY,
    *LOCATION_PROPERTIES,
)
# Attributes of Custom::ChimeVoiceConnectorProxy: what the service reports back.
ATTR_DEFAULT_SESSION_EXPIRY_MINUTES: Final = "DefaultSessionExpiryMinutes"
ATTR_PHONE_NUMBER_COUNTRIES: Final = "PhoneNumberCountries"
ATTR_DISABLED: Final = "Disabled"
VOICE_CONNECTOR_PROXY_ATTRIBUTES: Final = (
    ATTR_DEFAULT_SESSION_EXPIRY_MINUTES,
    ATTR_PHONE_NUMBER_COUNTRIES,
    ATTR_DISABLED,
)

# Properties of Custom::ChimeProxySession (with VOICE_CONNECTOR_ID, CAPABILITIES, EXPIRY_MINUTES,
# REMOVAL_POLICY and the location properties) ----------------------------------------------------
PARTICIPANT_PHONE_NUMBERS: Final = "ParticipantPhoneNumbers"
NAME: Final = "Name"
NUMBER_SELECTION_BEHAVIOR: Final = "NumberSelectionBehavior"
GEO_MATCH_LEVEL: Final = "GeoMatchLevel"
GEO_MATCH_PARAMS: Final = "GeoMatchParams"
GEO_MATCH_COUNTRY: Final = "Country"
GEO_MATCH_AREA_CODE: Final = "AreaCode"
PROXY_SESSION_PROPERTIES: Final = (
    VOICE_CONNECTOR_ID,
    PARTICIPANT_PHONE_NUMBERS,
    CAPABILITIES,
    EXPIRY_MINUTES,
    NAME,
    NUMBER_SELECTION_BEHAVIOR,
    GEO_MATCH_LEVEL,
    GEO_MATCH_PARAMS,
    REMOVAL_POLICY,
    *LOCATION_PROPERTIES,
)
# Changing only these updates a created session in place; any other change creates a new one.
PROXY_SESSION_IN_PLACE_PROPERTIES: Final = (CAPABILITIES, EXPIRY_MINUTES, REMOVAL_POLICY)
# Attributes of Custom::ChimeProxySession.
ATTR_PROXY_SESSION_ID: Final = "ProxySessionId"
ATTR_PROXY_PHONE_NUMBERS: Final = "ProxyPhoneNumbers"
PROXY_SESSION_ATTRIBUTES: Final = (
    ATTR_PROXY_SESSION_ID,
    ATTR_STATUS,
    ATTR_EXPIRY_MINUTES,
    ATTR_CAPABILITIES,
    ATTR_PROXY_PHONE_NUMBERS,
)

# Properties of Custom::ChimePhoneNumbers (with VOICE_CONNECTOR_ID, optional here, NAME, the order's
# name, REMOVAL_POLICY and the location properties) ----------------------------------------------
COUNT: Final = "Count"
COUNTRY: Final = "Country"
AREA_CODE: Final = "AreaCode"
STATE: Final = "State"
CITY: Final = "City"
TOLL_FREE_PREFIX: Final = "TollFreePrefix"
PHONE_NUMBER_TYPE: Final = "PhoneNumberType"
PRODUCT_TYPE: Final = "ProductType"
PHONE_NUMBERS_PROPERTIES: Final = (
    COUNT,
    COUNTRY,
    AREA_CODE,
    STATE,
    CITY,
    TOLL_FREE_PREFIX,
    PHONE_NUMBER_TYPE,
    PRODUCT_TYPE,
    VOICE_CONNECTOR_ID,
    NAME,
    REMOVAL_POLICY,
    *LOCATION_PROPERTIES,
)
# At most one of these narrows a search (City goes with State).
SEARCH_CRITERIA: Final = (AREA_CODE, STATE, TOLL_FREE_PREFIX)
# Attributes of Custom::ChimePhoneNumbers: the numbers are the company's, not personal data.
ATTR_PHONE_NUMBERS: Final = "PhoneNumbers"
ATTR_PHONE_NUMBER_ORDER_ID: Final = "PhoneNumberOrderId"
ATTR_COUNT: Final = "Count"
PHONE_NUMBERS_ATTRIBUTES: Final = (ATTR_PHONE_NUMBERS, ATTR_PHONE_NUMBER_ORDER_ID, ATTR_COUNT)
PHONE_NUMBER_COUNT_MIN: Final = 1
PHONE_NUMBER_COUNT_MAX: Final = 100
LOCAL: Final = "Local"
TOLL_FREE: Final = "TollFree"
PHONE_NUMBER_TYPES: Final = (LOCAL, TOLL_FREE)
PRODUCT_VOICE_CONNECTOR: Final = "VoiceConnector"
PRODUCT_SIP_MEDIA_APPLICATION_DIAL_IN: Final = "SipMediaApplicationDialIn"
PRODUCT_TYPES: Final = (PRODUCT_VOICE_CONNECTOR, PRODUCT_SIP_MEDIA_APPLICATION_DIAL_IN)
# The model's patterns: a toll-free prefix, an order's name.
TOLL_FREE_PREFIX_PATTERN: Final = r"8(00|33|44|55|66|77|88)"
PHONE_NUMBER_ORDER_NAME_PATTERN: Final = r"[a-zA-Z0-9,._-]+(\s+[a-zA-Z0-9,._-]+)*"
PHONE_NUMBER_ORDER_NAME_MAX_LENGTH: Final = 256
# US states as the search takes them: two upper-case letters.
STATE_PATTERN: Final = r"[A-Z]{2}"
CITY_PATTERN: Final = r"[A-Za-z][A-Za-z .'-]{0,63}"

# Enums ----------------------------------------------------------------------------------------
CAPABILITY_VOICE: Final = "Voice"
CAPABILITY_SMS: Final = "SMS"
# The model's Capability enum, in its order.
CAPABILITY_VALUES: Final = (CAPABILITY_VOICE, CAPABILITY_SMS)
RETAIN: Final = "Retain"
DESTROY: Final = "Destroy"
REMOVAL_POLICIES: Final = (RETAIN, DESTROY)
# The settings resource leaves a session it did not create alone by default; the resources that
# create what they manage (a voice connector's proxy, a created session) end it by default.
DEFAULT_REMOVAL_POLICY: Final = RETAIN
CREATED_DEFAULT_REMOVAL_POLICY: Final = DESTROY
NUMBER_SELECTION_BEHAVIORS: Final = ("PreferSticky", "AvoidSticky")
GEO_MATCH_LEVELS: Final = ("Country", "AreaCode")

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

# Phone numbers, countries, names (the model's patterns, matched whole) ------------------------
# The model allows an optional "+"; CloudFormation templates must give E.164 with it.
E164_PATTERN: Final = r"\+[1-9]\d{1,14}"
COUNTRY_CODE_PATTERN: Final = r"[A-Z]{2}"
AREA_CODE_PATTERN: Final = r"[0-9]{3}"
PHONE_NUMBER_POOL_COUNTRIES_MAX: Final = 100
PARTICIPANT_COUNT: Final = 2
PROXY_SESSION_NAME_PATTERN: Final = r"[a-zA-Z0-9 ]{0,30}"
PROXY_SESSION_NAME_MAX_LENGTH: Final = 30

# Regions and accounts -------------------------------------------------------------------------
# Where the Chime SDK Voice API exists: botocore's endpoint data for `voice-chime` (aws partition).
CHIME_SDK_VOICE_REGIONS: Final = (
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "us-east-1",
    "us-west-2",
)
# An IAM role's ARN, in any partition (the account is 12 digits, the name a path and a name).
ROLE_ARN_PATTERN: Final = r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}"
# STS AssumeRole's ExternalId and RoleSessionName, as botocore's sts model gives them.
EXTERNAL_ID_MIN_LENGTH: Final = 2
EXTERNAL_ID_MAX_LENGTH: Final = 1224
EXTERNAL_ID_PATTERN: Final = r"[\w+=,.@:\/-]*"
ROLE_SESSION_NAME_MAX_LENGTH: Final = 64
ROLE_SESSION_NAME_PATTERN: Final = r"[\w+=,.@-]*"
# STS DurationSeconds: at least 15 minutes; one hour is what every role allows by default.
ASSUME_ROLE_MIN_SECONDS: Final = 900
ASSUME_ROLE_MAX_SECONDS: Final = 3600

# Set on the function by the provider construct: its own role, which Reasons about trust policies
# name.
FUNCTION_ROLE_ARN_VARIABLE: Final = "CHIME_PROXY_SESSION_FUNCTION_ROLE_ARN"

# The end of support ------------------------------------------------------------------------------
# AWS ended support for proxy sessions on this date; botocore marks these operations deprecated.
END_OF_SUPPORT_DATE: Final = "2026-04-07"
END_OF_SUPPORT_OPERATIONS: Final = (
    "CreateProxySession",
    "GetProxySession",
    "ListProxySessions",
    "UpdateProxySession",
    "DeleteProxySession",
    "GetVoiceConnectorProxy",
    "PutVoiceConnectorProxy",
    "DeleteVoiceConnectorProxy",
)

# Operations whose IAM action takes no resource ARN: IAM allows them on Resource "*" only.
ACCOUNT_WIDE_OPERATIONS: Final = (
    "SearchAvailablePhoneNumbers",
    "CreatePhoneNumberOrder",
    "GetPhoneNumberOrder",
    "GetPhoneNumber",
    "DeletePhoneNumber",
)

# The claim table (exactly-once store) -------------------------------------------------------------
# Set on the function by the provider when the stack holds a resource that creates something: the
# name of its DynamoDB table of claims (``claims``).
CLAIM_TABLE_VARIABLE: Final = "CHIME_PROXY_SESSION_CLAIM_TABLE"
# The table's key: a resource (stack id and logical id) and one Create request of it (RequestId).
CLAIM_PARTITION_KEY: Final = "Resource"
CLAIM_SORT_KEY: Final = "Request"
# Epoch seconds after which DynamoDB may remove a finished claim (its TTL attribute).
CLAIM_TTL_ATTRIBUTE: Final = "ExpiresAt"
# How long a finished claim (its resource deleted, or its Create failed) is kept: long enough for
# every late delivery of its requests (Lambda keeps an event at most 6 hours).
FINISHED_CLAIM_DAYS: Final = 30
# Item actions on that table only: the function never scans or lists it.
CLAIM_ACTIONS: Final = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:Query",
)

# Time ------------------------------------------------------------------------------------------
# The function's default timeout (Lambda's maximum): a full stack of sessions against a slow API
# needs it (README "Scale").
DEFAULT_FUNCTION_TIMEOUT_SECONDS: Final = 900
# Time the handler keeps back from the Lambda deadline for answering after its last API call.
RESPONSE_RESERVE_SECONDS: Final = 8.0

# Physical ids ---------------------------------------------------------------------------------
SETTINGS_PHYSICAL_ID_PREFIX: Final = "chime-proxy-session:"
VOICE_CONNECTOR_PROXY_PHYSICAL_ID_PREFIX: Final = "chime-voice-connector-proxy:"
PROXY_SESSION_PHYSICAL_ID_PREFIX: Final = "chime-created-proxy-session:"
PHONE_NUMBERS_PHYSICAL_ID_PREFIX: Final = "chime-phone-numbers:"
# Ends the PhysicalResourceId of a proxy configuration the stack adopted (it never deletes it).
ADOPTED_SUFFIX: Final = ":adopted"
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
