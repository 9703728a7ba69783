"""Custom::ChimeVoiceConnectorProxy (``voice_connector_proxy_resource``): its request, id and
Data, and the type end to end through the real index.handler with a Stubber on its real client
and a claim table of its own: a Create reads the configuration first and refuses one the stack
did not make unless AdoptExisting is true, and runs under its request's claim."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber
from botocore.validate import validate_parameters

import cfn_request
import chime_clients
import claims
import proxy_contract as contract
import voice_connector_proxy_resource as resource
from harness.emulator import ChimeVoiceEmulator
from harness.response_sink import ResponseSink
from resource_types import VOICE_CONNECTOR_PROXY
from tests.helpers import (
    OWN_REGION,
    PHONE_B,
    VC_ID,
    Invoke,
    LambdaContext,
    claim_of,
    event,
    invoke_in,
    job,
    left_claim,
    new_request_id,
    properties,
)
from tests.vc_proxy_helpers import (
    FALL_BACK,
    PHYSICAL_ID,
    expect_delete,
    expect_get,
    expect_put,
    proxy_answer,
)

KIND = VOICE_CONNECTOR_PROXY
OTHER_VC = "klmnopqrst9876543210a"
WEST = "us-west-2"
ADOPTED_ID = f"{PHYSICAL_ID}{contract.ADOPTED_SUFFIX}"
# A configuration someone else put on the voice connector before the stack existed.
THEIRS = proxy_answer(expiry=30, countries=("GB",), fall_back=None)


def proxy_event(request_type: str, url: str, **options: Any) -> dict[str, Any]:
    """``tests.helpers.event`` for this type."""
    return event(request_type, url, kind=KIND, **options)


# The pure parts -----------------------------------------------------------------------------------


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


def test_an_adopted_configuration_has_an_id_of_its_own_that_no_delete_removes() -> None:
    adopted = resource.physical_resource_id(OWN_REGION, VC_ID, adopted=True)
    assert adopted == ADOPTED_ID == f"chime-voice-connector-proxy:us-east-1:{VC_ID}:adopted"
    assert adopted.startswith(KIND.physical_id_prefix)
    assert resource.is_adopted(adopted)
    assert not resource.is_adopted(PHYSICAL_ID)


def test_the_attributes_of_a_policy_only_update_are_the_declared_settings() -> None:
    assert resource.kept(job(KIND, Disabled="true", PhoneNumberPoolCountries=["GB"])) == {
        "DefaultSessionExpiryMinutes": "60",
        "PhoneNumberCountries": "GB",
        "Disabled": "true",
    }
    assert resource.kept(job(KIND, Disabled=None))["Disabled"] == "false"


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


# Through the handler ------------------------------------------------------------------------------


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


def create(invoke: Invoke, **options: Any) -> dict[str, Any]:
    """A Create of the sample resource (``options`` go to ``proxy_event``)."""
    return invoke(lambda url: proxy_event("Create", url, **options))


def request_id_of(body: dict[str, Any]) -> str:
    """The RequestId of the request that ``body`` answered."""
    request_id: str = body["_event"]["RequestId"]
    return request_id


def test_create_reads_then_puts_every_setting_and_answers_what_the_service_reports(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    expect_get(stub)
    expect_put(stub)
    body = create(invoke)
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == f"chime-voice-connector-proxy:us-east-1:{VC_ID}"
    assert body["Data"] == {
        "DefaultSessionExpiryMinutes": "60",
        "PhoneNumberCountries": "US,CA",
        "Disabled": "false",
    }
    assert api_calls == ["GetVoiceConnectorProxy", "PutVoiceConnectorProxy"]
    claim = claim_of(KIND, request_id_of(body))
    assert claim is not None
    assert (claim.state, claim.physical_id, dict(claim.data)) == (
        claims.MADE,
        PHYSICAL_ID,
        body["Data"],
    )
    # What the Create found is noted before it puts: a retry never mistakes the put for theirs.
    assert claim.facts == {resource.EXISTING: "false"}


@pytest.mark.parametrize("answer", [{"Proxy": {}}, {}], ids=["an empty Proxy", "no Proxy"])
def test_a_get_without_a_configuration_is_none(
    stub: Stubber, invoke: Invoke, answer: dict[str, Any]
) -> None:
    expect_get(stub, answer)
    expect_put(stub)
    body = create(invoke)
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == PHYSICAL_ID


def test_data_is_the_services_answer_not_the_request(stub: Stubber, invoke: Invoke) -> None:
    expect_get(stub)
    stub.add_response(
        "put_voice_connector_proxy", proxy_answer(expiry=45, countries=("GB",), disabled=True)
    )
    body = create(invoke)
    assert body["Data"] == {
        "DefaultSessionExpiryMinutes": "45",
        "PhoneNumberCountries": "GB",
        "Disabled": "true",
    }


def test_optional_settings_default_to_enabled_without_a_fall_back(
    stub: Stubber, invoke: Invoke
) -> None:
    expect_get(stub)
    expect_put(stub, countries=("US",), fall_back=None)
    props = properties(
        KIND, FallBackPhoneNumber=None, Disabled=None, PhoneNumberPoolCountries=["US"]
    )
    body = create(invoke, props=props)
    assert body["Status"] == "SUCCESS", body.get("Reason")


@pytest.mark.parametrize(("sent", "expected"), [("true", True), ("false", False), (True, True)])
def test_disabled_is_read_as_cloudformation_sends_it(
    stub: Stubber, invoke: Invoke, sent: object, expected: bool
) -> None:
    expect_get(stub)
    expect_put(stub, disabled=expected)
    body = create(invoke, props=properties(KIND, Disabled=sent))
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["Data"]["Disabled"] == str(expected).lower()


# A configuration the stack did not make -----------------------------------------------------------


def test_an_existing_configuration_is_refused_and_left_as_it_is(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    expect_get(stub, THEIRS)  # and no Put queued
    body = create(invoke)
    assert body["Status"] == "FAILED"
    assert cfn_request.is_failed_create(body["PhysicalResourceId"])
    reason = body["Reason"]
    assert f"Voice connector {VC_ID} in us-east-1 already has a proxy configuration" in reason
    assert "Nothing was changed" in reason
    assert "set adopt_existing=True" in reason
    assert 'AdoptExisting "true"' in reason
    assert api_calls == ["GetVoiceConnectorProxy"]
    claim = claim_of(KIND, request_id_of(body))
    assert claim is not None
    assert (claim.state, claim.physical_id) == (claims.FAILED, "")
    assert claim.facts == {resource.EXISTING: "true"}


def test_a_duplicate_of_a_refused_create_fails_again_without_a_call(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    expect_get(stub, THEIRS)
    request_id = new_request_id()
    first = create(invoke, request_id=request_id)
    again = create(invoke, request_id=request_id)
    assert (first["Status"], again["Status"]) == ("FAILED", "FAILED")
    assert again["Reason"].startswith("This request failed in an earlier delivery: ")
    assert "set adopt_existing=True" in again["Reason"]
    assert again["PhysicalResourceId"] == first["PhysicalResourceId"]
    assert api_calls == ["GetVoiceConnectorProxy"]  # one read, never a Put
    marker = first["PhysicalResourceId"]
    rollback = invoke(lambda url: proxy_event("Delete", url, physical_id=marker))
    assert (rollback["Status"], rollback["PhysicalResourceId"]) == ("SUCCESS", marker)
    assert api_calls == ["GetVoiceConnectorProxy"]  # their configuration is not removed
    claim = claim_of(KIND, request_id)
    assert claim is not None
    assert claim.state == claims.ENDED


def test_adopt_existing_puts_the_declared_settings_over_it_and_answers_an_adopted_id(
    stub: Stubber, invoke: Invoke
) -> None:
    expect_get(stub, THEIRS)
    expect_put(stub)
    body = create(invoke, props=properties(KIND, AdoptExisting="true"))
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == ADOPTED_ID
    assert body["Data"] == {
        "DefaultSessionExpiryMinutes": "60",
        "PhoneNumberCountries": "US,CA",
        "Disabled": "false",
    }
    claim = claim_of(KIND, request_id_of(body))
    assert claim is not None
    assert (claim.state, claim.physical_id) == (claims.MADE, ADOPTED_ID)
    assert claim.facts == {resource.EXISTING: "true"}


def test_adopt_existing_without_a_configuration_makes_one_the_stack_owns(
    stub: Stubber, invoke: Invoke
) -> None:
    expect_get(stub)
    expect_put(stub)
    body = create(invoke, props=properties(KIND, AdoptExisting="true"))
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == PHYSICAL_ID  # a Destroy removes it


@pytest.mark.parametrize(
    "props",
    [
        properties(KIND, AdoptExisting="true"),
        properties(KIND, RemovalPolicy=None),
        properties(KIND, AdoptExisting="false", RemovalPolicy="Destroy"),
    ],
    ids=["adopting", "default policy", "no longer adopting"],
)
def test_a_delete_of_an_adopted_configuration_leaves_it(
    stub: Stubber, invoke: Invoke, api_calls: list[str], props: dict[str, Any]
) -> None:
    """The id says it was adopted: no Delete removes it, whatever the properties say now."""
    body = invoke(lambda url: proxy_event("Delete", url, props=props, physical_id=ADOPTED_ID))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", ADOPTED_ID)
    assert api_calls == []


def test_an_update_of_an_adopted_configuration_keeps_its_id(stub: Stubber, invoke: Invoke) -> None:
    expect_put(stub, expiry=90)
    new = properties(KIND, AdoptExisting="true", DefaultSessionExpiryMinutes="90")
    body = invoke(
        lambda url: proxy_event(
            "Update",
            url,
            props=new,
            old_props=properties(KIND, AdoptExisting="true"),
            physical_id=ADOPTED_ID,
        )
    )
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == ADOPTED_ID


# Exactly once: the Create's claim -----------------------------------------------------------------


def test_a_repeated_delivery_answers_the_record_without_a_call(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    expect_get(stub)
    expect_put(stub)
    request_id = new_request_id()
    first = create(invoke, request_id=request_id)
    again = create(invoke, request_id=request_id)
    assert (first["Status"], again["Status"]) == ("SUCCESS", "SUCCESS")
    assert again["PhysicalResourceId"] == first["PhysicalResourceId"] == PHYSICAL_ID
    assert again["Data"] == first["Data"]
    assert api_calls == ["GetVoiceConnectorProxy", "PutVoiceConnectorProxy"]


@pytest.mark.parametrize(
    ("existing", "adopt", "expected"),
    [
        ("false", "false", PHYSICAL_ID),
        ("true", "true", ADOPTED_ID),
        ("false", "true", PHYSICAL_ID),
    ],
)
def test_a_run_that_takes_over_reads_what_the_dead_run_noted_not_the_service(
    stub: Stubber, invoke: Invoke, api_calls: list[str], existing: str, adopt: str, expected: str
) -> None:
    """The run that died noted what it found, then put: the configuration the service holds now
    may be its own put, which the retry must not take for someone else's."""
    request_id = new_request_id()
    props = properties(KIND, AdoptExisting=adopt)
    left_claim(KIND, request_id, props=props, facts={resource.EXISTING: existing})
    expect_put(stub)
    body = create(invoke, props=props, request_id=request_id)
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == expected
    assert api_calls == ["PutVoiceConnectorProxy"]
    claim = claim_of(KIND, request_id)
    assert claim is not None
    assert (claim.state, claim.physical_id) == (claims.MADE, expected)


