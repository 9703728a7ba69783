"""The one Lambda function per stack that serves every proxy-session resource in it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .asset import handler_code
from .claim_table import add_claim_table
from .contract import contract, types
from .wildcards import WildcardResources

PROVIDER_ID: Final = "ChimeProxySessionProvider"
RUNTIME: Final = lambda_.Runtime.PYTHON_3_14
# Lambda's maximum: a full stack of sessions against a slow API needs the time (README "Scale").
FUNCTION_TIMEOUT: Final = Duration.seconds(contract.DEFAULT_FUNCTION_TIMEOUT_SECONDS)
MEMORY_SIZE: Final = 256
LOG_RETENTION: Final = logs.RetentionDays.ONE_MONTH
# How much longer than the function CloudFormation waits for an answer before it gives up.
SERVICE_TIMEOUT_MARGIN: Final = Duration.minutes(1)
# CloudFormation's maximum ServiceTimeout.
SERVICE_TIMEOUT_MAX: Final = Duration.hours(1)

# IAM's RoleName (1 to 64 characters).
ROLE_NAME_PATTERN: Final = r"[\w+=,.@-]{1,64}"
# The stack's child that records its provider and what the stack's constructs claimed.
REGISTRY_ID: Final = "ChimeProxySessionRegistry"


class ProxySessionProviderError(ValueError):
    """The provider is misconfigured or misused; the message says what to do instead."""


def _check_subnets(
    path: str, vpc: ec2.IVpc | None, vpc_subnets: ec2.SubnetSelection | None
) -> None:
    if vpc is None:
        if vpc_subnets is not None:
            raise ProxySessionProviderError(
                f"ProxySessionProvider {path}: vpc_subnets is set without vpc; pass the vpc too."
            )
        return
    selection = vpc_subnets or ec2.SubnetSelection()
    selected = vpc.select_subnets(
        availability_zones=selection.availability_zones,
        one_per_az=selection.one_per_az,
        subnet_filters=selection.subnet_filters,
        subnet_group_name=selection.subnet_group_name,
        subnets=selection.subnets,
        subnet_type=selection.subnet_type,
    )
    if selected.has_public:
        raise ProxySessionProviderError(
            f"ProxySessionProvider {path}: vpc_subnets selects public subnets. A Lambda "
            "function gets no public IP there and cannot reach the Chime SDK Voice API, STS or "
            "the CloudFormation ResponseURL; select PRIVATE_WITH_EGRESS subnets (with a NAT "
            "gateway) or PRIVATE_ISOLATED subnets with VPC endpoints (README 'Running in a VPC')."
        )


def _check_role_name(path: str, role: iam.IRole | None, role_name: object) -> None:
    if role_name is None:
        return
    if role is not None:
        raise ProxySessionProviderError(
            f"ProxySessionProvider {path}: role_name names the role the provider creates; with "
            "role= you bring your own. Pass one of them."
        )
    if not isinstance(role_name, str) or (
        not Token.is_unresolved(role_name) and not re.fullmatch(ROLE_NAME_PATTERN, role_name)
    ):
        raise ProxySessionProviderError(
            f"ProxySessionProvider {path}: role_name {role_name!r:.80} is not an IAM role name: "
            "1 to 64 letters, digits and +=,.@_- characters."
        )


class ProxySessionProvider(Construct):
    """The function, its role, policy and log group: shared by every proxy-session resource of a
    stack.

    Create it explicitly, at most once per stack, to configure the function; otherwise
    ``ProxySessionProvider.of(scope)`` creates the default one on first use. The options are named
    and typed as ``aws_lambda.Function`` names them.

    :param vpc: the VPC to run the function in. Default: no VPC.
    :param vpc_subnets: the subnets, in ``vpc``; public subnets are refused. Default: the VPC's
        private subnets.
    :param security_groups: the function's security groups. Default: one that allows all
        outbound traffic, created by Lambda's construct.
    :param role: the function's execution role (its trust policy must allow
        lambda.amazonaws.com). The provider attaches its managed policy to it. Default: a new role.
    :param role_name: the name of the new role, so that a partner account's trust policy can name
        it before the first deploy (README "Regions and accounts"); not with ``role``. Default: a
        name CloudFormation generates.
    :param timeout: the function's timeout. Default: 15 minutes (Lambda's maximum; see README
        "Scale").
    :param memory_size: MiB. Default: 256.
    :param log_group: where the function logs. Default: a new log group, kept one month.
    :param function_name: Default: a name CloudFormation generates.
    :param reserved_concurrent_executions: Default: none reserved.
    :param dead_letter_queue: where Lambda sends events of invocations that failed for good.
        Default: none.
    :param tracing: X-Ray tracing. Default: ``Tracing.DISABLED``.
    :param environment_encryption: the customer managed KMS key of the function's environment
        variables and of its claim table (the provider's one customer key encrypts both; the
        function's policy then allows ``kms:Decrypt`` on it). Default: Lambda's own key for the
        environment, and DynamoDB's AWS owned key for the table.

    The claim table (``claim_table``, ``claim_table.py``) is the exactly-once store of the
    resources that create something (``VoiceConnectorProxy``, ``ProxySession``,
    ``PhoneNumbers``): added to the stack by the first of them (``use_claims``), never for
    ``ProxySessionSettings`` alone.
    On-demand capacity, point-in-time recovery, claims expiring through the ``ExpiresAt`` TTL
    attribute, a name CloudFormation generates. It is deleted with the stack
    (``RemovalPolicy.DESTROY``): a claim is keyed by its stack's id and names that stack's
    requests, so once the stack is gone no request can ever read it again, and a retained table
    would only be an orphan to find and pay for.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        role: iam.IRole | None = None,
        role_name: str | None = None,
        timeout: Duration | None = None,
        memory_size: int | None = None,
        log_group: logs.ILogGroup | None = None,
        function_name: str | None = None,
        reserved_concurrent_executions: int | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        tracing: lambda_.Tracing | None = None,
        environment_encryption: kms.IKey | None = None,
    ) -> None:
        stack = Stack.of(scope)
        existing = _Registry.of(stack).provider
        if existing is not None:
            raise ProxySessionProviderError(
                f"Stack {stack.node.path} already has a proxy-session provider "
                f"({existing.node.path}); a stack holds exactly one. Configure that one, or pass "
                "it as provider= to the constructs."
            )
        path = f"{scope.node.path}/{construct_id}"
        _check_subnets(path, vpc, vpc_subnets)
        _check_role_name(path, role, role_name)
        super().__init__(scope, construct_id)
        _Registry.of(stack).provider = self
        self._grants: dict[str, iam.PolicyStatement] = {}
        self._granted: set[tuple[str, str]] = set()
        self._key = environment_encryption
        self._claim_table: dynamodb.Table | None = None

        self.log_group: logs.ILogGroup = log_group or logs.LogGroup(
            self, "Logs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        self.role: iam.IRole = role or iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Calls the Chime SDK Voice API for CloudFormation proxy-session resources",
        )
        # One managed policy holds every permission, so nothing lands in an inline policy: the
        # function gets a role that takes no policy updates, and what it needs is added here.
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            roles=[self.role],
            description="Chime SDK Voice proxy-session calls and the function's own needs",
        )
        self.policy.add_statements(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        if dead_letter_queue is not None:
            self.policy.add_statements(
                iam.PolicyStatement(
                    actions=["sqs:SendMessage"], resources=[dead_letter_queue.queue_arn]
                )
            )
            if dead_letter_queue.encryption_master_key is not None:
                self.policy.add_statements(
                    iam.PolicyStatement(
                        actions=["kms:Decrypt", "kms:GenerateDataKey"],
                        resources=[dead_letter_queue.encryption_master_key.key_arn],
                    )
                )
        # Statements on Resource "*" and the one acknowledgment of cdk-nag's finding on them.
        self._wildcards = WildcardResources(self.policy)
        if tracing is not None and tracing != lambda_.Tracing.DISABLED:
            self._wildcards.allow(
                ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "X-Ray's PutTraceSegments and PutTelemetryRecords",
            )
        if vpc is not None:
            # What Lambda's AWSLambdaVPCAccessExecutionRole allows.
            self._wildcards.allow(
                [
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSubnets",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                "EC2's network-interface calls that Lambda makes in a VPC",
            )

        self.timeout: Duration = timeout or FUNCTION_TIMEOUT
        self.function = lambda_.Function(
            self,
            "Handler",
            description=(
                f"{', '.join(contract.SERVED_RESOURCE_TYPES)} (Chime SDK Voice proxy sessions)"
            ),
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler="index.handler",
            code=handler_code(),
            role=_without_policy_updates(self, self.role),
            timeout=self.timeout,
            memory_size=memory_size or MEMORY_SIZE,
            log_group=self.log_group,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_groups=security_groups,
            function_name=function_name,
            reserved_concurrent_executions=reserved_concurrent_executions,
            dead_letter_queue=dead_letter_queue,
            tracing=tracing,
            environment_encryption=environment_encryption,
            environment={contract.FUNCTION_ROLE_ARN_VARIABLE: self.role.role_arn},
        )
        # Every resource reaches the function through its ARN, so waiting here for the policy
        # makes every resource wait for it, without a DependsOn per resource.
        self.function.node.add_dependency(self.policy)

    @property
    def claim_table(self) -> dynamodb.ITable | None:
        """The stack's claim table (DynamoDB): where the function claims each Create of a resource
        that creates something before it calls the API, so that a request delivered twice creates
        once. None until the stack declares such a resource (``use_claims``)."""
        return self._claim_table

    def use_claims(self) -> dynamodb.ITable:
        """Add the claim table to the stack once (its name in ``CHIME_PROXY_SESSION_CLAIM_TABLE``,
        item actions on its ARN only) and return it. The constructs whose types create something
        call this themselves; call it for plain custom resources of those types."""
        if self._claim_table is None:
            self._claim_table = add_claim_table(
                self, key=self._key, policy=self.policy, function=self.function
            )
        return self._claim_table

    @property
    def service_token(self) -> str:
        """The function's ARN, the ServiceToken of every resource this provider serves."""
        return self.function.function_arn

    @property
    def service_timeout(self) -> Duration:
        """How long CloudFormation waits for an answer: the function's timeout and a minute."""
        seconds = self.timeout.to_seconds() + SERVICE_TIMEOUT_MARGIN.to_seconds()
        return Duration.seconds(min(seconds, SERVICE_TIMEOUT_MAX.to_seconds()))

    def _grant(self, action: str, resource: str) -> iam.ManagedPolicy:
        if (action, resource) in self._granted:
            return self.policy
        self._granted.add((action, resource))
        statement = self._grants.get(action)
        if statement is None:
            statement = self._grants[action] = iam.PolicyStatement(actions=[action])
            self.policy.add_statements(statement)
        statement.add_resources(resource)
        return self.policy

    def grant(
        self, voice_connector_id: str, *, delete: bool = False, region: str | None = None
    ) -> iam.ManagedPolicy:
        """Allow UpdateProxySession (and DeleteProxySession if ``delete``) on a voice connector.

        ``region`` is the voice connector's region (default: the stack's). The constructs call
        this themselves; call it for plain custom resources that use ``service_token``. Returns
        the managed policy.
        """
        actions = types.SETTINGS.actions(delete=delete)
        return self.grant_voice_connector(voice_connector_id, actions, region=region)

    def grant_voice_connector(
        self, voice_connector_id: str, actions: Sequence[str], *, region: str | None = None
    ) -> iam.ManagedPolicy:
        """Allow ``actions`` (``chime:...``) on one voice connector's ARN in ``region`` (default:
        the stack's); one statement per action, its resources the voice connectors granted."""
        arn = Stack.of(self).format_arn(
            service="chime",
            resource="vc",
            resource_name=voice_connector_id,
            region=region,
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        for action in actions:
            self._grant(action, arn)
        return self.policy

    def grant_assume_role(self, role_arn: str) -> iam.ManagedPolicy:
        """Allow ``sts:AssumeRole`` on exactly ``role_arn``; returns the managed policy."""
        return self._grant("sts:AssumeRole", role_arn)

    def grant_account_actions(self, actions: Sequence[str], what: str) -> iam.ManagedPolicy:
        """Allow ``actions``, which take no resource ARN (IAM allows them on ``Resource: *``
        only), in a statement of their own; ``what`` names them in the reason of the provider's
        one acknowledgment of cdk-nag's AwsSolutions-IAM5[Resource::*]. ``PhoneNumbers`` calls
        this for its search, order and delete actions. Returns the managed policy."""
        self._wildcards.allow(actions, what)
        return self.policy

    @classmethod
    def of(cls, scope: Construct) -> ProxySessionProvider:
        """Return the stack's provider, creating the default one on first use."""
        stack = Stack.of(scope)
        existing = _Registry.of(stack).provider
        if existing is not None:
            return existing
        if stack.node.try_find_child(PROVIDER_ID) is not None:
            raise ProxySessionProviderError(
                f"Stack {stack.node.path} already has a child named {PROVIDER_ID!r} that is not "
                "the proxy-session provider; rename that construct."
            )
        return cls(stack, PROVIDER_ID)


def claim(scope: Construct, key: tuple[str, ...], what: str) -> str | None:
    """Record that ``scope`` declares ``key`` (e.g. a voice connector's one proxy configuration)
    in its stack; return the path of the construct that declared it first, or None."""
    claims = _Registry.of(Stack.of(scope)).claims
    first = claims.setdefault((what, *key), scope.node.path)
    return None if first == scope.node.path else first


def register(construct: Construct) -> None:
    """Record ``construct`` (a resource of this library) in its stack's registry."""
    _Registry.of(Stack.of(construct)).declared.append(construct)


def registered(scope: Construct) -> tuple[Construct, ...]:
    """The resources of this library declared so far in ``scope``'s stack, in order."""
    return tuple(_Registry.of(Stack.of(scope)).declared)


class _Registry(Construct):
    """The stack's provider, claims and resources: the construct tree is the registry, one per
    stack."""

    def __init__(self, scope: Stack) -> None:
        super().__init__(scope, REGISTRY_ID)
        self.provider: ProxySessionProvider | None = None
        self.claims: dict[tuple[str, ...], str] = {}
        self.declared: list[Construct] = []

    @classmethod
    def of(cls, stack: Stack) -> _Registry:
        found = stack.node.try_find_child(REGISTRY_ID)
        if found is None:
            return cls(stack)
        if not isinstance(found, cls):
            raise ProxySessionProviderError(
                f"Stack {stack.node.path} has a child named {REGISTRY_ID!r} that this library did "
                "not create; rename that construct."
            )
        return found


def _without_policy_updates(scope: Construct, role: iam.IRole) -> iam.IRole:
    """``role`` as the function sees it: a role that takes no policy updates.

    The function names the role by its ARN, which orders it after the role already; an explicit
    DependsOn would be redundant (cfn-lint W3005).
    """
    return iam.Role.from_role_arn(scope, "FunctionRole", role.role_arn, mutable=False)
