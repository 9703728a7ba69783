"""ProxySessionSettings: a proxy session's capabilities and expiry, declared in CDK code."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_chime as chime
from constructs import Construct

from . import validation
from .contract import contract, types
from .provider import ProxySessionProvider
from .resource import EXPIRY_WARNING_ID, Attribute, ChimeResource
from .validation import Capability, ProxySessionSettingsError

__all__ = ["EXPIRY_WARNING_ID", "ProxySessionSettings"]


class ProxySessionSettings(ChimeResource):
    """Applies capabilities and expiry to an existing Chime SDK Voice proxy session.

    Every deploy that creates or changes this construct calls ``UpdateProxySession``. Deleting it
    leaves the session as it is (``RemovalPolicy.RETAIN``, the default) or ends it with
    ``DeleteProxySession`` (``RemovalPolicy.DESTROY``). All instances in a stack share one Lambda
    function.

    :param scope: the parent construct.
    :param construct_id: the construct id.
    :param voice_connector_id: the voice connector that holds the session (a string or token).
        Exactly one of this and ``voice_connector``.
    :param voice_connector: the voice connector as a ``CfnVoiceConnector`` of this stack: its
        id, its region (``aws_region``; without one, the stack's) and a dependency on it.
    :param proxy_session_id: the proxy session to manage (a string or token).
    :param capabilities: what the session carries: ``Capability.VOICE``, ``Capability.SMS`` or both.
    :param expiry: how long the session lasts, in whole minutes, at least one minute (the service
        documents 12 hours as its maximum). Default: the session's expiry is left as it is.
    :param removal_policy: ``RemovalPolicy.RETAIN`` (default) leaves the session untouched when
        this construct is removed or replaced; ``RemovalPolicy.DESTROY`` ends the session then.
    :param region: the voice connector's region, one of the ten where the Chime SDK Voice API
        exists. Default: the stack's region.
    :param assume_role_arn: a role the function assumes to call the API, e.g. in another
        account; the function's role then gets ``sts:AssumeRole`` on it and no Chime permission
        for this session. Default: the function calls with its own role.
    :param external_id: the external id the role's trust policy requires. Default: none.
    :param provider: the stack's ``ProxySessionProvider``. Default: ``ProxySessionProvider.of``.
    """

    KIND = types.SETTINGS
    ERROR = ProxySessionSettingsError
    ENDS = "the session"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        voice_connector_id: str | None = None,
        voice_connector: chime.CfnVoiceConnector | None = None,
        proxy_session_id: str,
        capabilities: Sequence[Capability],
        expiry: Duration | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        region: str | None = None,
        assume_role_arn: str | None = None,
        external_id: str | None = None,
        provider: ProxySessionProvider | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        subject = self._subject()
        voice_connector_id, region = self._locate(voice_connector_id, voice_connector, region)
        minutes = validation.minutes(subject, "expiry", expiry)
        self._declare(
            {
                contract.VOICE_CONNECTOR_ID: voice_connector_id,
                contract.PROXY_SESSION_ID: proxy_session_id,
                contract.CAPABILITIES: validation.capabilities(subject, capabilities),
                contract.EXPIRY_MINUTES: minutes,
            },
            removal_policy=removal_policy,
            region=region,
            assume_role_arn=assume_role_arn,
            external_id=external_id,
            provider=provider,
        )
        self._warn_above_documented_expiry(minutes)
        self.voice_connector_id: str = str(voice_connector_id)
        self.proxy_session_id: str = proxy_session_id
        self.capabilities: tuple[Capability, ...] = tuple(capabilities)
        self.expiry: Duration | None = expiry

    attr_status = Attribute(
        contract.ATTR_STATUS,
        "The session's status after the last update (Open, InProgress or Closed).",
    )

    attr_expiry_minutes = Attribute(
        contract.ATTR_EXPIRY_MINUTES,
        "The session's expiry in minutes, as the service reports it (empty if none).",
    )

    attr_capabilities = Attribute(
        contract.ATTR_CAPABILITIES,
        "The session's capabilities, comma-joined (e.g. ``Voice,SMS``).",
    )

    attr_updated_timestamp = Attribute(
        contract.ATTR_UPDATED_TIMESTAMP,
        "When the service last updated the session (ISO 8601).",
    )

    @staticmethod
    def service_token(scope: Construct) -> str:
        """The ServiceToken (function ARN) of plain ``Custom::ChimeProxySessionSettings`` resources.

        Creates the stack's shared function if it does not exist yet.
        """
        return ProxySessionProvider.of(Stack.of(scope)).service_token
