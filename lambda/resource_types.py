"""One description per resource type: everything both halves need to know about it, written once.

Modelled on the CloudFormation resource schema of registry types: properties (with their rule,
whether required, whether a change replaces the resource: ``createOnlyProperties``), attributes
(``readOnlyProperties``), the physical id (``primaryIdentifier``), and the API operations each
handler makes (``handlers.*.permissions``, as ``chime:<Operation>``). Standard library only: the
handler dispatches on these records, the constructs derive their synth checks and grants from them,
and the tests and the README tables read them. A type's own API choreography lives in the handler
module the record names, imported only when a request of that type arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import combination_rules
import property_rules as rules
import proxy_contract as contract
from property_rules import Rule
from records import Record

IAM_PREFIX: Final = "chime:"


class Property(Record):
    """One property of a resource type.

    :param name: the CloudFormation property name.
    :param prop: the construct's keyword for it.
    :param rule: the value rule (``property_rules``), applied at synth to literals and in the
        handler to every value.
    :param required: whether the property must be given.
    :param replaces: whether changing it replaces the resource (a new physical resource).
    :param null_advice: what to do instead of giving an optional property as null.
    :param advice: appended to a rule's message for this property.
    :param default: the parsed value when the property is absent.
    """

    name: str
    prop: str
    rule: Rule
    required: bool = False
    replaces: bool = False
    null_advice: str = "omit it instead for its default"
    advice: str = ""
    default: object = None

    @property
    def secret(self) -> bool:
        """Whether the value is never shown (phone numbers, secrets, sensitive names)."""
        return self.rule in rules.SECRET_RULES


class ResourceType(Record):
    """A resource type: its CloudFormation type, properties, attributes, operations and ids.

    ``operations`` maps each handler (``create``, ``update``, ``delete``) to the ChimeSDKVoice
    operations it may call; the function's IAM actions are these, and the handler refuses a call
    that its type did not declare. ``delete`` runs only for RemovalPolicy Destroy.
    """

    construct: str
    type_name: str
    module: str
    summary: str
    properties: tuple[Property, ...]
    attributes: tuple[str, ...]
    operations: Mapping[str, tuple[str, ...]]
    physical_id_prefix: str
    physical_id_format: str
    default_removal_policy: str
    not_found_advice: str
    # Whether its Create makes something (a session, a configuration): such a Create claims its
    # work in the claim table first (``claims``), and the provider adds that table to the stack.
    creates: bool = False
    # Whether an in-place Update makes something too (orders numbers): it is claimed as well.
    update_creates: bool = False
    # Whether the Delete after a failed Create undoes what it made whatever the RemovalPolicy
    # (numbers bought by a Create that failed are never kept).
    undo_failed_create: bool = False
    # Operations whose IAM action takes no resource ARN (account-wide: Resource "*").
    account_operations: tuple[str, ...] = ()
    # A rule over several properties (``combination_rules.phone_number_search``), applied after each
    # property's own: given the name to show for each property and the parsed values.
    combination: Callable[[Mapping[str, str], Mapping[str, Any]], None] | None = None

    @property
    def property_names(self) -> tuple[str, ...]:
        """The CloudFormation names of its properties, in order."""
        return tuple(item.name for item in self.properties)

    def get(self, name: str) -> Property:
        """The property called ``name`` (the CloudFormation name)."""
        for item in self.properties:
            if item.name == name:
                return item
        raise KeyError(name)

    @property
    def replacing(self) -> tuple[str, ...]:
        """The properties whose change replaces the resource."""
        return tuple(p.name for p in self.properties if p.replaces)

    def actions(self, *, delete: bool) -> tuple[str, ...]:
        """The IAM actions the function needs: create and update always, delete if ``delete``;
        each once, in the order declared."""
        handlers = ("create", "update", "delete") if delete else ("create", "update")
        ordered: dict[str, None] = {}
        for handler in handlers:
            for operation in self.operations.get(handler, ()):
                ordered[f"{IAM_PREFIX}{operation}"] = None
        return tuple(ordered)

    def all_operations(self) -> frozenset[str]:
        """Every operation any of the type's handlers may call."""
        return frozenset(op for ops in self.operations.values() for op in ops)


def _removal_policy(default: str) -> Property:
    return Property(
        contract.REMOVAL_POLICY,
        "removal_policy",
        rules.removal_policy,
        null_advice=f"set {contract.RETAIN!r} or {contract.DESTROY!r}, or omit it for {default!r}",
    )


def _location(*, region_replaces: bool, role_replaces: bool) -> tuple[Property, ...]:
    advice = "omit it to use the function's own region and role"
    return (
        Property(
            contract.REGION, "region", rules.region, replaces=region_replaces, null_advice=advice
        ),
        Property(
            contract.ASSUME_ROLE_ARN,
            "assume_role_arn",
            rules.role_arn,
            replaces=role_replaces,
            null_advice=advice,
        ),
        Property(
            contract.EXTERNAL_ID,
            "external_id",
            rules.external_id,
            replaces=role_replaces,
            null_advice=advice,
        ),
    )


