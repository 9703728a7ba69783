"""Shared test helpers: CloudFormation events, a Lambda context, the property fixtures."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import proxy_contract as contract

if TYPE_CHECKING:
    from botocore.stub import Stubber

# The ``invoke`` fixture (tests/conftest.py): runs index.handler on ``make(url)``, returns the body.
Invoke = Callable[..., dict[str, Any]]

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The handler modules that ship in the Lambda asset: lambda/ holds exactly these, nothing else.
HANDLER_MODULES = (
    "cfn_lifecycle.py",
    "cfn_properties.py",
    "cfn_request.py",
    "cfn_response.py",
    "chime_calls.py",
    "chime_clients.py",
    "crhelper_adapter.py",
    "index.py",
    "property_rules.py",
    "proxy_contract.py",
    "proxy_session_dedup.py",
    "proxy_session_resource.py",
    "resource_types.py",
    "safe_text.py",
    "settings_resource.py",
    "voice_connector_proxy_resource.py",
)
STACK_ID = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/ChimeProxySessionDemo/"
    "6c1f0e40-cc9e-11f0-8d3c-0affc2b5d0e1"
)
# The function ARN CloudFormation sends as ServiceToken; not a secret.
SERVICE_TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:ChimeProxySessionDemo-Handler"  # noqa: S105
VC_ID = "abcdefghij0123456789k"
SESSION_ID = "3b1e9f5a-6c2d-4e8f-9a0b-1c2d3e4f5a6b"


def property_cases() -> dict[str, list[dict[str, Any]]]:
    """The property fixtures shared by handler and construct tests."""
    loaded: dict[str, list[dict[str, Any]]] = json.loads((FIXTURES / "properties.json").read_text())
    return loaded


def properties(**overrides: Any) -> dict[str, Any]:
    """ResourceProperties as CloudFormation sends them (every scalar a string)."""
    props: dict[str, Any] = {
        "ServiceToken": SERVICE_TOKEN,
        "ServiceTimeout": "300",
        "VoiceConnectorId": VC_ID,
        "ProxySessionId": SESSION_ID,
        "Capabilities": ["Voice"],
        "ExpiryMinutes": "60",
        "RemovalPolicy": "Retain",
    }
    for key, value in overrides.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    return props


def event(
    request_type: str,
    response_url: str,
    *,
    props: dict[str, Any] | None = None,
    old_props: dict[str, Any] | None = None,
    physical_id: str | None = None,
    logical_id: str = "SupportLineB0BEB757",
) -> dict[str, Any]:
    """A CloudFormation custom-resource request, shaped as CloudFormation sends it."""
    body: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": SERVICE_TOKEN,
        "ResponseURL": response_url,
        "StackId": STACK_ID,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": logical_id,
        "ResourceType": contract.SETTINGS_RESOURCE_TYPE,
        "ResourceProperties": props if props is not None else properties(),
    }
    if request_type != "Create":
        body["PhysicalResourceId"] = physical_id
    if request_type == "Update":
        body["OldResourceProperties"] = old_props if old_props is not None else properties()
    return body


@dataclass
class LambdaContext:
    """The parts of the Lambda context the handler reads."""

    timeout_seconds: float = 120.0
    function_name: str = "ChimeProxySessionDemo-Handler"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the deadline."""
        return max(0, int((self.started + self.timeout_seconds - time.monotonic()) * 1000))


def vc_arn(vc_id: str) -> dict[str, Any]:
    """The voice connector ARN as the construct renders it in an environment-agnostic stack."""
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":chime:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":vc/{vc_id}",
            ],
        ]
    }


PHONE_A = "+12065550100"
PHONE_B = "+12065550199"


def session_response(capabilities: list[str], expiry: int | None = 60) -> dict[str, Any]:
    """An UpdateProxySession answer for the test session, participants included."""
    session: dict[str, Any] = {
        "VoiceConnectorId": VC_ID,
        "ProxySessionId": SESSION_ID,
        "Status": "Open",
        "Capabilities": capabilities,
        "UpdatedTimestamp": datetime(2026, 11, 28, 6, 30, tzinfo=UTC),
        "Participants": [{"PhoneNumber": PHONE_A, "ProxyPhoneNumber": PHONE_B}],
    }
    if expiry is not None:
        session["ExpiryMinutes"] = expiry
    return {"ProxySession": session}


def expect_update(stub: Stubber, capabilities: list[str], expiry: int | None = 60) -> None:
    """Queue one UpdateProxySession on ``stub``, with the parameters it must be called with."""
    params: dict[str, Any] = {
        "VoiceConnectorId": VC_ID,
        "ProxySessionId": SESSION_ID,
        "Capabilities": capabilities,
    }
    if expiry is not None:
        params["ExpiryMinutes"] = expiry
    stub.add_response("update_proxy_session", session_response(capabilities, expiry), params)


def asset_copy_without(asset_dir: Path, tmp_path: Path, missing: str) -> Path:
    """A copy of an asset folder lacking one top-level entry."""
    target = tmp_path / "asset"
    shutil.copytree(
        asset_dir, target, ignore=lambda _dir, names: [n for n in names if n == missing]
    )
    return target
