"""The entry point (``index``): the envelope check, dispatch on ResourceType, the deadline it
budgets against, an init failure, and a request importing only its own type's module."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.stub import Stubber

import proxy_contract as contract
from harness.response_sink import ResponseSink
from resource_types import (
    PHONE_NUMBERS,
    PROXY_SESSION,
    RESOURCE_TYPES,
    SETTINGS,
    VOICE_CONNECTOR_PROXY,
    ResourceType,
)
from tests.helpers import SESSION_ID, VC_ID, Invoke, event, properties, sample

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"
# What a request of one type may import beyond index: its own modules and, for a type that makes
# something, the claims protocol.
TYPE_MODULES = {kind.module for kind in RESOURCE_TYPES} | {
    "proxy_session_dedup",
    "phone_number_orders",
    "once",
    "claims",
    "claim_records",
}
# The first call each type makes on Create.
FIRST_CALL = {
    contract.SETTINGS_RESOURCE_TYPE: "UpdateProxySession",
    contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE: "GetVoiceConnectorProxy",
    contract.PROXY_SESSION_RESOURCE_TYPE: "CreateProxySession",
    contract.PHONE_NUMBERS_RESOURCE_TYPE: "SearchAvailablePhoneNumbers",
}
# A change of each type that its Update applies in place with a call.
IN_PLACE = {
    contract.SETTINGS_RESOURCE_TYPE: {"ExpiryMinutes": "30"},
    contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE: {"DefaultSessionExpiryMinutes": "30"},
    contract.PROXY_SESSION_RESOURCE_TYPE: {"ExpiryMinutes": "30"},
}


def run_handler(sink: ResponseSink, script: str, *args: str, drop: tuple[str, ...] = ()) -> str:
    """Run ``script`` with ``args`` in a fresh interpreter that has the Lambda asset on its path
    (as the runtime has it) and trusts the sink, without the variables ``drop``; return its
    output."""
    environment = {name: value for name, value in os.environ.items() if name not in drop}
    environment["SSL_CERT_FILE"] = sink.ca_file
    environment["PYTHONPATH"] = os.pathsep.join([str(LAMBDA_DIR), str(LAMBDA_DIR.parent)])
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=environment,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    return done.stdout


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_an_unknown_resource_type_names_the_served_types(
    stub: Stubber, invoke: Invoke, request_type: str
) -> None:
    def make(url: str) -> dict[str, Any]:
        request = event(request_type, url, physical_id="pid")
        request["ResourceType"] = "Custom::ChimeSomethingElse"
        return request

    body = invoke(make)  # the Stubber has nothing queued: any API call would fail the test
    assert body["Status"] == "FAILED"
    assert "'Custom::ChimeSomethingElse' is not served by this function" in body["Reason"]
    for served in contract.SERVED_RESOURCE_TYPES:
        assert served in body["Reason"]
    expected_id = "pid" if request_type != "Create" else contract.FAILED_CREATE_PREFIX
    assert body["PhysicalResourceId"].startswith(expected_id)


def test_a_missing_resource_type_is_a_malformed_request(stub: Stubber, invoke: Invoke) -> None:
    def make(url: str) -> dict[str, Any]:
        request = event("Create", url)
        del request["ResourceType"]
        return request

    body = invoke(make)
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("Malformed request: the event lacks ResourceType")
    assert body["PhysicalResourceId"].startswith(contract.FAILED_CREATE_PREFIX)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda e: e.update(RequestType="Upsert"), "RequestType 'Upsert' is not one of"),
        (lambda e: e.pop("StackId"), "lacks StackId"),
        (lambda e: e.pop("ResourceProperties"), "lacks ResourceProperties"),
        (lambda e: e.pop("PhysicalResourceId"), "must carry PhysicalResourceId"),
    ],
)
def test_malformed_requests_are_answered(
    stub: Stubber, invoke: Invoke, mutate: Any, reason: str
) -> None:
    def make(url: str) -> dict[str, Any]:
        request = event("Update", url, physical_id="pid")
        mutate(request)
        return request

    body = invoke(make)
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("Malformed request: ")
    assert reason in body["Reason"]
    assert body["_size"] <= 4096


@pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_every_type_passes_the_envelope_check(index_module: Any, kind: ResourceType) -> None:
    for request_type in contract.REQUEST_TYPES:
        request = event(request_type, "https://example.invalid/r", kind=kind)
        assert index_module.request_problem(request) is None


def test_init_failure_is_reported_to_cloudformation(sink: ResponseSink) -> None:
    """With no region the client cannot be built; every request answers FAILED with why."""
    key = uuid.uuid4().hex
    script = (
        "import json, sys, index\n"
        "from tests.helpers import LambdaContext\n"
        "index.handler(json.loads(sys.argv[1]), LambdaContext(timeout_seconds=30))\n"
    )
    request = json.dumps(event("Create", sink.url_for(key)))
    run_handler(sink, script, request, drop=("AWS_REGION", "AWS_DEFAULT_REGION"))
    body = sink.wait_for(key)
    assert body["Status"] == "FAILED"
    assert "region" in body["Reason"].lower()


@pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_a_request_imports_its_own_types_module_only(
    sink: ResponseSink, kind: ResourceType
) -> None:
    """A cold start pays for one type's choreography: index imports none, a request its own."""
    key = uuid.uuid4().hex
    script = (
        "import json, sys, types\n"
        "import index\n"
        "from botocore.stub import Stubber\n"
        "from botocore import xform_name\n"
        # A context of its own: tests.helpers would import the claims modules itself.
        "context = types.SimpleNamespace(aws_request_id='r-1', "
        "get_remaining_time_in_millis=lambda: 30_000)\n"
        f"modules = {sorted(TYPE_MODULES)!r}\n"
        "before = [name for name in modules if name in sys.modules]\n"
        "with Stubber(index.client) as stub:\n"
        "    stub.add_client_error(xform_name(sys.argv[2]), 'ForbiddenException', 'no', 403)\n"
        "    index.handler(json.loads(sys.argv[1]), context)\n"
        "after = [name for name in modules if name in sys.modules]\n"
        "print(json.dumps({'before': before, 'after': after}))\n"
    )
    request = json.dumps(event("Create", sink.url_for(key), kind=kind))
    output = run_handler(sink, script, request, FIRST_CALL[kind.type_name])
    imported = json.loads(output)
    own = {kind.module} | (
        {"proxy_session_dedup"} if kind.module == "proxy_session_resource" else set()
    )
    if kind.creates:  # the claims protocol loads for a type that makes something only
        own |= {"once", "claims", "claim_records"}
    if kind.module == "phone_numbers_resource":
        own |= {"phone_number_orders"}
    assert imported == {"before": [], "after": sorted(own)}
    body = sink.wait_for(key)
    assert f"chime:{FIRST_CALL[kind.type_name]}" in body["Reason"]  # the module made the call


