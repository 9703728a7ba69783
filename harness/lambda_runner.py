"""Runs the synthesized Lambda asset the way the Lambda Python runtime does, one cold start each.

Each invocation gets a fresh process running AWS's runtime interface client (awslambdaric, what
the Python base images run) through ``lambda_bootstrap.py``, talking to its own local Runtime API
(``harness.runtime_api``). The Runtime API hands the event out with a real deadline and kills the
process when the handler runs past it, as Lambda does. The process sees only the asset, a folder
of boto3 and its dependencies (what the Lambda runtime provides) and a folder of the runtime client
and its dependencies, both linked from this environment, plus the environment variables Lambda
sets. Its handler reaches the emulator through ``AWS_ENDPOINT_URL_CHIME_SDK_VOICE`` and answers
CloudFormation at the ``ResponseSink``.

``LambdaRunner.for_assembly`` gives the process the environment the synthesized template gives
the function: its ``Environment.Variables`` resolved (``harness.cfn_template``), the DynamoDB
tables the template declares created in moto (``harness.dynamodb``) and the function pointed at
them through ``AWS_ENDPOINT_URL_DYNAMODB``. ``redeliver`` runs an invocation again under the same
Lambda request id, as Lambda retries an asynchronous invocation after an error, crash or timeout.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import proxy_contract as contract
from harness.cfn_template import HANDLER, TABLE_TYPE, TemplateError, function_environment
from harness.dynamodb import DYNAMODB_ENDPOINT_ENV_VAR, DynamoDBServer
from harness.response_sink import ResponseSink
from harness.runtime_api import INIT_TIMEOUT_SECONDS, InvocationRecord, RuntimeApi
from harness.synth import Assembly

BOOTSTRAP = Path(__file__).resolve().parent / "lambda_bootstrap.py"
FUNCTION_NAME = "ChimeProxySessionProvider-Handler"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION_NAME}"
# What the construct configures (constructs/chime_proxy_session/provider.py).
MEMORY_SIZE_MB = 256
# What the Lambda Python runtime provides besides the standard library.
RUNTIME_DISTRIBUTIONS = (
    "boto3",
    "botocore",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
    "s3transfer",
)
# The runtime interface client and what it imports.
CLIENT_DISTRIBUTIONS = ("awslambdaric", "simplejson", "snapshot-restore-py")
# After a response the process would be frozen; here it is stopped, politely first.
_STOP_GRACE_SECONDS = 5.0

RunOutcome = Literal["response", "error", "init_error", "timeout", "exited"]


def _link_distributions(names: tuple[str, ...], prefix: str) -> Path:
    """A new folder holding only the top-level modules of ``names``, linked from this env."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    for name in names:
        distribution = metadata.distribution(name)
        tops: set[str] = set()
        for entry in distribution.files or []:
            first = Path(str(entry)).parts[0]
            if first.endswith((".dist-info", ".egg-info")) or first in ("..", "__pycache__"):
                continue
            tops.add(first)
        for top in sorted(tops):
            source = Path(str(distribution.locate_file(top)))
            target = folder / top
            if source.exists() and not target.exists():
                target.symlink_to(source)
    return folder


@dataclass(frozen=True)
class _FromTemplate:
    """How ``for_assembly`` set a runner up: what ``use_template`` builds the environment from."""

    stack_name: str
    dynamodb: DynamoDBServer | None
    # The runner's own environment, and the caller's extra_env that comes last.
    base_env: dict[str, str]
    extra_env: dict[str, str]


@dataclass
class Invocation:
    """One handler run: the request, what CloudFormation received, the logs and how it ended.

    ``response`` is the last response CloudFormation received under ``key`` during this
    invocation (None when it sent none). ``exit_code`` is the runtime process's exit status; a
    negative one is the signal that ended it (the runner's SIGTERM after the invocation ended,
    the Runtime API's SIGKILL at the deadline). ``seconds`` is the whole cold start;
    ``init_seconds`` runs to the runtime's first request for an invocation,
    ``duration_seconds`` from hand-out to the answer or the deadline. ``request_id`` is the
    Lambda request id the handler saw (``context.aws_request_id``).
    """

    request: dict[str, Any]
    response: dict[str, Any] | None
    logs: str
    exit_code: int
    seconds: float
    # How the runtime ended the invocation; None where the runner does not observe it.
    outcome: RunOutcome | None = None
    # Lambda's error document for an error, init error, timeout or exit.
    error: dict[str, Any] | None = None
    init_seconds: float | None = None
    duration_seconds: float | None = None
    request_id: str = ""
    # Where the sink files CloudFormation's responses to this request.
    key: str = ""

    @property
    def timed_out(self) -> bool:
        """Whether the handler was stopped at its deadline (or its init at the init limit)."""
        return self.outcome == "timeout"

    @property
    def summary(self) -> str:
        """How the invocation ended, in words, with the process's exit status."""
        status = f"exit code {self.exit_code}"
        if self.outcome is None or self.outcome == "response":
            return status
        error = self.error or {}
        detail = f"{error.get('errorType', '')}: {error.get('errorMessage', '')}".strip(": ")
        return f"{self.outcome.replace('_', ' ')}, {detail}; {status}"


