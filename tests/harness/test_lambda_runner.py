"""LambdaRunner with throwaway assets: awslambdaric in its own process, held to a real deadline.

Each asset is a single ``index.py`` written into tmp_path; the runner starts AWS's runtime
interface client on it against the local Runtime API, as it does for the synthesized asset.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.lambda_runner import FUNCTION_ARN, FUNCTION_NAME, LambdaRunner
from harness.response_sink import ResponseSink

pytestmark = pytest.mark.slow

TIMEOUT = 2.0


@pytest.fixture(scope="module")
def sink() -> Iterator[ResponseSink]:
    with ResponseSink() as running:
        yield running


def runner_for(tmp_path: Path, sink: ResponseSink, source: str, timeout: float) -> LambdaRunner:
    asset = tmp_path / "asset"
    asset.mkdir()
    (asset / "index.py").write_text(textwrap.dedent(source))
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
