"""LambdaRunner with throwaway assets: awslambdaric in its own process, held to a real deadline.

Each asset is a single ``index.py`` written into tmp_path; the runner starts AWS's runtime
interface client on it against the local Runtime API, as it does for the synthesized asset.
"""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import proxy_contract as contract
from harness.cfn_template import TemplateError
from harness.dynamodb import DynamoDBServer
from harness.lambda_runner import FUNCTION_ARN, FUNCTION_NAME, LambdaRunner
from harness.response_sink import ResponseSink
from harness.synth import Assembly

pytestmark = pytest.mark.slow

TIMEOUT = 2.0


@pytest.fixture(scope="module")
def sink() -> Iterator[ResponseSink]:
    with ResponseSink() as running:
        yield running


def write_asset(tmp_path: Path, source: str) -> Path:
    asset = tmp_path / "asset"
    asset.mkdir()
    (asset / "index.py").write_text(textwrap.dedent(source))
    return asset


def runner_for(tmp_path: Path, sink: ResponseSink, source: str, timeout: float) -> LambdaRunner:
    asset = write_asset(tmp_path, source)
    return LambdaRunner(
        asset, endpoint_url="http://127.0.0.1:9", sink=sink, timeout_seconds=timeout
    )


def request(sink: ResponseSink, key: str) -> dict[str, object]:
    return {"RequestType": "Create", "ResponseURL": sink.url_for(key), "RequestId": key}


def printed(logs: str, name: str) -> str:
    """The value the handler printed as ``name=value``."""
    match = re.search(rf"^{name}=(.*)$", logs, re.MULTILINE)
    assert match is not None, logs
    return match.group(1)


# Sleeps past the deadline, then answers CloudFormation: only the deadline can stop the answer.
IGNORES_ITS_DEADLINE = """
    import json, os, ssl, time, urllib.request

    def handler(event, context):
        print(f"pid={os.getpid()}", flush=True)
        time.sleep(context.get_remaining_time_in_millis() / 1000 + 1.5)
        body = json.dumps({"Status": "SUCCESS", "PhysicalResourceId": "late"}).encode()
        put = urllib.request.Request(event["ResponseURL"], data=body, method="PUT")
        urllib.request.urlopen(put, context=ssl.create_default_context(), timeout=5)
"""


