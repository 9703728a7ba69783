"""Live state of sessions and proxy configurations, compared with what their resources declare.

- ``ProxySessionSettings``: the session it names (``GetProxySession``);
- ``ProxySession``: the session whose id its physical id carries (``GetProxySession``);
- ``VoiceConnectorProxy``: the voice connector's configuration (``GetVoiceConnectorProxy``).

A session that is not found or is ``Closed``, and a voice connector without a configuration, are
DELETED. A resource's attributes (for ``Fn::GetAtt`` in other resources) are what the handler's
own ``response_data`` makes of the live record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..contract import contract, types
from .declared import NotChecked, Subject
from .fields import DELETED_ADVICE, compare
from .handler import proxy_session_resource, settings_resource, voice_connector_proxy_resource
from .reads import ChimeReads
from .report import ResourceDrift, Status

_CLOSED: Final = "Closed"


@dataclass(frozen=True)
class Live:
    """The service's record of a resource (None when there is none), and why it counts as gone
    (empty when it does not)."""

    record: Mapping[str, Any] | None
    gone: str = ""


def session_ids(subject: Subject) -> tuple[str, str]:
    """The voice connector id and session id a session resource acts on."""
    if subject.kind is types.SETTINGS:
        declared = subject.declared
        return declared[contract.VOICE_CONNECTOR_ID], declared[contract.PROXY_SESSION_ID]
    held = proxy_session_resource.parse_physical_id(subject.physical_id)
    if held is None:
        raise NotChecked(f"its physical id {subject.physical_id!r} names no session")
    return held


def read(subject: Subject, reads: ChimeReads) -> Live:
    """The live record of a settings, session or proxy configuration resource."""
    if subject.kind is types.VOICE_CONNECTOR_PROXY:
        voice_connector_id = subject.declared[contract.VOICE_CONNECTOR_ID]
        found = reads.find("GetVoiceConnectorProxy", VoiceConnectorId=voice_connector_id)
        proxy = None if found is None else found.get("Proxy")
        if not proxy:
            return Live(None, f"Voice connector {voice_connector_id} has no proxy configuration")
        return Live(proxy)
    voice_connector_id, session_id = session_ids(subject)
    found = reads.find(
        "GetProxySession", VoiceConnectorId=voice_connector_id, ProxySessionId=session_id
    )
    if found is None:
        return Live(
            None, f"Session {session_id} is not found on voice connector {voice_connector_id}"
        )
    session = found.get("ProxySession") or {}
    if session.get("Status") == _CLOSED:
        ended = session.get("EndedTimestamp")
        since = f" (ended {ended})" if ended else ""
        return Live(session, f"Session {session_id} is Closed{since}")
    return Live(session)


def drift(subject: Subject, live: Live) -> ResourceDrift:
    """Compare the declared properties with the live record."""
    if live.gone:
        return subject.drift(
            Status.DELETED, reason=f"{live.gone}. {DELETED_ADVICE[subject.kind.type_name]}"
        )
    assert live.record is not None
    differences, notes = compare(subject.declared, live.record)
    return subject.drift(
        Status.MODIFIED if differences else Status.IN_SYNC,
        tuple(differences),
        "; ".join(notes) or None,
    )


def attributes(subject: Subject, live: Live) -> Mapping[str, str]:
    """The resource's attributes as the handler would answer them from the live record; only
    what its physical id tells when there is no record."""
    kind = subject.kind
    record = live.record
    if kind is types.VOICE_CONNECTOR_PROXY:
        return {} if record is None else voice_connector_proxy_resource.response_data(record)
    if kind is types.SETTINGS:
        return {} if record is None else settings_resource.response_data(record)
    session_id = session_ids(subject)[1]
    data = {} if record is None else proxy_session_resource.response_data(record)
    return {**data, contract.ATTR_PROXY_SESSION_ID: session_id}
