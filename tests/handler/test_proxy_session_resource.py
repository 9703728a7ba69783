"""Custom::ChimeProxySession (``proxy_session_resource``): its spec, ids and Data, and the type end
to end through the real index.handler with a Stubber on its real client and a claim table of its
own.

Every call the handler makes is queued with the parameters it must carry; the Stubber fails on an
unexpected call or a parameter out of place, and the ``stub`` fixture on a call left unmade. A
Create makes one call, CreateProxySession, under its request's claim: a repeated delivery answers
from the claim's record, and only a run that takes over a claim left by a run that died lists the
voice connector for the session that run made. How that look-up finds and settles the resource's
sessions is ``test_proxy_session_dedup.py``'s.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber
from botocore.validate import validate_parameters

import cfn_request
import claims
import proxy_contract as contract
from cfn_request import CfnRequest
from chime_calls import RetryPolicy
from harness.emulator import ChimeVoiceEmulator
from harness.response_sink import ResponseSink
from proxy_session_resource import (
    SessionSpec,
    parse_physical_id,
    physical_resource_id,
    response_data,
)
from resource_types import PROXY_SESSION
from tests.claim_tables import ClaimTableInfo
from tests.helpers import (
    OWN_REGION,
    PARTICIPANTS,
    VC_ID,
    Invoke,
    LambdaContext,
    claim_key,
    claim_of,
    claim_table,
    event,
    invoke_in,
    job,
    left_claim,
    new_request_id,
    properties,
    sample,
)
from tests.session_helpers import (
    LOGICAL_ID,
    MARKER,
    PROXY_NUMBER,
    expect_create,
    expect_delete,
    expect_listing,
    proxy_session,
)

KIND = PROXY_SESSION
OLD_ID = "s-old"
OLD_PHYSICAL_ID = sample(KIND).physical_id
session_event = functools.partial(event, kind=KIND)
session_properties = functools.partial(properties, KIND)
GEO = {"Country": "US", "AreaCode": "206"}
# Every optional setting given.
FULL = {
    "Name": "Help line 7",
    "NumberSelectionBehavior": "AvoidSticky",
    "GeoMatchLevel": "AreaCode",
    "GeoMatchParams": GEO,
    "ExpiryMinutes": "120",
}


def create(invoke: Invoke, **options: Any) -> dict[str, Any]:
    return invoke(lambda url: session_event("Create", url, **options))


def request_id_of(body: dict[str, Any]) -> str:
    """The RequestId of the request that ``body`` answered."""
    request_id: str = body["_event"]["RequestId"]
    return request_id


def spec(**overrides: Any) -> SessionSpec:
    return SessionSpec.of(job(KIND, **overrides))


# The pure parts -----------------------------------------------------------------------------------


def test_the_spec_holds_the_parsed_properties() -> None:
    assert spec(**FULL) == SessionSpec(
        voice_connector_id=VC_ID,
        participants=PARTICIPANTS,
        capabilities=("Voice", "SMS"),
        expiry_minutes=120,
        name="Help line 7",
        number_selection_behavior="AvoidSticky",
        geo_match_level="AreaCode",
        geo_match_params=GEO,
    )


def test_the_create_request_is_valid_for_botocore_and_leaves_out_what_is_unset() -> None:
    model = botocore.session.get_session().get_service_model("chime-sdk-voice")
    shape = model.operation_model("CreateProxySession").input_shape
    assert shape is not None
    bare = spec(ExpiryMinutes=None).create_request("cfn HelpLine X")
    assert bare == {
        "VoiceConnectorId": VC_ID,
        "ParticipantPhoneNumbers": list(PARTICIPANTS),
        "Capabilities": ["Voice", "SMS"],
        "Name": "cfn HelpLine X",
    }
    full = spec(NumberSelectionBehavior="PreferSticky", GeoMatchLevel="Country", GeoMatchParams=GEO)
    request = full.create_request("Help line 7")
    assert request["GeoMatchParams"] == GEO
    assert (request["NumberSelectionBehavior"], request["GeoMatchLevel"]) == (
        "PreferSticky",
        "Country",
    )
    for each in (bare, request):
        validate_parameters(each, shape)  # raises ParamValidationError if not


def test_the_update_request_carries_capabilities_and_any_expiry() -> None:
    assert spec().update_request("s-1") == {
        "VoiceConnectorId": VC_ID,
        "ProxySessionId": "s-1",
        "Capabilities": ["Voice", "SMS"],
        "ExpiryMinutes": 60,
    }
    assert "ExpiryMinutes" not in spec(ExpiryMinutes=None).update_request("s-1")


@pytest.mark.parametrize(
    ("overrides", "session", "differs"),
    [
        ({}, {"Capabilities": ["SMS", "Voice"], "ExpiryMinutes": 60}, False),
        ({}, {"Capabilities": ["Voice"], "ExpiryMinutes": 60}, True),
        ({}, {"Capabilities": ["Voice", "SMS"], "ExpiryMinutes": 30}, True),
        ({"ExpiryMinutes": None}, {"Capabilities": ["Voice", "SMS"], "ExpiryMinutes": 30}, False),
        ({}, {}, True),
    ],
)
def test_a_session_differs_by_its_capabilities_or_declared_expiry(
    overrides: dict[str, Any], session: dict[str, Any], differs: bool
) -> None:
    assert spec(**overrides).differs_from(session) is differs


def test_the_owner_key_is_the_name_given_or_the_marker() -> None:
    request = CfnRequest.from_event(session_event("Update", "https://example.invalid/r"))
    marked = spec().owner_key(request, exclude="s-old")
    assert (marked.name, marked.label, marked.exclude) == (MARKER, f"named {MARKER!r}", "s-old")
    assert marked.participants == frozenset(PARTICIPANTS)
    named = spec(Name="Help line 7", GeoMatchLevel="Country").owner_key(request, exclude=None)
    assert (named.name, named.label) == ("Help line 7", "with the Name given")
    assert named.geo_match_level == "Country"
    assert request.logical_resource_id == LOGICAL_ID


def test_participants_and_names_stay_out_of_reprs() -> None:
    given = job(KIND, Name="Help line 7")
    for text in (repr(SessionSpec.of(given)), repr(given), repr(given.properties)):
        assert "Help line 7" not in text
        for phone in PARTICIPANTS:
            assert phone.lstrip("+") not in text


def test_physical_ids_round_trip() -> None:
    physical_id = physical_resource_id(VC_ID, "3b1e9f5a-6c2d")
    assert physical_id == f"chime-created-proxy-session:{VC_ID}:3b1e9f5a-6c2d"
    assert physical_id.startswith(KIND.physical_id_prefix)
    assert parse_physical_id(physical_id) == (VC_ID, "3b1e9f5a-6c2d")
    assert parse_physical_id(physical_resource_id(VC_ID, "a:b")) == (VC_ID, "a:b")
    assert parse_physical_id(OLD_PHYSICAL_ID) == (VC_ID, OLD_ID)
    for other in (None, "", "create-failed:r-1", "chime-proxy-session:x:y", f"{physical_id[:28]}"):
        assert parse_physical_id(other) is None


def test_data_holds_the_proxy_numbers_never_the_participants() -> None:
    session = proxy_session("s-1", EndedTimestamp=datetime(2026, 1, 1, tzinfo=UTC))
    session["Participants"][1]["ProxyPhoneNumber"] = "+18885550143"
    data = response_data(session)
    assert data[contract.ATTR_PROXY_PHONE_NUMBERS] == "+18885550142,+18885550143"
    assert tuple(data) == KIND.attributes
    for phone in PARTICIPANTS:
        assert phone not in repr(data)
    assert response_data({}) == dict.fromkeys(KIND.attributes, "")


# Through the handler ------------------------------------------------------------------------------

# The Data of the sample session, s-1, as the service answers it.
S1_DATA = {
    "ProxySessionId": "s-1",
    "Status": "Open",
    "ExpiryMinutes": "60",
    "Capabilities": "Voice,SMS",
    "ProxyPhoneNumbers": PROXY_NUMBER,
}


def test_create_makes_one_session_with_one_call_and_records_it(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    expect_create(stub, proxy_session("s-1"))
    body = create(invoke)
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == f"chime-created-proxy-session:{VC_ID}:s-1"
    assert body["Data"] == S1_DATA
    assert api_calls == ["CreateProxySession"]  # no listing before or after
    claim = claim_of(KIND, request_id_of(body))
    assert claim is not None
    assert (claim.state, claim.physical_id, dict(claim.data)) == (
        claims.MADE,
        body["PhysicalResourceId"],
        S1_DATA,
    )


def test_every_setting_goes_to_create_and_a_given_name_is_the_mark(
    stub: Stubber, invoke: Invoke
) -> None:
    made = proxy_session("s-1", name="Help line 7", GeoMatchLevel="AreaCode", GeoMatchParams=GEO)
    expect_create(
        stub,
        made,
        Name="Help line 7",
        NumberSelectionBehavior="AvoidSticky",
        GeoMatchLevel="AreaCode",
        GeoMatchParams=GEO,
        ExpiryMinutes=120,
    )
    # The service answered another expiry than the one declared: it is applied.
    stub.add_response(
        "update_proxy_session",
        {"ProxySession": {**made, "ExpiryMinutes": 120}},
        {
            "VoiceConnectorId": VC_ID,
            "ProxySessionId": "s-1",
            "Capabilities": ["Voice", "SMS"],
            "ExpiryMinutes": 120,
        },
    )
    body = create(invoke, props=session_properties(**FULL))
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"]["ExpiryMinutes"] == "120"


def test_a_repeated_delivery_answers_the_same_id_with_no_call(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    expect_create(stub, proxy_session("s-1"))
    request_id = new_request_id()
    first = create(invoke, request_id=request_id)
    again = create(invoke, request_id=request_id)
    assert (first["Status"], again["Status"]) == ("SUCCESS", "SUCCESS")
    assert again["PhysicalResourceId"] == first["PhysicalResourceId"]
    assert again["PhysicalResourceId"] == physical_resource_id(VC_ID, "s-1")
    assert again["Data"] == first["Data"] == S1_DATA
    assert api_calls == ["CreateProxySession"]


def test_another_request_of_the_resource_makes_its_own_session(
    stub: Stubber, invoke: Invoke
) -> None:
    """The claim is the request's, not the resource's: a new RequestId is new work."""
    expect_create(stub, proxy_session("s-1"))
    expect_create(stub, proxy_session("s-2"))
    ids = [create(invoke)["PhysicalResourceId"] for _ in range(2)]
    assert ids == [physical_resource_id(VC_ID, "s-1"), physical_resource_id(VC_ID, "s-2")]


def test_a_delivery_waits_for_a_live_run_and_answers_from_its_record(
    stub: Stubber,
    invoke: Invoke,
    api_calls: list[str],
    index_module: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two deliveries at once: the second finds the first's claim in flight, waits, and answers
    what the first recorded, with no call of its own."""
    request_id = new_request_id()
    holder = left_claim(KIND, request_id, owner="live-run", lease=time.time() + 600)
    waited: list[float] = []

    def holder_finishes(seconds: float) -> None:
        if not waited:
            claim_table().made(holder, physical_resource_id(VC_ID, "s-1"), S1_DATA)
        waited.append(seconds)

    monkeypatch.setattr(index_module, "RetryPolicy", lambda: RetryPolicy(sleep=holder_finishes))
    body = create(invoke, request_id=request_id)
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == physical_resource_id(VC_ID, "s-1")
    assert body["Data"] == S1_DATA
    assert len(waited) == 1
    assert api_calls == []


