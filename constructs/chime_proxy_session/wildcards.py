"""The provider's statements on ``Resource: *``, and the one cdk-nag acknowledgment of them.

Some actions take no resource ARN, so IAM allows them on ``*`` only: X-Ray's trace calls, the
EC2 network-interface calls Lambda makes in a VPC, and Chime SDK Voice's phone-number search,
order and delete calls. Each family gets a statement of its own, so no other action is widened;
cdk-nag's AwsSolutions-IAM5 reports ``Resource::*`` on the policy, and the provider acknowledges
that finding once, on the policy only, with a reason naming exactly the families it holds. A
family may arrive after the provider (the first ``PhoneNumbers``), so the acknowledgment is
written at synth.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_iam as iam

from .at_synth import at_synth

# cdk-nag's id for the Resource::* finding of AwsSolutions-IAM5.
WILDCARD_RESOURCE_ACKNOWLEDGMENT: Final = "AwsSolutions::AwsSolutions-IAM5[Resource::*]"


class WildcardResources:
    """A policy's statements on ``Resource: *`` (one per family of actions) and the reason."""

    def __init__(self, policy: iam.ManagedPolicy) -> None:
        self._policy = policy
        self._families: list[str] = []

    def allow(self, actions: Sequence[str], what: str) -> None:
        """Allow ``actions`` on ``*`` in a statement of their own, once; ``what`` names them in
        the acknowledgment's reason."""
        if what in self._families:
            return
        if not self._families:
            at_synth(self._policy, self._acknowledge)
        self._families.append(what)
        self._policy.add_statements(iam.PolicyStatement(actions=list(actions), resources=["*"]))

    @property
    def reason(self) -> str | None:
        """Why the policy has statements on ``*``, or None when it has none."""
        if not self._families:
            return None
        *first, last = self._families
        named = f"{', '.join(first)} and {last}" if first else last
        return (
            f"{named} take no resource ARN: IAM allows them on Resource * only. Every other "
            "statement names its resources."
        )

    def _acknowledge(self) -> None:
        reason = self.reason
        if reason is not None:
            Validations.of(self._policy).acknowledge(
                Acknowledgment(id=WILDCARD_RESOURCE_ACKNOWLEDGMENT, reason=reason)
            )
