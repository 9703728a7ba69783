"""VoiceConnectorProxy: a voice connector's proxy configuration, declared in CDK code."""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from typing import Any, Final

from aws_cdk import Duration, RemovalPolicy, Stack, Token
from constructs import Construct

from .contract import contract
from .provider import ProxySessionProvider
from .resource import proxy_resource
from .validation import (
    Subject,
    VoiceConnectorProxyError,
    validate_e164,
    validate_external_id,
    validate_provider,
    validate_region,
    validate_role_arn,
    validate_voice_connector_id,
    validate_whole_minutes,
)

__all__ = ["VoiceConnectorProxy", "VoiceConnectorProxyError"]

PUT_ACTION: Final = "chime:PutVoiceConnectorProxy"
DELETE_ACTION: Final = "chime:DeleteVoiceConnectorProxy"
_MAX_ECHO = 80

# The literal (region, voice connector) pairs configured in each stack, with the construct's path:
# a voice connector has one proxy configuration, so a second construct would fight the first.
_CONFIGURED: weakref.WeakKeyDictionary[Stack, dict[tuple[str, str], str]] = (
    weakref.WeakKeyDictionary()
)


def _echo(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_ECHO else f"{text[: _MAX_ECHO - 3]}..."


def validate_countries(path: Subject, value: object) -> list[str]:
    """Check phone_number_pool_countries: 1 to 100 distinct upper-case ISO 3166 alpha-2 codes.

    A list token (e.g. a CommaDelimitedList parameter) and token items pass: the handler checks
    them at deploy time.
    """
    prop = "phone_number_pool_countries"
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise path.fail(
            f"{prop} must be a list of ISO 3166 alpha-2 country codes such as ['US', 'CA'], got "
            f"{_echo(value)}."
        )
    items = list(value)
    if Token.is_unresolved(items):
        return items
    if not items:
        raise path.fail(f"{prop} must not be empty. List at least one country code, e.g. ['US'].")
    most = contract.PHONE_NUMBER_POOL_COUNTRIES_MAX
    if len(items) > most:
        raise path.fail(f"{prop} lists {len(items)} countries; the service accepts at most {most}.")
    seen: set[str] = set()
    for index, item in enumerate(items):
        if isinstance(item, str) and Token.is_unresolved(item):
            continue
        if not isinstance(item, str) or not re.fullmatch(contract.COUNTRY_CODE_PATTERN, item):
            raise path.fail(
                f"{prop}[{index}] is {_echo(item)}; each entry must be an upper-case ISO 3166 "
                "alpha-2 country code such as 'US' or 'GB'."
            )
        if item in seen:
            raise path.fail(f"{prop} lists {item!r} twice; list each country once.")
        seen.add(item)
    return items


def validate_disabled(path: Subject, value: object) -> bool:
    """Check disabled: a bool."""
    if not isinstance(value, bool):
        raise path.fail(f"disabled must be True or False, got {_echo(value)}.")
    return value


def validate_proxy_removal_policy(path: Subject, value: object) -> str:
    """Map DESTROY and RETAIN to the handler's values; reject the other policies."""
    if value == RemovalPolicy.DESTROY:
        return contract.DESTROY
    if value == RemovalPolicy.RETAIN:
        return contract.RETAIN
    raise path.fail(
        "removal_policy must be RemovalPolicy.DESTROY (the default: delete the proxy "
        "configuration with the construct) or RemovalPolicy.RETAIN (leave it on the voice "
        f"connector), got {_echo(value)}."
    )


class VoiceConnectorProxy(Construct):
    """The proxy configuration of a Chime SDK Voice connector: what proxy sessions on it use.

    Every deploy that creates or changes this construct calls ``PutVoiceConnectorProxy`` with
    every setting. Deleting it removes the configuration with ``DeleteVoiceConnectorProxy``
    (``RemovalPolicy.DESTROY``, the default) or leaves it (``RemovalPolicy.RETAIN``). Changing
    the voice connector or the region replaces it: the new configuration is put, then the old one
    is deleted (or left, with ``RETAIN``). It shares the stack's one Lambda function with every
    other proxy-session construct.

    :param scope: the parent construct.
    :param construct_id: the construct id.
    :param voice_connector_id: the voice connector to configure (a string or token). A voice
        connector has one proxy configuration: one construct per voice connector.
    :param default_session_expiry: how long proxy sessions last unless they say otherwise, in
        whole minutes, at least one minute.
    :param phone_number_pool_countries: the countries the proxy phone numbers come from: 1 to 100
        upper-case ISO 3166 alpha-2 codes, no duplicates (e.g. ``["US", "CA"]``).
    :param fall_back_phone_number: the E.164 number calls go to when a session has ended.
        Default: none. Never shown in errors, logs or attributes.
    :param disabled: whether the proxy is off (new sessions are refused). Default: False.
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

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        voice_connector_id: str,
        default_session_expiry: Duration,
        phone_number_pool_countries: Sequence[str],
        fall_back_phone_number: str | None = None,
        disabled: bool = False,
        region: str | None = None,
        assume_role_arn: str | None = None,
        external_id: str | None = None,
        provider: ProxySessionProvider | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, construct_id)
        path = Subject("VoiceConnectorProxy", self.node.path, VoiceConnectorProxyError)
        stack = Stack.of(self)
        vc_id = validate_voice_connector_id(path, voice_connector_id)
        minutes = validate_whole_minutes(path, "default_session_expiry", default_session_expiry)
        countries = validate_countries(path, phone_number_pool_countries)
        fall_back = (
            None
            if fall_back_phone_number is None
            else validate_e164(path, "fall_back_phone_number", fall_back_phone_number)
        )
        is_disabled = validate_disabled(path, disabled)
        policy = validate_proxy_removal_policy(path, removal_policy)
        region_value = validate_region(path, region, stack.region)
        role_arn = validate_role_arn(path, assume_role_arn)
        external = validate_external_id(path, external_id, role_arn)
        self.provider: ProxySessionProvider = validate_provider(
            path, provider, self
        ) or ProxySessionProvider.of(self)
        _claim(path, stack, vc_id, region_value)

        self.voice_connector_id: str = vc_id
        self.default_session_expiry: Duration = default_session_expiry
        self.phone_number_pool_countries: tuple[str, ...] = tuple(phone_number_pool_countries)
        self.fall_back_phone_number: str | None = fall_back_phone_number
        self.disabled: bool = is_disabled
        self.region: str | None = region
        self.assume_role_arn: str | None = assume_role_arn
        # Kept so that constructs built on this one (a ProxySession) call as the same role.
        self.external_id: str | None = external_id
        self.removal_policy: RemovalPolicy = removal_policy

        if role_arn is not None:
            self.provider.grant_assume_role(role_arn)
        else:
            actions = [PUT_ACTION] + ([DELETE_ACTION] if policy == contract.DESTROY else [])
            self.provider.grant_voice_connector(vc_id, actions, region=region_value)

        properties: dict[str, Any] = {
            contract.VOICE_CONNECTOR_ID: vc_id,
            contract.DEFAULT_SESSION_EXPIRY_MINUTES: minutes,
            contract.PHONE_NUMBER_POOL_COUNTRIES: countries,
            contract.DISABLED: is_disabled,
            contract.REMOVAL_POLICY: policy,
        }
        self.resource = proxy_resource(
            self,
            self.provider,
            contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE,
            properties,
            {
                contract.FALL_BACK_PHONE_NUMBER: fall_back,
                contract.REGION: region_value,
                contract.ASSUME_ROLE_ARN: role_arn,
                contract.EXTERNAL_ID: external,
            },
        )

    @property
    def attr_default_session_expiry_minutes(self) -> str:
        """The default session expiry in minutes, as the service reports it."""
        return self.resource.get_att_string(contract.ATTR_DEFAULT_SESSION_EXPIRY_MINUTES)

    @property
    def attr_phone_number_countries(self) -> str:
        """The pool's countries as the service reports them, comma-joined (e.g. ``US,CA``)."""
        return self.resource.get_att_string(contract.ATTR_PHONE_NUMBER_COUNTRIES)

    @property
    def attr_disabled(self) -> str:
        """Whether the proxy is disabled, as the service reports it: ``true`` or ``false``."""
        return self.resource.get_att_string(contract.ATTR_DISABLED)


def _claim(path: Subject, stack: Stack, vc_id: str, region: str | None) -> None:
    """Refuse a second construct for the same literal voice connector in the same region."""
    if Token.is_unresolved(vc_id):
        return
    key = (region if region is not None else stack.region, vc_id)
    claimed = _CONFIGURED.setdefault(stack, {})
    other = claimed.get(key)
    if other is not None:
        raise path.fail(
            f"voice_connector_id {vc_id!r} already has its proxy configuration in {other}; a "
            "voice connector has one proxy configuration, so declare it once and share that "
            "construct."
        )
    claimed[key] = path.path
