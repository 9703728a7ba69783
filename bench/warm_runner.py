"""The driver's side of the warm handler pool (``bench/warm_pool.py`` is the workers' side).

The fleet measure needs as many warm Lambda containers as resources: forking them from one
process that has imported the handler costs a fraction of starting that many cold processes.
``WarmRunner.for_template`` gives the workers the environment a template gives the function (its
claim table created in moto), as ``LambdaRunner.for_assembly`` does for cold processes.
"""

from __future__ import annotations

import io
import json
import queue
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

from bench.common import STACK_NAME
from harness.cfn_template import TABLE_TYPE, function_environment, handler_function
from harness.dynamodb import DYNAMODB_ENDPOINT_ENV_VAR
from harness.lifecycle import Invocation, LambdaRunner, LifecycleError

if TYPE_CHECKING:
    from harness.dynamodb import DynamoDBServer
    from harness.response_sink import ResponseSink

WARM_POOL: Final = Path(__file__).resolve().parent / "warm_pool.py"


class WarmRunner(LambdaRunner):
    """A LambdaRunner whose invocations go to warm workers forked by ``bench/warm_pool.py``.

    A context manager: entering starts the pool and waits until every worker is ready; leaving
    stops it and removes the boto3 runtime folder. The socket and the pool's log live in
    ``workdir``.
    """

    def __init__(
        self,
        asset_dir: Path,
        *,
        endpoint_url: str,
        sink: ResponseSink,
        workers: int,
        workdir: Path,
        timeout_seconds: float = 120.0,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            asset_dir,
            endpoint_url=endpoint_url,
            sink=sink,
            timeout_seconds=timeout_seconds,
            extra_env=extra_env,
        )
        # The stack's tables (``for_template``) and the name they were made for.
        self.stack_name = STACK_NAME
        self.workers = workers
        self.log_path = workdir / "warm-pool.log"
        self.socket_path = workdir / "warm-pool.sock"
        self.idle: queue.Queue[tuple[socket.socket, io.BufferedReader]] = queue.Queue()
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def for_template(
        cls,
        template: Mapping[str, Any],
        *,
        asset_dir: Path,
        endpoint_url: str,
        sink: ResponseSink,
        dynamodb: DynamoDBServer,
        workers: int,
        workdir: Path,
        timeout_seconds: float = 120.0,
        dynamodb_endpoint_url: str | None = None,
        stack_name: str = STACK_NAME,
    ) -> WarmRunner:
        """A warm runner whose workers get the environment ``template`` gives the function.

        As ``LambdaRunner.for_assembly``: the template's DynamoDB tables are created in
        ``dynamodb`` (``tables`` names them), the function's ``Environment.Variables`` resolved,
        and the function pointed at ``dynamodb``, or at ``dynamodb_endpoint_url`` (a proxy in
        front of it that counts the calls). The workers are forked with this environment once,
        so every template deployed through the runner must give the function the same one
        (``use_template`` checks).
        """
        if handler_function(template) is None:
            raise LifecycleError(f"the template of {stack_name} has no handler function")
        tables = dynamodb.create_tables(template, stack_name=stack_name)
        variables = function_environment(template, stack_name=stack_name, physical_ids=tables)
        assert variables is not None  # the template has the function
        variables[DYNAMODB_ENDPOINT_ENV_VAR] = dynamodb_endpoint_url or dynamodb.endpoint_url
        runner = cls(
            asset_dir,
            endpoint_url=endpoint_url,
            sink=sink,
            workers=workers,
            workdir=workdir,
            timeout_seconds=timeout_seconds,
            extra_env=variables,
        )
        runner.tables = tables
        runner.stack_name = stack_name
        return runner

    def use_template(self, template: Mapping[str, Any]) -> None:
        """Refuse a template that would give the function an environment other than the one the
        workers were forked with (a table the stack does not have, another variable's value)."""
        declared = [
            logical_id
            for logical_id, resource in template.get("Resources", {}).items()
            if resource.get("Type") == TABLE_TYPE
        ]
        missing = [logical_id for logical_id in declared if logical_id not in self.tables]
        if missing:
            raise LifecycleError(
                f"the template declares the table(s) {missing} the warm workers were not given: "
                "make the runner with WarmRunner.for_template(<this template>)"
            )
        variables = function_environment(
            template, stack_name=self.stack_name, physical_ids=self.tables
        )
        changed = sorted(
            name for name, value in (variables or {}).items() if self.env.get(name) != value
        )
        if changed:
            raise LifecycleError(
                f"the template gives the function other values of {changed} than the warm "
                "workers were forked with: make the runner with WarmRunner.for_template"
            )

    def __enter__(self) -> WarmRunner:
        try:
            self._start()
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._stop()

    def _start(self) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(str(self.socket_path))
            listener.listen(self.workers)
            listener.settimeout(300)
            with self.log_path.open("ab") as log_file:
                self.process = subprocess.Popen(  # noqa: S603 - the bench's own script, fixed arguments
                    [
                        sys.executable,
                        "-I",
                        "-S",
                        str(WARM_POOL),
                        str(self.asset_dir),
                        str(self.runtime_dir),
                        str(self.socket_path),
                        str(self.timeout_seconds),
                        str(self.workers),
                    ],
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                )
            try:
                for _ in range(self.workers):
                    connection, _address = listener.accept()
                    connection.settimeout(None)
                    stream = connection.makefile("rb")
                    self.idle.put((connection, stream))
                    if stream.readline() != b"ready\n":
                        raise LifecycleError("a warm worker did not start")
            except (OSError, LifecycleError) as error:
                raise LifecycleError(
                    f"the warm pool did not start ({error}); its log:\n{self.log_tail()}"
                ) from None

    def _stop(self) -> None:
        while not self.idle.empty():
            connection, stream = self.idle.get_nowait()
            stream.close()
            connection.close()
        if self.process is not None:
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.runtime_dir, ignore_errors=True)

    def log_tail(self) -> str:
        """The end of the pool's log, for error messages."""
        return self.log_path.read_text(errors="replace")[-3000:]

    def invoke(
        self, request: dict[str, Any], key: str, *, request_id: str | None = None
    ) -> Invocation:
        """Send ``request`` to an idle worker; return what CloudFormation received under ``key``.

        Every warm worker gives its events one fixed request id, so ``request_id`` is refused:
        redeliver an event with ``LambdaRunner``.
        """
        if request_id is not None:
            raise ValueError(
                f"WarmRunner cannot run an event as request {request_id}: its workers give every "
                "event the same request id; redeliver with LambdaRunner"
            )
        connection, stream = self.idle.get()
        started = time.monotonic()
        try:
            connection.sendall(json.dumps(request).encode() + b"\n")
            line = stream.readline()
        finally:
            self.idle.put((connection, stream))
        if not line:
            raise LifecycleError(f"a warm worker exited; the pool's log:\n{self.log_tail()}")
        reply = json.loads(line)
        responses = self.sink.responses(key)
        return Invocation(
            request=request,
            response=responses[-1] if responses else None,
            logs=str(reply.get("error", "")),
            exit_code=0 if reply.get("ok") else 1,
            seconds=time.monotonic() - started,
        )
