"""Test helpers for Custom::ChimeVoiceConnectorProxy: its Stubber answers (its properties and
events: ``tests.helpers.properties`` and ``event``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resource_types import VOICE_CONNECTOR_PROXY
from tests.helpers import PHONE_A, VC_ID, sample

if TYPE_CHECKING:
    from botocore.stub import Stubber

FALL_BACK = PHONE_A
PHYSICAL_ID = sample(VOICE_CONNECTOR_PROXY).physical_id


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


def expect_get(stub: Stubber, proxy: dict[str, Any] | None = None, *, vc_id: str = VC_ID) -> None:
    """Queue one GetVoiceConnectorProxy on ``stub`` for ``vc_id``: answering ``proxy`` (a
    ``proxy_answer()``), or, when None, NotFoundException (the voice connector has none)."""
    params = {"VoiceConnectorId": vc_id}
    if proxy is None:
        stub.add_client_error(
            "get_voice_connector_proxy",
            "NotFoundException",
            "no proxy",
            404,
            expected_params=params,
        )
    else:
        stub.add_response("get_voice_connector_proxy", proxy, params)


def expect_delete(stub: Stubber, vc_id: str = VC_ID) -> None:
    """Queue one DeleteVoiceConnectorProxy on ``stub`` for ``vc_id``."""
    stub.add_response("delete_voice_connector_proxy", {}, {"VoiceConnectorId": vc_id})
