"""Custom::ChimeProxySession: a proxy session this resource creates, updates in place, and ends.

Create makes the session with CreateProxySession, exactly once however often the request runs:
it works under the request's claim (``once``), so it makes one call, and a run that takes over
from one that died looks for the session that run made first (``proxy_session_dedup``, the only
listing); the PhysicalResourceId carries the id the service returned. An Update
in place (only capabilities, expiry or removal policy changed: ``cfn_lifecycle`` decides) calls
UpdateProxySession and keeps the id; a replacing Update creates a new session, and
CloudFormation's cleanup Delete then ends the old one per its RemovalPolicy. Participant phone
numbers and a user-given Name never reach a log line, a Reason or the Data.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import once
import proxy_contract as contract
from cfn_lifecycle import Job
from cfn_request import CfnRequest, CfnResult
from chime_calls import Calls
from proxy_session_dedup import OwnerKey, marker_name, owned, settle
from safe_text import echo

logger = logging.getLogger(__name__)

RESOURCE_TYPE: Final = contract.PROXY_SESSION_RESOURCE_TYPE


class SessionIdentityError(Exception):
    """The request names a session this resource type did not issue; the message says why."""


@dataclass(frozen=True)
class SessionSpec:
    """The declared state of a created session; the participants never show in a repr."""

    voice_connector_id: str
    participants: tuple[str, str] = field(repr=False)
    capabilities: tuple[str, ...]
    expiry_minutes: int | None
    name: str | None = field(repr=False)
    number_selection_behavior: str | None
    geo_match_level: str | None
    geo_match_params: Mapping[str, str] | None

    @classmethod
    def of(cls, job: Job) -> SessionSpec:
        """The spec of a request's parsed properties."""
        values = job.properties
        return cls(
            voice_connector_id=values[contract.VOICE_CONNECTOR_ID],
            participants=values[contract.PARTICIPANT_PHONE_NUMBERS],
            capabilities=values[contract.CAPABILITIES],
            expiry_minutes=values[contract.EXPIRY_MINUTES],
            name=values[contract.NAME],
            number_selection_behavior=values[contract.NUMBER_SELECTION_BEHAVIOR],
            geo_match_level=values[contract.GEO_MATCH_LEVEL],
            geo_match_params=values[contract.GEO_MATCH_PARAMS],
        )

    def owner_key(self, request: CfnRequest, exclude: str | None) -> OwnerKey:
        """How this resource recognises its session: the name given, or the derived marker."""
        marker = marker_name(request.stack_id, request.logical_resource_id)
        return OwnerKey(
            name=self.name if self.name is not None else marker,
            participants=frozenset(self.participants),
            number_selection_behavior=self.number_selection_behavior,
            geo_match_level=self.geo_match_level,
            geo_match_params=self.geo_match_params,
            exclude=exclude,
            label="with the Name given" if self.name is not None else f"named {marker!r}",
        )

    def create_request(self, name: str) -> dict[str, Any]:
        """The keyword arguments of ``CreateProxySession``."""
        request: dict[str, Any] = {
            "VoiceConnectorId": self.voice_connector_id,
            "ParticipantPhoneNumbers": list(self.participants),
            "Capabilities": list(self.capabilities),
            "Name": name,
        }
        for key, value in (
            ("ExpiryMinutes", self.expiry_minutes),
            ("NumberSelectionBehavior", self.number_selection_behavior),
            ("GeoMatchLevel", self.geo_match_level),
            (
                "GeoMatchParams",
                None if self.geo_match_params is None else dict(self.geo_match_params),
            ),
        ):
            if value is not None:
                request[key] = value
        return request

    def update_request(self, session_id: str) -> dict[str, Any]:
        """The keyword arguments of ``UpdateProxySession`` that apply this state to a session."""
        request: dict[str, Any] = {
            "VoiceConnectorId": self.voice_connector_id,
            "ProxySessionId": session_id,
            "Capabilities": list(self.capabilities),
        }
        if self.expiry_minutes is not None:
            request["ExpiryMinutes"] = self.expiry_minutes
        return request

    def differs_from(self, session: Mapping[str, Any]) -> bool:
        """Whether the session's capabilities or expiry are not the declared ones."""
        if set(session.get("Capabilities") or []) != set(self.capabilities):
            return True
        expiry = session.get("ExpiryMinutes")
        return self.expiry_minutes is not None and expiry != self.expiry_minutes