class AlwaysThrottled:
    """A chime-sdk-voice client whose every UpdateProxySession is throttled; counts the calls."""

    meta = SimpleNamespace(region_name="us-east-1")

    def __init__(self) -> None:
        self.calls = 0

    def update_proxy_session(self, **_params: object) -> dict[str, Any]:
        self.calls += 1
        raise ClientError(
            {"Error": {"Code": "ThrottledClientException", "Message": "Rate exceeded"}},
            "UpdateProxySession",
        )


@pytest.mark.parametrize(("timeout", "min_attempts"), [(16.0, 1), (24.0, 3)])
def test_the_retry_budget_follows_the_contexts_real_deadline(
    invoke: Invoke,
    index_module: Any,
    monkeypatch: pytest.MonkeyPatch,
    timeout: float,
    min_attempts: int,
) -> None:
    """The handler budgets against the time the context has left, not a default.

    With 16 s left, the API deadline (16 s - 8 s reserve) leaves no room for a second 13-second
    attempt; with 24 s, retries go on for about 3 s. A handler that ignored the context would
    retry far longer and answer late.
    """
    client = AlwaysThrottled()
    monkeypatch.setattr(index_module, "client", client)
    started = time.monotonic()
    body = invoke(lambda url: event("Create", url), timeout=timeout)
    elapsed = time.monotonic() - started
    assert body["Status"] == "FAILED"
    assert "kept answering ThrottledClientException" in body["Reason"]
    assert client.calls >= min_attempts
    if min_attempts == 1:
        assert client.calls == 1
    assert elapsed < timeout - index_module.RESPONSE_RESERVE_SECONDS


# Every type, end to end -------------------------------------------------------------------------

REFUSAL = "Not available for this account."
OWN_VC_ARN = f"arn:<partition>:chime:us-east-1:<account>:vc/{VC_ID}"


