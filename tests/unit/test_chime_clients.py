"""Which client serves a resource: the function's own, another region's, or an assumed role's."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from cfn_properties import Location
from chime_calls import ChimeCallError, RetryPolicy
from chime_clients import ClientFactory, role_session_name

ROLE = "arn:aws:iam::210987654321:role/ChimeProxyAdmin"
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/Telephony/0a1b2c3d-4e5f"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def issued(key: str = "ASIAEXAMPLEASSUMED01", hours: float = 1.0) -> dict[str, Any]:
    """An AssumeRole answer with credentials valid for ``hours``."""
    return {
        "Credentials": {
            "AccessKeyId": key,
            "SecretAccessKey": "assumed-secret-access-key-example",
            "SessionToken": "assumed-session-token-example",
            "Expiration": NOW + timedelta(hours=hours),
        },
        "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:s", "Arn": f"{ROLE}/s"},
    }


@pytest.fixture
def own() -> Any:
    """The function's own client, in its own region."""
    return boto3.client("chime-sdk-voice", region_name="us-east-1")


@pytest.fixture
def sts() -> Any:
    """A real STS client, stubbed."""
    return boto3.client("sts", region_name="us-east-1")


def factory(own: Any, sts: Any) -> ClientFactory:
    return ClientFactory(lambda: own, sts=lambda: sts, clock=NOW.timestamp)


def get(clients: ClientFactory, location: Location) -> Any:
    """The client for ``location``, for a request with ten minutes of budget left."""
    return clients.chime(
        location,
        session_name="Telephony-SupportLine",
        deadline=time.monotonic() + 600,
        policy=RetryPolicy(),
    )


def test_no_location_is_the_functions_own_client(own: Any, sts: Any) -> None:
    clients = factory(own, sts)
    assert get(clients, Location()) is own
    assert get(clients, Location(region="us-east-1")) is own


def test_another_region_gets_a_client_there(own: Any, sts: Any) -> None:
    client = get(factory(own, sts), Location(region="eu-west-2"))
    assert client is not own
    assert client.meta.region_name == "eu-west-2"


def test_a_role_is_assumed_and_its_credentials_sign(own: Any, sts: Any) -> None:
    clients = factory(own, sts)
    with Stubber(sts) as stub:
        stub.add_response(
            "assume_role",
            issued(),
            {
                "RoleArn": ROLE,
                "RoleSessionName": "Telephony-SupportLine",
                "DurationSeconds": 900,  # the budget and a minute, at least STS's minimum
                "ExternalId": "shared-secret-1",
            },
        )
        client = get(
            clients, Location(region="us-west-2", role_arn=ROLE, external_id="shared-secret-1")
        )
        stub.assert_no_pending_responses()
    credentials = client._request_signer._credentials  # the credentials the client signs with
    assert credentials.access_key == "ASIAEXAMPLEASSUMED01"
    assert client.meta.region_name == "us-west-2"


def test_assumed_credentials_are_reused_while_they_last(own: Any, sts: Any) -> None:
    clients = factory(own, sts)
    location = Location(role_arn=ROLE)
    with Stubber(sts) as stub:
        stub.add_response("assume_role", issued(hours=1.0))
        get(clients, Location(role_arn=ROLE))
        get(clients, location)  # no second AssumeRole: the stub would fail
        stub.assert_no_pending_responses()


def test_access_denied_names_the_role_and_the_trust_policy(
    own: Any, sts: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    function_role = "arn:aws:iam::123456789012:role/Telephony-ProviderRole"
    monkeypatch.setenv("CHIME_PROXY_SESSION_FUNCTION_ROLE_ARN", function_role)
    clients = factory(own, sts)
    caplog.set_level(logging.DEBUG)
    with Stubber(sts) as stub:
        stub.add_client_error(
            "assume_role", "AccessDenied", "not authorized to perform: sts:AssumeRole", 403
        )
        with pytest.raises(ChimeCallError) as raised:
            get(clients, Location(role_arn=ROLE, external_id="shared-secret-1"))
    reason = str(raised.value)
    assert f"AssumeRole on {ROLE} was denied" in reason
    assert f"sts:AssumeRole to the principal {function_role}" in reason
    assert "sts:ExternalId" in reason
    assert "shared-secret-1" not in reason
    assert "shared-secret-1" not in caplog.text


def test_the_external_id_never_shows_in_a_repr() -> None:
    assert "shared-secret-1" not in repr(Location(role_arn=ROLE, external_id="shared-secret-1"))


def test_the_session_name_names_the_stack_and_resource() -> None:
    assert role_session_name(STACK_ID, "SupportLineB0BEB757") == "Telephony-SupportLineB0BEB757"
    long_name = role_session_name(STACK_ID.replace("Telephony", "T" * 100), "L" * 100)
    assert len(long_name) == 64
    assert long_name.startswith("T" * 32 + "-")
