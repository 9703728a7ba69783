"""The DynamoDB call counter: a proxy in front of moto that forwards unchanged and counts."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest
from botocore.config import Config

from bench.dynamodb_calls import DynamoDBCall, DynamoDBCallCounter, by_operation
from harness.dynamodb import DynamoDBServer

TABLE: dict[str, Any] = {
    "KeySchema": [{"AttributeName": "Resource", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "Resource", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def test_calls_are_forwarded_unchanged_and_counted_by_operation_and_status(
    dynamodb: DynamoDBServer,
) -> None:
    server = dynamodb
    # moto's state is the process's: a table of this test's own.
    table = server.create_table(TABLE, name=f"claims-{uuid.uuid4().hex}")
    with DynamoDBCallCounter(server.endpoint_url) as counter:
        client = boto3.client(
            "dynamodb",
            endpoint_url=counter.endpoint_url,
            config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
        )
        claim: dict[str, Any] = {
            "TableName": table,
            "Item": {"Resource": {"S": "Bench/Line"}},
            "ConditionExpression": "attribute_not_exists(#r)",
            "ExpressionAttributeNames": {"#r": "Resource"},
        }
        client.put_item(**claim)
        # The losing conditional write reaches the client as moto answered it.
        with pytest.raises(client.exceptions.ConditionalCheckFailedException):
            client.put_item(**claim)
        found = client.get_item(TableName=table, Key={"Resource": {"S": "Bench/Line"}})
        assert found["Item"] == {"Resource": {"S": "Bench/Line"}}
        calls = counter.calls
    assert calls == [
        DynamoDBCall("PutItem", 200),
        DynamoDBCall("PutItem", 400),
        DynamoDBCall("GetItem", 200),
    ]
    assert by_operation(calls) == {"PutItem -> 200": 1, "PutItem -> 400": 1, "GetItem -> 200": 1}
    # The table the server made directly was not counted: only what went through the proxy.
    assert server.items(table) == [{"Resource": "Bench/Line"}]


def test_the_counter_needs_an_http_upstream_and_to_be_running() -> None:
    with pytest.raises(ValueError, match="is not an http://host:port endpoint"):
        DynamoDBCallCounter("https://dynamodb.us-east-1.amazonaws.com")
    counter = DynamoDBCallCounter("http://127.0.0.1:9")
    with pytest.raises(RuntimeError, match="not running"):
        _ = counter.endpoint_url
