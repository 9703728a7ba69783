"""``--revert``: the declared state put back on MODIFIED resources with the handler's own in-place
update code. Nothing is ever created or deleted.

- ProxySessionSettings, ProxySession and VoiceConnectorProxy: the type module's ``update``
  (UpdateProxySession, PutVoiceConnectorProxy), given a ``Job`` as ``cfn_lifecycle`` builds one
  for an Update in place: the request, the properties parsed by ``parse_properties``, and the one
  call path (``chime_calls.Calls``) on the resource's client.
- PhoneNumbers: the numbers not associated as declared are moved with
  AssociatePhoneNumbersWithVoiceConnector and ForceAssociate, as the handler moves them (or
  disassociated when no voice connector is declared). A released number or another product type
  is not something an update puts back; it is reported.

The call path allows only the operations of the type's update handler that neither create nor
delete (it raises on any other), so a revert cannot make or remove anything. A DELETED resource
is left as it is, with what to do.
"""

from __future__ import annotations

import uuid
from urllib.parse import unquote

import boto3

from ..contract import contract, types
from . import numbers
from .check import StackCheck, open_check
from .declared import Subject
from .fields import DELETED_ADVICE
from .handler import cfn_lifecycle, cfn_properties, cfn_request, chime_calls
from .report import DriftReport, ResourceDrift, Reverted, Status
from .stack import CALL_BUDGET_SECONDS

_REVERT_REQUEST = "drift-revert-"


class _NotReverted(Exception):
    """The resource cannot be reverted as it is; the message says why and what to do."""


def in_place_operations(kind: types.ResourceType) -> frozenset[str]:
    """The operations a revert may call: the update handler's, except those that create or
    delete."""
    return frozenset(
        operation
        for operation in kind.operations["update"]
        if not operation.startswith(("Create", "Delete"))
    )


def _properties(subject: Subject) -> cfn_properties.Properties:
    """The declared properties as the handler parses them. A value CloudFormation never shows
    that the check did not read (no --resolve-secrets) is needed only when an in-place update
    applies it: a property whose change replaces the resource is never applied in place
    (``cfn_lifecycle.replaces``), so it stays the unread reference."""
    hidden = subject.declared.hidden
    if not hidden:
        return cfn_properties.parse_properties(subject.kind, subject.raw)
    applied = sorted(name for name in hidden if not subject.kind.get(name).replaces)
    if applied:
        raise _NotReverted(
            f"its declared {', '.join(applied)} come from values CloudFormation resolves at "
            "deploy time and never shows; run again with --resolve-secrets to put them back"
        )
    return cfn_properties.Properties({**subject.declared.values, **hidden}, subject.location)


def _job(subject: Subject, stack_id: str, calls: chime_calls.Calls) -> cfn_lifecycle.Job:
    request = cfn_request.CfnRequest(
        request_type="Update",
        resource_type=subject.kind.type_name,
        logical_resource_id=subject.logical_id,
        stack_id=stack_id,
        request_id=f"{_REVERT_REQUEST}{uuid.uuid4()}",
        properties=subject.raw,
        old_properties=subject.raw,
        physical_resource_id=subject.physical_id,
    )
    return cfn_lifecycle.Job(
        request=request, kind=subject.kind, properties=_properties(subject), calls=calls
    )


def _numbers(
    check: StackCheck, subject: Subject, calls: chime_calls.Calls, item: ResourceDrift
) -> Reverted:
    """Move the numbers not associated as declared; report what an update cannot put back."""
    live = check.live(subject.logical_id)
    assert isinstance(live, numbers.Live)
    moving = numbers.misplaced(subject, live)
    wanted = subject.declared[contract.VOICE_CONNECTOR_ID]
    problems: list[str] = []
    if wanted is None:
        for number in moving:
            for voice_connector in number.voice_connectors:
                calls.call(
                    "DisassociatePhoneNumbersFromVoiceConnector",
                    VoiceConnectorId=voice_connector,
                    E164PhoneNumbers=[number.e164],
                )
    elif moving:
        answer = calls.call(
            "AssociatePhoneNumbersWithVoiceConnector",
            VoiceConnectorId=wanted,
            E164PhoneNumbers=[number.e164 for number in moving],
            ForceAssociate=True,
        )
        refused = [
            f"{unquote(str(error.get('PhoneNumberId')))} ({error.get('ErrorCode')})"
            for error in answer.get("PhoneNumberErrors") or []
        ]
        if refused:
            problems.append(f"AssociatePhoneNumbersWithVoiceConnector refused {', '.join(refused)}")
    moved = f"{contract.VOICE_CONNECTOR_ID}["
    left = [d.property for d in item.differences if not d.property.startswith(moved)]
    if left:
        problems.append(
            f"an update cannot put back {', '.join(left)}. {DELETED_ADVICE[subject.kind.type_name]}"
        )
    return Reverted(
        subject.logical_id,
        subject.kind.type_name,
        done=not problems,
        operations=tuple(sorted(calls.counts)),
        differences=tuple(d for d in item.differences if d.property.startswith(moved)),
        detail="; ".join(problems),
    )


def _revert(check: StackCheck, item: ResourceDrift) -> Reverted:
    if item.status is Status.DELETED:
        return Reverted(
            item.logical_id, item.type, done=False, detail=f"{item.reason} (--revert never creates)"
        )
    subject = check.subject(item.logical_id)
    calls = chime_calls.Calls(
        connect=check.connector(subject),
        allowed=in_place_operations(subject.kind),
        target=check.target(subject),
        deadline=check.policy.clock() + CALL_BUDGET_SECONDS,
        policy=check.policy,
    )
    try:
        if subject.kind is types.PHONE_NUMBERS:
            return _numbers(check, subject, calls, item)
        cfn_lifecycle.module_of(subject.kind).update(_job(subject, check.stack.stack_id, calls))
    except (_NotReverted, chime_calls.ChimeCallError) as error:
        return Reverted(
            item.logical_id,
            item.type,
            done=False,
            operations=tuple(sorted(calls.counts)),
            detail=str(error),
        )
    return Reverted(
        item.logical_id,
        item.type,
        done=True,
        operations=tuple(sorted(calls.counts)),
        differences=item.differences,
    )


def revert(check: StackCheck, report: DriftReport) -> tuple[Reverted, ...]:
    """Put back the declared state of each drifted resource of ``report`` that an in-place update
    can put back; say of each what was done or why not."""
    return tuple(_revert(check, item) for item in report.drifted)


def revert_stack(
    stack_name: str,
    *,
    session: boto3.Session | None = None,
    region: str | None = None,
    resolve_secrets: bool = False,
    policy: chime_calls.RetryPolicy | None = None,
) -> tuple[DriftReport, tuple[Reverted, ...]]:
    """``check_stack``, then put back the declared state of every MODIFIED resource (see
    ``check_stack`` for the parameters); returns the report, as found before reverting, and what
    was done to each drifted resource."""
    check = open_check(
        stack_name,
        session=session,
        region=region,
        resolve_secrets=resolve_secrets,
        policy=policy,
    )
    report = check.report()
    return report, revert(check, report)
