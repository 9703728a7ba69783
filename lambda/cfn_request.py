"""The CloudFormation custom-resource request: its envelope, checked, and the failed-Create marker.

Only the envelope is checked here (the fields CloudFormation always sends); each resource type's
module parses its own ResourceProperties.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import proxy_contract as contract
from records import Record
from safe_text import echo


class CfnRequest(Record):
    """The parts of a checked CloudFormation request that a resource type's handler reads."""

    request_type: str
    resource_type: str
    logical_resource_id: str
    stack_id: str
    request_id: str
    # As sent: each resource type's parser checks that it is an object. Out of the repr: they
    # hold phone numbers, secrets and sensitive names.
    properties: object
    old_properties: object
    physical_resource_id: str | None

    def __repr__(self) -> str:
        return (
            f"CfnRequest({self.request_type} {self.resource_type} {self.logical_resource_id}, "
            f"physical id {self.physical_resource_id!r}, properties not shown)"
        )

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> CfnRequest:
        """Read a request whose envelope ``envelope_problem`` found nothing wrong with."""
        old = event.get("OldResourceProperties")
        physical_id = event.get("PhysicalResourceId")
        return cls(
            request_type=str(event["RequestType"]),
            resource_type=str(event["ResourceType"]),
            logical_resource_id=str(event["LogicalResourceId"]),
            stack_id=str(event["StackId"]),
            request_id=str(event["RequestId"]),
            properties=event["ResourceProperties"],
            old_properties=old,
            physical_resource_id=physical_id if isinstance(physical_id, str) else None,
        )


def envelope_problem(event: object) -> str | None:
    """Say what makes ``event`` unusable as a CloudFormation request, or None if nothing does."""
    if not isinstance(event, Mapping):
        return f"the event is not an object: {echo(event)}"
    missing = [name for name in contract.REQUIRED_EVENT_FIELDS if name not in event]
    if missing:
        return f"the event lacks {', '.join(missing)}; it is not a CloudFormation request"
    request_type = event["RequestType"]
    if not isinstance(request_type, str) or request_type not in contract.REQUEST_TYPES:
        return f"RequestType {echo(request_type)} is not one of {', '.join(contract.REQUEST_TYPES)}"
    for name in contract.STRING_EVENT_FIELDS:
        value = event[name]
        if not isinstance(value, str) or not value:
            return f"{name} must be a non-empty string, got {echo(value)}"
    if request_type != "Create":
        physical_id = event.get("PhysicalResourceId")
        if not isinstance(physical_id, str) or not physical_id:
            got = "nothing" if "PhysicalResourceId" not in event else echo(physical_id)
            return (
                f"every {request_type} request must carry PhysicalResourceId (a non-empty "
                f"string), got {got}"
            )
    return None


def failed_create_physical_id(request_id: str) -> str:
    """Return the PhysicalResourceId answered when a Create fails (marks the rollback Delete)."""
    return f"{contract.FAILED_CREATE_PREFIX}{request_id}"[:1024]


def is_failed_create(physical_id: object) -> bool:
    """Tell whether a Delete targets a resource whose Create failed (nothing to undo)."""
    return isinstance(physical_id, str) and physical_id.startswith(contract.FAILED_CREATE_PREFIX)


class CfnResult(Record):
    """What a resource type's handler answers on success: the physical id and the Data."""

    physical_resource_id: str
    data: Mapping[str, str]


def remaining_seconds(context: object, default: float = 60.0) -> float:
    """Seconds left before the Lambda deadline, from the context (``default`` without one)."""
    getter = getattr(context, "get_remaining_time_in_millis", None)
    if getter is None:
        return default
    return max(0.0, float(getter()) / 1000.0)
