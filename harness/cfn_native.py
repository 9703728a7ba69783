"""The resources of a stack CloudFormation makes itself: its AWS::Chime::VoiceConnector resources.

CloudFormation's handlers for the type call the service: CreateVoiceConnector (Name,
RequireEncryption, AwsRegion, NetworkType, Tags), UpdateVoiceConnector in place for Name and
RequireEncryption, a new voice connector when AwsRegion or NetworkType change (its
createOnlyProperties; the old one is deleted once the stack update succeeds), DeleteVoiceConnector
(a voice connector already gone counts as deleted). `VoiceConnectors` does the same through boto3
against the emulator, signed as `CLOUDFORMATION_ACCESS_KEY_ID` so a test tells CloudFormation's
calls from the function's, and undoes it when the stack rolls back. Tags are passed at create;
a change of Tags alone is not followed (the emulator does not keep tags).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from harness.cfn_template import (
    REGION,
    VOICE_CONNECTOR_ATTRIBUTES,
    VOICE_CONNECTOR_CREATE_ONLY,
    Resolver,
    voice_connectors,
)
from harness.emulator.model import iso8601, to_millis

CLOUDFORMATION_ACCESS_KEY_ID: Final = "ASIACLOUDFORMATIONEX"
"""The access key id CloudFormation's voice connector calls are signed with (their call records'
``access_key_id``)."""
_IGNORED: Final = frozenset({"Tags"})
_CREATE_ONLY: Final = VOICE_CONNECTOR_CREATE_ONLY


@dataclass(frozen=True)
class VoiceConnector:
    """A voice connector the stack made: its properties, its Ref (the ARN), its attributes."""

    properties: dict[str, Any]
    physical_id: str
    attributes: dict[str, str]

    @property
    def voice_connector_id(self) -> str:
        """Its VoiceConnectorId."""
        return self.attributes["VoiceConnectorId"]


@dataclass(frozen=True)
class Change:
    """What one deploy did to a voice connector: "create", "update" or "replace" (``before``
    is what it replaced or updated)."""

    logical_id: str
    kind: str
    before: VoiceConnector | None = None


def _flag(value: Any) -> bool:
    return value in (True, "true")


class VoiceConnectors:
    """The stack's voice connectors (``made``, by logical id) and the calls that change them."""

    def __init__(self, endpoint_url: str | None) -> None:
        """Call the service at ``endpoint_url`` (the emulator's) when a template needs it."""
        self.made: dict[str, VoiceConnector] = {}
        self._endpoint_url = endpoint_url
        self._client: Any = None

    def _chime(self) -> Any:
        if self._endpoint_url is None:
            raise RuntimeError(
                "The template holds AWS::Chime::VoiceConnector resources: give CloudFormationStack "
                "chime_endpoint_url= (the emulator's endpoint_url), or a LambdaRunner, whose "
                "endpoint it uses"
            )
        if self._client is None:
            self._client = boto3.client(
                "chime-sdk-voice",
                endpoint_url=self._endpoint_url,
                region_name=REGION,
                aws_access_key_id=CLOUDFORMATION_ACCESS_KEY_ID,
                aws_secret_access_key="cloudformation-fake-secret",  # noqa: S106 - a stand-in
                config=Config(retries={"mode": "standard", "total_max_attempts": 3}),
            )
        return self._client

    def declared(
        self, template: Mapping[str, Any], *, stack_name: str, parameters: Mapping[str, str]
    ) -> dict[str, dict[str, Any]]:
        """The template's voice connectors with their properties resolved (TemplateError for a
        reference to anything made by the stack: they are made first); RuntimeError when there
        are some and no endpoint to make them at."""
        if voice_connectors(template) or self.made:
            self._chime()
        resolver = Resolver(template, stack_name=stack_name, parameters=parameters)
        return {
            logical_id: resolver.resolve(
                template["Resources"][logical_id].get("Properties", {}), f"{logical_id} Properties"
            )
            for logical_id in voice_connectors(template)
        }

    def references(self) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        """What Ref and Fn::GetAtt answer for each voice connector made, by logical id."""
        return (
            {lid: made.physical_id for lid, made in self.made.items()},
            {lid: dict(made.attributes) for lid, made in self.made.items()},
        )

    def _record(self, properties: Mapping[str, Any], answer: Mapping[str, Any]) -> VoiceConnector:
        connector = answer["VoiceConnector"]
        attributes = {
            name: iso8601(to_millis(value)) if isinstance(value, datetime) else str(value)
            for name, value in connector.items()
            if name in VOICE_CONNECTOR_ATTRIBUTES
        }
        return VoiceConnector(dict(properties), attributes["VoiceConnectorArn"], attributes)

    def _create(self, properties: Mapping[str, Any]) -> VoiceConnector:
        optional = {
            k: properties[k] for k in ("AwsRegion", "NetworkType", "Tags") if k in properties
        }
        answer = self._chime().create_voice_connector(
            Name=properties.get("Name"),
            RequireEncryption=_flag(properties.get("RequireEncryption")),
            **optional,
        )
        return self._record(properties, answer)

    def _update(self, made: VoiceConnector, properties: Mapping[str, Any]) -> VoiceConnector:
        answer = self._chime().update_voice_connector(
            VoiceConnectorId=made.voice_connector_id,
            Name=properties.get("Name"),
            RequireEncryption=_flag(properties.get("RequireEncryption")),
        )
        return self._record(properties, answer)

    def _delete(self, made: VoiceConnector) -> None:
        client = self._chime()
        try:
            client.delete_voice_connector(VoiceConnectorId=made.voice_connector_id)
        except client.exceptions.NotFoundException:
            return

    def apply(
        self, declared: Mapping[str, dict[str, Any]], errors: dict[str, str]
    ) -> tuple[list[Change], bool]:
        """Create, update or replace the voice connectors ``declared`` (a stack deploy, before
        its custom resources); the changes made, and whether all succeeded (a failure is noted
        in ``errors`` and stops the rest)."""
        changes: list[Change] = []
        for logical_id, properties in declared.items():
            before = self.made.get(logical_id)
            kept = {k: v for k, v in properties.items() if k not in _IGNORED}
            try:
                if before is None:
                    self.made[logical_id] = self._create(properties)
                    changes.append(Change(logical_id, "create"))
                elif kept == {k: v for k, v in before.properties.items() if k not in _IGNORED}:
                    continue
                elif any(
                    properties.get(k) != before.properties.get(k)
                    for k in VOICE_CONNECTOR_CREATE_ONLY
                ):
                    self.made[logical_id] = self._create(properties)
                    changes.append(Change(logical_id, "replace", before))
                else:
                    self.made[logical_id] = self._update(before, properties)
                    changes.append(Change(logical_id, "update", before))
            except (ClientError, BotoCoreError) as error:
                errors[logical_id] = str(error)
                return changes, False
        return changes, True

    def finish(self, changes: list[Change], removed: list[str], errors: dict[str, str]) -> None:
        """After a successful deploy's custom resources: delete what was replaced or removed
        (a failure is noted in ``errors``; the stack stays complete, as in CloudFormation's
        cleanup)."""
        gone = [c.before for c in changes if c.kind == "replace" and c.before is not None]
        for logical_id in removed:
            gone.append(self.made.pop(logical_id))
        for made in gone:
            try:
                self._delete(made)
            except (ClientError, BotoCoreError) as error:
                errors[made.physical_id] = str(error)

    def undo(self, changes: list[Change], errors: dict[str, str]) -> None:
        """Roll back a deploy's changes, the latest first, after its custom resources."""
        for change in reversed(changes):
            made = self.made[change.logical_id]
            try:
                if change.kind == "update" and change.before is not None:
                    self.made[change.logical_id] = self._update(made, change.before.properties)
                    continue
                self._delete(made)
            except (ClientError, BotoCoreError) as error:
                errors[change.logical_id] = str(error)
            if change.before is None:
                del self.made[change.logical_id]
            else:
                self.made[change.logical_id] = change.before

    def delete(self, keep: set[str], errors: dict[str, str]) -> None:
        """Delete the voice connectors (a stack delete, after its custom resources) but those in
        ``keep`` (a custom resource that needs them failed to delete); a failure is noted in
        ``errors`` and the voice connector kept."""
        for logical_id in [lid for lid in self.made if lid not in keep]:
            try:
                self._delete(self.made[logical_id])
            except (ClientError, BotoCoreError) as error:
                errors[logical_id] = str(error)
                continue
            del self.made[logical_id]
