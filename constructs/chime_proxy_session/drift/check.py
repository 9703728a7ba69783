"""``check_stack``: every custom resource of this library in a deployed stack, compared with the
service.

The stack is read once (``stack``); each resource's properties are resolved (``template``), their
dynamic references read or hidden (``secrets``) and parsed by the handler's rules (``declared``);
then its type's live state is read in its region and account, through the handler's own client
factory (``chime_clients.ClientFactory``: the resource's ``Region``, and its ``AssumeRoleArn`` and
``ExternalId`` through STS), and compared (``sessions``, ``numbers``). A reference to another
custom resource's attribute is answered from that resource's live state, read once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from ..contract import contract, types
from . import numbers, sessions
from .declared import Declared, NotChecked, NotCompared, Subject
from .handler import (
    call_reasons,
    cfn_properties,
    chime_calls,
    chime_clients,
    claim_records,
    claims,
)
from .reads import ChimeReads
from .report import DriftReport, ResourceDrift, Status
from .secrets import SecretReader, reveal
from .stack import (
    CALL_BUDGET_SECONDS,
    DeployedStack,
    DriftCheckError,
    read_stack,
    service_client,
)
from .template import Resolver, Unresolved, as_sent, voice_connector_attribute

if TYPE_CHECKING:
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

_VOICE_CONNECTOR = "AWS::Chime::VoiceConnector"

Live = sessions.Live | numbers.Live


class StackCheck:
    """One drift check of one deployed stack: its resources resolved, read and compared, each
    once. ``report`` compares them all; ``--revert`` reuses what was read (``revert``)."""

    def __init__(
        self,
        stack: DeployedStack,
        session: boto3.Session,
        policy: chime_calls.RetryPolicy,
        secrets: SecretReader | None,
    ) -> None:
        self.stack = stack
        self.session = session
        self.policy = policy
        self._secrets = secrets
        self._resolver = Resolver(stack, self.attribute)
        self._subjects: dict[str, Subject] = {}
        self._live: dict[str, Live] = {}
        self._factories: dict[str, chime_clients.ClientFactory] = {}

    def client(self, service: str, region: str | None = None) -> Any:
        """A client of the caller's session, with the handler's client settings."""
        return service_client(self.session, service, region or self.stack.region)

    def _factory(self, region: str) -> chime_clients.ClientFactory:
        """The handler's client factory for one region (made once): the caller's own client
        there, or a role's through STS."""
        factory = self._factories.get(region)
        if factory is None:
            own = self.client("chime-sdk-voice", region)
            factory = chime_clients.ClientFactory(lambda: own, sts=lambda: self.client("sts"))
            self._factories[region] = factory
        return factory

    def connector(self, subject: Subject) -> Callable[[], ChimeSDKVoiceClient]:
        """Makes the client for ``subject``'s region and account, as the handler does."""
        session_name = chime_clients.role_session_name(self.stack.stack_id, subject.logical_id)
        return lambda: self._factory(subject.region).chime(
            subject.location,
            session_name=session_name,
            deadline=self.policy.clock() + CALL_BUDGET_SECONDS,
            policy=self.policy,
        )

    def target(self, subject: Subject) -> call_reasons.CallTarget:
        """What the calls about ``subject`` act on, for messages."""
        voice_connector = subject.declared.values.get(contract.VOICE_CONNECTOR_ID)
        return call_reasons.CallTarget(
            subject=subject.kind.summary,
            voice_connector_id=str(voice_connector or ""),
            not_found_advice=subject.kind.not_found_advice,
            region=subject.region,
            role_arn=subject.location.role_arn,
        )

    # resolving ---------------------------------------------------------------------------------
    def subject(self, logical_id: str) -> Subject:
        """The resource resolved and parsed; NotChecked says why it cannot be."""
        if logical_id not in self._subjects:
            self._subjects[logical_id] = self._subject(logical_id)
        return self._subjects[logical_id]

    def _subject(self, logical_id: str) -> Subject:
        resource = self.stack.resources[logical_id]
        kind = types.BY_TYPE_NAME[resource.type]
        physical_id = resource.physical_id
        if physical_id is None or not physical_id.startswith(kind.physical_id_prefix):
            raise NotChecked(
                f"Its physical id {physical_id!r} ({resource.status}) was not issued by the "
                "handler: its Create did not succeed, so there is nothing to compare"
            )
        declared = self.stack.template["Resources"][logical_id].get("Properties") or {}
        raw: dict[str, Any] = {}
        revealed: set[str] = set()
        try:
            for name, value in declared.items():
                if name in contract.CLOUDFORMATION_PROPERTIES:
                    continue
                resolved = self._resolver.resolve(value, f"{logical_id}.{name}")
                shown, held = reveal(resolved, self._secrets)
                raw[name] = as_sent(shown)
                if held:
                    revealed.add(name)
            parsed = Declared(kind, raw, frozenset(revealed))
            location = parsed.location()
        except (Unresolved, NotCompared, cfn_properties.InvalidPropertiesError) as error:
            raise NotChecked(str(error)) from None
        return Subject(
            logical_id=logical_id,
            kind=kind,
            physical_id=physical_id,
            raw=raw,
            declared=parsed,
            location=location,
            region=location.region or self.stack.region,
        )

    def attribute(self, logical_id: str, name: str) -> str:
        """What ``Fn::GetAtt logical_id.name`` answers (Unresolved when the check cannot tell)."""
        resource = self.stack.resources.get(logical_id)
        if resource is not None and resource.type == _VOICE_CONNECTOR:
            return voice_connector_attribute(self.stack, logical_id, name)
        if resource is None or resource.type not in types.BY_TYPE_NAME:
            kind = "not in the stack" if resource is None else resource.type
            raise Unresolved(f"Fn::GetAtt {logical_id}.{name} ({kind}) is not worked out")
        try:
            subject = self.subject(logical_id)
            live = self.live(logical_id)
            data = (
                numbers.attributes(subject, live)
                if isinstance(live, numbers.Live)
                else sessions.attributes(subject, live)
            )
        except (NotChecked, NotCompared) as error:
            raise Unresolved(f"Fn::GetAtt {logical_id}.{name}: {error}") from None
        if name not in data:
            raise Unresolved(f"Fn::GetAtt {logical_id}.{name}: the service does not tell it")
        return data[name]

    # reading and comparing ---------------------------------------------------------------------
    def live(self, logical_id: str) -> Live:
        """The live state of the resource, read once."""
        if logical_id not in self._live:
            subject = self.subject(logical_id)
            reads = ChimeReads(self.connector(subject), self.target(subject), self.policy)
            if subject.kind is types.PHONE_NUMBERS:
                self._live[logical_id] = numbers.read(
                    subject, reads, lambda: self.claims_of(logical_id)
                )
            else:
                self._live[logical_id] = sessions.read(subject, reads)
        return self._live[logical_id]

    def claims_of(self, logical_id: str) -> list[claims.Claim]:
        """The claims of a resource in the stack's claim table, with the caller's permissions."""
        name = self._claim_table(logical_id)
        table = claims.ClaimTable(
            name,
            lambda: self.client("dynamodb"),
            deadline=self.policy.clock() + CALL_BUDGET_SECONDS,
            policy=self.policy,
        )
        try:
            return table.of_resource(claim_records.resource_key(self.stack.stack_id, logical_id))
        except claims.ClaimError as error:
            # The handler's message speaks of the function's role: say what the service said.
            cause = error.__context__
            detail = (
                f"{chime_calls.error_code(cause)}: {chime_calls.error_message(cause)}"
                if isinstance(cause, ClientError)
                else str(error)
            )
            raise numbers.ClaimsUnavailable(
                f"dynamodb:Query on the claim table {name} failed: {detail}"
            ) from None

    def _claim_table(self, logical_id: str) -> str:
        """The claim table's name: the variable its function declares, resolved."""
        resources = self.stack.template["Resources"]
        token = (resources[logical_id].get("Properties") or {}).get(contract.SERVICE_TOKEN)
        target = token.get("Fn::GetAtt") if isinstance(token, Mapping) else None
        if isinstance(target, str):
            target = target.split(".")
        function = str(target[0]) if isinstance(target, list) and target else ""
        environment = (resources.get(function) or {}).get("Properties", {}).get("Environment", {})
        variable = (environment.get("Variables") or {}).get(contract.CLAIM_TABLE_VARIABLE)
        if variable is None:
            raise numbers.ClaimsUnavailable(
                f"its {contract.SERVICE_TOKEN} names no function of the stack that declares "
                f"{contract.CLAIM_TABLE_VARIABLE}"
            )
        try:
            return str(self._resolver.resolve(variable, contract.CLAIM_TABLE_VARIABLE))
        except Unresolved as error:
            raise numbers.ClaimsUnavailable(str(error)) from None

    def drift(self, logical_id: str) -> ResourceDrift:
        """One resource compared with the service."""
        resource = self.stack.resources[logical_id]
        try:
            subject = self.subject(logical_id)
            live = self.live(logical_id)
            if isinstance(live, numbers.Live):
                return numbers.drift(subject, live)
            return sessions.drift(subject, live)
        except (NotChecked, NotCompared) as error:
            return ResourceDrift(
                logical_id=logical_id,
                type=resource.type,
                physical_id=resource.physical_id,
                status=Status.NOT_CHECKED,
                reason=str(error),
            )

    def report(self) -> DriftReport:
        """Every custom resource of this library in the stack, in template order."""
        ours = [
            logical_id
            for logical_id, declared in self.stack.template["Resources"].items()
            if declared.get("Type") in types.BY_TYPE_NAME and logical_id in self.stack.resources
        ]
        return DriftReport(
            stack=self.stack.name,
            region=self.stack.region,
            resources=tuple(self.drift(logical_id) for logical_id in ours),
        )


