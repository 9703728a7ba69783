"""Retiring a stack after the end of support (README "After the end of support"), end to end.

A stack of the three types (the settings of sessions made elsewhere, proxy configurations,
created sessions) is deployed; then the emulator refuses every proxy operation, as the service may
after 2026-04-07 (its real answer is undocumented: the emulator answers 403 ForbiddenException).
Every construct to RETAIN and a deploy, then the stack's delete: no proxy call, both succeed, and
the attributes still resolve. A DESTROY delete fails instead, with the service's message.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

import proxy_contract as contract
from harness.emulator import ChimeVoiceEmulator
from harness.lifecycle import CloudFormationStack, StackOperation
from harness.synth import Assembly
from resource_types import BY_TYPE_NAME
from tests.e2e.apps import PROXY_KEPT, PROXY_MAIN, PROXY_MOVING, VC
from tests.e2e.conftest import RunnerFor

pytestmark = pytest.mark.slow


def whole_stack(assemblies: dict[str, Assembly]) -> dict[str, Any]:
    """One template of the three types: the sessions app with the base app's settings and the
    proxy app's configurations (the provider's resources are the same in every app)."""
    template = copy.deepcopy(assemblies["sessions"].template)
    for name in ("base", "proxy"):
        template["Resources"].update(copy.deepcopy(assemblies[name].template["Resources"]))
    return template


def retained(template: dict[str, Any]) -> dict[str, Any]:
    """The same template with every construct's removal_policy RETAIN."""
    changed = copy.deepcopy(template)
    for resource in changed["Resources"].values():
        if resource["Type"] in contract.SERVED_RESOURCE_TYPES:
            resource["Properties"][contract.REMOVAL_POLICY] = contract.RETAIN
    return changed


def answers(operation: StackOperation, request_type: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for invocation in operation.requests(request_type):
        assert invocation.response is not None
        found[invocation.request["LogicalResourceId"]] = dict(invocation.response)
    return found


@pytest.fixture
def deployed(
    emu: ChimeVoiceEmulator, assemblies: dict[str, Assembly], runner_for: RunnerFor
) -> tuple[CloudFormationStack, dict[str, Any], StackOperation]:
    emu.configure_proxy(VC)
    for voice_connector_id in (PROXY_MAIN, PROXY_KEPT, PROXY_MOVING):
        emu.add_voice_connector(voice_connector_id)
    stack = CloudFormationStack(runner_for(assemblies["sessions"]))
    template = whole_stack(assemblies)
    created = stack.deploy(template)
    assert created.status == "CREATE_COMPLETE", [i.response for i in created.invocations]
    kinds = {BY_TYPE_NAME[i.request["ResourceType"]].construct for i in created.invocations}
    assert kinds == {"ProxySessionSettings", "VoiceConnectorProxy", "ProxySession"}
    return stack, template, created


def test_a_stack_is_retired_with_no_proxy_call(
    emu: ChimeVoiceEmulator, deployed: tuple[CloudFormationStack, dict[str, Any], StackOperation]
) -> None:
    stack, template, created = deployed
    emu.end_of_support(True)
    emu.reset_calls()

    updated = stack.deploy(retained(template), "every construct RETAIN")
    assert updated.status == "UPDATE_COMPLETE"
    after = answers(updated, "Update")
    before = answers(created, "Create")
    # Only the resources whose policy changed were updated; each kept its id and attributes.
    assert set(after) == {
        lid
        for lid, resource in template["Resources"].items()
        if resource["Type"] in contract.SERVED_RESOURCE_TYPES
        and resource["Properties"].get(contract.REMOVAL_POLICY) != contract.RETAIN
    }
    for lid, response in after.items():
        assert response["Status"] == "SUCCESS", response["Reason"]
        assert response["PhysicalResourceId"] == before[lid]["PhysicalResourceId"]
        kind = BY_TYPE_NAME[template["Resources"][lid]["Type"]]
        assert set(response["Data"]) == set(kind.attributes)  # every Fn::GetAtt resolves
        if kind.construct != "ProxySessionSettings":  # the service's own values, kept
            assert response["Data"] == before[lid]["Data"]

    deleted = stack.delete("delete the stack")
    assert deleted.status == "DELETE_COMPLETE"
    assert all(i.response and i.response["Status"] == "SUCCESS" for i in deleted.invocations)
    assert emu.calls == []  # not one call, let alone a refused one
    assert emu.proxy(VC) is not None  # what the stack made is left as it was


def test_a_destroy_delete_after_the_end_of_support_fails_with_the_services_message(
    emu: ChimeVoiceEmulator, deployed: tuple[CloudFormationStack, dict[str, Any], StackOperation]
) -> None:
    stack, _, _ = deployed
    emu.end_of_support(True)
    deleted = stack.delete()
    assert deleted.status == "DELETE_FAILED"
    reasons = [i.response["Reason"] for i in deleted.invocations if i.response]
    refused = [reason for reason in reasons if "ForbiddenException" in reason]
    assert refused
    assert all("reached end of support" in reason for reason in refused)
    assert all("After the end of support" in reason for reason in refused)
