"""ProxySession: a proxy session between two phone numbers, created, updated and ended by
CloudFormation (``Custom::ChimeProxySession``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final

from aws_cdk import Annotations, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_chime as chime
from constructs import Construct

from . import validation
from .contract import contract, rules, types
from .provider import ProxySessionProvider, claim
from .resource import Attribute, ChimeResource
from .validation import Capability, ProxySessionError
from .voice_connector_proxy import VoiceConnectorProxy

LITERAL_NUMBER_WARNING_ID: Final = "chime-proxy-session:phoneNumberInTemplate"
SECURE_REFERENCE_WARNING_ID: Final = "chime-proxy-session:secureReferenceNotResolved"
# CloudFormation resolves neither of these in a custom resource's properties (its documentation on
# dynamic references): the handler would receive the reference itself.
# CloudFormation resolves secretsmanager references in any resource property, custom ones
# included; ssm-secure ones only in the resource types that list them, which custom resources do
# not.
SECURE_REFERENCES: Final = ("{{resolve:ssm-secure:",)


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


def _participants(subject: validation.Subject, value: object) -> list[str]:
    prop = "participant_phone_numbers"
    if (
        isinstance(value, (str, bytes))
        or not isinstance(value, Sequence)
        or (all(isinstance(item, str) for item in value) and Token.is_unresolved(list(value)))
    ):
        raise subject.fail(
            f"{prop} must be a list of {contract.PARTICIPANT_COUNT} phone numbers (strings, "
            "tokens or dynamic references; values not shown), not a single string or a list token."
        )
    if len(value) != contract.PARTICIPANT_COUNT:
        raise subject.fail(
            f"{prop} must hold exactly {contract.PARTICIPANT_COUNT} phone numbers, got "
            f"{len(value)}."
        )
    for index, item in enumerate(value):
        phone = validation.string_or_token(subject, f"{prop}[{index}]", item, secret=True)
        validation.apply(subject, rules.e164, f"{prop}[{index}]", phone)
    phones = list(value)
    if phones[0] == phones[1]:
        raise subject.fail(
            f"{prop} lists the same number twice (not shown); give both participants."
        )
    return phones


def _geo_params(subject: validation.Subject, value: object) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, GeoMatchParams):
        raise subject.fail(
            "geo_match_params must be GeoMatchParams(country=..., area_code=...), got "
            f"{validation.echo(value)}."
        )
    for prop, item in (("country", value.country), ("area_code", value.area_code)):
        validation.string_or_token(subject, f"geo_match_params.{prop}", item)
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
        elif not validation.deferred(phone):
            Annotations.of(scope).add_warning_v2(
                LITERAL_NUMBER_WARNING_ID,
                f"{prop} is a literal phone number: it is stored in the template, the cloud "
                "assembly and CloudFormation's view of the stack. Pass a "
                "{{resolve:secretsmanager:...}} dynamic reference instead.",
            )


class ProxySession(ChimeResource):
    """A Chime SDK Voice proxy session between two phone numbers, owned by CloudFormation.

    Create calls ``CreateProxySession`` exactly once however often CloudFormation's request is
    delivered; changing only ``capabilities``, ``expiry`` or ``removal_policy`` updates the
    session in place (``UpdateProxySession``); any other change creates a new session, and the old
    one is then ended or kept per ``removal_policy``. All proxy-session constructs of a stack
    share one Lambda function. The participants' numbers never appear in the function's logs,
    Reasons or attributes; a literal number is stored in the template (synth warns).

    :param voice_connector_id: the voice connector (a string or token). Exactly one of this,
        ``voice_connector`` and ``voice_connector_proxy``.
    :param voice_connector: the voice connector as a ``CfnVoiceConnector`` of this stack: its
        id, its region (``aws_region``; without one, the stack's) and a dependency on it.
    :param voice_connector_proxy: a ``VoiceConnectorProxy``: its voice connector, region, role,
        external id and provider are used, and the session waits for its proxy configuration.
    :param participant_phone_numbers: the two participants, E.164 (``+`` and 2 to 15 digits):
        strings, tokens or ``{{resolve:secretsmanager:...}}`` references. Never shown in errors.
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

    KIND = types.PROXY_SESSION
    ERROR = ProxySessionError
    ENDS = "the session"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        voice_connector_id: str | None = None,
        voice_connector: chime.CfnVoiceConnector | None = None,
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
        subject = self._subject()
        stack = Stack.of(self)
        sources = (voice_connector_id, voice_connector, voice_connector_proxy)
        if sum(item is not None for item in sources) != 1:
            raise subject.fail(
                "set exactly one of voice_connector_id, voice_connector and voice_connector_proxy "
                "(the proxy brings its voice connector, region, role and provider)."
            )
        if voice_connector_proxy is None:
            voice_connector_id, region = self._locate(voice_connector_id, voice_connector, region)
        else:
            if not isinstance(voice_connector_proxy, VoiceConnectorProxy):
                raise subject.fail(
                    "voice_connector_proxy must be a VoiceConnectorProxy, got "
                    f"{validation.echo(voice_connector_proxy)}."
                )
            for prop, given in (
                ("region", region),
                ("assume_role_arn", assume_role_arn),
                ("external_id", external_id),
                ("provider", provider),
            ):
                if given is not None:
                    raise subject.fail(f"{prop} comes from voice_connector_proxy; omit it.")
            voice_connector_id = voice_connector_proxy.voice_connector_id
            self.voice_connector = voice_connector_proxy.voice_connector
            region = voice_connector_proxy.region
            assume_role_arn = voice_connector_proxy.assume_role_arn
            external_id = voice_connector_proxy.external_id
            own = voice_connector_proxy.provider
            provider = own if Stack.of(own) is stack else None
        phones = _participants(subject, participant_phone_numbers)
        minutes = validation.minutes(subject, "expiry", expiry)
        if name is not None:
            validation.string_or_token(subject, "name", name, secret=True)
        self.voice_connector_id: str = str(voice_connector_id)
        self.name: str | None = name
        self._phones = phones
        self._declare(
            {
                contract.VOICE_CONNECTOR_ID: voice_connector_id,
                contract.PARTICIPANT_PHONE_NUMBERS: phones,
                contract.CAPABILITIES: validation.capabilities(subject, capabilities),
                contract.EXPIRY_MINUTES: minutes,
                contract.NAME: name,
                contract.NUMBER_SELECTION_BEHAVIOR: validation.choice(
                    subject,
                    "number_selection_behavior",
                    number_selection_behavior,
                    NumberSelectionBehavior,
                ),
                contract.GEO_MATCH_LEVEL: validation.choice(
                    subject, "geo_match_level", geo_match_level, GeoMatchLevel
                ),
                contract.GEO_MATCH_PARAMS: _geo_params(subject, geo_match_params),
            },
            removal_policy=removal_policy,
            region=region,
            assume_role_arn=assume_role_arn,
            external_id=external_id,
            provider=provider,
        )
        self._warn_above_documented_expiry(minutes)
        _warn_about_numbers(self, phones)
        self.capabilities: tuple[Capability, ...] = tuple(capabilities)
        self.expiry: Duration | None = expiry
        self.number_selection_behavior = number_selection_behavior
        self.geo_match_level = geo_match_level
        self.geo_match_params = geo_match_params
        if voice_connector_proxy is not None:
            self.resource.node.add_dependency(voice_connector_proxy.resource)

    def _before_grant(self) -> None:
        """Refuse a second session with the same name, voice connector and participants: a name
        and a pair of participants mark one resource's session."""
        if self.name is None:
            return
        key = (self.voice_connector_id, self.name, *sorted(self._phones))
        other = claim(self, key, "named proxy session")
        if other is not None:
            raise self._subject().fail(
                f"{other} has the same name (not shown), voice connector and participants; "
                "a name marks one resource's session. Give each a distinct name, or omit it."
            )

    attr_proxy_session_id = Attribute(
        contract.ATTR_PROXY_SESSION_ID,
        "The id of the session the service created.",
    )

    attr_status = Attribute(
        contract.ATTR_STATUS,
        "The session's status when last created or updated (Open, InProgress or Closed).",
    )

    attr_expiry_minutes = Attribute(
        contract.ATTR_EXPIRY_MINUTES,
        "The session's expiry in minutes, as the service reports it.",
    )

    attr_capabilities = Attribute(
        contract.ATTR_CAPABILITIES,
        "The session's capabilities, comma-joined (e.g. ``Voice,SMS``).",
    )

    attr_proxy_phone_numbers = Attribute(
        contract.ATTR_PROXY_PHONE_NUMBERS,
        "The proxy numbers the service assigned (the company's numbers the participants call "
        "or text), each once, comma-joined: fit for a ``CfnOutput``.",
    )