def open_check(
    stack_name: str,
    *,
    session: boto3.Session | None = None,
    region: str | None = None,
    resolve_secrets: bool = False,
    policy: chime_calls.RetryPolicy | None = None,
) -> StackCheck:
    """Read the stack and prepare its check (DriftCheckError when it cannot run)."""
    session = session or boto3.Session()
    region = region or session.region_name
    if not region:
        raise DriftCheckError(
            "No region: give --region (region= in Python), or set AWS_REGION or a profile's region."
        )
    policy = policy or chime_calls.RetryPolicy()
    cloudformation = service_client(session, "cloudformation", region)
    stack = read_stack(cloudformation, stack_name, region, policy)
    secrets = None
    if resolve_secrets:
        secrets = SecretReader(partial(service_client, session, region=region), policy)
    return StackCheck(stack, session, policy, secrets)


def check_stack(
    stack_name: str,
    *,
    session: boto3.Session | None = None,
    region: str | None = None,
    resolve_secrets: bool = False,
    policy: chime_calls.RetryPolicy | None = None,
) -> DriftReport:
    """Compare every custom resource of this library in a deployed stack with the service.

    :param stack_name: the stack's name or id.
    :param session: the boto3 session whose credentials the check uses (default: a new one,
        from the environment); its clients honour ``AWS_ENDPOINT_URL_*``.
    :param region: the stack's region (default: the session's).
    :param resolve_secrets: read ``{{resolve:secretsmanager:...}}`` and ``{{resolve:ssm:...}}``
        values with the caller's permissions and compare them (never shown); without it they
        are reported as not compared.
    :param policy: the retry policy (default: the handler's).
    :raises DriftCheckError: the check could not run (no such stack, no credentials, access
        denied); the message names the action and the resource.
    """
    return open_check(
        stack_name,
        session=session,
        region=region,
        resolve_secrets=resolve_secrets,
        policy=policy,
    ).report()