def physical_resource_id(voice_connector_id: str, proxy_session_id: str) -> str:
    """The PhysicalResourceId of a created session: the voice connector's id and the session's."""
    return f"{contract.PROXY_SESSION_PHYSICAL_ID_PREFIX}{voice_connector_id}:{proxy_session_id}"


def parse_physical_id(physical_id: object) -> tuple[str, str] | None:
    """(voice connector id, session id) from a PhysicalResourceId this type issued, else None."""
    prefix = contract.PROXY_SESSION_PHYSICAL_ID_PREFIX
    if not isinstance(physical_id, str) or not physical_id.startswith(prefix):
        return None
    voice_connector_id, _, session_id = physical_id[len(prefix) :].partition(":")
    if not voice_connector_id or not session_id:
        return None
    return voice_connector_id, session_id


def response_data(session: Mapping[str, Any]) -> dict[str, str]:
    """The Data (GetAtt attributes) of a ProxySession: never a participant's own number.

    ``ProxyPhoneNumbers`` lists the proxy numbers the service assigned (the company's numbers),
    each once, comma-joined.
    """
    expiry = session.get("ExpiryMinutes")
    proxies: list[str] = []
    for participant in session.get("Participants") or []:
        proxy = participant.get("ProxyPhoneNumber")
        if proxy and proxy not in proxies:
            proxies.append(str(proxy))
    return {
        contract.ATTR_PROXY_SESSION_ID: str(session.get("ProxySessionId") or ""),
        contract.ATTR_STATUS: str(session.get("Status") or ""),
        contract.ATTR_EXPIRY_MINUTES: "" if expiry is None else str(expiry),
        contract.ATTR_CAPABILITIES: ",".join(
            str(item) for item in session.get("Capabilities") or []
        ),
        contract.ATTR_PROXY_PHONE_NUMBERS: ",".join(proxies),
    }


def _update(spec: SessionSpec, calls: Calls, session_id: str) -> dict[str, Any]:
    response = calls.about(f"proxy session {session_id!r}").call(
        "UpdateProxySession", **spec.update_request(session_id)
    )
    session: dict[str, Any] = response.get("ProxySession") or {}
    return session


def _answer(spec: SessionSpec, session: Mapping[str, Any]) -> CfnResult:
    return CfnResult(
        physical_resource_id=physical_resource_id(
            spec.voice_connector_id, str(session["ProxySessionId"])
        ),
        data=response_data(session),
    )


def _owner_key(spec: SessionSpec, request: CfnRequest) -> OwnerKey:
    held = parse_physical_id(request.physical_resource_id)
    return spec.owner_key(request, exclude=None if held is None else held[1])


def create(job: Job) -> CfnResult:
    """The resource's one session: CreateProxySession, or, when an earlier run of this request
    died holding its claim, the session that run made (found by its mark) if there is one."""
    spec = SessionSpec.of(job)
    request = job.request
    calls = job.calls.about(f"the proxy session of {request.logical_resource_id}")
    progress = job.progress
    key = _owner_key(spec, request)
    previous = None if progress is None else progress.previous
    if previous is not None:
        logger.info("Returning to session %s, which the resource held before", previous.physical_id)
        return CfnResult(
            physical_resource_id=previous.physical_id, data=_declared(spec, previous.data)
        )
    if progress is not None and progress.recovering:
        found = owned(calls, key)
        if found:
            kept = settle(calls, found)
            logger.info(
                "Adopting session %s %s: a run of this request that died created it",
                kept["ProxySessionId"],
                key.label,
            )
            return _finish(spec, calls, progress, kept)
    response = calls.call("CreateProxySession", **spec.create_request(key.name))
    own: dict[str, Any] = response.get("ProxySession") or {}
    logger.info("Created session %s %s", own.get("ProxySessionId"), key.label)
    return _finish(spec, calls, progress, own)


