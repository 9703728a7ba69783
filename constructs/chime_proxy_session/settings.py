"""ProxySessionSettings: a proxy session's capabilities and expiry, declared in CDK code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from aws_cdk import Annotations, Duration, RemovalPolicy, Stack
from constructs import Construct

from .contract import contract
from .provider import ProxySessionProvider
from .resource import proxy_resource
from .validation import (
    Capability,
    ProxySessionSettingsError,
    Subject,
    validate_capabilities,
    validate_expiry,
    validate_external_id,
    validate_provider,
    validate_proxy_session_id,
    validate_region,
    validate_removal_policy,
    validate_role_arn,
    validate_voice_connector_id,
)

EXPIRY_WARNING_ID: Final = "chime-proxy-session:expiryAboveDocumentedMaximum"


class ProxySessionSettings(Construct):
    """Applies capabilities and expiry to an existing Chime SDK Voice proxy session.

    Every deploy that creates or changes this construct calls ``UpdateProxySession``. Deleting it
    leaves the session as it is (``RemovalPolicy.RETAIN``, the default) or ends it with
    ``DeleteProxySession`` (``RemovalPolicy.DESTROY``). All instances in a stack share one Lambda
    function.

    :param scope: the parent construct.
    :param construct_id: the construct id.
    :param voice_connector_id: the voice connector that holds the session (a string or token).
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

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        voice_connector_id: str,
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
        path = Subject("ProxySessionSettings", self.node.path, ProxySessionSettingsError)
        vc_id = validate_voice_connector_id(path, voice_connector_id)
        session_id = validate_proxy_session_id(path, proxy_session_id)
        capability_values = validate_capabilities(path, capabilities)
        expiry_minutes = validate_expiry(path, expiry)
        policy = validate_removal_policy(path, removal_policy)
        region_value = validate_region(path, region, Stack.of(self).region)
        role_arn = validate_role_arn(path, assume_role_arn)
        external = validate_external_id(path, external_id, role_arn)
        documented_max = contract.EXPIRY_MINUTES_DOCUMENTED_MAX
        if isinstance(expiry_minutes, int) and expiry_minutes > documented_max:
            Annotations.of(self).add_warning_v2(
                EXPIRY_WARNING_ID,
                f"expiry is {expiry_minutes} minutes, above the {documented_max}"
                "-minute (12-hour) maximum that the service documents; the service may reject it.",
            )

        self.voice_connector_id: str = vc_id
        self.proxy_session_id: str = session_id
        self.capabilities: tuple[Capability, ...] = tuple(capabilities)
        self.expiry: Duration | None = expiry
        self.removal_policy: RemovalPolicy = removal_policy
        self.region: str | None = region
        self.assume_role_arn: str | None = assume_role_arn

        self.provider = validate_provider(path, provider, self) or ProxySessionProvider.of(self)
        if role_arn is not None:
            self.provider.grant_assume_role(role_arn)
        else:
            self.provider.grant(vc_id, delete=policy == contract.DESTROY, region=region_value)

        properties: dict[str, Any] = {
            contract.VOICE_CONNECTOR_ID: vc_id,
            contract.PROXY_SESSION_ID: session_id,
            contract.CAPABILITIES: capability_values,
            contract.REMOVAL_POLICY: policy,
        }
        self.resource = proxy_resource(
            self,
            self.provider,
            contract.SETTINGS_RESOURCE_TYPE,
            properties,
            {
                contract.EXPIRY_MINUTES: expiry_minutes,
                contract.REGION: region_value,
                contract.ASSUME_ROLE_ARN: role_arn,
                contract.EXTERNAL_ID: external,
            },
        )

    @property
    def attr_status(self) -> str:
        """The session's status after the last update (Open, InProgress or Closed)."""
        return self.resource.get_att_string(contract.ATTR_STATUS)

    @property
    def attr_expiry_minutes(self) -> str:
        """The session's expiry in minutes, as the service reports it (empty if none)."""
        return self.resource.get_att_string(contract.ATTR_EXPIRY_MINUTES)

    @property
    def attr_capabilities(self) -> str:
        """The session's capabilities, comma-joined (e.g. ``Voice,SMS``)."""
        return self.resource.get_att_string(contract.ATTR_CAPABILITIES)

    @property
    def attr_updated_timestamp(self) -> str:
        """When the service last updated the session (ISO 8601)."""
        return self.resource.get_att_string(contract.ATTR_UPDATED_TIMESTAMP)

    @staticmethod
    def service_token(scope: Construct) -> str:
        """The ServiceToken (function ARN) of plain ``Custom::ChimeProxySessionSettings`` resources.

        Creates the stack's shared function if it does not exist yet.
        """
        return ProxySessionProvider.of(Stack.of(scope)).service_token
