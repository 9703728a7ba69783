"""CreateVoiceConnector, GetVoiceConnector, UpdateVoiceConnector and DeleteVoiceConnector.

A voice connector gets an id like the service's (22 lower-case letters and digits). Where the
service's behaviour is not documented: DeleteVoiceConnector answers 409 ConflictException while
phone numbers are associated with it (the API reference says they "must be disassociated from it
before it can be deleted", and ConflictException is the error the model gives this operation for
a state that forbids it); a proxy configuration and proxy sessions do not hold it back, and go with
it. Tags are accepted and not kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from harness.emulator.model import ApiError
from harness.emulator.resources import DEFAULT_REGION, VoiceConnector, new_voice_connector_id
from harness.emulator.state import ProxySessionStore


class VoiceConnectorOperations:
    """The voice connector operations, over the store's state."""

    def __init__(self, store: ProxySessionStore) -> None:
        """Serve the operations from `store`."""
        self._store = store

    def table(self) -> dict[str, Callable[[Mapping[str, Any]], dict[str, Any] | None]]:
        """The operations by name."""
        return {
            "CreateVoiceConnector": self.create_voice_connector,
            "GetVoiceConnector": self.get_voice_connector,
            "UpdateVoiceConnector": self.update_voice_connector,
            "DeleteVoiceConnector": self.delete_voice_connector,
        }

    def create_voice_connector(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """CreateVoiceConnector: AwsRegion defaults to us-east-1."""
        now = self._store.now()
        with self._store.transaction() as tables:
            voice_connector_id = new_voice_connector_id()
            while voice_connector_id in tables.voice_connectors:
                voice_connector_id = new_voice_connector_id()
            connector = VoiceConnector(
                voice_connector_id=voice_connector_id,
                name=str(params["Name"]),
                aws_region=str(params.get("AwsRegion") or DEFAULT_REGION),
                require_encryption=bool(params["RequireEncryption"]),
                created=now,
                updated=now,
                network_type=params.get("NetworkType"),
                integration_type=params.get("IntegrationType"),
            )
            tables.add_voice_connector(connector)
            return {"VoiceConnector": connector.to_api(wire=True)}

    def get_voice_connector(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """GetVoiceConnector."""
        with self._store.transaction() as tables:
            connector = tables.require_voice_connector(str(params["VoiceConnectorId"]))
            return {"VoiceConnector": connector.to_api(wire=True)}

    def update_voice_connector(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """UpdateVoiceConnector: Name and RequireEncryption."""
        now = self._store.now()
        with self._store.transaction() as tables:
            connector = tables.require_voice_connector(str(params["VoiceConnectorId"]))
            connector.name = str(params["Name"])
            connector.require_encryption = bool(params["RequireEncryption"])
            connector.updated = now
            return {"VoiceConnector": connector.to_api(wire=True)}

    def delete_voice_connector(self, params: Mapping[str, Any]) -> None:
        """DeleteVoiceConnector: refused (409) while phone numbers are associated with it."""
        voice_connector_id = str(params["VoiceConnectorId"])
        with self._store.transaction() as tables:
            tables.require_voice_connector(voice_connector_id)
            tables.phone.settle(self._store.now())
            associated = sum(
                1
                for number in tables.phone.numbers.values()
                if number.voice_connector_id == voice_connector_id
            )
            if associated:
                raise ApiError(
                    "ConflictException",
                    f"Voice connector {voice_connector_id} has {associated} phone number(s) "
                    "associated: disassociate them (DisassociatePhoneNumbersFromVoiceConnector) "
                    "before deleting it",
                )
            tables.remove_voice_connector(voice_connector_id)
