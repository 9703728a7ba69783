"""WarmRunner.for_template: the warm workers get the environment the template gives the function,
and a template that would give it another is refused (the workers are forked once)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

import proxy_contract as contract
from bench.warm_runner import WarmRunner
from harness.dynamodb import DYNAMODB_ENDPOINT_ENV_VAR, DynamoDBServer
from harness.lifecycle import LifecycleError
from harness.response_sink import ResponseSink

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
    },
}
# The provider's function as a ProxySession stack declares it: its claim table by Ref.
TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Claims": CLAIMS,
        "Handler": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Handler": "index.handler",
                "Environment": {
                    "Variables": {
                        contract.CLAIM_TABLE_VARIABLE: {"Ref": "Claims"},
                        contract.FUNCTION_ROLE_ARN_VARIABLE: "arn:aws:iam::123456789012:role/R",
                    }
                },
            },
        },
    }
}


def _runner(
    tmp_path: Path, sink: ResponseSink, dynamodb: DynamoDBServer, **options: Any
) -> WarmRunner:
    return WarmRunner.for_template(
        TEMPLATE,
        asset_dir=tmp_path,
        endpoint_url="http://127.0.0.1:9",
        sink=sink,
        dynamodb=dynamodb,
        workers=1,
        workdir=tmp_path,
        **options,
    )


def test_the_workers_get_the_template_s_claim_table(
    tmp_path: Path, sink: ResponseSink, dynamodb: DynamoDBServer
) -> None:
    runner = _runner(tmp_path, sink, dynamodb)
    table = runner.tables["Claims"]
    assert table.startswith("Bench-Claims-")
    assert runner.claim_table == table
    assert dynamodb.items(table) == []  # created in moto
    assert runner.env[DYNAMODB_ENDPOINT_ENV_VAR] == dynamodb.endpoint_url
    assert runner.env[contract.FUNCTION_ROLE_ARN_VARIABLE] == "arn:aws:iam::123456789012:role/R"
    # A proxy in front of moto (the call counter) takes the endpoint's place.
    counted = _runner(tmp_path, sink, dynamodb, dynamodb_endpoint_url="http://127.0.0.1:8")
    assert counted.env[DYNAMODB_ENDPOINT_ENV_VAR] == "http://127.0.0.1:8"
    assert counted.claim_table not in (None, table)  # a stack of its own


def test_a_template_that_changes_the_environment_is_refused(
    tmp_path: Path, sink: ResponseSink, dynamodb: DynamoDBServer
) -> None:
    runner = _runner(tmp_path, sink, dynamodb)
    runner.use_template(TEMPLATE)  # the same environment: nothing to do

    another_table = copy.deepcopy(TEMPLATE)
    another_table["Resources"]["Other"] = CLAIMS
    with pytest.raises(LifecycleError, match=r"declares the table\(s\) \['Other'\]"):
        runner.use_template(another_table)

    another_role = copy.deepcopy(TEMPLATE)
    variables = another_role["Resources"]["Handler"]["Properties"]["Environment"]["Variables"]
    variables[contract.FUNCTION_ROLE_ARN_VARIABLE] = "arn:aws:iam::123456789012:role/Other"
    with pytest.raises(LifecycleError, match=contract.FUNCTION_ROLE_ARN_VARIABLE):
        runner.use_template(another_role)


def test_a_template_without_the_function_is_refused(
    tmp_path: Path, sink: ResponseSink, dynamodb: DynamoDBServer
) -> None:
    with pytest.raises(LifecycleError, match="has no handler function"):
        WarmRunner.for_template(
            {"Resources": {"Claims": CLAIMS}},
            asset_dir=tmp_path,
            endpoint_url="http://127.0.0.1:9",
            sink=sink,
            dynamodb=dynamodb,
            workers=1,
            workdir=tmp_path,
        )
