"""Custom::ChimeVoiceConnectorProxy (``voice_connector_proxy_resource``): its request, id and
Data, and the type end to end through the real index.handler with a Stubber on its real client."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber
from botocore.validate import validate_parameters

import cfn_request
import chime_clients
import proxy_contract as contract
import voice_connector_proxy_resource as resource
from resource_types import VOICE_CONNECTOR_PROXY
from tests.helpers import OWN_REGION, PHONE_B, VC_ID, Invoke, event, job, properties
from tests.vc_proxy_helpers import (
    FALL_BACK,
    PHYSICAL_ID,
    expect_delete,
    expect_put,
    proxy_answer,
)

KIND = VOICE_CONNECTOR_PROXY
OTHER_VC = "klmnopqrst9876543210a"
WEST = "us-west-2"


def proxy_event(request_type: str, url: str, **options: Any) -> dict[str, Any]:
    """``tests.helpers.event`` for this type."""
    return event(request_type, url, kind=KIND, **options)


# The pure parts ---------------------------------------------------------------------------------


def test_the_request_puts_every_setting_and_is_valid_for_botocore() -> None:
    request = resource.put_request(job(KIND, Disabled="true"))
    model = botocore.session.get_session().get_service_model("chime-sdk-voice")
    shape = model.operation_model("PutVoiceConnectorProxy").input_shape
    assert shape is not None
    validate_parameters(request, shape)  # raises ParamValidationError if not
    assert request == {
        "VoiceConnectorId": VC_ID,
        "DefaultSessionExpiryMinutes": 60,
        "PhoneNumberPoolCountries": ["US", "CA"],
        "FallBackPhoneNumber": FALL_BACK,
        "Disabled": True,
    }


def test_the_request_defaults_to_enabled_without_a_fall_back() -> None:
    request = resource.put_request(job(KIND, Disabled=None, FallBackPhoneNumber=None))
    assert request["Disabled"] is False
    assert "FallBackPhoneNumber" not in request


def test_physical_id_names_region_and_voice_connector() -> None:
    assert (
        resource.physical_resource_id(WEST, VC_ID) == f"chime-voice-connector-proxy:{WEST}:{VC_ID}"
    )
    assert resource.physical_resource_id(OWN_REGION, VC_ID) == PHYSICAL_ID
    assert resource.physical_resource_id(OWN_REGION, VC_ID) != resource.physical_resource_id(
        WEST, VC_ID
    )
    assert PHYSICAL_ID.startswith(KIND.physical_id_prefix)


def test_data_never_carries_the_fall_back_number() -> None:
    data = resource.response_data(
        {
            "DefaultSessionExpiryMinutes": 30,
            "PhoneNumberCountries": ["US", "GB"],
            "Disabled": False,
            "FallBackPhoneNumber": FALL_BACK,
        }
    )
    assert data == {
        "DefaultSessionExpiryMinutes": "30",
        "PhoneNumberCountries": "US,GB",
        "Disabled": "false",
    }
    assert tuple(data) == KIND.attributes == contract.VOICE_CONNECTOR_PROXY_ATTRIBUTES


def test_data_of_an_answer_without_values_is_empty_strings() -> None:
    assert resource.response_data({}) == dict.fromkeys(KIND.attributes, "")


# Through the handler ----------------------------------------------------------------------------


@pytest.fixture
def west(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """A Stubber on the client the handler builds for us-west-2 (the only other region here)."""
    client = boto3.client("chime-sdk-voice", region_name=WEST)
    built: list[str] = []

    def new_client(**options: Any) -> Any:
        built.append(options["region_name"])
        assert options["region_name"] == WEST
        return client

    monkeypatch.setattr(chime_clients, "new_client", new_client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
    assert built, "the handler never built the us-west-2 client"


def test_create_puts_every_setting_and_answers_what_the_service_reports(
    stub: Stubber, invoke: Invoke
) -> None:
    expect_put(stub)
    body = invoke(lambda url: proxy_event("Create", url))
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == f"chime-voice-connector-proxy:us-east-1:{VC_ID}"
    assert body["Data"] == {
        "DefaultSessionExpiryMinutes": "60",
        "PhoneNumberCountries": "US,CA",
        "Disabled": "false",
    }


def test_data_is_the_services_answer_not_the_request(stub: Stubber, invoke: Invoke) -> None:
    stub.add_response(
        "put_voice_connector_proxy", proxy_answer(expiry=45, countries=("GB",), disabled=True)
    )
    body = invoke(lambda url: proxy_event("Create", url))
    assert body["Data"] == {
        "DefaultSessionExpiryMinutes": "45",
        "PhoneNumberCountries": "GB",
        "Disabled": "true",
    }


def test_optional_settings_default_to_enabled_without_a_fall_back(
    stub: Stubber, invoke: Invoke
) -> None:
    expect_put(stub, countries=("US",), fall_back=None)
    props = properties(
        KIND, FallBackPhoneNumber=None, Disabled=None, PhoneNumberPoolCountries=["US"]
    )
    body = invoke(lambda url: proxy_event("Create", url, props=props))
    assert body["Status"] == "SUCCESS", body.get("Reason")


@pytest.mark.parametrize(("sent", "expected"), [("true", True), ("false", False), (True, True)])
def test_disabled_is_read_as_cloudformation_sends_it(
    stub: Stubber, invoke: Invoke, sent: object, expected: bool
) -> None:
    expect_put(stub, disabled=expected)
    props = properties(KIND, Disabled=sent)
    body = invoke(lambda url: proxy_event("Create", url, props=props))
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["Data"]["Disabled"] == str(expected).lower()


def test_an_in_place_update_puts_the_new_settings_under_the_same_id(
    stub: Stubber, invoke: Invoke
) -> None:
    expect_put(stub, expiry=90, countries=("US", "GB"), disabled=True, fall_back=None)
    new = properties(
        KIND,
        DefaultSessionExpiryMinutes="90",
        PhoneNumberPoolCountries=["US", "GB"],
        Disabled="true",
        FallBackPhoneNumber=None,
        RemovalPolicy="Retain",
    )
    body = invoke(lambda url: proxy_event("Update", url, props=new))
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == PHYSICAL_ID


def test_another_voice_connector_answers_a_new_id(stub: Stubber, invoke: Invoke) -> None:
    expect_put(stub, vc_id=OTHER_VC)
    new = properties(KIND, VoiceConnectorId=OTHER_VC)
    body = invoke(lambda url: proxy_event("Update", url, props=new))
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == f"chime-voice-connector-proxy:us-east-1:{OTHER_VC}"


def test_another_region_answers_a_new_id_and_calls_there(
    stub: Stubber, west: Stubber, invoke: Invoke
) -> None:
    expect_put(west)
    body = invoke(lambda url: proxy_event("Update", url, props=properties(KIND, Region=WEST)))
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == f"chime-voice-connector-proxy:{WEST}:{VC_ID}"


def test_naming_the_functions_own_region_keeps_the_id(stub: Stubber, invoke: Invoke) -> None:
    expect_put(stub)
    props = properties(KIND, Region="us-east-1")
    body = invoke(lambda url: proxy_event("Update", url, props=props))
    assert body["PhysicalResourceId"] == PHYSICAL_ID


def test_delete_of_a_replaced_resource_removes_the_old_configuration_where_it_was(
    stub: Stubber, west: Stubber, invoke: Invoke
) -> None:
    """CloudFormation's cleanup Delete carries the old properties: the old region is called."""
    expect_delete(west)
    old_id = resource.physical_resource_id(WEST, VC_ID)
    body = invoke(
        lambda url: proxy_event(
            "Delete", url, props=properties(KIND, Region=WEST), physical_id=old_id
        )
    )
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == old_id


