"""What every construct of this library does, written once: ``ChimeResource``.

A construct class names its resource type's description (``resource_types``) and turns its own
props into property values; the skeleton then checks every literal with the description's rules,
resolves where and as whom the function calls (region, role, external id), finds the stack's
provider (and, for a type that creates something, has it add the claim table), grants the IAM
actions the description declares, writes the custom resource, and keeps what the class needs for
its attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final, overload

from aws_cdk import Annotations, CfnResource, CustomResource, RemovalPolicy, Stack
from constructs import Construct

from . import validation
from .contract import contract
from .provider import ProxySessionProvider
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

    def _subject(self) -> Subject:
        return Subject(self.KIND.construct, self.node.path, self.ERROR)

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
        self.provider = validation.provider(subject, provider, self) or ProxySessionProvider.of(
            self
        )
        self._before_grant()
        if kind.creates:
            self.provider.use_claims()
        if role_arn is not None:
            self.provider.grant_assume_role(role_arn)
        else:
            self.provider.grant_voice_connector(
                str(written[contract.VOICE_CONNECTOR_ID]),
                kind.actions(delete=policy == contract.DESTROY),
                region=region_value,
            )
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
        return policy

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
