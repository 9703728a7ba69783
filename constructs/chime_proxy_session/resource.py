"""What every construct of this library does, written once: ``ChimeResource``.

A construct class names its resource type's description (``resource_types``) and turns its own
props into property values; the skeleton then checks every literal with the description's rules
(and its rule over several properties), resolves which voice connector (an id, or a
``CfnVoiceConnector`` of the stack) and where and as whom the function calls (region, role,
external id), finds the stack's provider (and, for a type that creates something, has it add the
claim table), grants the IAM actions the description declares (on the voice connector, or on
``*`` for those that take no resource ARN), writes the custom resource, records it in the stack's
registry, and keeps what the class needs for its attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final, overload

from aws_cdk import Annotations, CfnResource, CustomResource, RemovalPolicy, Stack, Token
from aws_cdk import aws_chime as chime
from constructs import Construct

from . import validation
from .contract import combinations, contract, rules, types
from .provider import ProxySessionProvider, register
from .validation import Subject

if TYPE_CHECKING:
    from resource_types import ResourceType

EXPIRY_WARNING_ID: Final = "chime-proxy-session:expiryAboveDocumentedMaximum"


class Attribute:
    """A GetAtt attribute of a construct's custom resource, read as a string token."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc

    @overload
    def __get__(self, instance: None, owner: type) -> Attribute: ...

    @overload
    def __get__(self, instance: ChimeResource, owner: type) -> str: ...

    def __get__(self, instance: ChimeResource | None, owner: type) -> Attribute | str:
        if instance is None:
            return self
        return instance.resource.get_att_string(self.name)


