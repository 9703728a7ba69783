"""Custom::ChimeProxySession (``proxy_session_resource``): its spec, ids and Data, and the type end
to end through the real index.handler with a Stubber on its real client.

Every call the handler makes is queued with the parameters it must carry; the Stubber fails on an
unexpected call or a parameter out of place, and the ``stub`` fixture on a call left unmade. How
a Create finds and settles its one session is ``test_proxy_session_dedup.py``'s.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber
from botocore.validate import validate_parameters

import cfn_request
import proxy_contract as contract
from cfn_request import CfnRequest
from proxy_session_resource import (
    SessionSpec,
    parse_physical_id,
    physical_resource_id,
    response_data,
)
from resource_types import PROXY_SESSION
from tests.helpers import PARTICIPANTS, VC_ID, Invoke, event, job, properties, sample
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


def spec(**overrides: Any) -> SessionSpec:
    return SessionSpec.of(job(KIND, **overrides))


# The pure parts ---------------------------------------------------------------------------------


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


# Through the handler ----------------------------------------------------------------------------


def test_create_makes_one_session_and_answers_its_id(stub: Stubber, invoke: Invoke) -> None:
    made = proxy_session("s-1")
    expect_listing(stub, [])
    expect_create(stub, made)
    expect_listing(stub, [made])
    body = create(invoke)
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == f"chime-created-proxy-session:{VC_ID}:s-1"
    assert body["Data"] == {
        "ProxySessionId": "s-1",
        "Status": "Open",
        "ExpiryMinutes": "60",
        "Capabilities": "Voice,SMS",
        "ProxyPhoneNumbers": PROXY_NUMBER,
    }


def test_every_setting_goes_to_create_and_a_given_name_is_the_mark(
    stub: Stubber, invoke: Invoke
) -> None:
    made = proxy_session("s-1", name="Help line 7", GeoMatchLevel="AreaCode", GeoMatchParams=GEO)
    expect_listing(stub, [])
    expect_create(
        stub,
        made,
        Name="Help line 7",
        NumberSelectionBehavior="AvoidSticky",
        GeoMatchLevel="AreaCode",
        GeoMatchParams=GEO,
        ExpiryMinutes=120,
    )
    expect_listing(stub, [made])
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


def test_a_repeated_create_adopts_the_session_instead_of_making_another(
    stub: Stubber, invoke: Invoke
) -> None:
    expect_listing(stub, [proxy_session("s-1")])  # no create_proxy_session queued
    body = create(invoke)
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == physical_resource_id(VC_ID, "s-1")


def test_a_concurrent_duplicate_that_came_first_wins_and_ours_is_deleted(
    stub: Stubber, invoke: Invoke
) -> None:
    twin, own = proxy_session("s-twin", seconds=0.0), proxy_session("s-own", seconds=0.2)
    expect_listing(stub, [])
    expect_create(stub, own)
    expect_listing(stub, [twin, own])
    expect_delete(stub, "s-own")
    assert create(invoke)["PhysicalResourceId"] == physical_resource_id(VC_ID, "s-twin")


def test_an_adopted_session_gets_the_declared_capabilities(stub: Stubber, invoke: Invoke) -> None:
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
    assert create(invoke)["Data"]["Capabilities"] == "Voice,SMS"


def test_a_failed_look_for_duplicates_answers_the_created_session(
    stub: Stubber, invoke: Invoke, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    expect_listing(stub, [])
    expect_create(stub, proxy_session("s-1"))
    stub.add_client_error("list_proxy_sessions", "ForbiddenException", "denied", 403)
    body = create(invoke)
    assert (body["Status"], body["PhysicalResourceId"]) == (
        "SUCCESS",
        physical_resource_id(VC_ID, "s-1"),
    )
    assert f"Other sessions named {MARKER!r} may exist" in caplog.text


def test_a_failed_create_names_the_call_and_its_rollback_calls_nothing(
    stub: Stubber, invoke: Invoke
) -> None:
    expect_listing(stub, [])
    stub.add_client_error(
        "create_proxy_session", "BadRequestException", "call PutVoiceConnectorProxy first", 400
    )
    body = create(invoke)
    assert body["Status"] == "FAILED"
    assert "CreateProxySession rejected the request" in body["Reason"]
    assert "PutVoiceConnectorProxy" in body["Reason"]
    assert cfn_request.is_failed_create(body["PhysicalResourceId"])
    deleted = invoke(
        lambda url: session_event("Delete", url, physical_id=body["PhysicalResourceId"])
    )
    assert deleted["Status"] == "SUCCESS"


def test_a_forbidden_listing_names_the_action(stub: Stubber, invoke: Invoke) -> None:
    stub.add_client_error("list_proxy_sessions", "ForbiddenException", "denied", 403)
    body = create(invoke)
    assert body["Status"] == "FAILED"
    assert "chime:ListProxySessions" in body["Reason"]


@pytest.mark.parametrize(
    "changed",
    [
        {"Capabilities": ["Voice"]},
        {"ExpiryMinutes": "30"},
        {"RemovalPolicy": "Retain"},
        {"ServiceTimeout": "300"},
    ],
)
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
    stub: Stubber, invoke: Invoke, changed: dict[str, Any]
) -> None:
    props = session_properties(**changed)
    participants = tuple(props["ParticipantPhoneNumbers"])
    made = proxy_session("s-new", name=props.get("Name", MARKER), participants=participants)
    # The old session still matches every reported setting: only its id keeps it out.
    old = proxy_session(OLD_ID, name=props.get("Name", MARKER), participants=participants)
    create_params = {
        key: value
        for key, value in changed.items()
        if key not in ("ParticipantPhoneNumbers", "Name")
    }
    expect_listing(stub, [old])
    expect_create(
        stub,
        made,
        ParticipantPhoneNumbers=list(participants),
        Name=props.get("Name", MARKER),
        **create_params,
    )
    expect_listing(stub, [old, made])
    body = invoke(
        lambda url: session_event("Update", url, props=props, physical_id=OLD_PHYSICAL_ID)
    )
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == physical_resource_id(VC_ID, "s-new")


def test_the_rollback_of_a_replacement_goes_back_to_the_old_session(
    stub: Stubber, invoke: Invoke
) -> None:
    """CloudFormation's rollback Update: old properties, the replacement's id. The old session
    still exists (the cleanup that would end it never ran): it is adopted, nothing is created."""
    new_props = session_properties(NumberSelectionBehavior="AvoidSticky")
    replacement = proxy_session("s-new", seconds=60, NumberSelectionBehavior="AvoidSticky")
    expect_listing(stub, [proxy_session(OLD_ID), replacement])
    body = invoke(
        lambda url: session_event(
            "Update",
            url,
            props=session_properties(),
            old_props=new_props,
            physical_id=physical_resource_id(VC_ID, "s-new"),
        )
    )
    assert body["PhysicalResourceId"] == OLD_PHYSICAL_ID


def test_delete_with_destroy_ends_the_session(stub: Stubber, invoke: Invoke) -> None:
    expect_delete(stub, OLD_ID)
    body = invoke(lambda url: session_event("Delete", url, physical_id=OLD_PHYSICAL_ID))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", OLD_PHYSICAL_ID)


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
    stub: Stubber, invoke: Invoke, removal_policy: str, physical_id: str
) -> None:
    props = session_properties(RemovalPolicy=removal_policy)
    body = invoke(lambda url: session_event("Delete", url, props=props, physical_id=physical_id))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", physical_id)


def test_the_default_removal_policy_is_destroy(stub: Stubber, invoke: Invoke) -> None:
    expect_delete(stub, OLD_ID)
    props = session_properties(RemovalPolicy=None)
    body = invoke(
        lambda url: session_event("Delete", url, props=props, physical_id=OLD_PHYSICAL_ID)
    )
    assert body["Status"] == "SUCCESS"


def test_throttled_calls_are_retried(stub: Stubber, invoke: Invoke, sleeps: list[float]) -> None:
    made = proxy_session("s-1")
    stub.add_client_error("list_proxy_sessions", "ThrottledClientException", "slow", 429)
    expect_listing(stub, [])
    stub.add_client_error("create_proxy_session", "ServiceUnavailableException", "busy", 503)
    expect_create(stub, made)
    expect_listing(stub, [made])
    assert create(invoke)["Status"] == "SUCCESS"
    assert len(sleeps) == 2


def test_no_participant_number_in_logs_reasons_or_data(
    stub: Stubber, invoke: Invoke, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the function's own level
    made = proxy_session("s-1")
    expect_listing(stub, [])
    expect_create(stub, made)
    expect_listing(stub, [made])
    bodies = [create(invoke)]
    expect_listing(stub, [])
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