_VOICE_CONNECTOR: Final = Property(
    contract.VOICE_CONNECTOR_ID,
    "voice_connector_id",
    rules.voice_connector_id,
    required=True,
    replaces=True,
)
_KEEP_EXPIRY: Final = "Omit it to leave the session's expiry as it is."

SETTINGS: Final = ResourceType(
    construct="ProxySessionSettings",
    type_name=contract.SETTINGS_RESOURCE_TYPE,
    module="settings_resource",
    summary="the capabilities and expiry of a proxy session created elsewhere",
    properties=(
        _VOICE_CONNECTOR,
        Property(
            contract.PROXY_SESSION_ID,
            "proxy_session_id",
            rules.proxy_session_id,
            required=True,
            replaces=True,
        ),
        Property(contract.CAPABILITIES, "capabilities", rules.capabilities, required=True),
        Property(
            contract.EXPIRY_MINUTES,
            "expiry",
            rules.minutes,
            null_advice='give a whole number of minutes such as "60", or omit it to leave the '
            "expiry as it is",
            advice=_KEEP_EXPIRY,
        ),
        _removal_policy(contract.DEFAULT_REMOVAL_POLICY),
        *_location(region_replaces=False, role_replaces=False),
    ),
    attributes=contract.SETTINGS_ATTRIBUTES,
    operations={
        "create": ("UpdateProxySession",),
        "update": ("UpdateProxySession",),
        "delete": ("DeleteProxySession",),
    },
    physical_id_prefix=contract.SETTINGS_PHYSICAL_ID_PREFIX,
    physical_id_format="chime-proxy-session:<voice connector id>:<SHA-256 of the session id, "
    "32 hex digits>",
    default_removal_policy=contract.DEFAULT_REMOVAL_POLICY,
    not_found_advice="Check ProxySessionId and VoiceConnectorId; a session that was deleted or "
    "has expired cannot be updated.",
)

VOICE_CONNECTOR_PROXY: Final = ResourceType(
    construct="VoiceConnectorProxy",
    type_name=contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE,
    module="voice_connector_proxy_resource",
    summary="a voice connector's proxy configuration",
    properties=(
        _VOICE_CONNECTOR,
        Property(
            contract.DEFAULT_SESSION_EXPIRY_MINUTES,
            "default_session_expiry",
            rules.minutes,
            required=True,
        ),
        Property(
            contract.PHONE_NUMBER_POOL_COUNTRIES,
            "phone_number_pool_countries",
            rules.countries,
            required=True,
        ),
        Property(
            contract.FALL_BACK_PHONE_NUMBER,
            "fall_back_phone_number",
            rules.e164,
            null_advice="give an E.164 number (a '+' and the digits, country code first), or "
            "omit it for no fall-back number",
        ),
        Property(
            contract.DISABLED,
            "disabled",
            rules.boolean,
            null_advice='set "true" or "false", or omit it for "false"',
            advice="Omit it to keep the proxy enabled.",
            default=False,
        ),
        Property(
            contract.ADOPT_EXISTING,
            "adopt_existing",
            rules.boolean,
            null_advice='set "true" or "false", or omit it for "false"',
            advice="Omit it to refuse a voice connector that already has a configuration.",
            default=False,
        ),
        _removal_policy(contract.CREATED_DEFAULT_REMOVAL_POLICY),
        *_location(region_replaces=True, role_replaces=False),
    ),
    attributes=contract.VOICE_CONNECTOR_PROXY_ATTRIBUTES,
    operations={
        # Create reads the configuration first: it never puts over one it did not make unless
        # AdoptExisting is true.
        "create": ("GetVoiceConnectorProxy", "PutVoiceConnectorProxy"),
        # A replacing Update runs the Create.
        "update": ("GetVoiceConnectorProxy", "PutVoiceConnectorProxy"),
        "delete": ("DeleteVoiceConnectorProxy",),
    },
    physical_id_prefix=contract.VOICE_CONNECTOR_PROXY_PHYSICAL_ID_PREFIX,
    physical_id_format="chime-voice-connector-proxy:<region>:<voice connector id>",
    default_removal_policy=contract.CREATED_DEFAULT_REMOVAL_POLICY,
    not_found_advice="Check VoiceConnectorId and Region: the voice connector must exist in that "
    "region, in the account the function calls as.",
    creates=True,
)

_SESSION_OPERATIONS: Final = (
    "CreateProxySession",
    # Only after a run died between creating a session and recording it: the retry looks for it.
    "ListProxySessions",
    "UpdateProxySession",
    # That look-up removes a duplicate it finds, whatever the policy.
    "DeleteProxySession",
)