def test_a_handler_past_its_deadline_is_timed_out_and_killed(
    tmp_path: Path, sink: ResponseSink
) -> None:
    runner = runner_for(tmp_path, sink, IGNORES_ITS_DEADLINE, TIMEOUT)
    invocation = runner.invoke(request(sink, "late"), "late")
    assert invocation.outcome == "timeout"
    assert invocation.timed_out
    assert invocation.error is not None
    assert invocation.error["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in invocation.error["errorMessage"]
    assert "Task timed out after 2.00 seconds" in invocation.logs
    assert invocation.duration_seconds is not None
    assert TIMEOUT <= invocation.duration_seconds < TIMEOUT + 1.0
    # Killed at the deadline: SIGKILL, the process is gone, and CloudFormation heard nothing.
    assert invocation.exit_code == -signal.SIGKILL
    with pytest.raises(ProcessLookupError):
        os.kill(int(printed(invocation.logs, "pid")), 0)
    assert invocation.response is None
    assert sink.responses("late") == []


def test_the_handler_sees_the_configured_deadline(tmp_path: Path, sink: ResponseSink) -> None:
    source = """
        def handler(event, context):
            print(f"remaining={context.get_remaining_time_in_millis()}")
            print(f"function_name={context.function_name}")
            print(f"memory={context.memory_limit_in_mb}")
            print(f"arn={context.invoked_function_arn}")
            print(f"log_group={context.log_group_name}")
            return {"ok": True}
    """
    timeout = 5.0
    invocation = runner_for(tmp_path, sink, source, timeout).invoke(request(sink, "ctx"), "ctx")
    assert invocation.outcome == "response", invocation.logs
    remaining = int(printed(invocation.logs, "remaining"))
    assert timeout * 1000 - 1500 < remaining <= timeout * 1000
    assert printed(invocation.logs, "function_name") == FUNCTION_NAME
    assert printed(invocation.logs, "memory") == "256"
    assert printed(invocation.logs, "arn") == FUNCTION_ARN
    assert printed(invocation.logs, "log_group") == f"/aws/lambda/{FUNCTION_NAME}"
    # After its answer the runtime waits for the next invocation; the runner stops it.
    assert invocation.exit_code == -signal.SIGTERM
    assert invocation.response is None  # this handler does not answer CloudFormation


def test_an_import_failure_is_reported_through_init_error(
    tmp_path: Path, sink: ResponseSink
) -> None:
    source = """
        import crhelper  # not in the asset, and the runtime does not provide it

        def handler(event, context):
            return None
    """
    invocation = runner_for(tmp_path, sink, source, TIMEOUT).invoke(request(sink, "imp"), "imp")
    assert invocation.outcome == "init_error"
    assert invocation.error is not None
    assert invocation.error["errorType"] == "Runtime.ImportModuleError"
    assert "No module named 'crhelper'" in invocation.error["errorMessage"]
    assert "No module named 'crhelper'" in invocation.summary
    assert invocation.exit_code == 1
    assert invocation.response is None


def test_a_runtime_that_exits_mid_invocation_is_an_exit_error(
    tmp_path: Path, sink: ResponseSink
) -> None:
    source = """
        import os

        def handler(event, context):
            os._exit(3)
    """
    invocation = runner_for(tmp_path, sink, source, TIMEOUT).invoke(request(sink, "exit"), "exit")
    assert invocation.outcome == "exited"
    assert invocation.exit_code == 3
    assert invocation.error is not None
    assert invocation.error["errorType"] == "Runtime.ExitError"
    assert "Runtime exited with error: exit status 3" in invocation.logs


def test_the_path_holds_only_the_asset_boto3_and_the_runtime_client(
    tmp_path: Path, sink: ResponseSink
) -> None:
    source = """
        import json, sys

        def handler(event, context):
            print("path=" + json.dumps(sys.path))
    """
    runner = runner_for(tmp_path, sink, source, TIMEOUT)
    invocation = runner.invoke(request(sink, "path"), "path")
    path = json.loads(printed(invocation.logs, "path"))
    assert path[:3] == [str(runner.asset_dir), str(runner.runtime_dir), str(runner.client_dir)]
    assert all(entry.startswith(sys.base_prefix) for entry in path[3:]), path
    client = sorted(entry.name for entry in runner.client_dir.iterdir())
    assert {"awslambdaric", "simplejson", "snapshot_restore_py.py"} <= set(client)
    assert any(name.startswith("runtime_client.") for name in client)
    runtime = {entry.name for entry in runner.runtime_dir.iterdir()}
    assert {"boto3", "botocore"} <= runtime
    assert not runtime & {"awslambdaric", "crhelper", "simplejson"}


# Crashes on its first delivery (the marker file does not exist yet), answers on the next; a
# "Silent" event never answers.
CRASHES_ONCE = """
    import json, os, pathlib, ssl, urllib.request

    def handler(event, context):
        print(f"request_id={context.aws_request_id}", flush=True)
        if event.get("Silent"):
            return
        marker = pathlib.Path(event["Marker"])
        if not marker.exists():
            marker.write_text(context.aws_request_id)
            os._exit(3)
        body = json.dumps({"Status": "SUCCESS", "PhysicalResourceId": context.aws_request_id})
        put = urllib.request.Request(event["ResponseURL"], data=body.encode(), method="PUT")
        urllib.request.urlopen(put, context=ssl.create_default_context(), timeout=5)
"""


def test_a_redelivery_runs_the_event_again_under_the_same_request_id(
    tmp_path: Path, sink: ResponseSink
) -> None:
    runner = runner_for(tmp_path, sink, CRASHES_ONCE, TIMEOUT)
    event = {**request(sink, "retry"), "Marker": str(tmp_path / "delivered")}

    first = runner.invoke(event, "retry")
    assert (first.outcome, first.exit_code, first.response) == ("exited", 3, None)
    assert printed(first.logs, "request_id") == first.request_id
    assert (tmp_path / "delivered").read_text() == first.request_id

    retried = runner.redeliver(first)
    assert retried.outcome == "response", retried.logs
    assert retried.request_id == first.request_id
    assert printed(retried.logs, "request_id") == first.request_id
    assert f"REPORT RequestId: {first.request_id}" in retried.logs
    assert retried.response == {"Status": "SUCCESS", "PhysicalResourceId": first.request_id}

    # A new invocation (not a retry) gets a fresh id; one given explicitly is used as it is.
    fresh = runner.invoke(event, "retry")
    assert fresh.request_id not in ("", first.request_id)
    assert fresh.response == {"Status": "SUCCESS", "PhysicalResourceId": fresh.request_id}
    chosen = runner.invoke(event, "retry", request_id="5c1e7a55-0000-4000-8000-000000000001")
    assert printed(chosen.logs, "request_id") == "5c1e7a55-0000-4000-8000-000000000001"
    # An invocation's response is what CloudFormation received during it, never an earlier one.
    silent = runner.invoke({**event, "Silent": True}, "retry")
    assert silent.outcome == "response"
    assert silent.response is None
    assert len(sink.responses("retry")) == 3


# Writes a claim-like item to the table the template names, through AWS_ENDPOINT_URL_DYNAMODB.
WRITES_TO_ITS_TABLE = f"""
    import os, boto3

    def handler(event, context):
        boto3.client("dynamodb").put_item(
            TableName=os.environ["{contract.CLAIM_TABLE_VARIABLE}"],
            Item={{
                "{contract.CLAIM_PARTITION_KEY}": {{"S": event["Resource"]}},
                "{contract.CLAIM_SORT_KEY}": {{"S": context.aws_request_id}},
                "Role": {{"S": os.environ["{contract.FUNCTION_ROLE_ARN_VARIABLE}"]}},
            }},
        )
"""


def assembly_of(asset: Path, resources: dict[str, Any]) -> Assembly:
    """A cloud assembly of the stack ``Demo`` with ``resources``, its function's code ``asset``."""
    return Assembly(
        outdir=asset.parent,
        stack_name="Demo",
        template={"Resources": resources},
        template_path=asset.parent / "Demo.template.json",
        asset_dir=asset,
        asset_hash="0" * 64,
    )


def claim_stack(asset: Path) -> Assembly:
    key = [contract.CLAIM_PARTITION_KEY, contract.CLAIM_SORT_KEY]
    table = {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "KeySchema": [
                {"AttributeName": key[0], "KeyType": "HASH"},
                {"AttributeName": key[1], "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": [{"AttributeName": k, "AttributeType": "S"} for k in key],
            "BillingMode": "PAY_PER_REQUEST",
            "TimeToLiveSpecification": {
                "AttributeName": contract.CLAIM_TTL_ATTRIBUTE,
                "Enabled": True,
            },
        },
    }
    function = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Handler": "index.handler",
            "Environment": {
                "Variables": {
                    contract.CLAIM_TABLE_VARIABLE: {"Ref": "Claims"},
                    contract.FUNCTION_ROLE_ARN_VARIABLE: {"Fn::GetAtt": ["Role", "Arn"]},
                }
            },
        },
    }
    role = {"Type": "AWS::IAM::Role", "Properties": {}}
    return assembly_of(asset, {"Claims": table, "Handler": function, "Role": role})


