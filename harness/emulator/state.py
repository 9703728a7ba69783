"""The emulator's state: voice connectors, their proxy configurations and proxy sessions, and the
account's phone numbers and orders (`inventory.PhoneBook`).

`ProxySessionStore` guards the state with one lock. The API operations read and change it inside
`transaction()`; the set-up helpers here change it directly, bypassing the API.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from harness.emulator.inventory import PhoneBook
from harness.emulator.model import ApiError, iso8601, service_model, to_millis
from harness.emulator.resources import DEFAULT_REGION, VoiceConnector
from harness.emulator.validation import compiled_pattern

_SESSION_STATUSES: Final = ("Open", "InProgress", "Closed")
_CAPABILITIES: Final = ("Voice", "SMS")


@dataclass(slots=True)
class ProxySession:
    """One proxy session, as the service keeps it."""

    voice_connector_id: str
    session_id: str
    status: str
    capabilities: list[str]
    expiry_minutes: int
    participants: list[tuple[str, str]]
    created: datetime
    updated: datetime
    ended: datetime | None = None
    name: str | None = None
    number_selection_behavior: str | None = None
    geo_match_level: str | None = None
    geo_match_params: dict[str, str] | None = None

    def to_api(self, *, wire: bool) -> dict[str, Any]:
        """The ProxySession structure: iso8601 strings on the wire, datetimes otherwise."""

        def stamp(moment: datetime) -> str | datetime:
            return iso8601(moment) if wire else moment

        data: dict[str, Any] = {
            "VoiceConnectorId": self.voice_connector_id,
            "ProxySessionId": self.session_id,
            "Status": self.status,
            "ExpiryMinutes": self.expiry_minutes,
            "Capabilities": list(self.capabilities),
            "CreatedTimestamp": stamp(self.created),
            "UpdatedTimestamp": stamp(self.updated),
            "Participants": [
                {"PhoneNumber": phone, "ProxyPhoneNumber": proxy}
                for phone, proxy in self.participants
            ],
        }
        if self.name is not None:
            data["Name"] = self.name
        if self.ended is not None:
            data["EndedTimestamp"] = stamp(self.ended)
        if self.number_selection_behavior is not None:
            data["NumberSelectionBehavior"] = self.number_selection_behavior
        if self.geo_match_level is not None:
            data["GeoMatchLevel"] = self.geo_match_level
        if self.geo_match_params is not None:
            data["GeoMatchParams"] = dict(self.geo_match_params)
        return data


class Tables:
    """The state itself; read and change it only inside `ProxySessionStore.transaction()`.

    Attributes:
        voice_connectors: The voice connectors that exist, by id.
        proxies: Each voice connector's proxy configuration, as the Proxy structure.
        sessions: Each voice connector's proxy sessions, by session id.
        phone: The account's phone numbers and orders, and the numbers available.
    """

    def __init__(self) -> None:
        """Start empty."""
        self.voice_connectors: dict[str, VoiceConnector] = {}
        self.proxies: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, ProxySession]] = {}
        self.phone = PhoneBook()
        self._proxy_numbers = itertools.count(1)

    def add_voice_connector(self, connector: VoiceConnector) -> None:
        """Make the voice connector exist, with no proxy configuration or sessions."""
        self.voice_connectors[connector.voice_connector_id] = connector
        self.sessions[connector.voice_connector_id] = {}

    def remove_voice_connector(self, voice_connector_id: str) -> None:
        """Forget the voice connector with its proxy configuration and sessions."""
        del self.voice_connectors[voice_connector_id]
        self.proxies.pop(voice_connector_id, None)
        self.sessions.pop(voice_connector_id, None)

    def assign_proxy_numbers(self, phones: Sequence[str]) -> list[tuple[str, str]]:
        """Pair each participant with the next proxy phone number."""
        proxy = f"+1555{next(self._proxy_numbers) % 10_000_000:07d}"
        return [(phone, proxy) for phone in phones]

    def find_session(self, voice_connector_id: str, session_id: str) -> ProxySession | None:
        """The session, or None."""
        return self.sessions.get(voice_connector_id, {}).get(session_id)

    def require_voice_connector(self, voice_connector_id: str) -> VoiceConnector:
        """The voice connector; ApiError (NotFoundException) if it does not exist."""
        found = self.voice_connectors.get(voice_connector_id)
        if found is None:
            raise ApiError("NotFoundException", f"Voice connector {voice_connector_id} not found")
        return found

    def require_session(self, voice_connector_id: str, session_id: str) -> ProxySession:
        """The session; ApiError (NotFoundException) when it or its voice connector is missing."""
        self.require_voice_connector(voice_connector_id)
        found = self.find_session(voice_connector_id, session_id)
        if found is None:
            raise ApiError(
                "NotFoundException",
                f"Proxy session {session_id} not found on voice connector {voice_connector_id}",
            )
        return found

    def require_proxy(self, voice_connector_id: str) -> dict[str, Any]:
        """The proxy configuration; ApiError (NotFoundException) when there is none."""
        self.require_voice_connector(voice_connector_id)
        proxy = self.proxies.get(voice_connector_id)
        if proxy is None:
            raise ApiError(
                "NotFoundException",
                f"Proxy configuration for voice connector {voice_connector_id} not found: "
                "call PutVoiceConnectorProxy first",
            )
        return proxy

    def clear(self) -> None:
        """Forget every voice connector, proxy configuration, session, phone number and order."""
        self.voice_connectors.clear()
        self.proxies.clear()
        self.sessions.clear()
        self.phone.clear()


class ProxySessionStore:
    """The state behind one lock, with set-up helpers that bypass the API; thread-safe."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        """Start empty; `clock` stamps sessions (timezone-aware datetimes)."""
        self._clock = clock
        self._lock = threading.Lock()
        self._tables = Tables()

    def now(self) -> datetime:
        """The clock's time in UTC, at the wire format's millisecond precision."""
        return to_millis(self._clock())

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tables]:
        """Hold the lock and yield the state."""
        with self._lock:
            yield self._tables

    def add_voice_connector(self, voice_connector_id: str) -> None:
        """Make a voice connector exist (idempotent); ids must match the service's pattern."""
        pattern = str(service_model().shape_for("VoiceConnectorId").metadata["pattern"])
        if re.fullmatch(pattern, voice_connector_id, re.ASCII) is None:
            raise ValueError(
                f"Voice connector id {voice_connector_id!r} does not match the service's pattern "
                f"{pattern}: use 21-22 lowercase letters/digits or a lowercase UUID"
            )
        now = self.now()
        with self._lock:
            if voice_connector_id not in self._tables.voice_connectors:
                named = VoiceConnector(
                    voice_connector_id, voice_connector_id, DEFAULT_REGION, True, now, now
                )
                self._tables.add_voice_connector(named)

    def configure_proxy(
        self,
        voice_connector_id: str,
        *,
        default_session_expiry_minutes: int,
        countries: Sequence[str],
        disabled: bool,
    ) -> None:
        """Set the voice connector's proxy configuration, adding the voice connector."""
        self.add_voice_connector(voice_connector_id)
        with self._lock:
            self._tables.proxies[voice_connector_id] = {
                "DefaultSessionExpiryMinutes": default_session_expiry_minutes,
                "Disabled": disabled,
                "PhoneNumberCountries": list(countries),
            }

    def seed_session(
        self,
        voice_connector_id: str,
        *,
        capabilities: Sequence[str],
        expiry_minutes: int,
        status: str,
        participants: Sequence[str],
        session_id: str | None,
        name: str | None,
    ) -> str:
        """Create a proxy session directly, adding the voice connector; returns its id."""
        if status not in _SESSION_STATUSES:
            raise ValueError(f"status must be one of {list(_SESSION_STATUSES)}, got {status!r}")
        unknown = [capability for capability in capabilities if capability not in _CAPABILITIES]
        if unknown:
            raise ValueError(f"capabilities must be among {list(_CAPABILITIES)}, got {unknown!r}")
        if expiry_minutes < 1:
            raise ValueError(f"expiry_minutes must be >= 1, got {expiry_minutes!r}")
        e164 = compiled_pattern(
            str(service_model().shape_for("E164PhoneNumber").metadata["pattern"])
        )
        for index, phone in enumerate(participants):
            if e164 is not None and e164.fullmatch(phone) is None:
                raise ValueError(
                    f"participants[{index}] is not an E.164 phone number (e.g. +12065550100)"
                )
        self.add_voice_connector(voice_connector_id)
        session_id = session_id or str(uuid.uuid4())
        now = self.now()
        with self._lock:
            sessions = self._tables.sessions[voice_connector_id]
            if session_id in sessions:
                raise ValueError(
                    f"Proxy session {session_id} already exists on voice connector "
                    f"{voice_connector_id}: pass another session_id or remove_session() first"
                )
            sessions[session_id] = ProxySession(
                voice_connector_id=voice_connector_id,
                session_id=session_id,
                status=status,
                capabilities=list(capabilities),
                expiry_minutes=expiry_minutes,
                participants=self._tables.assign_proxy_numbers(participants),
                created=now,
                updated=now,
                ended=now if status == "Closed" else None,
                name=name,
            )
        return session_id

    def session(self, voice_connector_id: str, session_id: str) -> dict[str, Any] | None:
        """A snapshot of the session as boto3 returns it (datetimes in UTC), or None."""
        with self._lock:
            found = self._tables.find_session(voice_connector_id, session_id)
            return None if found is None else found.to_api(wire=False)

    def sessions(self, voice_connector_id: str) -> list[dict[str, Any]]:
        """Snapshots of every session on the voice connector, any status, oldest first."""
        with self._lock:
            found = self._tables.sessions.get(voice_connector_id, {}).values()
            ordered = sorted(found, key=lambda item: (item.created, item.session_id))
            return [item.to_api(wire=False) for item in ordered]

    def proxy(self, voice_connector_id: str) -> dict[str, Any] | None:
        """A copy of the voice connector's proxy configuration, or None when it has none."""
        with self._lock:
            found = self._tables.proxies.get(voice_connector_id)
            return None if found is None else dict(found)

    def close_session(self, voice_connector_id: str, session_id: str) -> None:
        """Mark the session Closed (as expiry does); KeyError when it does not exist."""
        with self._lock:
            found = self._tables.find_session(voice_connector_id, session_id)
            if found is None:
                raise KeyError(
                    f"No proxy session {session_id} on voice connector {voice_connector_id}"
                )
            now = self.now()
            found.status, found.updated, found.ended = "Closed", now, now

    def remove_session(self, voice_connector_id: str, session_id: str) -> bool:
        """Delete the session; returns whether it existed."""
        with self._lock:
            sessions = self._tables.sessions.get(voice_connector_id, {})
            return sessions.pop(session_id, None) is not None

    def clear(self) -> None:
        """Forget every voice connector, proxy configuration, session, phone number and order."""
        with self._lock:
            self._tables.clear()
