"""The CloudFormation request (``cfn_request``): its envelope, the request a type reads, the
failed-Create marker, and the time left."""

from __future__ import annotations

from typing import Any

import pytest

import cfn_request
import proxy_contract as contract
from resource_types import PROXY_SESSION, RESOURCE_TYPES, ResourceType
from tests.helpers import PARTICIPANTS, LambdaContext, event, properties, sample

URL = "https://example.invalid/r"


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_a_well_formed_event_has_no_problem(request_type: str) -> None:
    request = event(request_type, URL, physical_id="pid")
    assert cfn_request.envelope_problem(request) is None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"StackId": None}, "StackId must be a non-empty string, got null"),
        ({"RequestId": ""}, "RequestId must be a non-empty string, got ''"),
        ({"LogicalResourceId": 3}, "LogicalResourceId must be a non-empty string, got 3"),
        ({"ResponseURL": ["x"]}, "ResponseURL must be a non-empty string"),
        ({"RequestType": None}, "RequestType null is not one of Create, Update, Delete"),
        ({"PhysicalResourceId": 7}, "every Update request must carry PhysicalResourceId"),
    ],
)
def test_envelope_fields_must_be_usable(change: dict[str, Any], expected: str) -> None:
    request = event("Update", URL, physical_id="pid")
    request.update(change)
    assert expected in (cfn_request.envelope_problem(request) or "")


def test_a_missing_physical_id_says_nothing_was_sent() -> None:
    request = event("Delete", URL, physical_id="pid")
    del request["PhysicalResourceId"]
    assert (cfn_request.envelope_problem(request) or "").endswith("got nothing")


def test_an_event_that_is_not_an_object_is_named() -> None:
    assert cfn_request.envelope_problem(["Create"]) == "the event is not an object: ['Create']"


@pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_the_request_is_read_as_sent(kind: ResourceType) -> None:
    sent = event("Update", URL, kind=kind, old_props=properties(kind, RemovalPolicy="Retain"))
    request = cfn_request.CfnRequest.from_event(sent)
    assert request == cfn_request.CfnRequest(
        request_type="Update",
        resource_type=kind.type_name,
        logical_resource_id=sample(kind).logical_id,
        stack_id=sent["StackId"],
        request_id=sent["RequestId"],
        properties=sent["ResourceProperties"],
        old_properties=sent["OldResourceProperties"],
        physical_resource_id=sample(kind).physical_id,
    )


def test_a_create_has_no_physical_id_nor_old_properties() -> None:
    request = cfn_request.CfnRequest.from_event(event("Create", URL))
    assert (request.physical_resource_id, request.old_properties) == (None, None)


def test_the_properties_stay_out_of_the_repr() -> None:
    text = repr(cfn_request.CfnRequest.from_event(event("Update", URL, kind=PROXY_SESSION)))
    for phone in PARTICIPANTS:
        assert phone.lstrip("+") not in text
    assert "HelpLineA1B2C3D4" in text


def test_failed_create_marker() -> None:
    marker = cfn_request.failed_create_physical_id("req-1")
    assert marker == f"{contract.FAILED_CREATE_PREFIX}req-1"
    assert cfn_request.is_failed_create(marker)
    assert len(cfn_request.failed_create_physical_id("r" * 2000)) == 1024
    for other in (sample(kind).physical_id for kind in RESOURCE_TYPES):
        assert not cfn_request.is_failed_create(other)
    assert not cfn_request.is_failed_create(None)


def test_remaining_seconds_reads_the_context() -> None:
    assert 0 < cfn_request.remaining_seconds(LambdaContext(timeout_seconds=1)) <= 1.0
    assert cfn_request.remaining_seconds(LambdaContext(timeout_seconds=-5)) == 0.0
    assert cfn_request.remaining_seconds(object(), default=42.0) == 42.0
