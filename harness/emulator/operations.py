"""The operations the emulator implements, by name: the eight proxy-session operations here, the
voice connector operations (`vc_operations`) and the phone number operations
(`number_operations`), over the store's state.

Each takes the validated input members (by member name) and returns the output structure as it
goes on the wire, or None for an empty (204) response. Choices where the service's behaviour is
not documented are listed in the package docstring.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

from harness.emulator.model import ApiError
from harness.emulator.number_operations import PhoneNumberOperations
from harness.emulator.state import ProxySession, ProxySessionStore
from harness.emulator.vc_operations import VoiceConnectorOperations

_DEFAULT_MAX_RESULTS: Final = 100

Operation = Callable[[Mapping[str, Any]], dict[str, Any] | None]
"""One operation: validated input members in, the output structure (or None) out."""


class Operations:
    """The operations the emulator implements, by operation name."""

    def __init__(self, store: ProxySessionStore) -> None:
        """Serve the operations from `store`."""
        self._store = store
        self._table: dict[str, Operation] = {
            "CreateProxySession": self.create_proxy_session,
            "GetProxySession": self.get_proxy_session,
            "UpdateProxySession": self.update_proxy_session,
            "DeleteProxySession": self.delete_proxy_session,
            "ListProxySessions": self.list_proxy_sessions,
            "PutVoiceConnectorProxy": self.put_voice_connector_proxy,
            "GetVoiceConnectorProxy": self.get_voice_connector_proxy,
            "DeleteVoiceConnectorProxy": self.delete_voice_connector_proxy,
            **VoiceConnectorOperations(store).table(),
            **PhoneNumberOperations(store).table(),
        }

    @property
    def names(self) -> frozenset[str]:
        """The names of the operations implemented here."""
        return frozenset(self._table)

    def call(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """Run `operation` on validated input; KeyError when it is not implemented here."""
        return self._table[operation](params)

    def create_proxy_session(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """CreateProxySession: needs an enabled proxy configuration on the voice connector."""
        voice_connector_id = str(params["VoiceConnectorId"])
        now = self._store.now()
        with self._store.transaction() as tables:
            tables.require_voice_connector(voice_connector_id)
            proxy = tables.proxies.get(voice_connector_id)
            if proxy is None:
                raise ApiError(
                    "BadRequestException",
                    f"Voice connector {voice_connector_id} has no proxy configuration: "
                    "call PutVoiceConnectorProxy first",
                )
            if proxy["Disabled"]:
                raise ApiError(
                    "BadRequestException",
                    f"Proxy is disabled on voice connector {voice_connector_id}: "
                    "call PutVoiceConnectorProxy with Disabled=false first",
                )
            session = ProxySession(
                voice_connector_id=voice_connector_id,
                session_id=str(uuid.uuid4()),
                status="Open",
                capabilities=list(params["Capabilities"]),
                expiry_minutes=int(
                    params.get("ExpiryMinutes") or proxy["DefaultSessionExpiryMinutes"]
                ),
                participants=tables.assign_proxy_numbers(params["ParticipantPhoneNumbers"]),
                created=now,
                updated=now,
                name=params.get("Name"),
                number_selection_behavior=params.get("NumberSelectionBehavior"),
                geo_match_level=params.get("GeoMatchLevel"),
                geo_match_params=params.get("GeoMatchParams"),
            )
            tables.sessions[voice_connector_id][session.session_id] = session
            return {"ProxySession": session.to_api(wire=True)}

    def get_proxy_session(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """GetProxySession."""
        with self._store.transaction() as tables:
            found = tables.require_session(params["VoiceConnectorId"], params["ProxySessionId"])
            return {"ProxySession": found.to_api(wire=True)}

    def update_proxy_session(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """UpdateProxySession: a Closed session answers 400 BadRequestException."""
        voice_connector_id, session_id = params["VoiceConnectorId"], params["ProxySessionId"]
        now = self._store.now()
        with self._store.transaction() as tables:
            found = tables.require_session(voice_connector_id, session_id)
            if found.status == "Closed":
                raise ApiError(
                    "BadRequestException",
                    f"Proxy session {session_id} on voice connector {voice_connector_id} is closed "
                    "and cannot be updated: create a new proxy session",
                )
            found.capabilities = list(params["Capabilities"])
            if params.get("ExpiryMinutes") is not None:
                found.expiry_minutes = int(params["ExpiryMinutes"])
            found.updated = now
            return {"ProxySession": found.to_api(wire=True)}

    def delete_proxy_session(self, params: Mapping[str, Any]) -> None:
        """DeleteProxySession: removes the session, so a second delete answers 404."""
        voice_connector_id, session_id = params["VoiceConnectorId"], params["ProxySessionId"]
        with self._store.transaction() as tables:
            tables.require_session(voice_connector_id, session_id)
            del tables.sessions[voice_connector_id][session_id]

    def list_proxy_sessions(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """ListProxySessions, filtered by Status, paginated with an opaque NextToken."""
        voice_connector_id = params["VoiceConnectorId"]
        limit = int(params.get("MaxResults") or _DEFAULT_MAX_RESULTS)
        offset = 0
        if params.get("NextToken"):
            try:
                offset = int(base64.urlsafe_b64decode(str(params["NextToken"]).encode()).decode())
            except (ValueError, binascii.Error):
                raise ApiError(
                    "BadRequestException",
                    "Invalid NextToken: pass the NextToken of an earlier ListProxySessions "
                    "response",
                ) from None
        with self._store.transaction() as tables:
            tables.require_voice_connector(voice_connector_id)
            matching = [
                found.to_api(wire=True)
                for found in tables.sessions[voice_connector_id].values()
                if params.get("Status") in (None, found.status)
            ]
        result: dict[str, Any] = {"ProxySessions": matching[offset : offset + limit]}
        if offset + limit < len(matching):
            result["NextToken"] = base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
        return result

    def put_voice_connector_proxy(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """PutVoiceConnectorProxy: sets (replaces) the voice connector's proxy configuration."""
        voice_connector_id = params["VoiceConnectorId"]
        proxy: dict[str, Any] = {
            "DefaultSessionExpiryMinutes": params["DefaultSessionExpiryMinutes"],
            "Disabled": bool(params.get("Disabled", False)),
            "PhoneNumberCountries": list(params["PhoneNumberPoolCountries"]),
        }
        if params.get("FallBackPhoneNumber") is not None:
            proxy["FallBackPhoneNumber"] = params["FallBackPhoneNumber"]
        with self._store.transaction() as tables:
            tables.require_voice_connector(voice_connector_id)
            tables.proxies[voice_connector_id] = proxy
            return {"Proxy": dict(proxy)}

    def get_voice_connector_proxy(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """GetVoiceConnectorProxy."""
        with self._store.transaction() as tables:
            return {"Proxy": dict(tables.require_proxy(params["VoiceConnectorId"]))}

    def delete_voice_connector_proxy(self, params: Mapping[str, Any]) -> None:
        """DeleteVoiceConnectorProxy."""
        voice_connector_id = params["VoiceConnectorId"]
        with self._store.transaction() as tables:
            tables.require_proxy(voice_connector_id)
            del tables.proxies[voice_connector_id]
