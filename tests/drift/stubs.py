"""A deployed stack for the drift check's unit tests, served by botocore Stubbers: a boto3 session
whose clients (one per service and region) are each under a Stubber, the template of a stack with
one resource of each type, and the answers of the service.

Nothing reaches the network: an unexpected call fails the test (the Stubber has no answer queued),
and every test ends with no queued answer left (``assert_done``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import boto3
from botocore.stub import Stubber

import proxy_contract as contract
from chime_calls import RetryPolicy

REGION: Final = "us-east-1"
ACCOUNT: Final = "111111111111"
STACK: Final = "Telephony"
STACK_ID: Final = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/4b1e6f60-1d2c"
VC: Final = "abcdefghij0123456789k"
VC_ARN: Final = f"arn:aws:chime:{REGION}:{ACCOUNT}:vc/{VC}"
OTHER_VC: Final = "zyxwvutsrq9876543210a"
SETTINGS_SESSION: Final = "3b1e9f5a-6c2d-4e8f-9a0b-1c2d3e4f5a6b"
CREATED_SESSION: Final = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
ORDER: Final = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"
TABLE: Final = "Telephony-Claims-1ABCDEF"
# Participants and a fall-back number: never in any output of the check.
PARTICIPANTS: Final = ("+14155550101", "+14155550102")
FALL_BACK: Final = "+12065550199"
# The company's numbers the PhoneNumbers resource holds.
NUMBERS: Final = ("+12065550100", "+12065550111")
WHEN: Final = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

_TOKEN: Final = {"Fn::GetAtt": ["Handler", "Arn"]}
_CONNECTOR_ID: Final = {"Fn::GetAtt": ["Connector", "VoiceConnectorId"]}

RESOURCES: Final[dict[str, dict[str, Any]]] = {
    "Connector": {
        "Type": "AWS::Chime::VoiceConnector",
        "Properties": {"AwsRegion": {"Ref": "AWS::Region"}, "Name": "c", "RequireEncryption": True},
    },
    "Claims": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
    "Handler": {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Environment": {"Variables": {contract.CLAIM_TABLE_VARIABLE: {"Ref": "Claims"}}}
        },
    },
    "Settings": {
        "Type": contract.SETTINGS_RESOURCE_TYPE,
        "Properties": {
            "ServiceToken": _TOKEN,
            "ServiceTimeout": "960",
            "VoiceConnectorId": VC,
            "ProxySessionId": SETTINGS_SESSION,
            "Capabilities": ["Voice", "SMS"],
            "ExpiryMinutes": 120,
        },
    },
    "Proxy": {
        "Type": contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE,
        "Properties": {
            "ServiceToken": _TOKEN,
            "VoiceConnectorId": _CONNECTOR_ID,
            "DefaultSessionExpiryMinutes": {"Ref": "Expiry"},
            "PhoneNumberPoolCountries": ["US", "CA"],
            "FallBackPhoneNumber": FALL_BACK,
            "Disabled": False,
            "Region": {"Ref": "AWS::Region"},
        },
    },
    "Session": {
        "Type": contract.PROXY_SESSION_RESOURCE_TYPE,
        "Properties": {
            "ServiceToken": _TOKEN,
            "VoiceConnectorId": _CONNECTOR_ID,
            "ParticipantPhoneNumbers": [
                "{{resolve:secretsmanager:demo/booking:SecretString:customer}}",
                "{{resolve:secretsmanager:demo/booking:SecretString:agent}}",
            ],
            "Capabilities": ["Voice"],
            "ExpiryMinutes": 60,
        },
    },
    "Numbers": {
        "Type": contract.PHONE_NUMBERS_RESOURCE_TYPE,
        "Properties": {
            "ServiceToken": _TOKEN,
            "Count": 2,
            "AreaCode": "206",
            "VoiceConnectorId": _CONNECTOR_ID,
        },
    },
}
PHYSICAL_IDS: Final = {
    "Connector": VC_ARN,
    "Claims": TABLE,
    "Handler": "Telephony-Handler-1ABC",
    "Settings": f"{contract.SETTINGS_PHYSICAL_ID_PREFIX}{VC}:0123456789abcdef0123456789abcdef",
    "Proxy": f"{contract.VOICE_CONNECTOR_PROXY_PHYSICAL_ID_PREFIX}{REGION}:{VC}",
    "Session": f"{contract.PROXY_SESSION_PHYSICAL_ID_PREFIX}{VC}:{CREATED_SESSION}",
    "Numbers": f"{contract.PHONE_NUMBERS_PHYSICAL_ID_PREFIX}{REGION}:{ORDER}",
}
PARAMETERS: Final = {"Expiry": {"Type": "String", "Default": "30"}}


def template(*names: str, **changes: Mapping[str, Any]) -> dict[str, Any]:
    """A template of the resources ``names`` (with what they reference); ``changes`` sets
    properties of a resource (a value None removes the property)."""
    needed = {"Connector", "Claims", "Handler", *names}
    resources = {name: copy.deepcopy(RESOURCES[name]) for name in RESOURCES if name in needed}
    for name, properties in changes.items():
        for key, value in properties.items():
            resources[name]["Properties"].pop(key, None)
            if value is not None:
                resources[name]["Properties"][key] = value
    return {"Parameters": copy.deepcopy(PARAMETERS), "Resources": resources}


class StubSession(boto3.Session):
    """A session whose clients are made once per service and region, each under a Stubber."""

    def __init__(self) -> None:
        super().__init__(region_name=REGION)
        self.stubbers: dict[tuple[str, str], Stubber] = {}
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service_name: str, region_name: str | None = None, **options: Any) -> Any:  # type: ignore[override]
        key = (service_name, region_name or REGION)
        if key not in self._clients:
            make: Any = super().client
            self._clients[key] = make(service_name, region_name=key[1], **options)
            self.stubbers[key] = Stubber(self._clients[key])
            self.stubbers[key].activate()
        return self._clients[key]

    def stub(self, service: str, region: str = REGION) -> Stubber:
        """The Stubber of the service's client in ``region``."""
        self.client(service, region)
        return self.stubbers[(service, region)]

    def assert_done(self) -> None:
        """Every answer queued was asked for."""
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