@pytest.mark.parametrize(
    ("kind", "operation", "code", "status", "expected"),
    [
        (
            SETTINGS,
            "UpdateProxySession",
            "NotFoundException",
            404,
            f"proxy session '{SESSION_ID}' was not found on voice connector {VC_ID}",
        ),
        (SETTINGS, "UpdateProxySession", "ForbiddenException", 403, "chime:UpdateProxySession"),
        (
            SETTINGS,
            "UpdateProxySession",
            "UnauthorizedClientException",
            401,
            "chime:UpdateProxySession",
        ),
        (SETTINGS, "UpdateProxySession", "BadRequestException", 400, REFUSAL),
        (
            VOICE_CONNECTOR_PROXY,
            "PutVoiceConnectorProxy",
            "NotFoundException",
            404,
            f"was not found on voice connector {VC_ID}",
        ),
        (
            VOICE_CONNECTOR_PROXY,
            "PutVoiceConnectorProxy",
            "ForbiddenException",
            403,
            f"needs chime:PutVoiceConnectorProxy on {OWN_VC_ARN}",
        ),
        (
            VOICE_CONNECTOR_PROXY,
            "PutVoiceConnectorProxy",
            "UnauthorizedClientException",
            401,
            "chime:PutVoiceConnectorProxy",
        ),
        (VOICE_CONNECTOR_PROXY, "PutVoiceConnectorProxy", "BadRequestException", 400, REFUSAL),
        (
            PROXY_SESSION,
            "UpdateProxySession",
            "NotFoundException",
            404,
            f"proxy session 's-old' was not found on voice connector {VC_ID}",
        ),
        (
            PROXY_SESSION,
            "UpdateProxySession",
            "ForbiddenException",
            403,
            f"needs chime:UpdateProxySession on {OWN_VC_ARN}",
        ),
        (PROXY_SESSION, "UpdateProxySession", "BadRequestException", 400, REFUSAL),
    ],
    ids=lambda value: value.construct if isinstance(value, ResourceType) else str(value),
)
def test_a_service_error_fails_an_update_at_once_with_guidance(
    stub: Stubber,
    invoke: Invoke,
    sleeps: list[float],
    kind: ResourceType,
    operation: str,
    code: str,
    status: int,
    expected: str,
) -> None:
    """An in-place Update of each type: the first call fails for good, the answer says what to
    do, keeps the resource's id, and nothing is retried."""
    stub.add_client_error(xform_name(operation), code, REFUSAL, status)
    changed = properties(kind, **IN_PLACE[kind.type_name])
    body = invoke(lambda url: event("Update", url, kind=kind, props=changed))
    assert body["Status"] == "FAILED"
    assert expected in body["Reason"]
    if code == "NotFoundException":
        assert body["Reason"].endswith(kind.not_found_advice)
    assert body["PhysicalResourceId"] == sample(kind).physical_id
    assert sleeps == []


@pytest.mark.parametrize(
    ("kind", "request_type", "operation"),
    [
        (SETTINGS, "Create", "UpdateProxySession"),
        (VOICE_CONNECTOR_PROXY, "Delete", "DeleteVoiceConnectorProxy"),
        (PROXY_SESSION, "Delete", "DeleteProxySession"),
        (PHONE_NUMBERS, "Create", "SearchAvailablePhoneNumbers"),
    ],
    ids=lambda value: value.construct if isinstance(value, ResourceType) else str(value),
)
def test_throttling_that_never_clears_fails_before_the_deadline(
    stub: Stubber,
    invoke: Invoke,
    sleeps: list[float],
    kind: ResourceType,
    request_type: str,
    operation: str,
) -> None:
    # 20 s of Lambda time, less 8 s kept for the answer, cannot fit a second 13 s attempt.
    stub.add_client_error(xform_name(operation), "ThrottledClientException", "slow", 429)
    body = invoke(lambda url: event(request_type, url, kind=kind), timeout=20.0)
    assert body["Status"] == "FAILED"
    assert f"{operation}: the service kept answering ThrottledClientException" in body["Reason"]
    assert "(1 attempt over " in body["Reason"]
    assert sleeps == []


@pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_an_update_of_the_removal_policy_alone_makes_no_call(
    stub: Stubber, invoke: Invoke, api_calls: list[str], kind: ResourceType
) -> None:
    """RemovalPolicy is CloudFormation's and the function's, never the service's: no type calls
    the API for it, and every type answers its attributes."""
    was = sample(kind).properties[contract.REMOVAL_POLICY]
    flipped = contract.DESTROY if was == contract.RETAIN else contract.RETAIN
    body = invoke(
        lambda url: event("Update", url, kind=kind, props=properties(kind, RemovalPolicy=flipped))
    )
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == sample(kind).physical_id
    assert set(body["Data"]) == set(kind.attributes)
    assert api_calls == []


@pytest.mark.parametrize(
    "kind", [kind for kind in RESOURCE_TYPES if kind.creates], ids=lambda k: k.construct
)
@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (None, f"its environment lacks {contract.CLAIM_TABLE_VARIABLE}"),
        ("no-such-table", "the claim table 'no-such-table' does not exist"),
    ],
    ids=["no variable", "no table"],
)
def test_a_create_that_makes_something_needs_its_claim_table(
    stub: Stubber,
    invoke: Invoke,
    api_calls: list[str],
    monkeypatch: pytest.MonkeyPatch,
    kind: ResourceType,
    table: str | None,
    expected: str,
) -> None:
    """Without its claim table a Create could run twice: it calls nothing and says why."""
    if table is None:
        monkeypatch.delenv(contract.CLAIM_TABLE_VARIABLE)
    else:
        monkeypatch.setenv(contract.CLAIM_TABLE_VARIABLE, table)
    body = invoke(lambda url: event("Create", url, kind=kind))
    assert body["Status"] == "FAILED"
    assert expected in body["Reason"]
    assert "Nothing was created" in body["Reason"]
    assert api_calls == []
