"""Test helpers for Custom::ChimeProxySession: ProxySession answers and the Stubber queues of its
calls (its properties and events: ``tests.helpers.properties`` and ``event``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from proxy_session_dedup import PAGE_SIZE, marker_name
from resource_types import PROXY_SESSION
from tests.helpers import PARTICIPANTS, STACK_ID, VC_ID, sample

if TYPE_CHECKING:
    from botocore.stub import Stubber

LOGICAL_ID = sample(PROXY_SESSION).logical_id
MARKER = marker_name(STACK_ID, LOGICAL_ID)
CREATED = datetime(2026, 11, 28, 6, 30, tzinfo=UTC)
PROXY_NUMBER = "+18885550142"


def proxy_session(
    session_id: str,
    *,
    name: str = MARKER,
    seconds: float = 0.0,
    status: str = "Open",
    capabilities: tuple[str, ...] = ("Voice", "SMS"),
    expiry: int = 60,
    participants: tuple[str, str] = PARTICIPANTS,
    **extra: Any,
) -> dict[str, Any]:
    """A ProxySession as the service answers it, created ``seconds`` after CREATED."""
    created = CREATED + timedelta(seconds=seconds)
    return {
        "VoiceConnectorId": VC_ID,
        "ProxySessionId": session_id,
        "Name": name,
        "Status": status,
        "ExpiryMinutes": expiry,
        "Capabilities": list(capabilities),
        "CreatedTimestamp": created,
        "UpdatedTimestamp": created,
        "Participants": [
            {"PhoneNumber": phone, "ProxyPhoneNumber": PROXY_NUMBER} for phone in participants
        ],
        **extra,
    }


def expect_list(
    stub: Stubber,
    status: str,
    sessions: list[dict[str, Any]],
    *,
    after: str | None = None,
    more: str | None = None,
) -> None:
    """Queue one ListProxySessions page for ``status``: the page after the NextToken ``after``,
    answering the NextToken ``more`` when there is another page."""
    params: dict[str, Any] = {"VoiceConnectorId": VC_ID, "Status": status, "MaxResults": PAGE_SIZE}
    if after is not None:
        params["NextToken"] = after
    response: dict[str, Any] = {"ProxySessions": sessions}
    if more is not None:
        response["NextToken"] = more
    stub.add_response("list_proxy_sessions", response, params)


def expect_listing(stub: Stubber, open_sessions: list[dict[str, Any]]) -> None:
    """Queue one look-up: the Open page holding ``open_sessions``, an empty InProgress page."""
    expect_list(stub, "Open", open_sessions)
    expect_list(stub, "InProgress", [])


def expect_create(stub: Stubber, session: dict[str, Any], **params: Any) -> None:
    """Queue CreateProxySession answering ``session``; ``params`` override the expected input."""
    expected: dict[str, Any] = {
        "VoiceConnectorId": VC_ID,
        "ParticipantPhoneNumbers": list(PARTICIPANTS),
        "Capabilities": ["Voice", "SMS"],
        "Name": MARKER,
        "ExpiryMinutes": 60,
        **params,
    }
    stub.add_response("create_proxy_session", {"ProxySession": session}, expected)


def expect_delete(stub: Stubber, session_id: str) -> None:
    """Queue DeleteProxySession of ``session_id``."""
    stub.add_response(
        "delete_proxy_session", {}, {"VoiceConnectorId": VC_ID, "ProxySessionId": session_id}
    )
