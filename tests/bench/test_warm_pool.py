"""The warm pool runs where only the asset and boto3 are on the path: standard library only."""

from __future__ import annotations

import ast
import json
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from bench import warm_pool

WARM_POOL = Path(warm_pool.__file__).resolve()


def test_warm_pool_imports_only_the_standard_library() -> None:
    tree = ast.parse(WARM_POOL.read_text())
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "a relative import would need the bench package"
            assert node.module is not None
            imported.add(node.module.split(".")[0])
    assert imported, "no imports found: the scan is broken"
    assert imported - {"__future__"} <= sys.stdlib_module_names, imported


def test_warm_pool_loads_in_an_isolated_interpreter() -> None:
    # -I -S as the fleet starts it: no site-packages, no current folder, no bench package.
    program = (
        "import importlib.util, json, sys\n"
        "before = set(sys.modules)\n"
        "spec = importlib.util.spec_from_file_location('warm_pool', sys.argv[1])\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    finished = subprocess.run(
        [sys.executable, "-I", "-S", "-c", program, str(WARM_POOL)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    loaded = {name.split(".")[0] for name in json.loads(finished.stdout)}
    assert loaded <= sys.stdlib_module_names, loaded - sys.stdlib_module_names


def test_warm_pool_refuses_the_wrong_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert warm_pool.main(["only-one"]) == 2
    assert "usage: python -I -S bench/warm_pool.py" in capsys.readouterr().err


def test_a_worker_answers_each_request_and_reports_a_handler_error(tmp_path: Path) -> None:
    seen: list[tuple[dict[str, Any], int]] = []

    def handler(event: dict[str, Any], context: warm_pool.LambdaContext) -> None:
        seen.append((event, context.get_remaining_time_in_millis()))
        if event.get("fail"):
            raise ValueError("the handler failed")

    path = tmp_path / "pool.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(path))
        listener.listen(1)
        listener.settimeout(10)
        exit_codes: list[int] = []
        worker = threading.Thread(
            target=lambda: exit_codes.append(warm_pool.serve_invocations(handler, str(path), 60.0))
        )
        worker.start()
        connection, _ = listener.accept()
        with connection, connection.makefile("rwb") as stream:
            assert stream.readline() == b"ready\n"
            replies = []
            for request in ({"RequestType": "Create"}, {"fail": True}):
                stream.write(json.dumps(request).encode() + b"\n")
                stream.flush()
                replies.append(json.loads(stream.readline()))
        worker.join(timeout=10)
    assert exit_codes == [0]
    assert replies[0] == {"ok": True}
    assert replies[1]["ok"] is False
    assert "ValueError: the handler failed" in replies[1]["error"]
    assert [event for event, _ in seen] == [{"RequestType": "Create"}, {"fail": True}]
    assert all(50_000 < remaining <= 60_000 for _, remaining in seen)
