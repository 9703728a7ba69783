"""Shared test helpers: one sample resource per type, the one property and event builders, a
Lambda context, the property fixtures, the settings resource's Stubber answers, and the claims a
run that died leaves behind."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.stub import Stubber

import proxy_contract as contract
from cfn_lifecycle import Job
from cfn_properties import parse_properties
from cfn_request import CfnRequest
from chime_calls import Calls, CallTarget, RetryPolicy
from claims import Claim, ClaimKey, ClaimTable, fingerprint, resource_key, table_from_environment
from resource_types import (
    PHONE_NUMBERS,
    PROXY_SESSION,
    SETTINGS,
    VOICE_CONNECTOR_PROXY,
    ResourceType,
)

if TYPE_CHECKING:
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

    from harness.response_sink import ResponseSink

# The ``invoke`` fixture (tests/conftest.py): runs index.handler on ``make(url)``, returns the body.
Invoke = Callable[..., dict[str, Any]]

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The handler modules that ship in the Lambda asset: lambda/ holds exactly these, nothing else.
HANDLER_MODULES = (
    "call_reasons.py",
    "cfn_lifecycle.py",
    "cfn_properties.py",
    "cfn_request.py",
    "cfn_response.py",
    "chime_calls.py",
    "chime_clients.py",
    "claim_records.py",
    "claims.py",
    "combination_rules.py",
    "crhelper_adapter.py",
    "index.py",
    "once.py",
    "phone_number_orders.py",
    "phone_numbers_resource.py",
    "property_rules.py",
    "proxy_contract.py",
    "proxy_session_dedup.py",
    "proxy_session_resource.py",
    "records.py",
    "resource_types.py",
    "safe_text.py",
    "settings_resource.py",
    "voice_connector_proxy_resource.py",
)
STACK_ID = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/ChimeProxySessionDemo/"
    "6c1f0e40-cc9e-11f0-8d3c-0affc2b5d0e1"
)
# The function ARN CloudFormation sends as ServiceToken; not a secret.
SERVICE_TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:ChimeProxySessionDemo-Handler"  # noqa: S105
VC_ID = "abcdefghij0123456789k"
SESSION_ID = "3b1e9f5a-6c2d-4e8f-9a0b-1c2d3e4f5a6b"
OWN_REGION = "us-east-1"  # the function's region in every test (tests/conftest.py)
PHONE_A = "+12065550100"
PHONE_B = "+12065550199"
# The two participants of the sample created session: personal data, which no log, Reason or
# Data may hold.
PARTICIPANTS = ("+12065550123", "+14255550187")
# The first order of the sample phone numbers (a GUID, as the service makes them).
ORDER_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


@dataclass(frozen=True)
class Sample:
    """A valid resource of one type, as CloudFormation sends it (every scalar a string)."""

    kind: ResourceType
    logical_id: str
    properties: Mapping[str, Any]
    # An id the type issued, sent with every Update and Delete unless a test gives another.
    physical_id: str
    # The phone numbers among ``properties``: never in a Reason, a log line or the Data.
    phone_numbers: tuple[str, ...] = ()


SAMPLES: Mapping[str, Sample] = {
    sample.kind.type_name: sample
    for sample in (
        Sample(
            SETTINGS,
            "SupportLineB0BEB757",
            {
                "ServiceTimeout": "300",
                "VoiceConnectorId": VC_ID,
                "ProxySessionId": SESSION_ID,
                "Capabilities": ["Voice"],
                "ExpiryMinutes": "60",
                "RemovalPolicy": "Retain",
            },
            f"{contract.SETTINGS_PHYSICAL_ID_PREFIX}{VC_ID}:9f0859ea10b5c22263fcc73527a5ee8c",
        ),
        Sample(
            VOICE_CONNECTOR_PROXY,
            "ProxyConfiguration5E2B1C3A",
            {
                "ServiceTimeout": "960",
                "VoiceConnectorId": VC_ID,
                "DefaultSessionExpiryMinutes": "60",
                "PhoneNumberPoolCountries": ["US", "CA"],
                "FallBackPhoneNumber": PHONE_A,
                "Disabled": "false",
                "RemovalPolicy": "Destroy",
            },
            f"{contract.VOICE_CONNECTOR_PROXY_PHYSICAL_ID_PREFIX}{OWN_REGION}:{VC_ID}",
            (PHONE_A,),
        ),
        Sample(
            PROXY_SESSION,
            "HelpLineA1B2C3D4",
            {
                "ServiceTimeout": "960",
                "VoiceConnectorId": VC_ID,
                "ParticipantPhoneNumbers": list(PARTICIPANTS),
                "Capabilities": ["Voice", "SMS"],
                "ExpiryMinutes": "60",
                "RemovalPolicy": "Destroy",
            },
            f"{contract.PROXY_SESSION_PHYSICAL_ID_PREFIX}{VC_ID}:s-old",
            PARTICIPANTS,
        ),
        Sample(
            PHONE_NUMBERS,
            "SupportNumbers9A8B7C6D",
            {
                "ServiceTimeout": "960",
                "Count": "2",
                "Country": "US",
                "AreaCode": "206",
                "VoiceConnectorId": VC_ID,
                "RemovalPolicy": "Destroy",
            },
            # The numbers it orders are the company's, not personal data: none is a property.
            f"{contract.PHONE_NUMBERS_PHYSICAL_ID_PREFIX}{OWN_REGION}:{ORDER_ID}",
        ),
    )
}


def sample(kind: ResourceType) -> Sample:
    """The sample resource of ``kind``."""
    return SAMPLES[kind.type_name]


def properties(kind: ResourceType = SETTINGS, /, **overrides: Any) -> dict[str, Any]:
    """``kind``'s sample ResourceProperties with ``overrides``; a None override removes one."""
    merged = {"ServiceToken": SERVICE_TOKEN, **sample(kind).properties, **overrides}
    return {name: value for name, value in merged.items() if value is not None}