def test_a_delivery_that_cannot_outwait_a_live_run_fails_without_a_call(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    request_id = new_request_id()
    left_claim(KIND, request_id, owner="live-run", lease=time.time() + 600)
    # 20 s of Lambda time, less 8 s kept for the answer, leaves no room to wait.
    body = invoke(lambda url: session_event("Create", url, request_id=request_id), timeout=20.0)
    assert body["Status"] == "FAILED"
    assert f"Another run of request {request_id} (Lambda request live-run)" in body["Reason"]
    assert "Nothing was created by this run" in body["Reason"]
    assert api_calls == []
    claim = claim_of(KIND, request_id)
    assert claim is not None
    assert (claim.state, claim.owner) == (claims.CLAIMED, "live-run")


def test_a_reason_names_the_request_as_cloudformation_sent_it(
    stub: Stubber, invoke: Invoke
) -> None:
    """A RequestId is a UUID: a group of digits alone is part of the id, not a phone number,
    and the Reason that names the request must show it whole."""
    request_id = "12345678-aaaa-4bbb-8ccc-123456789012"
    left_claim(KIND, request_id, owner="live-run", lease=time.time() + 600)
    body = invoke(lambda url: session_event("Create", url, request_id=request_id), timeout=20.0)
    assert body["Status"] == "FAILED"
    assert f"Another run of request {request_id} (Lambda request live-run)" in body["Reason"]


def test_a_claim_changed_by_hand_is_not_trusted(
    stub: Stubber, invoke: Invoke, api_calls: list[str], claim_table: ClaimTableInfo
) -> None:
    request_id = new_request_id()
    claim_table.server.client().put_item(
        TableName=claim_table.name,
        Item={
            **claim_key(KIND, request_id).item_key(),
            "State": {"S": "done"},
            "Owner": {"S": "someone"},
            "Lease": {"N": "1"},
            "Fingerprint": {"S": "f"},
        },
    )
    body = create(invoke, request_id=request_id)
    assert body["Status"] == "FAILED"
    assert f"The claim of request {request_id} in the claim table" in body["Reason"]
    assert "is malformed (State 'done' is not one of" in body["Reason"]
    assert "not trusted" in body["Reason"]
    assert api_calls == []


# A run that takes over from one that died ---------------------------------------------------------


def test_a_run_that_takes_over_adopts_the_session_the_dead_run_made(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    request_id = new_request_id()
    left_claim(KIND, request_id)  # its lease ran out: the run died
    expect_listing(stub, [proxy_session("s-1")])  # no create_proxy_session queued
    body = create(invoke, request_id=request_id)
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == physical_resource_id(VC_ID, "s-1")
    assert body["Data"] == S1_DATA
    assert api_calls == ["ListProxySessions", "ListProxySessions"]
    claim = claim_of(KIND, request_id)
    assert claim is not None
    assert (claim.state, claim.physical_id) == (
        claims.MADE,
        body["PhysicalResourceId"],
    )


def test_lambdas_retry_of_the_same_invocation_looks_then_creates(
    stub: Stubber, trust_sink: ResponseSink, index_module: Any, api_calls: list[str]
) -> None:
    """Lambda retries a crashed invocation with its request id: its claim is taken over at once,
    though the lease has not run out; the dead run made nothing, so the retry creates."""
    request_id, invocation = new_request_id(), new_request_id()
    left_claim(KIND, request_id, owner=invocation, lease=time.time() + 600)
    expect_listing(stub, [proxy_session("s-other", name="cfn Other 4H7Q2MZK3ABCDE")])
    expect_create(stub, proxy_session("s-1"))
    body = invoke_in(
        trust_sink,
        index_module,
        lambda url: session_event("Create", url, request_id=request_id),
        LambdaContext(aws_request_id=invocation),
    )
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == physical_resource_id(VC_ID, "s-1")
    assert api_calls == ["ListProxySessions", "ListProxySessions", "CreateProxySession"]


def test_of_the_sessions_dead_runs_made_the_first_is_kept_and_later_ones_deleted(
    stub: Stubber, invoke: Invoke
) -> None:
    request_id = new_request_id()
    left_claim(KIND, request_id)
    first, later = proxy_session("s-first", seconds=0.0), proxy_session("s-later", seconds=0.2)
    expect_listing(stub, [later, first])
    expect_delete(stub, "s-later")
    body = create(invoke, request_id=request_id)
    assert body["PhysicalResourceId"] == physical_resource_id(VC_ID, "s-first")


def test_an_adopted_session_gets_the_declared_capabilities(stub: Stubber, invoke: Invoke) -> None:
    request_id = new_request_id()
    left_claim(KIND, request_id)
    expect_listing(stub, [proxy_session("s-1", capabilities=("Voice",))])
    stub.add_response(
        "update_proxy_session",
        {"ProxySession": proxy_session("s-1")},
        {
            "VoiceConnectorId": VC_ID,
            "ProxySessionId": "s-1",
            "Capabilities": ["Voice", "SMS"],
            "ExpiryMinutes": 60,
        },
    )
    assert create(invoke, request_id=request_id)["Data"]["Capabilities"] == "Voice,SMS"


def test_a_duplicate_that_cannot_be_deleted_leaves_the_kept_session_answered(
    stub: Stubber, invoke: Invoke, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    request_id = new_request_id()
    left_claim(KIND, request_id)
    expect_listing(stub, [proxy_session("s-1"), proxy_session("s-2", seconds=1)])
    stub.add_client_error("delete_proxy_session", "ForbiddenException", "denied", 403)
    body = create(invoke, request_id=request_id)
    assert (body["Status"], body["PhysicalResourceId"]) == (
        "SUCCESS",
        physical_resource_id(VC_ID, "s-1"),
    )
    assert "Could not delete duplicate s-2: ForbiddenException" in caplog.text


def test_a_forbidden_listing_names_the_action(stub: Stubber, invoke: Invoke) -> None:
    request_id = new_request_id()
    left_claim(KIND, request_id)
    stub.add_client_error("list_proxy_sessions", "ForbiddenException", "denied", 403)
    body = create(invoke, request_id=request_id)
    assert body["Status"] == "FAILED"
    assert "chime:ListProxySessions" in body["Reason"]
    claim = claim_of(KIND, request_id)
    assert claim is not None
    assert claim.state == claims.FAILED


@pytest.mark.parametrize("found", [True, False], ids=["it made one", "it made none"])
def test_the_rollback_delete_of_a_create_whose_run_died_ends_the_session_it_made(
    stub: Stubber, invoke: Invoke, api_calls: list[str], found: bool
) -> None:
    request_id = new_request_id()
    left_claim(KIND, request_id)
    expect_listing(stub, [proxy_session("s-1")] if found else [])
    if found:
        expect_delete(stub, "s-1")
    marker = cfn_request.failed_create_physical_id(request_id)
    body = invoke(lambda url: session_event("Delete", url, physical_id=marker))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", marker)
    deleted = ["DeleteProxySession"] if found else []
    assert api_calls == ["ListProxySessions", "ListProxySessions", *deleted]
    claim = claim_of(KIND, request_id)
    assert claim is not None
    assert claim.state == claims.ENDED


def test_a_delete_whose_create_never_answered_ends_what_that_create_made(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    """The Create made and recorded its session, but its answer never reached CloudFormation:
    the Delete carries an id the function never issued and finds the Create's claim by the
    properties that would replace the session. Another generation's find nothing."""
    expect_create(stub, proxy_session("s-1"))
    created = create(invoke)
    unknown = "ChimeSessionFromATimedOutCreate"
    other = invoke(
        lambda url: session_event(
            "Delete", url, props=session_properties(Name="Other line"), physical_id=unknown
        )
    )
    assert other["Status"] == "SUCCESS", other["Reason"]
    assert api_calls == ["CreateProxySession"]
    expect_delete(stub, "s-1")
    body = invoke(lambda url: session_event("Delete", url, physical_id=unknown))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", unknown)
    assert api_calls == ["CreateProxySession", "DeleteProxySession"]
    claim = claim_of(KIND, request_id_of(created))
    assert claim is not None
    assert claim.state == claims.ENDED


# A failed Create ----------------------------------------------------------------------------------


def test_a_failed_create_names_the_call_and_its_rollback_calls_nothing(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    stub.add_client_error(
        "create_proxy_session", "BadRequestException", "call PutVoiceConnectorProxy first", 400
    )
    body = create(invoke)
    assert body["Status"] == "FAILED"
    assert "CreateProxySession rejected the request" in body["Reason"]
    assert "PutVoiceConnectorProxy" in body["Reason"]
    assert cfn_request.is_failed_create(body["PhysicalResourceId"])
    claim = claim_of(KIND, request_id_of(body))
    assert claim is not None
    assert (claim.state, claim.physical_id) == (claims.FAILED, "")
    deleted = invoke(
        lambda url: session_event("Delete", url, physical_id=body["PhysicalResourceId"])
    )
    assert deleted["Status"] == "SUCCESS"
    assert api_calls == ["CreateProxySession"]


@pytest.mark.parametrize("policy", ["Destroy", "Retain"])
def test_the_rollback_of_a_create_that_failed_after_making_its_session_follows_the_policy(
    stub: Stubber, invoke: Invoke, api_calls: list[str], policy: str
) -> None:
    """The session was made, then applying the declared capabilities failed: the claim keeps
    what was made, and the rollback Delete ends it (Destroy) or leaves it (Retain)."""
    expect_create(stub, proxy_session("s-1", capabilities=("Voice",)))
    stub.add_client_error("update_proxy_session", "BadRequestException", "Session closed", 400)
    props = session_properties(RemovalPolicy=policy)
    created = create(invoke, props=props)
    assert created["Status"] == "FAILED"
    marker = created["PhysicalResourceId"]
    assert cfn_request.is_failed_create(marker)
    claim = claim_of(KIND, request_id_of(created))
    assert claim is not None
    assert (claim.state, claim.physical_id) == (claims.FAILED, physical_resource_id(VC_ID, "s-1"))
    if policy == "Destroy":
        expect_delete(stub, "s-1")
    deleted = invoke(lambda url: session_event("Delete", url, props=props, physical_id=marker))
    assert (deleted["Status"], deleted["PhysicalResourceId"]) == ("SUCCESS", marker)
    ended = ["DeleteProxySession"] if policy == "Destroy" else []
    assert api_calls == ["CreateProxySession", "UpdateProxySession", *ended]
    claim = claim_of(KIND, request_id_of(created))
    assert claim is not None
    assert claim.state == claims.ENDED


def test_the_rollback_of_a_create_refused_for_its_properties_succeeds(
    invoke: Invoke, api_calls: list[str]
) -> None:
    """A Create refused for a bad value answers the failed-Create marker; CloudFormation's
    rollback Delete carries the same bad value and must succeed, or the stack is stuck in
    ROLLBACK_FAILED."""
    props = session_properties(ParticipantPhoneNumbers=[PARTICIPANTS[0]])
    created = create(invoke, props=props)
    assert created["Status"] == "FAILED"
    marker = created["PhysicalResourceId"]
    assert cfn_request.is_failed_create(marker)
    deleted = invoke(lambda url: session_event("Delete", url, props=props, physical_id=marker))
    assert (deleted["Status"], deleted["PhysicalResourceId"]) == ("SUCCESS", marker), deleted[
        "Reason"
    ]
    assert api_calls == []


# Update -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("changed", [{"Capabilities": ["Voice"]}, {"ExpiryMinutes": "30"}])
def test_an_in_place_update_keeps_the_session(
    stub: Stubber, invoke: Invoke, changed: dict[str, Any]
) -> None:
    props = session_properties(**changed)
    request: dict[str, Any] = {
        "VoiceConnectorId": VC_ID,
        "ProxySessionId": OLD_ID,
        "Capabilities": props["Capabilities"],
        "ExpiryMinutes": int(props["ExpiryMinutes"]),
    }
    stub.add_response("update_proxy_session", {"ProxySession": proxy_session(OLD_ID)}, request)
    body = invoke(
        lambda url: session_event("Update", url, props=props, physical_id=OLD_PHYSICAL_ID)
    )
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", OLD_PHYSICAL_ID)


@pytest.mark.parametrize(
    "changed",
    [
        {"RemovalPolicy": "Retain"},
        {"ServiceTimeout": "300"},
        {"RemovalPolicy": "Retain", "ServiceTimeout": "1"},
    ],
    ids=["RemovalPolicy", "ServiceTimeout", "both"],
)
def test_a_removal_policy_only_update_answers_the_record_with_no_call(
    stub: Stubber, invoke: Invoke, api_calls: list[str], changed: dict[str, Any]
) -> None:
    expect_create(stub, proxy_session("s-1"))
    created = create(invoke)
    assert created["Status"] == "SUCCESS", created["Reason"]
    body = invoke(
        lambda url: session_event(
            "Update",
            url,
            props=session_properties(**changed),
            physical_id=created["PhysicalResourceId"],
        )
    )
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == created["PhysicalResourceId"]
    assert body["Data"] == S1_DATA
    assert api_calls == ["CreateProxySession"]


def test_a_removal_policy_only_update_answers_the_declared_values_of_a_session_it_has_no_record_of(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    """A session made before the claim table existed: what the service holds is not known
    without a call, so its status and proxy numbers are empty."""
    body = invoke(
        lambda url: session_event(
            "Update",
            url,
            props=session_properties(RemovalPolicy="Retain", ExpiryMinutes=None),
            old_props=session_properties(ExpiryMinutes=None),
            physical_id=OLD_PHYSICAL_ID,
        )
    )
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", OLD_PHYSICAL_ID)
    assert body["Data"] == {
        "ProxySessionId": OLD_ID,
        "Status": "",
        "ExpiryMinutes": "",
        "Capabilities": "Voice,SMS",
        "ProxyPhoneNumbers": "",
    }
    assert api_calls == []


def test_an_in_place_update_needs_a_session_this_type_issued(stub: Stubber, invoke: Invoke) -> None:
    body = invoke(
        lambda url: session_event(
            "Update", url, props=session_properties(ExpiryMinutes="30"), physical_id="other-id"
        )
    )
    assert body["Status"] == "FAILED"
    assert (
        "PhysicalResourceId 'other-id' was not issued by Custom::ChimeProxySession"
        in body["Reason"]
    )


@pytest.mark.parametrize(
    "changed",
    [
        {"ParticipantPhoneNumbers": [PARTICIPANTS[0], "+14255550100"]},
        {"Name": "Renamed line"},
        {"NumberSelectionBehavior": "PreferSticky"},
        {"GeoMatchLevel": "Country"},
        {"GeoMatchParams": {"Country": "US", "AreaCode": "425"}},
    ],
)
def test_any_other_change_creates_a_new_session(
    stub: Stubber, invoke: Invoke, api_calls: list[str], changed: dict[str, Any]
) -> None:
    props = session_properties(**changed)
    participants = tuple(props["ParticipantPhoneNumbers"])
    made = proxy_session("s-new", name=props.get("Name", MARKER), participants=participants)
    create_params = {
        key: value
        for key, value in changed.items()
        if key not in ("ParticipantPhoneNumbers", "Name")
    }
    expect_create(
        stub,
        made,
        ParticipantPhoneNumbers=list(participants),
        Name=props.get("Name", MARKER),
        **create_params,
    )
    body = invoke(
        lambda url: session_event("Update", url, props=props, physical_id=OLD_PHYSICAL_ID)
    )
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == physical_resource_id(VC_ID, "s-new")
    assert api_calls == ["CreateProxySession"]
    claim = claim_of(KIND, request_id_of(body))
    assert claim is not None
    assert claim.physical_id == body["PhysicalResourceId"]


# Delete -------------------------------------------------------------------------------------------


def test_delete_with_destroy_ends_the_session(stub: Stubber, invoke: Invoke) -> None:
    expect_delete(stub, OLD_ID)
    body = invoke(lambda url: session_event("Delete", url, physical_id=OLD_PHYSICAL_ID))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", OLD_PHYSICAL_ID)


@pytest.mark.parametrize("policy", ["Destroy", "Retain"])
def test_a_delete_ends_the_claim_of_the_create_it_undoes(
    stub: Stubber, invoke: Invoke, api_calls: list[str], policy: str
) -> None:
    expect_create(stub, proxy_session("s-1"))
    created = create(invoke)
    if policy == "Destroy":
        expect_delete(stub, "s-1")
    physical_id = created["PhysicalResourceId"]
    props = session_properties(RemovalPolicy=policy)
    body = invoke(lambda url: session_event("Delete", url, props=props, physical_id=physical_id))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", physical_id)
    ended = ["DeleteProxySession"] if policy == "Destroy" else []
    assert api_calls == ["CreateProxySession", *ended]
    claim = claim_of(KIND, request_id_of(created))
    assert claim is not None
    assert claim.state == claims.ENDED
    # A late duplicate of that Create makes nothing now.
    late = create(invoke, request_id=request_id_of(created))
    assert late["Status"] == "FAILED"
    assert "has since been deleted" in late["Reason"]
    assert api_calls == ["CreateProxySession", *ended]


def test_destroy_of_a_session_already_gone_succeeds(stub: Stubber, invoke: Invoke) -> None:
    stub.add_client_error("delete_proxy_session", "NotFoundException", "gone", 404)
    body = invoke(lambda url: session_event("Delete", url, physical_id=OLD_PHYSICAL_ID))
    assert body["Status"] == "SUCCESS"


def test_destroy_that_is_forbidden_names_the_action(stub: Stubber, invoke: Invoke) -> None:
    stub.add_client_error("delete_proxy_session", "ForbiddenException", "denied", 403)
    body = invoke(lambda url: session_event("Delete", url, physical_id=OLD_PHYSICAL_ID))
    assert body["Status"] == "FAILED"
    assert "chime:DeleteProxySession" in body["Reason"]


@pytest.mark.parametrize(
    ("removal_policy", "physical_id"),
    [("Retain", OLD_PHYSICAL_ID), ("Destroy", "ChimeSessionFromATimedOutCreate")],
)
def test_delete_that_calls_nothing(
    stub: Stubber, invoke: Invoke, api_calls: list[str], removal_policy: str, physical_id: str
) -> None:
    props = session_properties(RemovalPolicy=removal_policy)
    body = invoke(lambda url: session_event("Delete", url, props=props, physical_id=physical_id))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", physical_id)
    assert api_calls == []


def test_the_default_removal_policy_is_destroy(stub: Stubber, invoke: Invoke) -> None:
    expect_delete(stub, OLD_ID)
    props = session_properties(RemovalPolicy=None)
    body = invoke(
        lambda url: session_event("Delete", url, props=props, physical_id=OLD_PHYSICAL_ID)
    )
    assert body["Status"] == "SUCCESS"


def test_throttled_calls_are_retried(stub: Stubber, invoke: Invoke, sleeps: list[float]) -> None:
    stub.add_client_error("create_proxy_session", "ServiceUnavailableException", "busy", 503)
    expect_create(stub, proxy_session("s-1", capabilities=("Voice",)))
    stub.add_client_error("update_proxy_session", "ThrottledClientException", "slow", 429)
    stub.add_response(
        "update_proxy_session",
        {"ProxySession": proxy_session("s-1")},
        {
            "VoiceConnectorId": VC_ID,
            "ProxySessionId": "s-1",
            "Capabilities": ["Voice", "SMS"],
            "ExpiryMinutes": 60,
        },
    )
    body = create(invoke)
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"]["Capabilities"] == "Voice,SMS"
    assert len(sleeps) == 2


def test_no_participant_number_in_logs_reasons_or_data(
    stub: Stubber, invoke: Invoke, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the function's own level
    expect_create(stub, proxy_session("s-1"))
    bodies = [create(invoke)]
    stub.add_client_error(
        "create_proxy_session", "BadRequestException", f"bad number {PARTICIPANTS[0]}", 400
    )
    bodies.append(create(invoke))
    bad = session_properties(ParticipantPhoneNumbers=[PARTICIPANTS[0], PARTICIPANTS[0]])
    bodies.append(create(invoke, props=bad))
    assert [body["Status"] for body in bodies] == ["SUCCESS", "FAILED", "FAILED"]
    everything = caplog.text + "".join(repr({**body, "_event": None}) for body in bodies)
    for phone in PARTICIPANTS:
        assert phone.lstrip("+") not in everything
    assert PROXY_NUMBER in bodies[0]["Data"]["ProxyPhoneNumbers"]


# The rollback of a replacement, on the emulator ---------------------------------------------------


@pytest.fixture(scope="module")
def emulator() -> Iterator[ChimeVoiceEmulator]:
    """The Chime SDK Voice emulator on loopback, one per module."""
    with ChimeVoiceEmulator() as running:
        yield running


@pytest.fixture
def emu(
    emulator: ChimeVoiceEmulator, index_module: Any, monkeypatch: pytest.MonkeyPatch
) -> ChimeVoiceEmulator:
    """The emulator, emptied, with the voice connector configured; the handler's own client
    calls it."""
    emulator.reset()
    emulator.configure_proxy(VC_ID)
    client = boto3.client(
        "chime-sdk-voice", region_name=OWN_REGION, endpoint_url=emulator.endpoint_url
    )
    monkeypatch.setattr(index_module, "client", client)
    return emulator


def test_the_rollback_of_a_replacement_goes_back_to_the_old_session(
    emu: ChimeVoiceEmulator, invoke: Invoke
) -> None:
    """CloudFormation's rollback Update: old properties, the replacement's id. The old session
    still exists (the cleanup that would end it never ran): the rollback answers its id and
    creates nothing; CloudFormation's cleanup Delete then ends the replacement."""
    created = create(invoke)
    assert created["Status"] == "SUCCESS", created["Reason"]
    new_props = session_properties(NumberSelectionBehavior="AvoidSticky")
    replaced = invoke(
        lambda url: session_event(
            "Update", url, props=new_props, physical_id=created["PhysicalResourceId"]
        )
    )
    assert replaced["Status"] == "SUCCESS", replaced["Reason"]
    assert replaced["PhysicalResourceId"] != created["PhysicalResourceId"]
    back = invoke(
        lambda url: session_event(
            "Update",
            url,
            props=session_properties(),
            old_props=new_props,
            physical_id=replaced["PhysicalResourceId"],
        )
    )
    assert back["Status"] == "SUCCESS", back["Reason"]
    assert back["PhysicalResourceId"] == created["PhysicalResourceId"]
    assert len(emu.sessions(VC_ID)) == 2


def test_the_rollback_of_a_failed_replacement_keeps_the_session(
    emu: ChimeVoiceEmulator, invoke: Invoke
) -> None:
    """A replacing Update that failed keeps the resource's id; CloudFormation's rollback Update
    carries the old properties and that same id, the session those properties made, still open:
    it is kept. A new session would get new proxy numbers, and its new id would make
    CloudFormation end the session the stack had."""
    created = create(invoke)
    assert created["Status"] == "SUCCESS", created["Reason"]
    held = created["PhysicalResourceId"]
    new_props = session_properties(Name="Renamed line")
    emu.faults.forbid("CreateProxySession")
    failed = invoke(lambda url: session_event("Update", url, props=new_props, physical_id=held))
    assert (failed["Status"], failed["PhysicalResourceId"]) == ("FAILED", held)
    emu.faults.allow("CreateProxySession")
    back = invoke(
        lambda url: session_event(
            "Update", url, props=session_properties(), old_props=new_props, physical_id=held
        )
    )
    assert back["Status"] == "SUCCESS", back["Reason"]
    assert back["PhysicalResourceId"] == held
    assert len(emu.sessions(VC_ID)) == 1
