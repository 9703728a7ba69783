"""ProxySession: a proxy session between two phone numbers, created, updated and ended by
CloudFormation (``Custom::ChimeProxySession``)."""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from aws_cdk import Annotations, Duration, RemovalPolicy, Stack, Token
from constructs import Construct

from .contract import contract
from .provider import ProxySessionProvider
from .resource import proxy_resource
from .validation import (
    DYNAMIC_REFERENCE,
    Capability,
    ProxySessionError,
    Subject,
    validate_capabilities,
    validate_e164,
    validate_expiry,
    validate_external_id,
    validate_provider,
    validate_region,
    validate_removal_policy,
    validate_role_arn,
    validate_voice_connector_id,
)
from .voice_connector_proxy import VoiceConnectorProxy

EXPIRY_WARNING_ID: Final = "chime-proxy-session:expiryAboveDocumentedMaximum"
LITERAL_NUMBER_WARNING_ID: Final = "chime-proxy-session:phoneNumberInTemplate"
SECURE_REFERENCE_WARNING_ID: Final = "chime-proxy-session:secureReferenceNotResolved"
# CloudFormation resolves neither of these in a custom resource's properties (its documentation on
# dynamic references): the handler would receive the reference itself.
# CloudFormation resolves secretsmanager references in any resource property, custom ones
# included; ssm-secure ones only in the resource types that list them, which custom resources do
# not.
SECURE_REFERENCES: Final = ("{{resolve:ssm-secure:",)
CREATE_ACTIONS: Final = (
    "chime:CreateProxySession",
    "chime:ListProxySessions",
    "chime:UpdateProxySession",
    "chime:DeleteProxySession",
)
# The named sessions of each stack, by (voice connector, name, participants): a name and a pair of
# participants mark one resource's session, so two resources must not share them.
_NAMED: weakref.WeakKeyDictionary[Stack, dict[tuple[str, str, tuple[str, ...]], str]] = (
    weakref.WeakKeyDictionary()
)


class NumberSelectionBehavior(Enum):
    """Whether the same participants get the same proxy number across sessions (stickiness)."""

    PREFER_STICKY = contract.NUMBER_SELECTION_BEHAVIORS[0]
    AVOID_STICKY = contract.NUMBER_SELECTION_BEHAVIORS[1]


class GeoMatchLevel(Enum):
    """What of the first participant's number the proxy number should match."""

    COUNTRY = contract.GEO_MATCH_LEVELS[0]
    AREA_CODE = contract.GEO_MATCH_LEVELS[1]


@dataclass(frozen=True)
class GeoMatchParams:
    """The country (ISO 3166 alpha-2, e.g. ``"US"``) and area code (three digits) of the proxy
    number; strings or tokens."""

    country: str
    area_code: str


def _literal(value: object) -> bool:
    return isinstance(value, str) and not Token.is_unresolved(value)


def _check_participants(path: Subject, value: object) -> list[str]:
    prop = "participant_phone_numbers"
    count = contract.PARTICIPANT_COUNT
    if (
        isinstance(value, (str, bytes))
        or not isinstance(value, Sequence)
        or (all(isinstance(item, str) for item in value) and Token.is_unresolved(list(value)))
    ):
        raise path.fail(
            f"{prop} must be a list of {count} phone numbers (strings, tokens or dynamic "
            "references; values not shown), not a single string or a list token."
        )
    if len(value) != count:
        raise path.fail(f"{prop} must hold exactly {count} phone numbers, got {len(value)}.")
    phones = [validate_e164(path, f"{prop}[{index}]", item) for index, item in enumerate(value)]
    if phones[0] == phones[1]:
        raise path.fail(f"{prop} lists the same number twice (not shown); give both participants.")
    return phones


def _check_name(path: Subject, value: object) -> str | None:
    if value is None or (isinstance(value, str) and Token.is_unresolved(value)):
        return value
    limit = contract.PROXY_SESSION_NAME_MAX_LENGTH
    if (
        not isinstance(value, str)
        or not value.strip()
        or not re.fullmatch(contract.PROXY_SESSION_NAME_PATTERN, value)
    ):
        raise path.fail(
            f"name must be 1 to {limit} letters, digits and spaces, not blank (the value is not "
            "shown: the service treats names as sensitive). Omit it to let the construct name "
            "the session."
        )
    return value


def _check_choice(path: Subject, prop: str, value: object, kind: type[Enum]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, kind):
        members = ", ".join(f"{kind.__name__}.{member.name}" for member in kind)
        raise path.fail(f"{prop} must be one of {members}, got {value!r:.80}.")
    return str(value.value)


