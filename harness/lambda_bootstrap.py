"""The Lambda Python runtime's bootstrap, as harness.lambda_runner starts it.

Usage: python -I -S lambda_bootstrap.py RUNTIME_DIR CLIENT_DIR, with the environment Lambda sets
(``LAMBDA_TASK_ROOT``, ``_HANDLER``, ``AWS_LAMBDA_RUNTIME_API``, ...).

Like AWS's ``/var/runtime/bootstrap.py`` it puts the function's folder first on ``sys.path`` and
hands over to awslambdaric's main, which imports the handler and then asks the Runtime API for
invocations until the process is stopped. ``python -I -S -m awslambdaric`` cannot stand in for
it: isolated mode ignores PYTHONPATH, so awslambdaric would not be found. On the path, besides
the standard library: LAMBDA_TASK_ROOT (what the function ships), RUNTIME_DIR (boto3 and its
dependencies, which the Lambda runtime provides) and CLIENT_DIR (awslambdaric, simplejson,
snapshot_restore_py), so a module missing from the asset fails here as in AWS.
"""

import importlib
import os
import sys


def main() -> None:
    """Set the path, then run awslambdaric as ``python -m awslambdaric $_HANDLER`` would."""
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    sys.path[:0] = [task_root, *sys.argv[1:]]
    # Imported by name once the path is set (awslambdaric ships no type information).
    runtime_client = importlib.import_module("awslambdaric.__main__")
    runtime_client.main([task_root, os.environ["_HANDLER"]])


if __name__ == "__main__":
    main()