@pytest.mark.parametrize("policy", ["Destroy", None], ids=["Destroy", "default"])
def test_delete_removes_the_configuration(
    stub: Stubber, invoke: Invoke, policy: str | None
) -> None:
    expect_delete(stub)
    props = properties(KIND, RemovalPolicy=policy)
    body = invoke(lambda url: proxy_event("Delete", url, props=props))
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == PHYSICAL_ID
    assert body["Data"] == {}


def test_delete_with_retain_calls_nothing(stub: Stubber, invoke: Invoke) -> None:
    props = properties(KIND, RemovalPolicy="Retain")
    body = invoke(lambda url: proxy_event("Delete", url, props=props))
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == PHYSICAL_ID


def test_delete_of_a_configuration_already_gone_succeeds(stub: Stubber, invoke: Invoke) -> None:
    stub.add_client_error("delete_voice_connector_proxy", "NotFoundException", "gone", 404)
    body = invoke(lambda url: proxy_event("Delete", url))
    assert body["Status"] == "SUCCESS", body.get("Reason")


def test_a_failed_create_rolls_back_without_a_call(stub: Stubber, invoke: Invoke) -> None:
    stub.add_client_error(
        "put_voice_connector_proxy", "NotFoundException", "Voice connector not found", 404
    )
    created = invoke(lambda url: proxy_event("Create", url))
    assert created["Status"] == "FAILED"
    assert cfn_request.is_failed_create(created["PhysicalResourceId"])
    reason = created["Reason"]
    assert f"was not found on voice connector {VC_ID}" in reason
    assert "Check VoiceConnectorId and Region" in reason
    deleted = invoke(
        lambda url: proxy_event("Delete", url, physical_id=created["PhysicalResourceId"])
    )
    assert deleted["Status"] == "SUCCESS"  # the empty Stubber proves no call was made


def test_a_forbidden_delete_names_the_delete_action(stub: Stubber, invoke: Invoke) -> None:
    stub.add_client_error("delete_voice_connector_proxy", "ForbiddenException", "denied", 403)
    body = invoke(lambda url: proxy_event("Delete", url))
    assert body["Status"] == "FAILED"
    assert "chime:DeleteVoiceConnectorProxy" in body["Reason"]


def test_throttling_is_retried(stub: Stubber, invoke: Invoke, sleeps: list[float]) -> None:
    stub.add_client_error("put_voice_connector_proxy", "ThrottledClientException", "slow", 429)
    stub.add_client_error("put_voice_connector_proxy", "ServiceUnavailableException", "busy", 503)
    expect_put(stub)
    body = invoke(lambda url: proxy_event("Create", url))
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert len(sleeps) == 2


def test_the_fall_back_number_reaches_no_data_log_or_reason(
    stub: Stubber, invoke: Invoke, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    expect_put(stub)
    created = invoke(lambda url: proxy_event("Create", url))
    stub.add_client_error(
        "put_voice_connector_proxy",
        "BadRequestException",
        f"FallBackPhoneNumber {FALL_BACK} is not a number of this account; try {PHONE_B}",
        400,
    )
    failed = invoke(lambda url: proxy_event("Update", url))
    assert created["Status"] == "SUCCESS"
    assert failed["Status"] == "FAILED"
    assert "<phone number>" in failed["Reason"]
    answers = [
        {key: value for key, value in body.items() if key != "_event"} for body in (created, failed)
    ]
    everything = caplog.text + repr(answers)
    for phone in (FALL_BACK, PHONE_B, FALL_BACK[1:], PHONE_B[1:]):
        assert phone not in everything
    # The log says there is one, not which.
    assert "FallBackPhoneNumber given (not shown)" in caplog.text