class ChimeResource(Construct):
    """The skeleton of every construct of this library (not for direct use)."""

    KIND: ClassVar[ResourceType]
    ERROR: ClassVar[type[ValueError]]
    # What Destroy removes, for the removal_policy message.
    ENDS: ClassVar[str]

    resource: CustomResource
    provider: ProxySessionProvider
    removal_policy: RemovalPolicy
    region: str | None
    assume_role_arn: str | None
    external_id: str | None
    voice_connector: chime.CfnVoiceConnector | None = None

    def _subject(self) -> Subject:
        return Subject(self.KIND.construct, self.node.path, self.ERROR)

    def _locate(
        self,
        voice_connector_id: str | None,
        voice_connector: object,
        region: str | None,
        *,
        required: bool = True,
    ) -> tuple[str | None, str | None]:
        """The voice connector's id and region: as given, or from ``voice_connector``, a
        ``CfnVoiceConnector`` of this stack (its ``VoiceConnectorId`` by ``Fn::GetAtt``, which
        also orders this resource after it, and its ``aws_region``; without one, the stack's
        region, as for ``region=`` omitted). Keeps it as ``self.voice_connector``."""
        subject = self._subject()
        if voice_connector is None:
            if required and voice_connector_id is None:
                raise subject.fail(
                    "set voice_connector_id (a voice connector's id, a string or token) or "
                    "voice_connector (a CfnVoiceConnector of this stack)."
                )
            return voice_connector_id, region
        if voice_connector_id is not None:
            one = "exactly one" if required else "at most one"
            raise subject.fail(
                f"set {one} of voice_connector_id and voice_connector: the voice connector brings "
                "its id."
            )
        if not isinstance(voice_connector, chime.CfnVoiceConnector):
            raise subject.fail(
                "voice_connector must be an aws_chime.CfnVoiceConnector, got "
                f"{validation.echo(voice_connector)}; for a voice connector's id, pass "
                "voice_connector_id= instead."
            )
        path, stack, own = voice_connector.node.path, Stack.of(self), Stack.of(voice_connector)
        if own is not stack:
            raise subject.fail(
                f"voice_connector {path} belongs to stack {own.node.path}, not to "
                f"{stack.node.path}. Pass voice_connector_id=<its attr_voice_connector_id> (CDK "
                "exports it from that stack) and region=<its region> instead, or declare this "
                "construct in that stack."
            )
        own_region = voice_connector.aws_region
        where = own_region if own_region is not None else stack.region
        if region is not None and region != where:
            shown = "a token" if Token.is_unresolved(where) else repr(where)
            if own_region is None:
                raise subject.fail(
                    f"region {validation.echo(region)} is given, but voice_connector {path} sets "
                    f"no aws_region, so it is in the stack's region ({shown}). Omit region=, or "
                    "set the voice connector's aws_region."
                )
            raise subject.fail(
                f"region {validation.echo(region)} is not voice_connector {path}'s aws_region "
                f"({shown}). Omit region=: the voice connector brings its region."
            )
        self.voice_connector = voice_connector
        return voice_connector.attr_voice_connector_id, own_region or region

    def _declare(
        self,
        properties: Mapping[str, object],
        *,
        removal_policy: RemovalPolicy,
        region: str | None,
        assume_role_arn: str | None,
        external_id: str | None,
        provider: ProxySessionProvider | None,
    ) -> str:
        """Check ``properties`` (values by CloudFormation name; None means unset), then grant and
        write the custom resource. Returns the removal policy's handler value."""
        subject = self._subject()
        kind = self.KIND
        self.removal_policy = removal_policy
        self.region = region
        self.assume_role_arn = assume_role_arn
        # Kept so that constructs built on this one (a ProxySession) call as the same role.
        self.external_id = external_id
        written: dict[str, Any] = {}
        for name, value in properties.items():
            item = kind.get(name)
            if value is None and not item.required:
                continue
            written[name] = validation.check(subject, item, value)
        policy = validation.removal_policy(subject, removal_policy, ends=self.ENDS)
        written[contract.REMOVAL_POLICY] = policy
        region_value = validation.region(subject, region, Stack.of(self).region)
        role_arn = None
        if assume_role_arn is not None:
            role_arn = validation.string_or_token(subject, "assume_role_arn", assume_role_arn)
        if external_id is not None:
            if role_arn is None:
                raise subject.fail(
                    "external_id is set without assume_role_arn; it goes with the role to assume."
                )
            validation.string_or_token(subject, "external_id", external_id, secret=True)
        for name, value in (
            (contract.REGION, region_value),
            (contract.ASSUME_ROLE_ARN, role_arn),
            (contract.EXTERNAL_ID, external_id),
        ):
            if value is not None:
                written[name] = validation.check(subject, kind.get(name), value)
        if kind.combination is not None:
            names = {item.name: item.prop for item in kind.properties}
            if self.voice_connector is not None:
                names[contract.VOICE_CONNECTOR_ID] = "voice_connector"
            values = {
                item.name: combinations.UNKNOWN
                if Token.is_unresolved(written.get(item.name))
                else written.get(item.name, item.default)
                for item in kind.properties
            }
            try:
                kind.combination(names, values)
            except rules.RuleError as error:
                raise subject.fail(str(error)) from None
        self.provider = validation.provider(subject, provider, self) or ProxySessionProvider.of(
            self
        )
        self._before_grant()
        if kind.creates:
            self.provider.use_claims()
        if role_arn is not None:
            self.provider.grant_assume_role(role_arn)
        else:
            self._grant(written.get(contract.VOICE_CONNECTOR_ID), policy, region_value)
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=kind.type_name,
            properties=written,
            service_timeout=self.provider.service_timeout,
        )
        # CustomResource writes DeletionPolicy and UpdateReplacePolicy "Delete" on every instance:
        # CloudFormation's defaults already, so they only add bytes to large stacks, and they go.
        # Whether a resource's session or configuration ends on delete is its RemovalPolicy.
        default_child = self.resource.node.default_child
        if isinstance(default_child, CfnResource):
            default_child.add_deletion_override("DeletionPolicy")
            default_child.add_deletion_override("UpdateReplacePolicy")
        register(self)
        return policy

    def _grant(self, voice_connector_id: object, policy: str, region: str | None) -> None:
        """The description's actions: those that take no resource ARN on ``*``, in their own
        statement; the others on the voice connector's ARN (none without a voice connector)."""
        actions = self.KIND.actions(delete=policy == contract.DESTROY)
        account = {f"{types.IAM_PREFIX}{operation}" for operation in self.KIND.account_operations}
        wide = [action for action in actions if action in account]
        if wide:
            operations = [action.removeprefix(types.IAM_PREFIX) for action in wide]
            *first, last = operations
            named = f"{', '.join(first)} and {last}" if first else last
            self.provider.grant_account_actions(wide, f"Chime SDK Voice's {named}")
        scoped = [action for action in actions if action not in account]
        if scoped and voice_connector_id is not None:
            self.provider.grant_voice_connector(str(voice_connector_id), scoped, region=region)

    def _before_grant(self) -> None:
        """A class's checks that need the provider (its per-stack claims), before any grant."""

    def _warn_above_documented_expiry(self, minutes: object) -> None:
        documented_max = contract.EXPIRY_MINUTES_DOCUMENTED_MAX
        if isinstance(minutes, int) and minutes > documented_max:
            Annotations.of(self).add_warning_v2(
                EXPIRY_WARNING_ID,
                f"expiry is {minutes} minutes, above the {documented_max}"
                "-minute (12-hour) maximum that the service documents; the service may reject it.",
            )