class LambdaRunner:
    """Runs the handler from an asset folder in a fresh process per invocation (a cold start)."""

    def __init__(
        self,
        asset_dir: Path,
        *,
        endpoint_url: str,
        sink: ResponseSink,
        timeout_seconds: float = 120.0,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.asset_dir = asset_dir
        self.sink = sink
        self.timeout_seconds = timeout_seconds
        self.runtime_dir = _link_distributions(RUNTIME_DISTRIBUTIONS, "lambda-runtime-")
        self.client_dir = _link_distributions(CLIENT_DISTRIBUTIONS, "lambda-runtime-client-")
        for folder in (self.runtime_dir, self.client_dir):
            weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_SESSION_TOKEN": "fake-session-token",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info[0]}.{sys.version_info[1]}",
            "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(MEMORY_SIZE_MB),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "LAMBDA_TASK_ROOT": str(asset_dir),
            "LAMBDA_RUNTIME_DIR": str(self.runtime_dir),
            "_HANDLER": HANDLER,
            "AWS_ENDPOINT_URL_CHIME_SDK_VOICE": endpoint_url,
            "SSL_CERT_FILE": sink.ca_file,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.env.update(extra_env or {})
        # The DynamoDB tables made for this function's stack (``for_assembly``), by logical id.
        self.tables: dict[str, str] = {}
        self._from_template: _FromTemplate | None = None

    @classmethod
    def for_assembly(
        cls,
        assembly: Assembly,
        *,
        endpoint_url: str,
        sink: ResponseSink,
        dynamodb: DynamoDBServer | None = None,
        timeout_seconds: float = 120.0,
        extra_env: Mapping[str, str] | None = None,
    ) -> LambdaRunner:
        """A runner of ``assembly``'s asset with the environment its template gives the function.

        Creates the template's DynamoDB tables in ``dynamodb`` (new ones for every runner, as
        for a new stack; ``tables`` names them), resolves the function's
        ``Environment.Variables`` (a ``Ref`` to a table is its name) and points the function at
        ``dynamodb`` through ``AWS_ENDPOINT_URL_DYNAMODB``; ``extra_env`` comes last and wins.
        A template that declares a table needs ``dynamodb``. The environment then follows the
        template each stack operation deploys (``use_template``).
        """
        runner = cls(
            assembly.asset_dir,
            endpoint_url=endpoint_url,
            sink=sink,
            timeout_seconds=timeout_seconds,
        )
        runner._from_template = _FromTemplate(
            assembly.stack_name, dynamodb, dict(runner.env), dict(extra_env or {})
        )
        runner.use_template(assembly.template)
        return runner

    def use_template(self, template: Mapping[str, Any]) -> None:
        """Give the function the environment ``template`` declares for it, as CloudFormation
        updates the function (and creates the tables it names) before the custom resources.

        Creates the template's tables the stack does not have yet and resolves the function's
        variables again. A no-op for a runner not made by ``for_assembly``, and for a template
        without the function (a test's hand-made one).
        """
        setup = self._from_template
        if setup is None:
            return
        if setup.dynamodb is not None:
            self.tables = setup.dynamodb.create_tables(
                template, stack_name=setup.stack_name, existing=self.tables
            )
        else:
            declared = [
                logical_id
                for logical_id, resource in template.get("Resources", {}).items()
                if resource.get("Type") == TABLE_TYPE
            ]
            if declared:
                raise TemplateError(
                    f"{setup.stack_name} declares the DynamoDB table(s) {declared}: pass "
                    "dynamodb=<a running harness.dynamodb.DynamoDBServer> to create them"
                )
        variables = function_environment(
            template, stack_name=setup.stack_name, physical_ids=self.tables
        )
        if variables is None:
            return
        if setup.dynamodb is not None:
            variables[DYNAMODB_ENDPOINT_ENV_VAR] = setup.dynamodb.endpoint_url
        self.env = {**setup.base_env, **variables, **setup.extra_env}

    @property
    def claim_table(self) -> str | None:
        """The name of the function's claim table (its CHIME_PROXY_SESSION_CLAIM_TABLE), if any."""
        return self.env.get(contract.CLAIM_TABLE_VARIABLE)

    def redeliver(self, invocation: Invocation) -> Invocation:
        """Run ``invocation``'s event again under its request id, in a new process.

        What Lambda does after an asynchronous invocation ended in an error, a crash or a
        timeout (up to two retries, the first after about a minute): the same event, the same
        ``context.aws_request_id``. CloudFormation's ResponseURL is the same too.
        """
        return self.invoke(invocation.request, invocation.key, request_id=invocation.request_id)

    def invoke(
        self, request: dict[str, Any], key: str, *, request_id: str | None = None
    ) -> Invocation:
        """Run the handler on ``request``; return what CloudFormation received under ``key``.

        ``request_id`` is the Lambda request id (``context.aws_request_id``), a fresh uuid unless
        given: pass an earlier invocation's to deliver its event again (or call ``redeliver``).
        """
        started = time.monotonic()
        answered_before = len(self.sink.responses(key))
        # Lambda gives init 10 s, then retries it within the invocation under the function's
        # timeout; the harness does not retry, it allows the longer of the two.
        init_limit = max(INIT_TIMEOUT_SECONDS, self.timeout_seconds)
        with (
            tempfile.TemporaryFile() as output,
            RuntimeApi(
                timeout_seconds=self.timeout_seconds,
                function_arn=FUNCTION_ARN,
                init_timeout_seconds=init_limit,
            ) as api,
        ):
            process = subprocess.Popen(  # fixed argv, no shell
                [
                    sys.executable,
                    "-I",
                    "-S",
                    str(BOOTSTRAP),
                    str(self.runtime_dir),
                    str(self.client_dir),
                ],
                env={**self.env, **self._execution_environment(api.address)},
                cwd=self.asset_dir,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            api.on_timeout = process.kill
            record = api.enqueue(json.dumps(request).encode(), request_id=request_id)
            try:
                while not api.wait(record, 0.1) and process.poll() is None:
                    pass
            finally:
                # After an init error awslambdaric exits by itself; otherwise it waits for more.
                _stop(process, exits_by_itself=record.outcome == "init_error")
            output.seek(0)
            logs = output.read().decode(errors="replace")
        responses = self.sink.responses(key)[answered_before:]
        outcome, error = _ending(record, process.returncode)
        if logs and not logs.endswith("\n"):
            logs += "\n"
        logs += _platform_lines(record, outcome, error, api.init_seconds)
        return Invocation(
            request=request,
            response=responses[-1] if responses else None,
            logs=logs,
            exit_code=process.returncode,
            seconds=time.monotonic() - started,
            outcome=outcome,
            error=error,
            init_seconds=api.init_seconds,
            duration_seconds=record.duration_seconds,
            request_id=record.request_id,
            key=key,
        )

    @staticmethod
    def _execution_environment(runtime_api: str) -> dict[str, str]:
        """The variables that belong to one execution environment (one process here)."""
        day = datetime.now(UTC).strftime("%Y/%m/%d")
        return {
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{day}/[$LATEST]{uuid.uuid4().hex}",
        }


def _stop(process: subprocess.Popen[bytes], *, exits_by_itself: bool) -> None:
    """Stop the runtime process if it still runs: SIGTERM, then SIGKILL after a grace period."""
    if exits_by_itself:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=_STOP_GRACE_SECONDS)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=_STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()


def _ending(record: InvocationRecord, exit_code: int) -> tuple[RunOutcome, dict[str, Any] | None]:
    """How the invocation ended; a runtime that exited without an answer is Lambda's ExitError."""
    if record.outcome is not None:
        return record.outcome, record.error()
    return "exited", {
        "errorType": "Runtime.ExitError",
        "errorMessage": (
            f"RequestId: {record.request_id} Error: Runtime exited with error: "
            f"exit status {exit_code}"
        ),
    }


def _platform_lines(
    record: InvocationRecord,
    outcome: RunOutcome,
    error: dict[str, Any] | None,
    init_seconds: float | None,
) -> str:
    """What Lambda adds to the function's log: a timeout or exit notice and the REPORT line."""
    lines = []
    if outcome in ("timeout", "exited") and error is not None:
        lines.append(str(error["errorMessage"]))
    report = f"REPORT RequestId: {record.request_id}"
    if record.duration_seconds is not None:
        report += f"\tDuration: {record.duration_seconds * 1000:.2f} ms"
    if init_seconds is not None:
        report += f"\tInit Duration: {init_seconds * 1000:.2f} ms"
    report += f"\tMemory Size: {MEMORY_SIZE_MB} MB"
    lines.append(report)
    return "".join(f"{line}\n" for line in lines)
