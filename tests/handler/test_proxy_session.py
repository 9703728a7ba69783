"""Custom::ChimeProxySession through the real index.handler, with a Stubber on its real client.

Every call the handler makes is queued with the parameters it must carry; the Stubber fails on an
unexpected call or a parameter out of place, and the ``stub`` fixture on a call left unmade.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from botocore.stub import Stubber

import cfn_request
from proxy_session_resource import physical_resource_id
from tests.helpers import VC_ID, Invoke
from tests.session_helpers import (
    MARKER,
    PARTICIPANTS,
    PROXY_NUMBER,
    expect_create,
    expect_delete,
    expect_list,
    expect_listing,
    proxy_session,
    session_event,
    session_properties,
)

OLD_ID = "s-old"
OLD_PHYSICAL_ID = physical_resource_id(VC_ID, OLD_ID)


def create(invoke: Invoke, **event: Any) -> dict[str, Any]:
    return invoke(lambda url: session_event("Create", url, **event))


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
    geo = {"Country": "US", "AreaCode": "206"}
    made = proxy_session("s-1", name="Help line 7", GeoMatchLevel="AreaCode", GeoMatchParams=geo)
    expect_listing(stub, [])
    expect_create(
        stub,
        made,
        Name="Help line 7",
        NumberSelectionBehavior="AvoidSticky",
        GeoMatchLevel="AreaCode",
        GeoMatchParams=geo,
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
    props = session_properties(
        Name="Help line 7",
        NumberSelectionBehavior="AvoidSticky",
        GeoMatchLevel="AreaCode",
        GeoMatchParams=geo,
        ExpiryMinutes="120",
    )
    body = create(invoke, props=props)
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"]["ExpiryMinutes"] == "120"


def test_a_repeated_create_adopts_the_session_instead_of_making_another(
    stub: Stubber, invoke: Invoke
) -> None:
    expect_listing(stub, [proxy_session("s-1")])  # no create_proxy_session queued
    body = create(invoke)
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == physical_resource_id(VC_ID, "s-1")


def test_an_inprogress_session_is_adopted_too(stub: Stubber, invoke: Invoke) -> None:
    expect_list(stub, "Open", [])
    expect_list(stub, "InProgress", [proxy_session("s-1", status="InProgress")])
    assert create(invoke)["PhysicalResourceId"] == physical_resource_id(VC_ID, "s-1")


def test_every_page_is_read(stub: Stubber, invoke: Invoke) -> None:
    others = [proxy_session(f"x-{n}", name="someone else") for n in range(3)]
    expect_list(stub, "Open", others, more="page-2")
    expect_list(stub, "Open", [proxy_session("s-1")], after="page-2")
    expect_list(stub, "InProgress", [])
    assert create(invoke)["PhysicalResourceId"] == physical_resource_id(VC_ID, "s-1")


def test_sessions_of_others_are_neither_adopted_nor_deleted(stub: Stubber, invoke: Invoke) -> None:
    strangers = [
        proxy_session("x-name", name="cfn Other 4H7Q2MZK3ABCDE"),
        proxy_session("x-phones", participants=(PARTICIPANTS[0], "+14255550100")),
        proxy_session("x-closed", status="Closed"),
        proxy_session(
            "x-geo", GeoMatchLevel="Country", GeoMatchParams={"Country": "US", "AreaCode": "206"}
        ),
    ]
    made = proxy_session("s-1", seconds=5)
    props = session_properties(GeoMatchLevel="AreaCode")
    expect_listing(stub, strangers)
    expect_create(stub, made, GeoMatchLevel="AreaCode")
    expect_listing(stub, [*strangers, made])
    body = create(invoke, props=props)
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


def test_a_later_duplicate_is_deleted_and_ours_kept(stub: Stubber, invoke: Invoke) -> None:
    own, late = proxy_session("s-own", seconds=0.0), proxy_session("s-late", seconds=0.5)
    expect_listing(stub, [])
    expect_create(stub, own)
    expect_listing(stub, [own, late])
    expect_delete(stub, "s-late")
    assert create(invoke)["PhysicalResourceId"] == physical_resource_id(VC_ID, "s-own")


@pytest.mark.parametrize(("own_id", "kept"), [("s-b", "s-a"), ("s-a", "s-a")])
def test_a_tie_in_time_goes_to_the_smaller_id_and_a_twin_is_never_deleted_on_a_tie(
    stub: Stubber, invoke: Invoke, own_id: str, kept: str
) -> None:
    own, twin_id = proxy_session(own_id), "s-a" if own_id == "s-b" else "s-b"
    expect_listing(stub, [])
    expect_create(stub, own)
    expect_listing(stub, [own, proxy_session(twin_id)])
    if own_id != kept:
        expect_delete(stub, own_id)  # ours yields; the twin's own invocation settles the other
    assert create(invoke)["PhysicalResourceId"] == physical_resource_id(VC_ID, kept)


def test_a_duplicate_already_gone_is_fine(stub: Stubber, invoke: Invoke) -> None:
    twin, own = proxy_session("s-twin"), proxy_session("s-own", seconds=1)
    expect_listing(stub, [])
    expect_create(stub, own)
    expect_listing(stub, [twin, own])
    stub.add_client_error("delete_proxy_session", "NotFoundException", "gone", 404)
    body = create(invoke)
    assert (body["Status"], body["PhysicalResourceId"]) == (
        "SUCCESS",
        physical_resource_id(VC_ID, "s-twin"),
    )


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


def test_an_in_place_update_of_an_ended_session_says_what_to_do(
    stub: Stubber, invoke: Invoke
) -> None:
    stub.add_client_error("update_proxy_session", "NotFoundException", "no such session", 404)
    body = invoke(
        lambda url: session_event(
            "Update",
            url,
            props=session_properties(ExpiryMinutes="30"),
            physical_id=OLD_PHYSICAL_ID,
        )
    )
    assert body["Status"] == "FAILED"
    assert f"proxy session '{OLD_ID}' was not found" in body["Reason"]
    assert "cannot be updated in place" in body["Reason"]
    assert body["PhysicalResourceId"] == OLD_PHYSICAL_ID


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