def _check_geo_params(path: Subject, value: object) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, GeoMatchParams):
        raise path.fail(
            f"geo_match_params must be GeoMatchParams(country=..., area_code=...), got "
            f"{value!r:.80}."
        )
    for prop, item, pattern, what in (
        ("country", value.country, contract.COUNTRY_CODE_PATTERN, "two capital letters"),
        ("area_code", value.area_code, contract.AREA_CODE_PATTERN, "three digits"),
    ):
        if not isinstance(item, str) or (_literal(item) and not re.fullmatch(pattern, item)):
            raise path.fail(f"geo_match_params.{prop} must be {what}, got {item!r:.80}.")
    return {
        contract.GEO_MATCH_COUNTRY: value.country,
        contract.GEO_MATCH_AREA_CODE: value.area_code,
    }


def _warn_about_numbers(scope: Construct, phones: Sequence[str]) -> None:
    for index, phone in enumerate(phones):
        prop = f"participant_phone_numbers[{index}]"
        if phone.startswith(SECURE_REFERENCES):
            Annotations.of(scope).add_warning_v2(
                SECURE_REFERENCE_WARNING_ID,
                f"{prop} is an ssm-secure dynamic reference, which CloudFormation does not resolve "
                "in custom resources: the deploy would fail. Use a "
                "{{resolve:secretsmanager:...}} reference instead.",
            )
        elif _literal(phone) and not phone.startswith(DYNAMIC_REFERENCE):
            Annotations.of(scope).add_warning_v2(
                LITERAL_NUMBER_WARNING_ID,
                f"{prop} is a literal phone number: it is stored in the template, the cloud "
                "assembly and CloudFormation's view of the stack. Pass a "
                "{{resolve:secretsmanager:...}} dynamic reference instead.",
            )