def test_a_run_that_takes_over_a_refusal_refuses_without_a_call(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    request_id = new_request_id()
    left_claim(KIND, request_id, facts={resource.EXISTING: "true"})
    body = create(invoke, request_id=request_id)
    assert body["Status"] == "FAILED"
    assert "set adopt_existing=True" in body["Reason"]
    assert api_calls == []


def test_lambdas_retry_of_the_same_invocation_takes_over_at_once(
    stub: Stubber, trust_sink: ResponseSink, index_module: Any, api_calls: list[str]
) -> None:
    """Lambda retries a crashed invocation with its request id: the claim that invocation holds
    is taken over at once, though its lease has not run out."""
    request_id, invocation = new_request_id(), new_request_id()
    left_claim(KIND, request_id, owner=invocation, lease=time.time() + 600)
    expect_get(stub)
    expect_put(stub)
    body = invoke_in(
        trust_sink,
        index_module,
        lambda url: proxy_event("Create", url, request_id=request_id),
        LambdaContext(aws_request_id=invocation),
    )
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == PHYSICAL_ID
    assert api_calls == ["GetVoiceConnectorProxy", "PutVoiceConnectorProxy"]
    claim = claim_of(KIND, request_id)
    assert claim is not None
    assert (claim.state, claim.owner) == (claims.MADE, invocation)


@pytest.mark.parametrize(
    ("facts", "removed"),
    [({resource.EXISTING: "false"}, True), ({resource.EXISTING: "true"}, False), ({}, False)],
    ids=["it had none", "it had one", "nothing noted"],
)
def test_the_rollback_delete_of_a_create_whose_run_died_removes_only_what_it_may_have_put(
    stub: Stubber,
    invoke: Invoke,
    api_calls: list[str],
    facts: dict[str, str],
    removed: bool,
) -> None:
    request_id = new_request_id()
    left_claim(KIND, request_id, facts=facts)
    if removed:
        expect_delete(stub)
    marker = cfn_request.failed_create_physical_id(request_id)
    body = invoke(lambda url: proxy_event("Delete", url, physical_id=marker))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", marker)
    assert api_calls == (["DeleteVoiceConnectorProxy"] if removed else [])
    claim = claim_of(KIND, request_id)
    assert claim is not None
    assert claim.state == claims.ENDED


def test_a_delete_whose_create_never_answered_ends_what_that_create_made(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    """The Create made and recorded its configuration, but its answer never reached
    CloudFormation: the Delete carries an id the function never issued and finds the Create's
    claim by its properties. Another generation's properties find nothing."""
    expect_get(stub)
    expect_put(stub)
    created = create(invoke)
    unknown = "ProxyConfigurationFromATimedOutCreate"
    other = invoke(
        lambda url: proxy_event(
            "Delete", url, props=properties(KIND, VoiceConnectorId=OTHER_VC), physical_id=unknown
        )
    )
    assert other["Status"] == "SUCCESS", other.get("Reason")
    assert api_calls == ["GetVoiceConnectorProxy", "PutVoiceConnectorProxy"]
    expect_delete(stub)
    body = invoke(lambda url: proxy_event("Delete", url, physical_id=unknown))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", unknown)
    assert api_calls[2:] == ["DeleteVoiceConnectorProxy"]
    claim = claim_of(KIND, request_id_of(created))
    assert claim is not None
    assert claim.state == claims.ENDED


# Update -------------------------------------------------------------------------------------------


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


@pytest.mark.parametrize(
    ("changed", "physical_id"),
    [
        ({"RemovalPolicy": "Retain"}, PHYSICAL_ID),
        ({"ServiceTimeout": "300"}, PHYSICAL_ID),
        ({"RemovalPolicy": "Retain", "ServiceTimeout": "1"}, PHYSICAL_ID),
        ({"RemovalPolicy": "Retain", "AdoptExisting": "true"}, ADOPTED_ID),
    ],
    ids=["RemovalPolicy", "ServiceTimeout", "both", "adopted"],
)
def test_a_removal_policy_only_update_calls_nothing_and_answers_the_declared_settings(
    stub: Stubber,
    invoke: Invoke,
    api_calls: list[str],
    changed: dict[str, Any],
    physical_id: str,
) -> None:
    old = properties(KIND, AdoptExisting=changed.get("AdoptExisting"))
    body = invoke(
        lambda url: proxy_event(
            "Update",
            url,
            props=properties(KIND, **changed),
            old_props=old,
            physical_id=physical_id,
        )
    )
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == physical_id
    assert body["Data"] == {
        "DefaultSessionExpiryMinutes": "60",
        "PhoneNumberCountries": "US,CA",
        "Disabled": "false",
    }
    assert api_calls == []


def test_another_voice_connector_answers_a_new_id(stub: Stubber, invoke: Invoke) -> None:
    expect_get(stub, vc_id=OTHER_VC)
    expect_put(stub, vc_id=OTHER_VC)
    new = properties(KIND, VoiceConnectorId=OTHER_VC)
    body = invoke(lambda url: proxy_event("Update", url, props=new))
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == f"chime-voice-connector-proxy:us-east-1:{OTHER_VC}"


def test_a_replacement_onto_a_voice_connector_with_a_configuration_is_refused(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    expect_get(stub, THEIRS, vc_id=OTHER_VC)
    new = properties(KIND, VoiceConnectorId=OTHER_VC)
    body = invoke(lambda url: proxy_event("Update", url, props=new))
    assert body["Status"] == "FAILED"
    assert f"Voice connector {OTHER_VC} in us-east-1 already has" in body["Reason"]
    assert body["PhysicalResourceId"] == PHYSICAL_ID  # a failed Update keeps the resource's id
    assert api_calls == ["GetVoiceConnectorProxy"]


def test_another_region_answers_a_new_id_and_calls_there(
    stub: Stubber, west: Stubber, invoke: Invoke
) -> None:
    expect_get(west)
    expect_put(west)
    body = invoke(lambda url: proxy_event("Update", url, props=properties(KIND, Region=WEST)))
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == f"chime-voice-connector-proxy:{WEST}:{VC_ID}"


# Delete -------------------------------------------------------------------------------------------


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


@pytest.mark.parametrize("policy", ["Destroy", "Retain"])
def test_a_delete_ends_the_claim_of_the_create_it_undoes(
    stub: Stubber, invoke: Invoke, api_calls: list[str], policy: str
) -> None:
    expect_get(stub)
    expect_put(stub)
    created = create(invoke)
    if policy == "Destroy":
        expect_delete(stub)
    props = properties(KIND, RemovalPolicy=policy)
    body = invoke(lambda url: proxy_event("Delete", url, props=props))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", PHYSICAL_ID)
    removed = ["DeleteVoiceConnectorProxy"] if policy == "Destroy" else []
    assert api_calls == ["GetVoiceConnectorProxy", "PutVoiceConnectorProxy", *removed]
    claim = claim_of(KIND, request_id_of(created))
    assert claim is not None
    assert claim.state == claims.ENDED


def test_delete_with_retain_calls_nothing(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    props = properties(KIND, RemovalPolicy="Retain", VoiceConnectorId="not valid")
    body = invoke(lambda url: proxy_event("Delete", url, props=props))
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == PHYSICAL_ID
    assert api_calls == []


def test_delete_of_a_configuration_already_gone_succeeds(stub: Stubber, invoke: Invoke) -> None:
    stub.add_client_error("delete_voice_connector_proxy", "NotFoundException", "gone", 404)
    body = invoke(lambda url: proxy_event("Delete", url))
    assert body["Status"] == "SUCCESS", body.get("Reason")


def test_a_failed_create_rolls_back_without_a_call(
    stub: Stubber, invoke: Invoke, api_calls: list[str]
) -> None:
    expect_get(stub)  # NotFoundException: the voice connector has no configuration, or is not
    stub.add_client_error(
        "put_voice_connector_proxy", "NotFoundException", "Voice connector not found", 404
    )
    created = create(invoke)
    assert created["Status"] == "FAILED"
    assert cfn_request.is_failed_create(created["PhysicalResourceId"])
    reason = created["Reason"]
    assert f"was not found on voice connector {VC_ID}" in reason
    assert "Check VoiceConnectorId and Region" in reason
    deleted = invoke(
        lambda url: proxy_event("Delete", url, physical_id=created["PhysicalResourceId"])
    )
    assert deleted["Status"] == "SUCCESS"
    assert api_calls == ["GetVoiceConnectorProxy", "PutVoiceConnectorProxy"]


def test_the_rollback_of_a_create_refused_for_its_properties_succeeds(
    invoke: Invoke, api_calls: list[str]
) -> None:
    """A Create refused for a bad value answers the failed-Create marker; CloudFormation's
    rollback Delete carries the same bad value and must succeed, or the stack is stuck in
    ROLLBACK_FAILED."""
    props = properties(KIND, VoiceConnectorId="not valid")
    created = create(invoke, props=props)
    assert created["Status"] == "FAILED"
    marker = created["PhysicalResourceId"]
    assert cfn_request.is_failed_create(marker)
    deleted = invoke(lambda url: proxy_event("Delete", url, props=props, physical_id=marker))
    assert (deleted["Status"], deleted["PhysicalResourceId"]) == ("SUCCESS", marker), deleted.get(
        "Reason"
    )
    assert api_calls == []


def test_a_forbidden_read_names_the_get_action(stub: Stubber, invoke: Invoke) -> None:
    stub.add_client_error("get_voice_connector_proxy", "ForbiddenException", "denied", 403)
    body = create(invoke)
    assert body["Status"] == "FAILED"
    assert "chime:GetVoiceConnectorProxy" in body["Reason"]


def test_a_forbidden_delete_names_the_delete_action(stub: Stubber, invoke: Invoke) -> None:
    stub.add_client_error("delete_voice_connector_proxy", "ForbiddenException", "denied", 403)
    body = invoke(lambda url: proxy_event("Delete", url))
    assert body["Status"] == "FAILED"
    assert "chime:DeleteVoiceConnectorProxy" in body["Reason"]


def test_throttling_is_retried(stub: Stubber, invoke: Invoke, sleeps: list[float]) -> None:
    stub.add_client_error("get_voice_connector_proxy", "ThrottledClientException", "slow", 429)
    expect_get(stub)
    stub.add_client_error("put_voice_connector_proxy", "ThrottledClientException", "slow", 429)
    stub.add_client_error("put_voice_connector_proxy", "ServiceUnavailableException", "busy", 503)
    expect_put(stub)
    body = create(invoke)
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert len(sleeps) == 3


def test_the_fall_back_number_reaches_no_data_log_or_reason(
    stub: Stubber, invoke: Invoke, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    expect_get(stub)
    expect_put(stub)
    created = create(invoke)
    stub.add_client_error(
        "put_voice_connector_proxy",
        "BadRequestException",
        f"FallBackPhoneNumber {FALL_BACK} is not a number of this account; try {PHONE_B}",
        400,
    )
    changed = properties(KIND, DefaultSessionExpiryMinutes="90")
    failed = invoke(lambda url: proxy_event("Update", url, props=changed))
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


# The stack's own configuration, on the emulator ---------------------------------------------------


@pytest.fixture(scope="module")
def emulator() -> Iterator[ChimeVoiceEmulator]:
    """The Chime SDK Voice emulator on loopback, one per module."""
    with ChimeVoiceEmulator() as running:
        yield running


@pytest.fixture
def emu(
    emulator: ChimeVoiceEmulator, index_module: Any, monkeypatch: pytest.MonkeyPatch
) -> ChimeVoiceEmulator:
    """The emulator, emptied, with both voice connectors; the handler's own client calls it."""
    emulator.reset()
    for voice_connector_id in (VC_ID, OTHER_VC):
        emulator.add_voice_connector(voice_connector_id)
    client = boto3.client(
        "chime-sdk-voice", region_name=OWN_REGION, endpoint_url=emulator.endpoint_url
    )
    monkeypatch.setattr(index_module, "client", client)
    return emulator


def test_naming_the_functions_own_region_keeps_the_id(
    emu: ChimeVoiceEmulator, invoke: Invoke
) -> None:
    """Region given as the region it already was in: the same configuration, the same id."""
    created = create(invoke)
    assert (created["Status"], created["PhysicalResourceId"]) == ("SUCCESS", PHYSICAL_ID)
    props = properties(KIND, Region=OWN_REGION, DefaultSessionExpiryMinutes="90")
    body = invoke(lambda url: proxy_event("Update", url, props=props))
    assert body["Status"] == "SUCCESS", body.get("Reason")
    assert body["PhysicalResourceId"] == PHYSICAL_ID
    proxy = emu.proxy(VC_ID)
    assert proxy is not None
    assert proxy["DefaultSessionExpiryMinutes"] == 90


def test_the_rollback_of_a_replacement_goes_back_to_the_stacks_own_configuration(
    emu: ChimeVoiceEmulator, invoke: Invoke
) -> None:
    """CloudFormation's rollback Update: the old properties, the replacement's id. The old
    configuration is still there (the cleanup that would remove it never ran) and is the stack's
    own: the rollback puts the old settings back on it and answers its id."""
    created = create(invoke)
    assert created["Status"] == "SUCCESS", created.get("Reason")
    moved_props = properties(KIND, VoiceConnectorId=OTHER_VC)
    moved = invoke(lambda url: proxy_event("Update", url, props=moved_props))
    assert moved["Status"] == "SUCCESS", moved.get("Reason")
    assert moved["PhysicalResourceId"] == resource.physical_resource_id(OWN_REGION, OTHER_VC)
    back = invoke(
        lambda url: proxy_event(
            "Update",
            url,
            props=properties(KIND),
            old_props=moved_props,
            physical_id=moved["PhysicalResourceId"],
        )
    )
    assert back["Status"] == "SUCCESS", back.get("Reason")
    assert back["PhysicalResourceId"] == PHYSICAL_ID
    assert emu.proxy(VC_ID) is not None


def test_the_rollback_of_a_refused_replacement_puts_the_old_settings_back(
    emu: ChimeVoiceEmulator, invoke: Invoke
) -> None:
    """A replacing Update refused (the new voice connector has a configuration the stack did
    not make) keeps the resource's id; CloudFormation's rollback Update then carries the old
    properties and that same id, which names the stack's own configuration: the old settings are
    put back on it (README: "Update rollback (after a failed update)")."""
    created = create(invoke)
    assert created["Status"] == "SUCCESS", created.get("Reason")
    emu.configure_proxy(OTHER_VC, countries=["GB"])
    moved_props = properties(KIND, VoiceConnectorId=OTHER_VC)
    refused = invoke(lambda url: proxy_event("Update", url, props=moved_props))
    assert (refused["Status"], refused["PhysicalResourceId"]) == ("FAILED", PHYSICAL_ID)
    back = invoke(
        lambda url: proxy_event("Update", url, props=properties(KIND), old_props=moved_props)
    )
    assert back["Status"] == "SUCCESS", back.get("Reason")
    assert back["PhysicalResourceId"] == PHYSICAL_ID
    theirs = emu.proxy(OTHER_VC)
    assert theirs is not None
    assert theirs["PhoneNumberCountries"] == ["GB"]