def event(
    request_type: str,
    response_url: str,
    *,
    kind: ResourceType = SETTINGS,
    props: dict[str, Any] | None = None,
    old_props: dict[str, Any] | None = None,
    physical_id: str | None = None,
    logical_id: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """A CloudFormation request for ``kind``'s sample resource, shaped as CloudFormation sends it.

    Update and Delete carry ``physical_id`` (the sample's by default); Update carries
    ``old_props`` (the sample's properties by default).
    """
    body: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": SERVICE_TOKEN,
        "ResponseURL": response_url,
        "StackId": STACK_ID,
        "RequestId": request_id or str(uuid.uuid4()),
        "LogicalResourceId": logical_id or sample(kind).logical_id,
        "ResourceType": kind.type_name,
        "ResourceProperties": props if props is not None else properties(kind),
    }
    if request_type != "Create":
        body["PhysicalResourceId"] = physical_id or sample(kind).physical_id
    if request_type == "Update":
        body["OldResourceProperties"] = old_props if old_props is not None else properties(kind)
    return body


@contextmanager
def stubbed_client() -> Iterator[Stubber]:
    """A Stubber on a new chime-sdk-voice client in the function's region; fails if a queued
    answer is left."""
    client = boto3.client("chime-sdk-voice", region_name=OWN_REGION)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def no_client() -> ChimeSDKVoiceClient:
    """A ``Calls.connect`` for requests that must make no call: it fails the test."""
    raise AssertionError("a client was made: this request must make no call")


def calls(
    kind: ResourceType,
    connect: Callable[[], Any] = no_client,
    *,
    policy: RetryPolicy | None = None,
) -> Calls:
    """``kind``'s call path on the client ``connect`` makes, with a minute of budget."""
    retry = policy or RetryPolicy(sleep=lambda _seconds: None)
    return Calls(
        connect=connect,
        allowed=kind.all_operations(),
        target=CallTarget(subject=kind.summary, voice_connector_id=VC_ID, not_found_advice="."),
        deadline=retry.clock() + 60.0,
        policy=retry,
    )


def job(
    kind: ResourceType = SETTINGS,
    /,
    request_type: str = "Create",
    *,
    connect: Callable[[], Any] = no_client,
    **overrides: Any,
) -> Job:
    """A ``Job`` of ``kind``'s sample request with property ``overrides``, as a type module gets
    it: parsed properties and a call path on the client ``connect`` makes."""
    request = CfnRequest.from_event(
        event(
            request_type,
            "https://example.invalid/r",
            kind=kind,
            props=properties(kind, **overrides),
        )
    )
    return Job(request, kind, parse_properties(kind, request.properties), calls(kind, connect))


def property_cases() -> dict[str, list[dict[str, Any]]]:
    """The property fixtures shared by handler and construct tests."""
    loaded: dict[str, list[dict[str, Any]]] = json.loads((FIXTURES / "properties.json").read_text())
    return loaded