class ProxySession(Construct):
    """A Chime SDK Voice proxy session between two phone numbers, owned by CloudFormation.

    Create calls ``CreateProxySession`` exactly once however often CloudFormation's request is
    delivered; changing only ``capabilities``, ``expiry`` or ``removal_policy`` updates the
    session in place (``UpdateProxySession``); any other change creates a new session, and the old
    one is then ended or kept per ``removal_policy``. All proxy-session constructs of a stack
    share one Lambda function. The participants' numbers never appear in the function's logs,
    Reasons or attributes; a literal number is stored in the template (synth warns).

    :param voice_connector_id: the voice connector (a string or token). Exactly one of this and
        ``voice_connector_proxy``.
    :param voice_connector_proxy: a ``VoiceConnectorProxy``: its voice connector, region, role,
        external id and provider are used, and the session waits for its proxy configuration.
    :param participant_phone_numbers: the two participants, E.164 (``+`` and 2 to 15 digits):
        strings, tokens or ``{{resolve:ssm:...}}`` references. Never shown in errors.
    :param capabilities: ``Capability.VOICE``, ``Capability.SMS`` or both.
    :param expiry: how long the session lasts, whole minutes. Default: the proxy's default.
    :param name: the session's name, 1 to 30 letters, digits and spaces; it marks the session as
        this resource's, so no two sessions with the same participants on a voice connector may
        share it. Default: a name derived from the stack and the construct (``cfn <id> <hash>``).
    :param number_selection_behavior: proxy-number stickiness. Default: the service's.
    :param geo_match_level: match the proxy number's country or area code. Default: none.
    :param geo_match_params: the country and area code to match. Default: none.
    :param region: the voice connector's region. Default: the stack's.
    :param assume_role_arn: a role the function assumes to call the API. Default: its own role.
    :param external_id: the external id that role's trust policy requires. Default: none.
    :param provider: the stack's ``ProxySessionProvider``. Default: ``ProxySessionProvider.of``.
    :param removal_policy: ``DESTROY`` (default) ends the session when the construct is removed
        or replaced; ``RETAIN`` leaves it open.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        voice_connector_id: str | None = None,
        voice_connector_proxy: VoiceConnectorProxy | None = None,
        participant_phone_numbers: Sequence[str],
        capabilities: Sequence[Capability],
        expiry: Duration | None = None,
        name: str | None = None,
        number_selection_behavior: NumberSelectionBehavior | None = None,
        geo_match_level: GeoMatchLevel | None = None,
        geo_match_params: GeoMatchParams | None = None,
        region: str | None = None,
        assume_role_arn: str | None = None,
        external_id: str | None = None,
        provider: ProxySessionProvider | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, construct_id)
        path = Subject("ProxySession", self.node.path, ProxySessionError)
        stack = Stack.of(self)
        if (voice_connector_id is None) == (voice_connector_proxy is None):
            raise path.fail(
                "set exactly one of voice_connector_id and voice_connector_proxy (the proxy "
                "brings its voice connector, region, role and provider)."
            )
        if voice_connector_proxy is not None:
            if not isinstance(voice_connector_proxy, VoiceConnectorProxy):
                raise path.fail(
                    "voice_connector_proxy must be a VoiceConnectorProxy, got "
                    f"{voice_connector_proxy!r:.80}."
                )
            for prop, given in (
                ("region", region),
                ("assume_role_arn", assume_role_arn),
                ("external_id", external_id),
                ("provider", provider),
            ):
                if given is not None:
                    raise path.fail(f"{prop} comes from voice_connector_proxy; omit it.")
            voice_connector_id = voice_connector_proxy.voice_connector_id
            region = voice_connector_proxy.region
            assume_role_arn = voice_connector_proxy.assume_role_arn
            external_id = voice_connector_proxy.external_id
            own = voice_connector_proxy.provider
            provider = own if Stack.of(own) is stack else None
        vc_id = validate_voice_connector_id(path, voice_connector_id)
        phones = _check_participants(path, participant_phone_numbers)
        capability_values = validate_capabilities(path, capabilities)
        expiry_minutes = validate_expiry(path, expiry)
        name_value = _check_name(path, name)
        behavior = _check_choice(
            path, "number_selection_behavior", number_selection_behavior, NumberSelectionBehavior
        )
        level = _check_choice(path, "geo_match_level", geo_match_level, GeoMatchLevel)
        geo = _check_geo_params(path, geo_match_params)
        policy = validate_removal_policy(path, removal_policy)
        region_value = validate_region(path, region, stack.region)
        role_arn = validate_role_arn(path, assume_role_arn)
        external = validate_external_id(path, external_id, role_arn)
        self.provider = validate_provider(path, provider, self) or ProxySessionProvider.of(self)
        if name_value is not None:
            named = _NAMED.setdefault(stack, {})
            other = named.setdefault((vc_id, name_value, tuple(sorted(phones))), self.node.path)
            if other != self.node.path:
                raise path.fail(
                    f"{other} has the same name (not shown), voice connector and participants; "
                    "a name marks one resource's session. Give each a distinct name, or omit it."
                )
        documented_max = contract.EXPIRY_MINUTES_DOCUMENTED_MAX
        if isinstance(expiry_minutes, int) and expiry_minutes > documented_max:
            Annotations.of(self).add_warning_v2(
                EXPIRY_WARNING_ID,
                f"expiry is {expiry_minutes} minutes, above the {documented_max}"
                "-minute (12-hour) maximum that the service documents; the service may reject it.",
            )
        _warn_about_numbers(self, phones)

        self.voice_connector_id: str = vc_id
        self.capabilities: tuple[Capability, ...] = tuple(capabilities)
        self.expiry: Duration | None = expiry
        self.name: str | None = name_value
        self.number_selection_behavior = number_selection_behavior
        self.geo_match_level = geo_match_level
        self.geo_match_params = geo_match_params
        self.removal_policy: RemovalPolicy = removal_policy
        self.region: str | None = region
        self.assume_role_arn: str | None = assume_role_arn

        if role_arn is not None:
            self.provider.grant_assume_role(role_arn)
        else:
            # Delete even for RETAIN: a Create removes the duplicates of a twice-delivered request.
            self.provider.grant_voice_connector(vc_id, CREATE_ACTIONS, region=region_value)
        properties: dict[str, Any] = {
            contract.VOICE_CONNECTOR_ID: vc_id,
            contract.PARTICIPANT_PHONE_NUMBERS: phones,
            contract.CAPABILITIES: capability_values,
            contract.REMOVAL_POLICY: policy,
        }
        self.resource = proxy_resource(
            self,
            self.provider,
            contract.PROXY_SESSION_RESOURCE_TYPE,
            properties,
            {
                contract.EXPIRY_MINUTES: expiry_minutes,
                contract.NAME: name_value,
                contract.NUMBER_SELECTION_BEHAVIOR: behavior,
                contract.GEO_MATCH_LEVEL: level,
                contract.GEO_MATCH_PARAMS: geo,
                contract.REGION: region_value,
                contract.ASSUME_ROLE_ARN: role_arn,
                contract.EXTERNAL_ID: external,
            },
        )
        if voice_connector_proxy is not None:
            self.resource.node.add_dependency(voice_connector_proxy.resource)

    @property
    def attr_proxy_session_id(self) -> str:
        """The id of the session the service created."""
        return self.resource.get_att_string(contract.ATTR_PROXY_SESSION_ID)

    @property
    def attr_status(self) -> str:
        """The session's status when last created or updated (Open, InProgress or Closed)."""
        return self.resource.get_att_string(contract.ATTR_STATUS)

    @property
    def attr_expiry_minutes(self) -> str:
        """The session's expiry in minutes, as the service reports it."""
        return self.resource.get_att_string(contract.ATTR_EXPIRY_MINUTES)

    @property
    def attr_capabilities(self) -> str:
        """The session's capabilities, comma-joined (e.g. ``Voice,SMS``)."""
        return self.resource.get_att_string(contract.ATTR_CAPABILITIES)

    @property
    def attr_proxy_phone_numbers(self) -> str:
        """The proxy numbers the service assigned (the company's numbers the participants call
        or text), each once, comma-joined: fit for a ``CfnOutput``."""
        return self.resource.get_att_string(contract.ATTR_PROXY_PHONE_NUMBERS)