def test_a_runner_for_an_assembly_runs_with_its_template_s_table(
    tmp_path: Path, sink: ResponseSink
) -> None:
    assembly = claim_stack(write_asset(tmp_path, WRITES_TO_ITS_TABLE))
    with DynamoDBServer() as dynamodb:
        dynamodb.reset()
        runner = LambdaRunner.for_assembly(
            assembly, endpoint_url="http://127.0.0.1:9", sink=sink, dynamodb=dynamodb
        )
        assert list(runner.tables) == ["Claims"]
        table = runner.tables["Claims"]
        assert runner.claim_table == table
        assert table.startswith("Demo-Claims-")
        assert runner.env["AWS_ENDPOINT_URL_DYNAMODB"] == dynamodb.endpoint_url

        invocation = runner.invoke({**request(sink, "claim"), "Resource": "Demo/Line"}, "claim")
        assert invocation.outcome == "response", invocation.logs
        assert dynamodb.items(table) == [
            {
                contract.CLAIM_PARTITION_KEY: "Demo/Line",
                contract.CLAIM_SORT_KEY: invocation.request_id,
                "Role": "arn:aws:iam::123456789012:role/Demo-Role",
            }
        ]
        # extra_env wins over the template's variables.
        overridden = LambdaRunner.for_assembly(
            assembly,
            endpoint_url="http://127.0.0.1:9",
            sink=sink,
            dynamodb=dynamodb,
            extra_env={contract.FUNCTION_ROLE_ARN_VARIABLE: "arn:aws:iam::1:role/Mine"},
        )
        assert overridden.env[contract.FUNCTION_ROLE_ARN_VARIABLE] == "arn:aws:iam::1:role/Mine"
        assert overridden.claim_table not in (None, table)  # a stack of its own


