"""What the ProxySession e2e tests share: the emulator's live sessions, changed templates."""

from __future__ import annotations

import copy
from typing import Any

import boto3

from harness.emulator import ChimeVoiceEmulator
from tests.e2e.apps import VC


def live_sessions(emu: ChimeVoiceEmulator, voice_connector_id: str = VC) -> list[dict[str, Any]]:
    """Every Open or InProgress session on the voice connector, through the API."""
    client = boto3.client("chime-sdk-voice", endpoint_url=emu.endpoint_url)
    found: list[dict[str, Any]] = []
    for status in ("Open", "InProgress"):
        for page in _pages(client, voice_connector_id, status):
            found.extend(page)
    return found


def _pages(client: Any, voice_connector_id: str, status: str) -> list[list[dict[str, Any]]]:
    pages, token = [], None
    while True:
        extra: dict[str, str] = {"NextToken": token} if token else {}
        answer = client.list_proxy_sessions(
            VoiceConnectorId=voice_connector_id, Status=status, **extra
        )
        pages.append(answer["ProxySessions"])
        token = answer.get("NextToken")
        if not token:
            return pages


def logical_id(template: dict[str, Any], prefix: str) -> str:
    return next(str(lid) for lid in template["Resources"] if str(lid).startswith(prefix))


def changed(template: dict[str, Any], prefix: str, **properties: Any) -> dict[str, Any]:
    """The template with new property values on the resource whose logical id starts with
    ``prefix`` (a None value removes the property)."""
    result = copy.deepcopy(template)
    target = result["Resources"][logical_id(result, prefix)]["Properties"]
    for key, value in properties.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return result
