"""Custom::ChimeProxySession's pure parts: the owner mark, matching, ids, Data, the contract."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore.model import ListShape, Shape, StringShape, StructureShape

import proxy_contract as contract
from cfn_request import CfnRequest
from proxy_session_dedup import OwnerKey, marker_name
from proxy_session_resource import (
    REPLACING_PROPERTIES,
    parse_physical_id,
    parse_properties,
    physical_resource_id,
    replaces,
    response_data,
)
from tests.helpers import STACK_ID, VC_ID
from tests.session_helpers import MARKER, PARTICIPANTS, proxy_session, session_properties


def create_input(member: str) -> Shape:
    model = botocore.session.get_session().get_service_model("chime-sdk-voice")
    shape = model.operation_model("CreateProxySession").input_shape
    assert shape is not None
    return shape.members[member]


def test_the_marker_is_a_name_the_service_accepts_and_unique_to_the_resource() -> None:
    pattern = create_input("Name").metadata["pattern"]
    names = {
        marker_name(STACK_ID, "HelpLineA1B2C3D4"),
        marker_name(STACK_ID, "HelpLineA1B2C3D5"),
        marker_name(STACK_ID.replace("6c1f0e40", "6c1f0e41"), "HelpLineA1B2C3D4"),
        marker_name(STACK_ID, "x" * 255),
        marker_name(STACK_ID, "--"),
    }
    assert len(names) == 5
    for name in names:
        assert re.fullmatch(pattern, name), name
        assert len(name) <= contract.PROXY_SESSION_NAME_MAX_LENGTH
        assert name.startswith("cfn ")
    assert marker_name(STACK_ID, "HelpLineA1B2C3D4") == marker_name(STACK_ID, "HelpLineA1B2C3D4")
    assert marker_name(STACK_ID, "HelpLineA1B2C3D4").startswith("cfn HelpLineA1B ")


def key(**overrides: Any) -> OwnerKey:
    fields: dict[str, Any] = {
        "name": MARKER,
        "participants": frozenset(PARTICIPANTS),
        "number_selection_behavior": None,
        "geo_match_level": None,
        "geo_match_params": None,
        **overrides,
    }
    return OwnerKey(**fields)


@pytest.mark.parametrize(
    ("owner", "session", "matches"),
    [
        (key(), proxy_session("s"), True),
        (key(), proxy_session("s", status="InProgress"), True),
        (key(), proxy_session("s", status="Closed"), False),
        (key(), proxy_session("s", name="cfn Other"), False),
        (key(), proxy_session("s", participants=(PARTICIPANTS[1], PARTICIPANTS[0])), True),
        (key(), proxy_session("s", participants=(PARTICIPANTS[0], "+14255550100")), False),
        (key(), {**proxy_session("s"), "Participants": [{"PhoneNumber": "12065550123"}]}, False),
        (key(exclude="s"), proxy_session("s"), False),
        # Reported settings that differ rule a session out; unreported ones do not.
        (key(number_selection_behavior="AvoidSticky"), proxy_session("s"), True),
        (
            key(number_selection_behavior="AvoidSticky"),
            proxy_session("s", NumberSelectionBehavior="PreferSticky"),
            False,
        ),
        (key(), proxy_session("s", NumberSelectionBehavior="PreferSticky"), True),
        (key(geo_match_level="Country"), proxy_session("s", GeoMatchLevel="AreaCode"), False),
        (
            key(geo_match_params={"Country": "US", "AreaCode": "206"}),
            proxy_session("s", GeoMatchParams={"Country": "US", "AreaCode": "425"}),
            False,
        ),
    ],
)
def test_owner_key_matches(owner: OwnerKey, session: dict[str, Any], matches: bool) -> None:
    assert owner.matches(session) is matches


def test_participants_and_names_stay_out_of_reprs() -> None:
    spec = parse_properties(session_properties(Name="Help line 7"))
    owner = key(name="Help line 7")
    for text in (repr(spec), repr(owner), spec.describe()):
        assert "Help line 7" not in text
        for phone in PARTICIPANTS:
            assert phone.lstrip("+") not in text


def test_physical_ids_round_trip() -> None:
    physical_id = physical_resource_id(VC_ID, "3b1e9f5a-6c2d")
    assert physical_id == f"chime-created-proxy-session:{VC_ID}:3b1e9f5a-6c2d"
    assert parse_physical_id(physical_id) == (VC_ID, "3b1e9f5a-6c2d")
    assert parse_physical_id(physical_resource_id(VC_ID, "a:b")) == (VC_ID, "a:b")
    for other in (None, "", "create-failed:r-1", "chime-proxy-session:x:y", f"{physical_id[:28]}"):
        assert parse_physical_id(other) is None


def request(new: object, old: object) -> CfnRequest:
    return CfnRequest("Update", "t", "L", STACK_ID, "r", new, old, "p")


def test_only_capabilities_expiry_and_policy_change_in_place() -> None:
    base = session_properties()
    for name in contract.PROXY_SESSION_IN_PLACE_PROPERTIES:
        assert not replaces(request({**base, name: "x"}, base))
    assert not replaces(request({**base, "ServiceTimeout": "1"}, base))
    for name in REPLACING_PROPERTIES:
        assert replaces(request({**base, name: "x"}, base)), name
    assert replaces(request(base, "not an object"))
    assert set(REPLACING_PROPERTIES) | set(contract.PROXY_SESSION_IN_PLACE_PROPERTIES) == set(
        contract.PROXY_SESSION_PROPERTIES
    )


def test_data_holds_the_proxy_numbers_never_the_participants() -> None:
    session = proxy_session("s-1", EndedTimestamp=datetime(2026, 1, 1, tzinfo=UTC))
    session["Participants"][1]["ProxyPhoneNumber"] = "+18885550143"
    data = response_data(session)
    assert data[contract.ATTR_PROXY_PHONE_NUMBERS] == "+18885550142,+18885550143"
    assert set(data) == set(contract.PROXY_SESSION_ATTRIBUTES)
    for phone in PARTICIPANTS:
        assert phone not in repr(data)


def test_the_contract_is_the_models() -> None:
    participants = create_input("ParticipantPhoneNumbers")
    assert isinstance(participants, ListShape)
    assert participants.metadata["min"] == contract.PARTICIPANT_COUNT
    assert participants.metadata["max"] == contract.PARTICIPANT_COUNT
    # The model's E.164 pattern, with the "+" that templates must give.
    assert participants.member.metadata["pattern"] == r"^\+?[1-9]\d{1,14}$"
    assert contract.E164_PATTERN == r"\+[1-9]\d{1,14}"
    assert create_input("Name").metadata["pattern"] == f"^$|^{contract.PROXY_SESSION_NAME_PATTERN}$"
    for member, values in (
        ("NumberSelectionBehavior", contract.NUMBER_SELECTION_BEHAVIORS),
        ("GeoMatchLevel", contract.GEO_MATCH_LEVELS),
    ):
        shape = create_input(member)
        assert isinstance(shape, StringShape)
        assert tuple(shape.enum) == values
    geo = create_input("GeoMatchParams")
    assert isinstance(geo, StructureShape)
    assert set(geo.members) == set(geo.required_members)
    assert set(geo.members) == {contract.GEO_MATCH_COUNTRY, contract.GEO_MATCH_AREA_CODE}
    country = geo.members[contract.GEO_MATCH_COUNTRY].metadata["pattern"]
    area = geo.members[contract.GEO_MATCH_AREA_CODE].metadata["pattern"]
    assert country == f"^$|^{contract.COUNTRY_CODE_PATTERN.replace('{2}', '{2,2}')}$"
    assert area == f"^$|^{contract.AREA_CODE_PATTERN.replace('{3}', '{3,3}')}$"