def test_a_template_with_a_table_needs_the_dynamodb_server(
    tmp_path: Path, sink: ResponseSink
) -> None:
    assembly = claim_stack(write_asset(tmp_path, WRITES_TO_ITS_TABLE))
    with pytest.raises(TemplateError, match=r"declares the DynamoDB table\(s\) \['Claims'\]"):
        LambdaRunner.for_assembly(assembly, endpoint_url="http://127.0.0.1:9", sink=sink)
    # Without a table (as before the provider declares one) it runs without DynamoDB.
    tableless = copy.deepcopy(assembly.template["Resources"])
    del tableless["Claims"]
    del tableless["Handler"]["Properties"]["Environment"]["Variables"][
        contract.CLAIM_TABLE_VARIABLE
    ]
    runner = LambdaRunner.for_assembly(
        assembly_of(assembly.asset_dir, tableless), endpoint_url="http://127.0.0.1:9", sink=sink
    )
    assert (runner.tables, runner.claim_table) == ({}, None)
    assert "AWS_ENDPOINT_URL_DYNAMODB" not in runner.env
    assert runner.env[contract.FUNCTION_ROLE_ARN_VARIABLE].endswith(":role/Demo-Role")


def test_the_environment_follows_the_template_each_deploy_gives(
    tmp_path: Path, sink: ResponseSink
) -> None:
    with_table = claim_stack(write_asset(tmp_path, WRITES_TO_ITS_TABLE))
    resources = copy.deepcopy(with_table.template["Resources"])
    del resources["Claims"]
    del resources["Handler"]["Properties"]["Environment"]["Variables"][
        contract.CLAIM_TABLE_VARIABLE
    ]
    with DynamoDBServer() as dynamodb:
        dynamodb.reset()
        runner = LambdaRunner.for_assembly(
            assembly_of(with_table.asset_dir, resources),
            endpoint_url="http://127.0.0.1:9",
            sink=sink,
            dynamodb=dynamodb,
            extra_env={"MINE": "kept"},
        )
        assert (runner.tables, runner.claim_table) == ({}, None)
        # An update that adds the claim table: created, and named in the function's environment.
        runner.use_template(with_table.template)
        table = runner.tables["Claims"]
        assert runner.claim_table == table
        assert dynamodb.client().list_tables()["TableNames"] == [table]
        assert runner.env["MINE"] == "kept"
        # The next deploy keeps the table the stack has.
        runner.use_template(with_table.template)
        assert runner.tables == {"Claims": table}
        # A hand-made template without the function changes nothing.
        runner.use_template({"Resources": {}})
        assert runner.claim_table == table
    # A runner not made from a template keeps the environment it was given.
    plain = LambdaRunner(with_table.asset_dir, endpoint_url="http://127.0.0.1:9", sink=sink)
    before = dict(plain.env)
    plain.use_template(with_table.template)
    assert (plain.env, plain.tables) == (before, {})
