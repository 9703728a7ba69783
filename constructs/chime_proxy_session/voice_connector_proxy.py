"""VoiceConnectorProxy: a voice connector's proxy configuration, declared in CDK code."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_chime as chime
from constructs import Construct

from . import validation
from .contract import contract, types
from .phone_numbers import PhoneNumbers
from .pool import check_phone_numbers, warn_about_pool_countries
from .provider import ProxySessionProvider, claim
from .resource import Attribute, ChimeResource
from .validation import VoiceConnectorProxyError

__all__ = ["VoiceConnectorProxy", "VoiceConnectorProxyError"]


class VoiceConnectorProxy(ChimeResource):
    """The proxy configuration of a Chime SDK Voice connector: what proxy sessions on it use.

    Every deploy that creates or changes this construct calls ``PutVoiceConnectorProxy`` with
    every setting; a Create first reads the voice connector's configuration
    (``GetVoiceConnectorProxy``) and, unless ``adopt_existing``, refuses a voice connector that
    already has one. Deleting it removes the configuration with ``DeleteVoiceConnectorProxy``
    (``RemovalPolicy.DESTROY``, the default) or leaves it (``RemovalPolicy.RETAIN``, and always
    for a configuration it adopted). Changing
    the voice connector or the region replaces it: the new configuration is put, then the old one
    is deleted (or left, with ``RETAIN``). It shares the stack's one Lambda function with every
    other proxy-session construct.

    :param scope: the parent construct.
    :param construct_id: the construct id.
    :param voice_connector_id: the voice connector to configure (a string or token). A voice
        connector has one proxy configuration: one construct per voice connector. Exactly one of
        this and ``voice_connector``.
    :param voice_connector: the voice connector as a ``CfnVoiceConnector`` of this stack: its
        id, its region (``aws_region``; without one, the stack's) and a dependency on it.
    :param default_session_expiry: how long proxy sessions last unless they say otherwise, in
        whole minutes, at least one minute.
    :param phone_number_pool_countries: the countries the proxy phone numbers come from: 1 to 100
        upper-case ISO 3166 alpha-2 codes, no duplicates (e.g. ``["US", "CA"]``).
    :param fall_back_phone_number: the E.164 number calls go to when a session has ended.
        Default: none. Never shown in errors, logs or attributes.
    :param disabled: whether the proxy is off (new sessions are refused). Default: False.
    :param adopt_existing: what a Create does when the voice connector already has a proxy
        configuration. Default: False, it refuses (FAILED, changing nothing). True puts the
        declared configuration over it, and the stack then never deletes a configuration it
        adopted, whatever ``removal_policy`` says.
    :param phone_numbers: ``PhoneNumbers`` assigned to this voice connector (same voice
        connector, region and role); the configuration waits for them. Default: none. Either
        way, synth warns about a country in ``phone_number_pool_countries`` for which no
        ``PhoneNumbers`` of the stack orders numbers on this voice connector.
    :param region: the voice connector's region, one of the ten where the Chime SDK Voice API
        exists. Default: the stack's region.
    :param assume_role_arn: a role the function assumes to call the API, e.g. in another
        account; the function's role then gets ``sts:AssumeRole`` on it and no Chime permission
        for this configuration. Default: the function calls with its own role.
    :param external_id: the external id the role's trust policy requires. Default: none.
    :param provider: the stack's ``ProxySessionProvider``. Default: ``ProxySessionProvider.of``.
    :param removal_policy: ``RemovalPolicy.DESTROY`` (default) deletes the configuration when
        this construct is removed or replaced; ``RemovalPolicy.RETAIN`` leaves it.
    """

    KIND = types.VOICE_CONNECTOR_PROXY
    ERROR = VoiceConnectorProxyError
    ENDS = "the proxy configuration"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        voice_connector_id: str | None = None,
        voice_connector: chime.CfnVoiceConnector | None = None,
        default_session_expiry: Duration,
        phone_number_pool_countries: Sequence[str],
        fall_back_phone_number: str | None = None,
        disabled: bool = False,
        adopt_existing: bool = False,
        phone_numbers: Sequence[PhoneNumbers] | None = None,
        region: str | None = None,
        assume_role_arn: str | None = None,
        external_id: str | None = None,
        provider: ProxySessionProvider | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, construct_id)
        subject = self._subject()
        voice_connector_id, region = self._locate(voice_connector_id, voice_connector, region)
        minutes = validation.minutes(subject, "default_session_expiry", default_session_expiry)
        if minutes is None:
            raise subject.fail(
                "default_session_expiry is required: a Duration of whole minutes, e.g. "
                "Duration.hours(1)."
            )
        validation.flag(subject, "disabled", disabled)
        validation.flag(subject, "adopt_existing", adopt_existing)
        if isinstance(phone_number_pool_countries, str) or not isinstance(
            phone_number_pool_countries, Sequence
        ):
            raise subject.fail(
                "phone_number_pool_countries must be a list of ISO 3166 alpha-2 country codes "
                f"such as ['US', 'CA'], got {validation.echo(phone_number_pool_countries)}."
            )
        if fall_back_phone_number is not None:
            validation.string_or_token(
                subject, "fall_back_phone_number", fall_back_phone_number, secret=True
            )
        self.voice_connector_id: str = str(voice_connector_id)
        self.phone_numbers: tuple[PhoneNumbers, ...] = check_phone_numbers(
            self, phone_numbers, region=region, assume_role_arn=assume_role_arn
        )
        self._declare(
            {
                contract.VOICE_CONNECTOR_ID: voice_connector_id,
                contract.DEFAULT_SESSION_EXPIRY_MINUTES: minutes,
                contract.PHONE_NUMBER_POOL_COUNTRIES: list(phone_number_pool_countries),
                contract.FALL_BACK_PHONE_NUMBER: fall_back_phone_number,
                contract.DISABLED: disabled,
                # Written only when True: templates that never adopt stay as they were.
                contract.ADOPT_EXISTING: True if adopt_existing else None,
            },
            removal_policy=removal_policy,
            region=region,
            assume_role_arn=assume_role_arn,
            external_id=external_id,
            provider=provider,
        )
        self.default_session_expiry: Duration = default_session_expiry
        self.phone_number_pool_countries: tuple[str, ...] = tuple(phone_number_pool_countries)
        self.fall_back_phone_number: str | None = fall_back_phone_number
        self.disabled: bool = disabled
        self.adopt_existing: bool = adopt_existing
        for numbers in self.phone_numbers:
            self.resource.node.add_dependency(numbers.resource)
        warn_about_pool_countries(self)

    def _before_grant(self) -> None:
        """Refuse a second construct for the same voice connector (a literal id, or the same
        CfnVoiceConnector) and region."""
        if self.voice_connector is not None:
            key, prop = self.voice_connector.node.path, "voice_connector"
        elif Token.is_unresolved(self.voice_connector_id):
            return
        else:
            key, prop = self.voice_connector_id, "voice_connector_id"
        where = self.region if self.region is not None else Stack.of(self).region
        other = claim(self, (where, key), "proxy configuration")
        if other is not None:
            raise self._subject().fail(
                f"{prop} {key!r} already has its proxy configuration in {other}; a voice "
                "connector has one proxy configuration, so declare it once and share that "
                "construct."
            )

    attr_default_session_expiry_minutes = Attribute(
        contract.ATTR_DEFAULT_SESSION_EXPIRY_MINUTES,
        "The default session expiry in minutes, as the service reports it.",
    )

    attr_phone_number_countries = Attribute(
        contract.ATTR_PHONE_NUMBER_COUNTRIES,
        "The pool's countries as the service reports them, comma-joined (e.g. ``US,CA``).",
    )

    attr_disabled = Attribute(
        contract.ATTR_DISABLED,
        "Whether the proxy is disabled, as the service reports it: ``true`` or ``false``.",
    )
