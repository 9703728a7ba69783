"""Test helpers for Custom::ChimeVoiceConnectorProxy: its properties, events and Stubber answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import proxy_contract as contract
import voice_connector_proxy_resource
from tests.helpers import PHONE_A, SERVICE_TOKEN, VC_ID, event

if TYPE_CHECKING:
    from botocore.stub import Stubber

FALL_BACK = PHONE_A
OWN_REGION = "us-east-1"  # the function's region in every test (tests/conftest.py)
PHYSICAL_ID = voice_connector_proxy_resource.physical_resource_id(OWN_REGION, VC_ID)


def proxy_properties(**overrides: Any) -> dict[str, Any]:
    """ResourceProperties as CloudFormation sends them (every scalar a string); None removes."""
    props: dict[str, Any] = {
        "ServiceToken": SERVICE_TOKEN,
        "ServiceTimeout": "960",
        contract.VOICE_CONNECTOR_ID: VC_ID,
        contract.DEFAULT_SESSION_EXPIRY_MINUTES: "60",
        contract.PHONE_NUMBER_POOL_COUNTRIES: ["US", "CA"],
        contract.FALL_BACK_PHONE_NUMBER: FALL_BACK,
        contract.DISABLED: "false",
        contract.REMOVAL_POLICY: contract.DESTROY,
    }
    for key, value in overrides.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    return props


def proxy_event(
    request_type: str,
    response_url: str,
    *,
    props: dict[str, Any] | None = None,
    old_props: dict[str, Any] | None = None,
    physical_id: str | None = PHYSICAL_ID,
) -> dict[str, Any]:
    """A CloudFormation request for a Custom::ChimeVoiceConnectorProxy."""
    request = event(
        request_type,
        response_url,
        props=props if props is not None else proxy_properties(),
        old_props=old_props if old_props is not None else proxy_properties(),
        physical_id=physical_id,
        logical_id="ProxyConfiguration5E2B1C3A",
    )
    request["ResourceType"] = contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE
    return request


def proxy_answer(
    expiry: int = 60,
    countries: tuple[str, ...] = ("US", "CA"),
    disabled: bool = False,
    fall_back: str | None = FALL_BACK,
) -> dict[str, Any]:
    """A PutVoiceConnectorProxy answer; the service echoes the fall-back number back."""
    proxy: dict[str, Any] = {
        "DefaultSessionExpiryMinutes": expiry,
        "PhoneNumberCountries": list(countries),
        "Disabled": disabled,
    }
    if fall_back is not None:
        proxy["FallBackPhoneNumber"] = fall_back
    return {"Proxy": proxy}


def expect_put(
    stub: Stubber,
    *,
    vc_id: str = VC_ID,
    expiry: int = 60,
    countries: tuple[str, ...] = ("US", "CA"),
    disabled: bool = False,
    fall_back: str | None = FALL_BACK,
) -> None:
    """Queue one PutVoiceConnectorProxy on ``stub`` with exactly the parameters it must get."""
    params: dict[str, Any] = {
        "VoiceConnectorId": vc_id,
        "DefaultSessionExpiryMinutes": expiry,
        "PhoneNumberPoolCountries": list(countries),
        "Disabled": disabled,
    }
    if fall_back is not None:
        params["FallBackPhoneNumber"] = fall_back
    stub.add_response(
        "put_voice_connector_proxy", proxy_answer(expiry, countries, disabled, fall_back), params
    )


def expect_delete(stub: Stubber, vc_id: str = VC_ID) -> None:
    """Queue one DeleteVoiceConnectorProxy on ``stub`` for ``vc_id``."""
    stub.add_response("delete_voice_connector_proxy", {}, {"VoiceConnectorId": vc_id})
