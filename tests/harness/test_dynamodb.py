"""moto's DynamoDB server: lifecycle, reset, tables from a template, items, and no network."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

import proxy_contract as contract
from harness.cfn_template import TemplateError
from harness.dynamodb import DynamoDBServer

# The claim table as the CDK's aws_dynamodb.Table synthesizes it (the provider's declaration).
CLAIMS: dict[str, Any] = {
    "Type": "AWS::DynamoDB::Table",
    "Properties": {
        "AttributeDefinitions": [
            {"AttributeName": contract.CLAIM_PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": contract.CLAIM_SORT_KEY, "AttributeType": "S"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [
            {"AttributeName": contract.CLAIM_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": contract.CLAIM_SORT_KEY, "KeyType": "RANGE"},
        ],
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "TimeToLiveSpecification": {
            "AttributeName": contract.CLAIM_TTL_ATTRIBUTE,
            "Enabled": True,
        },
    },
    "UpdateReplacePolicy": "Retain",
    "DeletionPolicy": "Retain",
}
KEY = {contract.CLAIM_PARTITION_KEY: "stack/Line", contract.CLAIM_SORT_KEY: "request-1"}


@pytest.fixture(scope="module")
def server() -> Iterator[DynamoDBServer]:
    with DynamoDBServer() as running:
        yield running
    assert not running.running


@pytest.fixture
def db(server: DynamoDBServer) -> DynamoDBServer:
    server.reset()
    return server


@pytest.fixture
def claims(db: DynamoDBServer) -> str:
    return db.create_tables({"Resources": {"Claims": CLAIMS}})["Claims"]


def test_start_and_stop_are_idempotent_and_free_the_port() -> None:
    server = DynamoDBServer()
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.endpoint_url
    assert server.start() is server.start()
    port = server.port
    assert server.endpoint_url == f"http://127.0.0.1:{port}"
    # moto's state is the process's: other modules' tables may be there too (more than the
    # 100 names ListTables answers on a page), so the table is described by name.
    name = server.create_table(CLAIMS["Properties"], name=f"probe-{port}")
    assert server.client().describe_table(TableName=name)["Table"]["TableName"] == name
    server.stop()
    server.stop()
    assert not server.running
    # The listening socket is closed: the port can be bound again at once.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


def test_reset_forgets_every_table(db: DynamoDBServer, claims: str) -> None:
    db.put_item(claims, KEY)
    assert db.client().list_tables()["TableNames"] == [claims]
    db.reset()
    assert db.client().list_tables()["TableNames"] == []


def test_a_template_s_table_has_its_key_schema_billing_ttl_and_recovery(
    db: DynamoDBServer,
) -> None:
    template = {
        "Resources": {
            "Claims": CLAIMS,
            "Named": {**CLAIMS, "Properties": {**CLAIMS["Properties"], "TableName": "named"}},
            "Handler": {"Type": "AWS::Lambda::Function", "Properties": {}},
        }
    }
    tables = db.create_tables(template, stack_name="Demo")
    assert set(tables) == {"Claims", "Named"}
    assert tables["Named"] == "named"
    assert tables["Claims"].startswith("Demo-Claims-")
    client = db.client()
    for name in tables.values():
        table = client.describe_table(TableName=name)["Table"]
        assert table["KeySchema"] == CLAIMS["Properties"]["KeySchema"]
        assert sorted(table["AttributeDefinitions"], key=str) == sorted(
            CLAIMS["Properties"]["AttributeDefinitions"], key=str
        )
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ExpiresAt"}
        backups = client.describe_continuous_backups(TableName=name)
        recovery = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        assert recovery["PointInTimeRecoveryStatus"] == "ENABLED"
    # Another stack from the same template gets tables of its own (but not a second "named").
    again = db.create_tables({"Resources": {"Claims": CLAIMS}}, stack_name="Demo")
    assert again["Claims"] != tables["Claims"]
    with pytest.raises(ClientError, match="Table already exists: named"):
        db.create_tables(template, stack_name="Demo")


def test_a_table_without_ttl_or_recovery_declared_has_neither(db: DynamoDBServer) -> None:
    properties = {
        key: value
        for key, value in CLAIMS["Properties"].items()
        if key not in ("TimeToLiveSpecification", "PointInTimeRecoverySpecification")
    }
    name = db.create_table(properties, name="plain")
    client = db.client()
    ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "DISABLED"
    backups = client.describe_continuous_backups(TableName=name)
    recovery = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert recovery["PointInTimeRecoveryStatus"] == "DISABLED"


def test_indexes_and_streams_are_created_as_declared(db: DynamoDBServer) -> None:
    properties = {
        **CLAIMS["Properties"],
        "AttributeDefinitions": [
            *CLAIMS["Properties"]["AttributeDefinitions"],
            {"AttributeName": "Owner", "AttributeType": "S"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "ByOwner",
                "KeySchema": [{"AttributeName": "Owner", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "ContributorInsightsSpecification": {"Enabled": False},
            }
        ],
        "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
        "ContributorInsightsSpecification": {"Enabled": True},
    }
    table = db.client().describe_table(TableName=db.create_table(properties, name="indexed"))
    assert [index["IndexName"] for index in table["Table"]["GlobalSecondaryIndexes"]] == ["ByOwner"]
    assert table["Table"]["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_IMAGE",
    }


def test_a_customer_managed_key_encrypts_the_table_by_its_stand_in_arn(
    db: DynamoDBServer,
) -> None:
    encrypted = {
        **CLAIMS,
        "Properties": {
            **CLAIMS["Properties"],
            "SSESpecification": {
                "SSEEnabled": True,
                "SSEType": "KMS",
                "KMSMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
            },
        },
    }
    template = {"Resources": {"Claims": encrypted, "Key": {"Type": "AWS::KMS::Key"}}}
    name = db.create_tables(template)["Claims"]
    sse = db.client().describe_table(TableName=name)["Table"]["SSEDescription"]
    assert sse["Status"] == "ENABLED"
    assert sse["SSEType"] == "KMS"
    assert sse["KMSMasterKeyArn"].startswith("arn:aws:kms:us-east-1:123456789012:key/")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ImportSourceSpecification": {}}, r"does not model \['ImportSourceSpecification'\]"),
        ({"TableName": {"Ref": "AWS::StackName"}}, "TableName .* is not a literal name"),
        (
            {"SSESpecification": {"SSEEnabled": True, "KMSMasterKeyId": {"Ref": "Key"}}},
            r"SSESpecification\.KMSMasterKeyId: no resource 'Key'",
        ),
    ],
)
def test_what_the_harness_does_not_model_is_refused(
    db: DynamoDBServer, change: dict[str, Any], message: str
) -> None:
    table = {**CLAIMS, "Properties": {**CLAIMS["Properties"], **change}}
    with pytest.raises(TemplateError, match=message):
        db.create_tables({"Resources": {"Claims": table}})
    assert db.client().list_tables()["TableNames"] == []


def test_items_round_trip_in_key_order_plain_or_raw(db: DynamoDBServer, claims: str) -> None:
    later = {**KEY, contract.CLAIM_SORT_KEY: "request-2"}
    db.put_item(claims, {**later, "State": "claimed", "Lease": 1_700_000_000, "Share": 0.5})
    db.put_item(claims, {**KEY, "State": "made", "Data": {"Id": "s-1"}, "Facts": ["a"]})
    assert db.items(claims) == [
        {**KEY, "State": "made", "Data": {"Id": "s-1"}, "Facts": ["a"]},
        {**later, "State": "claimed", "Lease": 1_700_000_000, "Share": 0.5},
    ]
    raw = db.items(claims, raw=True)
    assert raw[1]["Lease"] == {"N": "1700000000"}
    assert raw[0]["Data"] == {"M": {"Id": {"S": "s-1"}}}


def test_a_hand_edited_claim_is_written_as_given(db: DynamoDBServer, claims: str) -> None:
    db.put_item(claims, {**KEY, "State": "made", "Lease": 5, "PhysicalId": "p"})
    after = db.update_item(
        claims,
        KEY,
        set_attributes={"State": 42, contract.CLAIM_TTL_ATTRIBUTE: "not a number"},
        remove_attributes=["PhysicalId"],
    )
    expected = {**KEY, "State": 42, "Lease": 5, contract.CLAIM_TTL_ATTRIBUTE: "not a number"}
    assert after == expected
    assert db.items(claims) == [expected]
    # Raw AttributeValues write what the serializer never would, e.g. a string set.
    db.put_item(claims, {**db.items(claims, raw=True)[0], "Owner": {"SS": ["a", "b"]}}, raw=True)
    assert db.items(claims)[0]["Owner"] == {"a", "b"}
    with pytest.raises(ValueError, match="needs set_attributes or remove_attributes"):
        db.update_item(claims, KEY)


def test_the_handler_s_conditional_write_behaves_as_dynamodb_s(
    db: DynamoDBServer, claims: str
) -> None:
    """An unmodified boto3 client at the endpoint (as the handler's is) gets DynamoDB's answers."""
    client = boto3.client("dynamodb", endpoint_url=db.endpoint_url, region_name="us-east-1")
    item = {name: {"S": value} for name, value in KEY.items()}
    # "Resource" is one of DynamoDB's reserved words: an expression must name it by placeholder.
    with pytest.raises(ClientError, match="reserved keyword: Resource"):
        client.put_item(
            TableName=claims, Item=item, ConditionExpression="attribute_not_exists(Resource)"
        )
    names = {"#key": contract.CLAIM_PARTITION_KEY}
    condition = "attribute_not_exists(#key)"
    client.put_item(
        TableName=claims, Item=item, ConditionExpression=condition, ExpressionAttributeNames=names
    )
    with pytest.raises(ClientError) as raised:
        client.put_item(
            TableName=claims,
            Item=item,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
        )
    assert raised.value.response["Error"]["Code"] == "ConditionalCheckFailedException"


def test_it_never_reaches_the_network_and_prints_nothing(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    reached: list[Any] = []
    connect, getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def loopback_only(sock: socket.socket, address: Any) -> None:
        if address[0] not in ("127.0.0.1", "::1"):
            reached.append(address)
            raise OSError(f"the test refused a connection to {address}")
        connect(sock, address)

    def local_names_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", "::1", None):
            reached.append(host)
            raise OSError(f"the test refused to resolve {host}")
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    monkeypatch.setattr(socket, "getaddrinfo", local_names_only)
    with DynamoDBServer() as server:
        name = server.create_tables({"Resources": {"Claims": CLAIMS}})["Claims"]
        server.put_item(name, KEY)
        assert server.items(name) == [KEY]
        server.reset()
    assert reached == []
    assert capfd.readouterr() == ("", "")
