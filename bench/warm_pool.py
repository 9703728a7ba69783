"""The warm handler pool: ``python -I -S bench/warm_pool.py ASSET RUNTIME SOCKET TIMEOUT WORKERS``.

Standard library only, and no import of the rest of ``bench``: it runs with nothing on its path
but the Lambda asset and boto3, as the Lambda runtime would (tests/bench checks this).

One process imports the handler from the asset once (``import index`` builds its client), then
forks WORKERS workers. Each is a warm container: it connects to the driver's SOCKET, says
``ready``, and takes one JSON request per line, answering ``{"ok": true}`` or
``{"ok": false, "error": traceback}``.
"""

from __future__ import annotations

import importlib
import json
import os
import socket
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

FUNCTION_NAME = "ChimeProxySessionProvider-Handler"


class LambdaContext:
    """The parts of the Lambda context object the handler uses.

    Kept here rather than imported from harness.lambda_bootstrap: this module runs with only the
    asset and boto3 on its path.
    """

    def __init__(self, timeout_seconds: float) -> None:
        self._deadline = time.monotonic() + timeout_seconds
        self.function_name = FUNCTION_NAME
        self.aws_request_id = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation's deadline."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def serve_invocations(
    handler: Callable[[Any, Any], object], socket_path: str, timeout: float
) -> int:
    """One warm worker: take requests from the driver one at a time, as a Lambda container does."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(socket_path)
        with connection.makefile("rwb") as stream:
            stream.write(b"ready\n")
            stream.flush()
            for line in stream:
                reply: dict[str, Any] = {"ok": True}
                try:
                    handler(json.loads(line), LambdaContext(timeout))
                except Exception:  # reported to the driver, as the runtime reports it
                    reply = {"ok": False, "error": traceback.format_exc()}
                stream.write(json.dumps(reply).encode() + b"\n")
                stream.flush()
    return 0


def warm_pool(
    asset_dir: str, runtime_dir: str, socket_path: str, timeout: str, workers: str
) -> int:
    """Load the asset once, then fork the warm workers; 1 if any of them failed."""
    sys.path[:0] = [asset_dir, runtime_dir]
    handler = importlib.import_module("index").handler
    children: list[int] = []
    for _ in range(int(workers)):
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = serve_invocations(handler, socket_path, float(timeout))
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children.append(pid)
    failed = sum(1 for pid in children if os.waitpid(pid, 0)[1] != 0)
    return 1 if failed else 0


def main(argv: Sequence[str]) -> int:
    """Run the pool from the command line's five arguments."""
    if len(argv) != 5:
        print(
            "usage: python -I -S bench/warm_pool.py ASSET_DIR RUNTIME_DIR SOCKET TIMEOUT WORKERS",
            file=sys.stderr,
        )
        return 2
    return warm_pool(*argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