def no_sleep(sleeps: list[float] | None = None) -> RetryPolicy:
    """The handler's retry policy, recording its sleeps instead of sleeping."""
    recorded = [] if sleeps is None else sleeps
    return RetryPolicy(sleep=recorded.append, jitter=lambda low, high: high)


def stub_stack(
    session: StubSession,
    body: Mapping[str, Any],
    *,
    parameters: Mapping[str, str] | None = None,
    physical_ids: Mapping[str, str | None] | None = None,
    body_text: str | None = None,
) -> None:
    """Queue CloudFormation's answers for a stack deployed from ``body``; with ``body_text``,
    GetTemplate answers that text and the resources are left to the test."""
    cloudformation = session.stub("cloudformation")
    given = [{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()]
    cloudformation.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": STACK,
                    "StackId": STACK_ID,
                    "CreationTime": WHEN,
                    "StackStatus": "UPDATE_COMPLETE",
                    "Parameters": given,
                }
            ]
        },
        {"StackName": STACK},
    )
    cloudformation.add_response(
        "get_template",
        {"TemplateBody": json.dumps(body) if body_text is None else body_text},
        {"StackName": STACK_ID, "TemplateStage": "Processed"},
    )
    if body_text is not None:
        return
    ids = {**PHYSICAL_IDS, **(physical_ids or {})}
    listed = []
    for name, resource in body["Resources"].items():
        item = {
            "LogicalResourceId": name,
            "ResourceType": resource["Type"],
            "Timestamp": WHEN,
            "ResourceStatus": "CREATE_COMPLETE" if ids.get(name) else "CREATE_FAILED",
        }
        if ids.get(name):
            item["PhysicalResourceId"] = ids[name]
        listed.append(item)
    cloudformation.add_response(
        "describe_stack_resources", {"StackResources": listed}, {"StackName": STACK_ID}
    )


def session_answer(
    session_id: str, *, capabilities: list[str], expiry: int = 60, status: str = "Open"
) -> dict[str, Any]:
    """GetProxySession's answer."""
    return {
        "ProxySession": {
            "VoiceConnectorId": VC,
            "ProxySessionId": session_id,
            "Status": status,
            "ExpiryMinutes": expiry,
            "Capabilities": capabilities,
            "Participants": [
                {"PhoneNumber": number, "ProxyPhoneNumber": NUMBERS[0]} for number in PARTICIPANTS
            ],
        }
    }


def proxy_answer(**changes: Any) -> dict[str, Any]:
    """GetVoiceConnectorProxy's answer: the declared configuration of ``Proxy``, with
    ``changes``."""
    proxy = {
        "DefaultSessionExpiryMinutes": 30,
        "PhoneNumberCountries": ["US", "CA"],
        "FallBackPhoneNumber": FALL_BACK,
        "Disabled": False,
        **changes,
    }
    return {"Proxy": proxy}


def number_answer(
    number: str,
    *,
    status: str = "Assigned",
    product: str = "VoiceConnector",
    voice_connector: str | None = VC,
) -> dict[str, Any]:
    """GetPhoneNumber's answer."""
    associations = (
        [] if voice_connector is None else [{"Name": "VoiceConnectorId", "Value": voice_connector}]
    )
    return {
        "PhoneNumber": {
            "PhoneNumberId": number,
            "E164PhoneNumber": number,
            "ProductType": product,
            "Status": status,
            "Associations": associations,
            "OrderId": ORDER,
        }
    }


def claim_item(held: list[tuple[str, str]], *, physical_id: str | None = None) -> dict[str, Any]:
    """A claim of the Numbers resource, as the claim table holds it after its Create."""
    return {
        "Resource": {"S": f"{STACK_ID}|Numbers"},
        "Request": {"S": "request-1"},
        "State": {"S": "made"},
        "Owner": {"S": "invocation-1"},
        "Lease": {"N": "1700000000.0"},
        "Fingerprint": {"S": "f" * 32},
        "ClaimedAt": {"N": "1700000000.0"},
        "PhysicalId": {"S": physical_id or PHYSICAL_IDS["Numbers"]},
        "Facts": {"M": {"held": {"S": json.dumps(held)}}},
    }


def claims_query() -> dict[str, Any]:
    """The Query the check sends to the claim table for the Numbers resource."""
    return {
        "TableName": TABLE,
        "KeyConditionExpression": "#pk = :resource",
        "ExpressionAttributeNames": {"#pk": contract.CLAIM_PARTITION_KEY},
        "ExpressionAttributeValues": {":resource": {"S": f"{STACK_ID}|Numbers"}},
        "ConsistentRead": True,
    }