def _finish(
    spec: SessionSpec, calls: Calls, progress: once.Progress | None, session: dict[str, Any]
) -> CfnResult:
    if progress is not None:
        session_id = str(session["ProxySessionId"])
        progress.made = physical_resource_id(spec.voice_connector_id, session_id)
    if spec.differs_from(session):
        session = _update(spec, calls, str(session["ProxySessionId"]))
    return _answer(spec, session)


def update(job: Job) -> CfnResult:
    """In place: capabilities and expiry with UpdateProxySession, on the session held."""
    held = parse_physical_id(job.request.physical_resource_id)
    if held is None:
        raise SessionIdentityError(
            f"PhysicalResourceId {echo(job.request.physical_resource_id)} was not issued by "
            f"{RESOURCE_TYPE}, so there is no session to update in place."
        )
    spec = SessionSpec.of(job)
    return _answer(spec, _update(spec, job.calls, held[1]))


def _declared(spec: SessionSpec, recorded: Mapping[str, str]) -> dict[str, str]:
    """A record's Data with the declared capabilities and expiry, which the session has."""
    data = dict(recorded)
    data[contract.ATTR_CAPABILITIES] = ",".join(spec.capabilities)
    if spec.expiry_minutes is not None or contract.ATTR_EXPIRY_MINUTES not in data:
        expiry = spec.expiry_minutes
        data[contract.ATTR_EXPIRY_MINUTES] = "" if expiry is None else str(expiry)
    return data


def kept(job: Job) -> dict[str, str]:
    """The attributes of an Update that changes only RemovalPolicy, with no call: what the
    Create's record holds (the service's status and proxy numbers), with the declared
    capabilities and expiry."""
    spec = SessionSpec.of(job)
    record = once.record_of(job)
    if record is not None:
        return _declared(spec, record.data)
    held = parse_physical_id(job.physical_id)
    logger.warning(
        "No record of session %s in the claim table (made before this library kept one?): "
        "Status and ProxyPhoneNumbers are answered empty",
        job.physical_id,
    )
    return _declared(
        spec,
        {
            contract.ATTR_PROXY_SESSION_ID: "" if held is None else held[1],
            contract.ATTR_STATUS: "",
            contract.ATTR_PROXY_PHONE_NUMBERS: "",
        },
    )


def made_by_lost_run(job: Job) -> list[str]:
    """The sessions a run that died may have made: those carrying this resource's mark (a
    listing of the voice connector, the one place this type lists)."""
    spec = SessionSpec.of(job)
    calls = job.calls.about(f"the proxy session of {job.request.logical_resource_id}")
    found = owned(calls, _owner_key(spec, job.request))
    return [
        physical_resource_id(spec.voice_connector_id, str(session["ProxySessionId"]))
        for session in found
    ]


def delete(job: Job) -> None:
    """End the session (RemovalPolicy Destroy); no call for an id this type did not issue."""
    held = parse_physical_id(job.physical_id)
    if held is None:
        logger.warning(
            "Delete of a PhysicalResourceId this function did not issue (its Create may never "
            "have answered): no API call. A session that Create made may remain (README, "
            "'What can remain')."
        )
        return
    voice_connector_id, session_id = held
    job.calls.about(f"proxy session {session_id!r}").delete(
        "DeleteProxySession", VoiceConnectorId=voice_connector_id, ProxySessionId=session_id
    )
