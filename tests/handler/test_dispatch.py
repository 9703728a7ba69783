"""Dispatch on ResourceType: an unknown or missing type fails with no API call."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

import proxy_contract as contract
from tests.helpers import Invoke, event


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_an_unknown_resource_type_names_the_served_types(
    stub: Stubber, invoke: Invoke, request_type: str
) -> None:
    def make(url: str) -> dict[str, Any]:
        request = event(request_type, url, physical_id="pid")
        request["ResourceType"] = "Custom::ChimeSomethingElse"
        return request

    body = invoke(make)  # the Stubber has nothing queued: any API call would fail the test
    assert body["Status"] == "FAILED"
    assert "'Custom::ChimeSomethingElse' is not served by this function" in body["Reason"]
    for served in contract.SERVED_RESOURCE_TYPES:
        assert served in body["Reason"]
    expected_id = "pid" if request_type != "Create" else contract.FAILED_CREATE_PREFIX
    assert body["PhysicalResourceId"].startswith(expected_id)


def test_a_missing_resource_type_is_a_malformed_request(stub: Stubber, invoke: Invoke) -> None:
    def make(url: str) -> dict[str, Any]:
        request = event("Create", url)
        del request["ResourceType"]
        return request

    body = invoke(make)
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("Malformed request: the event lacks ResourceType")
    assert body["PhysicalResourceId"].startswith(contract.FAILED_CREATE_PREFIX)