PROXY_SESSION: Final = ResourceType(
    construct="ProxySession",
    type_name=contract.PROXY_SESSION_RESOURCE_TYPE,
    module="proxy_session_resource",
    summary="a proxy session the stack creates, exactly once",
    properties=(
        _VOICE_CONNECTOR,
        Property(
            contract.PARTICIPANT_PHONE_NUMBERS,
            "participant_phone_numbers",
            rules.participants,
            required=True,
            replaces=True,
        ),
        Property(contract.CAPABILITIES, "capabilities", rules.capabilities, required=True),
        Property(contract.EXPIRY_MINUTES, "expiry", rules.minutes, advice=_KEEP_EXPIRY),
        Property(contract.NAME, "name", rules.session_name, replaces=True),
        Property(
            contract.NUMBER_SELECTION_BEHAVIOR,
            "number_selection_behavior",
            rules.number_selection_behavior,
            replaces=True,
        ),
        Property(contract.GEO_MATCH_LEVEL, "geo_match_level", rules.geo_match_level, replaces=True),
        Property(
            contract.GEO_MATCH_PARAMS, "geo_match_params", rules.geo_match_params, replaces=True
        ),
        _removal_policy(contract.CREATED_DEFAULT_REMOVAL_POLICY),
        *_location(region_replaces=True, role_replaces=True),
    ),
    attributes=contract.PROXY_SESSION_ATTRIBUTES,
    operations={
        "create": _SESSION_OPERATIONS,
        "update": _SESSION_OPERATIONS,
        # The rollback Delete of a Create whose run died looks for its session first.
        "delete": ("ListProxySessions", "DeleteProxySession"),
    },
    physical_id_prefix=contract.PROXY_SESSION_PHYSICAL_ID_PREFIX,
    physical_id_format="chime-created-proxy-session:<voice connector id>:<session id>",
    default_removal_policy=contract.CREATED_DEFAULT_REMOVAL_POLICY,
    not_found_advice="The session ended (it expired, or was deleted outside CloudFormation), so "
    "it cannot be updated in place; change its name (or another property that creates a new "
    "session) to create a new one.",
    creates=True,
)

_ORDER: Final = ("SearchAvailablePhoneNumbers", "CreatePhoneNumberOrder", "GetPhoneNumberOrder")
_ASSIGN: Final = (
    "AssociatePhoneNumbersWithVoiceConnector",
    "DisassociatePhoneNumbersFromVoiceConnector",
)

PHONE_NUMBERS: Final = ResourceType(
    construct="PhoneNumbers",
    type_name=contract.PHONE_NUMBERS_RESOURCE_TYPE,
    module="phone_numbers_resource",
    summary="phone numbers ordered for the stack",
    properties=(
        Property(contract.COUNT, "count", rules.count, required=True),
        Property(contract.COUNTRY, "country", rules.country_code, replaces=True, default="US"),
        Property(contract.AREA_CODE, "area_code", rules.area_code, replaces=True),
        Property(contract.STATE, "state", rules.state, replaces=True),
        Property(contract.CITY, "city", rules.city, replaces=True),
        Property(
            contract.TOLL_FREE_PREFIX, "toll_free_prefix", rules.toll_free_prefix, replaces=True
        ),
        Property(
            contract.PHONE_NUMBER_TYPE,
            "number_type",
            rules.phone_number_type,
            replaces=True,
            default=contract.LOCAL,
        ),
        Property(
            contract.PRODUCT_TYPE,
            "product_type",
            rules.product_type,
            replaces=True,
            default=contract.PRODUCT_VOICE_CONNECTOR,
        ),
        Property(
            contract.VOICE_CONNECTOR_ID,
            "voice_connector_id",
            rules.voice_connector_id,
            null_advice="omit it to keep the numbers unassigned",
        ),
        # The name of the orders the resource places: a new name names the next orders only.
        Property(contract.NAME, "name", rules.order_name),
        _removal_policy(contract.DEFAULT_REMOVAL_POLICY),
        *_location(region_replaces=True, role_replaces=True),
    ),
    attributes=contract.PHONE_NUMBERS_ATTRIBUTES,
    operations={
        # A Create that fails releases what it acquired (DeletePhoneNumber), whatever the policy;
        # GetPhoneNumber finds the order a run that died placed.
        "create": (*_ORDER, "GetPhoneNumber", *_ASSIGN, "DeletePhoneNumber"),
        "update": (*_ORDER, "GetPhoneNumber", *_ASSIGN, "DeletePhoneNumber"),
        "delete": (
            "GetPhoneNumberOrder",
            "GetPhoneNumber",
            "DisassociatePhoneNumbersFromVoiceConnector",
            "DeletePhoneNumber",
        ),
    },
    physical_id_prefix=contract.PHONE_NUMBERS_PHYSICAL_ID_PREFIX,
    physical_id_format="chime-phone-numbers:<region>:<first order id>",
    default_removal_policy=contract.DEFAULT_REMOVAL_POLICY,
    not_found_advice="Check VoiceConnectorId and Region: the voice connector must exist there.",
    creates=True,
    update_creates=True,
    undo_failed_create=True,
    account_operations=contract.ACCOUNT_WIDE_OPERATIONS,
    combination=combination_rules.phone_number_search,
)

RESOURCE_TYPES: Final = (SETTINGS, VOICE_CONNECTOR_PROXY, PROXY_SESSION, PHONE_NUMBERS)
BY_TYPE_NAME: Final[Mapping[str, ResourceType]] = {kind.type_name: kind for kind in RESOURCE_TYPES}