@dataclass
class LambdaContext:
    """The parts of the Lambda context the handler reads."""

    timeout_seconds: float = 120.0
    function_name: str = "ChimeProxySessionDemo-Handler"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the deadline."""
        return max(0, int((self.started + self.timeout_seconds - time.monotonic()) * 1000))


def invoke_in(
    sink: ResponseSink,
    index_module: Any,
    make: Callable[[str], dict[str, Any]],
    context: LambdaContext,
) -> dict[str, Any]:
    """The ``invoke`` fixture's run, in a Lambda context of the test's own (its request id: a
    Lambda retry of an invocation keeps it); returns the one PUT body."""
    key = uuid.uuid4().hex
    index_module.handler(make(sink.url_for(key)), context)
    responses = sink.responses(key)
    assert len(responses) == 1, f"expected exactly one response, got {len(responses)}"
    return dict(responses[0])


def vc_arn(vc_id: str) -> dict[str, Any]:
    """The voice connector ARN as the construct renders it in an environment-agnostic stack."""
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":chime:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":vc/{vc_id}",
            ],
        ]
    }


def session_response(capabilities: list[str], expiry: int | None = 60) -> dict[str, Any]:
    """An UpdateProxySession answer for the settings sample's session, participants included."""
    session: dict[str, Any] = {
        "VoiceConnectorId": VC_ID,
        "ProxySessionId": SESSION_ID,
        "Status": "Open",
        "Capabilities": capabilities,
        "UpdatedTimestamp": datetime(2026, 11, 28, 6, 30, tzinfo=UTC),
        "Participants": [{"PhoneNumber": PHONE_A, "ProxyPhoneNumber": PHONE_B}],
    }
    if expiry is not None:
        session["ExpiryMinutes"] = expiry
    return {"ProxySession": session}


def expect_update(stub: Stubber, capabilities: list[str], expiry: int | None = 60) -> None:
    """Queue one UpdateProxySession on ``stub``, with the parameters it must be called with."""
    params: dict[str, Any] = {
        "VoiceConnectorId": VC_ID,
        "ProxySessionId": SESSION_ID,
        "Capabilities": capabilities,
    }
    if expiry is not None:
        params["ExpiryMinutes"] = expiry
    stub.add_response("update_proxy_session", session_response(capabilities, expiry), params)


def asset_copy_without(asset_dir: Path, tmp_path: Path, missing: str) -> Path:
    """A copy of an asset folder lacking one top-level entry."""
    target = tmp_path / "asset"
    shutil.copytree(
        asset_dir, target, ignore=lambda _dir, names: [n for n in names if n == missing]
    )
    return target


# The claim table (the ``claim_table`` fixture names it in the environment) ------------------------


def new_request_id() -> str:
    """A new RequestId, a UUID as CloudFormation makes them, with a letter in every group: a
    Reason masks a run of 7 or more digits as a phone number (``safe_text``), which would hide
    an id that a test looks for in a Reason (see the test of that masking)."""
    while True:
        made = str(uuid.uuid4())
        if not any(group.isdigit() for group in made.split("-")):
            return made


def claim_table() -> ClaimTable:
    """The function's claim table as the handler finds it: through its environment variable."""
    table = table_from_environment(
        deadline=time.monotonic() + 60.0, policy=RetryPolicy(sleep=lambda _seconds: None)
    )
    assert table is not None, f"{contract.CLAIM_TABLE_VARIABLE} is not set: use claim_table"
    return table


def claim_key(kind: ResourceType, request_id: str, *, logical_id: str | None = None) -> ClaimKey:
    """Where the Create request ``request_id`` of ``kind``'s sample resource keeps its claim."""
    return ClaimKey(resource_key(STACK_ID, logical_id or sample(kind).logical_id), request_id)


def claim_of(kind: ResourceType, request_id: str) -> Claim | None:
    """The claim of that Create request, as the table holds it now."""
    return claim_table().get(claim_key(kind, request_id))


def left_claim(
    kind: ResourceType,
    request_id: str,
    *,
    owner: str = "lambda-request-that-died",
    lease: float | None = None,
    props: Mapping[str, Any] | None = None,
    facts: Mapping[str, str] | None = None,
) -> Claim:
    """The claim a run of the Create ``request_id`` held when it stopped: taken, as the handler
    takes it, by ``owner`` until ``lease`` (by default a lease that ran out a minute ago), with
    the ``facts`` it had noted, and nothing recorded after."""
    table = claim_table()
    claim = table.start(
        claim_key(kind, request_id),
        owner=owner,
        lease=time.time() - 60.0 if lease is None else lease,
        fingerprint=fingerprint(kind.type_name, props or properties(kind), kind.replacing),
    )
    assert claim is not None, f"request {request_id} was claimed already"
    return table.note(claim, facts) if facts else claim
