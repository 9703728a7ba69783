"""The claim table: the DynamoDB table where the function claims each Create of a resource that
creates something (a proxy configuration, a session) before it calls the API, so that a request
delivered twice creates once. One per stack, added by its provider on first use
(``ProxySessionProvider.use_claims``).
"""

from __future__ import annotations

from typing import Final

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from .contract import contract

TABLE_ID: Final = "Claims"
# What the function needs of the table's customer key for item reads and writes: DynamoDB decrypts
# the table key with the caller's credentials (KMS Decrypt, cached five minutes) and makes and
# wraps its data keys itself, through its own grant on the key. Not Table.grant*()'s Encrypt,
# ReEncrypt* and GenerateDataKey*, which no item call makes as the caller.
KEY_ACTIONS: Final = ("kms:Decrypt",)
# cdk-nag's rules asking every DynamoDB table to be in an AWS Backup plan, by pack.
BACKUP_PLAN_RULES: Final = (
    "HIPAA.Security::HIPAA.Security-DynamoDBInBackupPlan",
    "NIST.800.53.R4::NIST.800.53.R4-DynamoDBInBackupPlan",
    "NIST.800.53.R5::NIST.800.53.R5-DynamoDBInBackupPlan",
)
BACKUP_PLAN_REASON: Final = (
    "The claim table holds only this stack's records of its own Create requests, which matter "
    "while CloudFormation may still deliver those requests (hours) and then expire; point-in-time "
    "recovery is on for an accidental loss, and a backup plan would keep copies no request reads."
)


def add_claim_table(
    scope: Construct,
    *,
    key: kms.IKey | None,
    policy: iam.ManagedPolicy,
    function: lambda_.Function,
) -> dynamodb.Table:
    """Add the claim table to ``scope``; allow ``function`` (through ``policy``) its item actions on
    it, and ``kms:Decrypt`` on ``key`` if given; give the function its name.

    On-demand, point-in-time recovery, TTL on ``ExpiresAt``, DynamoDB's AWS owned key (or ``key``),
    a name CloudFormation generates, deleted with the stack: a claim is keyed by its stack's id and
    names that stack's requests, so once the stack is gone nothing can read it again.
    """
    table = dynamodb.Table(
        scope,
        TABLE_ID,
        partition_key=dynamodb.Attribute(
            name=contract.CLAIM_PARTITION_KEY, type=dynamodb.AttributeType.STRING
        ),
        sort_key=dynamodb.Attribute(
            name=contract.CLAIM_SORT_KEY, type=dynamodb.AttributeType.STRING
        ),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        time_to_live_attribute=contract.CLAIM_TTL_ATTRIBUTE,
        encryption=(
            dynamodb.TableEncryption.DEFAULT
            if key is None
            else dynamodb.TableEncryption.CUSTOMER_MANAGED
        ),
        encryption_key=key,
        removal_policy=RemovalPolicy.DESTROY,
    )
    # Not table.grant*(): the function's role takes no policy updates, and those grants include
    # Scan, the index ARNs and wildcard KMS actions besides.
    policy.add_statements(
        iam.PolicyStatement(actions=list(contract.CLAIM_ACTIONS), resources=[table.table_arn])
    )
    if key is not None:
        policy.add_statements(
            iam.PolicyStatement(actions=list(KEY_ACTIONS), resources=[key.key_arn])
        )
    for rule in BACKUP_PLAN_RULES:
        # Shipped with the construct and listed in the README's Compliance section.
        Validations.of(table).acknowledge(Acknowledgment(id=rule, reason=BACKUP_PLAN_REASON))
    function.add_environment(contract.CLAIM_TABLE_VARIABLE, table.table_name)
    return table
