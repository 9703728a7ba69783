"""Runs one Lambda invocation the way the Python runtime does; started by harness.lifecycle.

Usage: python -I -S lambda_bootstrap.py ASSET_DIR RUNTIME_DIR TIMEOUT_SECONDS < event.json

Only ASSET_DIR (what the function ships) and RUNTIME_DIR (boto3 and its dependencies, which the
Lambda runtime provides) are on sys.path: a module missing from the asset fails here as in AWS.
"""

import json
import logging
import sys
import time
import traceback


class Context:
    """The parts of the Lambda context object a handler uses."""

    def __init__(self, timeout_seconds: float) -> None:
        self._deadline = time.monotonic() + timeout_seconds
        self.function_name = "ChimeProxySessionProvider-Handler"
        self.aws_request_id = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation's deadline."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main() -> int:
    """Import index from the asset, call its handler with the event from stdin."""
    asset_dir, runtime_dir, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    sys.path[:0] = [asset_dir, runtime_dir]
    # The Lambda runtime gives the root logger a handler that writes to the function's log.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s\t%(name)s\t%(message)s"))
    logging.root.addHandler(handler)
    event = json.loads(sys.stdin.read())
    context = Context(timeout)
    try:
        import index  # imported from the asset at run time

        index.handler(event, context)
    except Exception:  # reported as the runtime would
        print(json.dumps({"errorType": "Runtime.HandlerError", "trace": traceback.format_exc()}))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
