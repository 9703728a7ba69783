"""crhelper within bounds: what the adapter overrides is pinned, and every request gets one answer.

crhelper_adapter.py is the one module that reaches past crhelper's public API. These tests fail
loudly when crhelper changes there (its version, the file, the signatures and calls the adapter
relies on), and prove the adapter's promise: exactly one answer per request, whatever the
ResponseURL does and however long the handler takes.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import time
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from crhelper import CfnResource, resource_helper

import crhelper_adapter
from cfn_request import CfnResult, failed_create_physical_id
from harness.response_sink import ResponseSink
from tests.helpers import LambdaContext, event, expect_update

# sha256 of crhelper 2.0.12's resource_helper.py: any change to the file the adapter patches
# must be read against crhelper_adapter.py before this pin is moved.
# crhelper's stubs leave out its private methods; the class namespace holds them.
INTERNALS: dict[str, Any] = dict(vars(CfnResource))
RESOURCE_HELPER_SHA256 = "44f57c03a2b1665ef47b2f0d2360584b79dcefc33d3d0881906a22f0d1a8f724"


def parameters(function: Any) -> list[tuple[str, Any]]:
    """A function's parameters with their defaults."""
    return [(p.name, p.default) for p in inspect.signature(function).parameters.values()]


def test_crhelper_is_the_pinned_version() -> None:
    assert metadata.version("crhelper") == crhelper_adapter.CRHELPER_VERSION == "2.0.12"
    source = Path(inspect.getfile(resource_helper)).read_bytes()
    assert hashlib.sha256(source).hexdigest() == RESOURCE_HELPER_SHA256


def test_overridden_signatures_are_crhelpers() -> None:
    empty = inspect.Parameter.empty
    init = dict(parameters(CfnResource.__init__))
    assert {"json_logging", "log_level", "boto_level", "sleep_on_delete"} <= set(init)
    assert parameters(CfnResource.__call__) == [
        ("self", empty),
        ("event", empty),
        ("context", empty),
    ]
    assert parameters(INTERNALS["_cfn_response"]) == [("self", empty), ("event", empty)]
    assert [name for name, _ in parameters(INTERNALS["_send"])] == [
        "self",
        "status",
        "reason",
        "send_response",
    ]
    assert parameters(INTERNALS["_set_timeout"]) == [("self", empty)]


def test_the_adapter_overrides_only_what_its_docstring_lists() -> None:
    ours = set(vars(crhelper_adapter.ProductionCfnResource))
    overridden = {name for name in ours & set(INTERNALS) if callable(INTERNALS[name])}
    assert overridden == {"__init__", "__call__", "_cfn_response", "_send", "_set_timeout"}
    for name in sorted(overridden - {"__init__", "__call__"}):
        assert f"``{name}``" in (crhelper_adapter.__doc__ or ""), name


def test_serve_registers_one_function_for_every_request_type() -> None:
    helper = crhelper_adapter.ProductionCfnResource()
    result = CfnResult(physical_resource_id="pid", data={"Status": "Open"})

    def run(_event: Any, _context: Any) -> CfnResult:
        return result

    assert helper.serve(run) is run
    settings = vars(helper)
    for name in ("_create_func", "_update_func", "_delete_func"):
        assert settings[name]({}, None) == "pid"  # crhelper keeps this as the physical id
        assert settings["_result"] is result  # the answer's physical id and Data


def test_the_internals_the_adapter_relies_on_are_there() -> None:
    # __init__ builds its clients through the module's boto3, which the adapter swaps out.
    assert "boto3.client(" in inspect.getsource(CfnResource.__init__)
    assert hasattr(resource_helper, "boto3")
    # Every answer goes through _send; the timer is armed by _set_timeout and cancelled in
    # __call__'s finally, which is where the adapter's safety net hooks in. A registered
    # function's return value is the physical id crhelper keeps.
    assert "self._set_timeout()" in inspect.getsource(INTERNALS["_crhelper_init"])
    call = inspect.getsource(CfnResource.__call__)
    assert "self._send(FAILED, str(e))" in call
    assert "self._timer.cancel()" in call
    assert "self._send()" in inspect.getsource(INTERNALS["_cfn_response"])
    assert "self.generate_physical_id(event)" in inspect.getsource(INTERNALS["_cfn_response"])
    wrap = inspect.getsource(INTERNALS["_wrap_function"])
    assert "self.PhysicalResourceId = func(self._event, self._context)" in wrap


def test_crhelper_is_set_for_production(index_module: Any) -> None:
    helper = index_module.helper
    assert isinstance(helper, crhelper_adapter.ProductionCfnResource)
    settings = vars(helper)  # crhelper's private attributes, which its stubs do not declare
    assert settings["_sleep_on_delete"] == 0
    assert settings["_log_level"] == "INFO"
    assert settings["_lambda_client"] is None


@pytest.fixture
def crhelper_timeouts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record any call of crhelper's own timeout answer, which must never run."""
    fired: list[str] = []
    monkeypatch.setattr(CfnResource, "_timeout", lambda self: fired.append("crhelper timer"))
    return fired


def test_one_answer_while_the_response_url_fails_until_the_deadline(
    stub: Stubber,
    trust_sink: ResponseSink,
    index_module: Any,
    crhelper_timeouts: list[str],
) -> None:
    expect_update(stub, ["Voice"])
    key = uuid.uuid4().hex
    timeout = 4.0
    trust_sink.fail_next(100_000, status=503)
    try:
        started = time.monotonic()
        index_module.handler(event("Create", trust_sink.url_for(key)), LambdaContext(timeout))
        returned_after = time.monotonic() - started
        # Stay past the deadline: nothing may answer later (a timer, a retry).
        time.sleep(max(0.0, started + timeout + 0.5 - time.monotonic()))
    finally:
        trust_sink.clear_faults()
    attempts = trust_sink.attempted(key)
    assert len(attempts) > 3, "the failing ResponseURL should have been retried"
    assert len(set(attempts)) == 1, "every PUT must carry the same, single answer"
    answer = json.loads(attempts[0])
    assert answer["Status"] == "SUCCESS"
    assert returned_after < timeout
    assert crhelper_timeouts == []


def test_a_handler_out_of_time_gets_one_failed_answer_and_its_late_success_is_dropped(
    trust_sink: ResponseSink,
    index_module: Any,
    monkeypatch: pytest.MonkeyPatch,
    crhelper_timeouts: list[str],
) -> None:
    timeout = 3.5
    finished: list[float] = []

    def slow_serve(*_args: object, **_kwargs: object) -> CfnResult:
        time.sleep(timeout - crhelper_adapter.SAFETY_NET_SECONDS + 0.8)
        finished.append(time.monotonic())
        return CfnResult(physical_resource_id="late-success", data={"Status": "Open"})

    monkeypatch.setattr(index_module, "serve", slow_serve)
    key = uuid.uuid4().hex
    request = event("Create", trust_sink.url_for(key))
    index_module.handler(request, LambdaContext(timeout))
    assert finished, "the slow handler ran to its end"
    answers = trust_sink.responses(key)
    assert len(answers) == 1
    assert answers[0]["Status"] == "FAILED"
    assert answers[0]["Reason"] == crhelper_adapter.OUT_OF_TIME_REASON
    assert answers[0]["PhysicalResourceId"] == failed_create_physical_id(request["RequestId"])
    assert len(trust_sink.attempted(key)) == 1
    assert crhelper_timeouts == []
