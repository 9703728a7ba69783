"""The custom resource behind each construct: one way to write it, for every resource type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import CfnResource, CustomResource
from constructs import Construct

from .provider import ProxySessionProvider


def proxy_resource(
    scope: Construct,
    provider: ProxySessionProvider,
    resource_type: str,
    properties: Mapping[str, Any],
    optional: Mapping[str, Any],
) -> CustomResource:
    """The ``Resource`` child of ``scope``: ``properties`` and the ``optional`` ones that are set
    (not None), served by ``provider``'s function with its ``ServiceTimeout``.

    CustomResource writes DeletionPolicy and UpdateReplacePolicy "Delete" on every instance:
    CloudFormation's defaults already, so they only add bytes to large stacks, and they go.
    Whether a construct's session or configuration ends on delete is its RemovalPolicy property.
    """
    resource = CustomResource(
        scope,
        "Resource",
        service_token=provider.service_token,
        resource_type=resource_type,
        properties={
            **properties,
            **{name: value for name, value in optional.items() if value is not None},
        },
        service_timeout=provider.service_timeout,
    )
    default_child = resource.node.default_child
    if isinstance(default_child, CfnResource):
        default_child.add_deletion_override("DeletionPolicy")
        default_child.add_deletion_override("UpdateReplacePolicy")
    return resource
