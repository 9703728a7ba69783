"""The driver's side of the warm handler pool (``bench/warm_pool.py`` is the workers' side).

The fleet measure needs as many warm Lambda containers as resources: forking them from one
process that has imported the handler costs a fraction of starting that many cold processes.
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
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

from harness.lifecycle import Invocation, LambdaRunner, LifecycleError

if TYPE_CHECKING:
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
    ) -> None:
        super().__init__(
            asset_dir, endpoint_url=endpoint_url, sink=sink, timeout_seconds=timeout_seconds
        )
        self.workers = workers
        self.log_path = workdir / "warm-pool.log"
        self.socket_path = workdir / "warm-pool.sock"
        self.idle: queue.Queue[tuple[socket.socket, io.BufferedReader]] = queue.Queue()
        self.process: subprocess.Popen[bytes] | None = None

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
