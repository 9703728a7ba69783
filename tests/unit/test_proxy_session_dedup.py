"""Finding what a run that died made (``proxy_session_dedup``): the owner mark every session
carries, which listed sessions are the resource's (``owned``, every page of the listing), and
which of them a run that takes over keeps and which it deletes (``settle``). An ordinary Create
lists nothing: its claim makes it exactly once (``test_proxy_session_resource.py``)."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

import proxy_contract as contract
from chime_calls import Calls
from proxy_session_dedup import OwnerKey, marker_name, owned, settle
from resource_types import PROXY_SESSION
from tests.helpers import PARTICIPANTS, STACK_ID, calls, stubbed_client
from tests.session_helpers import MARKER, expect_delete, expect_list, proxy_session

REPO = Path(__file__).resolve().parents[2]


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


@pytest.fixture
def stub() -> Iterator[Stubber]:
    """A Stubber on a chime-sdk-voice client of its own."""
    with stubbed_client() as stubber:
        yield stubber


@pytest.fixture
def session_calls(stub: Stubber) -> Calls:
    """The created-session type's call path on the stubbed client."""
    return calls(PROXY_SESSION, lambda: stub.client)


# The owner mark ---------------------------------------------------------------------------------


def test_the_marker_is_pinned() -> None:
    """Sessions already created carry it: a new derivation would orphan every one of them."""
    assert marker_name(STACK_ID, "HelpLineA1B2C3D4") == "cfn HelpLineA1B WLWXOOHPXEJR3Y"
    assert marker_name(STACK_ID, "--") == "cfn KNVULZUZ2WUKPN"
    assert marker_name(STACK_ID, "x" * 255) == "cfn xxxxxxxxxxx TWTTEKODZIEXK6"


def test_the_marker_is_the_same_in_every_process() -> None:
    """Retries run in other processes (other Lambda instances): no per-process salt may enter."""
    script = (
        "import json, sys\n"
        "from proxy_session_dedup import marker_name\n"
        "print(json.dumps(marker_name(sys.argv[1], 'HelpLineA1B2C3D4')))\n"
    )
    names = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO / "lambda")}
        done = subprocess.run(
            [sys.executable, "-c", script, STACK_ID],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        names.add(json.loads(done.stdout))
    assert names == {marker_name(STACK_ID, "HelpLineA1B2C3D4")}


def test_the_marker_is_a_name_the_service_accepts_and_unique_to_the_resource() -> None:
    model = botocore.session.get_session().get_service_model("chime-sdk-voice")
    shape = model.operation_model("CreateProxySession").input_shape
    assert shape is not None
    pattern = shape.members["Name"].metadata["pattern"]
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


# Which sessions are the resource's --------------------------------------------------------------


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
        # The service may report a number without its "+".
        (
            key(),
            {
                **proxy_session("s"),
                "Participants": [{"PhoneNumber": phone.lstrip("+")} for phone in PARTICIPANTS],
            },
            True,
        ),
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


def test_participants_and_names_stay_out_of_the_keys_repr() -> None:
    text = repr(key(name="Help line 7"))
    assert "Help line 7" not in text
    for phone in PARTICIPANTS:
        assert phone.lstrip("+") not in text


def test_every_page_of_both_live_statuses_is_read(stub: Stubber, session_calls: Calls) -> None:
    strangers = [
        proxy_session("x-name", name="cfn Other 4H7Q2MZK3ABCDE"),
        proxy_session("x-phones", participants=(PARTICIPANTS[0], "+14255550100")),
        proxy_session("x-closed", status="Closed"),
        proxy_session("x-geo", GeoMatchLevel="Country"),
    ]
    expect_list(stub, "Open", strangers, more="page-2")
    expect_list(stub, "Open", [proxy_session("s-1")], more="page-3", after="page-2")
    expect_list(stub, "Open", [], after="page-3")
    expect_list(stub, "InProgress", [proxy_session("s-2", status="InProgress")])
    found = owned(session_calls, key(geo_match_level="AreaCode"))
    assert [session["ProxySessionId"] for session in found] == ["s-1", "s-2"]
    assert session_calls.counts == {"ListProxySessions": 4}


# Which duplicates go ----------------------------------------------------------------------------


def test_the_earliest_is_kept_and_every_other_deleted(stub: Stubber, session_calls: Calls) -> None:
    first, twin, late = (
        proxy_session("s-2"),
        proxy_session("s-3"),
        proxy_session("s-1", seconds=1),
    )
    undated = {**proxy_session("s-0"), "CreatedTimestamp": None}  # ordered last
    for session_id in ("s-3", "s-1", "s-0"):
        expect_delete(stub, session_id)
    assert settle(session_calls, [late, twin, undated, first])["ProxySessionId"] == "s-2"


def test_one_found_is_kept_with_no_call(stub: Stubber, session_calls: Calls) -> None:
    assert settle(session_calls, [proxy_session("s-1")])["ProxySessionId"] == "s-1"
    assert session_calls.counts == {}


@pytest.mark.parametrize(
    ("code", "logged"), [("NotFoundException", False), ("ForbiddenException", True)]
)
def test_a_duplicate_that_cannot_be_deleted_leaves_the_kept_one(
    stub: Stubber,
    session_calls: Calls,
    caplog: pytest.LogCaptureFixture,
    code: str,
    logged: bool,
) -> None:
    caplog.set_level(logging.INFO)
    twin, own = proxy_session("s-twin"), proxy_session("s-own", seconds=1)
    stub.add_client_error("delete_proxy_session", code, "no", 403 if logged else 404)
    assert settle(session_calls, [twin, own])["ProxySessionId"] == "s-twin"
    assert ("Could not delete duplicate s-own: ForbiddenException" in caplog.text) is logged
