"""End to end: the real asset, the real boto3 client over HTTP and CloudFormation's requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.emulator import ChimeVoiceEmulator
from harness.lifecycle import CloudFormationStack, LambdaRunner, LifecycleError
from harness.response_sink import ResponseSink
from harness.synth import Assembly
from tests.e2e.apps import VC
from tests.helpers import asset_copy_without

pytestmark = pytest.mark.slow


def calls(emu: ChimeVoiceEmulator, operation: str, session_id: str | None = None) -> int:
    return sum(
        1
        for call in emu.calls_for(operation)
        if session_id is None or call.session_id == session_id
    )


def test_create(
    stack: CloudFormationStack, assemblies: dict[str, Assembly], emu: ChimeVoiceEmulator
) -> None:
    operation = stack.deploy(assemblies["base"].template)
    assert operation.status == "CREATE_COMPLETE"
    assert [item.request["RequestType"] for item in operation.invocations] == ["Create"] * 3
    alpha = emu.session(VC, "s-alpha")
    assert alpha is not None
    assert alpha["Capabilities"] == ["Voice"]
    assert alpha["ExpiryMinutes"] == 60
    assert emu.session(VC, "s-gamma")["Capabilities"] == ["SMS"]  # type: ignore[index]
    assert calls(emu, "UpdateProxySession") == 3
    data = next(
        item.response["Data"]
        for item in operation.invocations
        if item.request["LogicalResourceId"].startswith("Alpha") and item.response
    )
    assert data["Capabilities"] == "Voice"
    assert data["ExpiryMinutes"] == "60"
    assert data["Status"] == "Open"


def test_in_place_update_and_replacements(
    stack: CloudFormationStack, assemblies: dict[str, Assembly], emu: ChimeVoiceEmulator
) -> None:
    stack.deploy(assemblies["base"].template)
    ids_before = {lid: resource.physical_id for lid, resource in stack.resources.items()}
    emu.reset_calls()
    operation = stack.deploy(assemblies["changed"].template, "update")
    assert operation.status == "UPDATE_COMPLETE"
    ids_after = {lid: resource.physical_id for lid, resource in stack.resources.items()}
    alpha = next(lid for lid in ids_before if lid.startswith("Alpha"))
    assert ids_after[alpha] == ids_before[alpha]  # in place
    assert all(ids_after[lid] != ids_before[lid] for lid in ids_before if lid != alpha)
    session = emu.session(VC, "s-alpha")
    assert session is not None
    assert session["Capabilities"] == ["Voice", "SMS"]
    assert session["ExpiryMinutes"] == 90
    # The old resources' Deletes follow their policies: Beta (Destroy) ends s-beta,
    # Gamma (Retain) leaves s-gamma alone.
    assert len(operation.requests("Delete")) == 2
    assert emu.session(VC, "s-beta") is None
    assert emu.session(VC, "s-gamma") is not None
    assert calls(emu, "DeleteProxySession") == 1
    assert calls(emu, "UpdateProxySession", "s-beta-2") == 1
    assert calls(emu, "UpdateProxySession", "s-gamma-2") == 1


def test_failed_update_is_rolled_back_to_the_old_values(
    stack: CloudFormationStack, assemblies: dict[str, Assembly], emu: ChimeVoiceEmulator
) -> None:
    stack.deploy(assemblies["base"].template)
    emu.remove_session(VC, "s-beta-2")  # Beta's new session does not exist: its update fails
    emu.reset_calls()
    operation = stack.deploy(assemblies["changed"].template, "failing update")
    assert operation.status == "UPDATE_ROLLBACK_COMPLETE"
    failed = [
        item
        for item in operation.invocations
        if item.response and item.response["Status"] == "FAILED"
    ]
    assert len(failed) == 1
    assert "s-beta-2" in failed[0].response["Reason"]  # type: ignore[index]
    assert "was not found" in failed[0].response["Reason"]  # type: ignore[index]
    alpha = emu.session(VC, "s-alpha")
    assert alpha is not None
    assert alpha["Capabilities"] == ["Voice"]  # restored by the rollback Update
    assert alpha["ExpiryMinutes"] == 60
    # Gamma was replaced, then rolled back; its new id's cleanup Delete (Retain) calls nothing.
    assert calls(emu, "DeleteProxySession") == 0
    assert emu.session(VC, "s-gamma-2") is not None
    assert sorted(r.properties["ProxySessionId"] for r in stack.resources.values()) == [
        "s-alpha",
        "s-beta",
        "s-gamma",
    ]


def test_failed_create_rolls_back_without_an_api_call(
    stack: CloudFormationStack, assemblies: dict[str, Assembly], emu: ChimeVoiceEmulator
) -> None:
    emu.remove_session(VC, "s-beta")  # Beta (Destroy) cannot be created
    operation = stack.deploy(assemblies["base"].template)
    assert operation.status == "ROLLBACK_COMPLETE"
    deletes = operation.requests("Delete")
    assert len(deletes) == 3
    assert all(item.response and item.response["Status"] == "SUCCESS" for item in deletes)
    # Beta's rollback Delete targets the id of a failed Create: no call despite Destroy.
    assert calls(emu, "DeleteProxySession") == 0
    assert stack.resources == {}


def test_stack_delete_follows_each_policy(
    stack: CloudFormationStack, assemblies: dict[str, Assembly], emu: ChimeVoiceEmulator
) -> None:
    stack.deploy(assemblies["base"].template)
    emu.reset_calls()
    operation = stack.delete()
    assert operation.status == "DELETE_COMPLETE"
    assert calls(emu, "DeleteProxySession") == 1
    assert calls(emu, "DeleteProxySession", "s-beta") == 1
    assert emu.session(VC, "s-beta") is None
    assert emu.session(VC, "s-alpha") is not None
    assert emu.session(VC, "s-gamma") is not None


def test_destroy_of_a_session_already_gone_succeeds(
    stack: CloudFormationStack, assemblies: dict[str, Assembly], emu: ChimeVoiceEmulator
) -> None:
    stack.deploy(assemblies["base"].template)
    emu.remove_session(VC, "s-beta")
    operation = stack.delete()
    assert operation.status == "DELETE_COMPLETE"


def test_throttling_is_retried_by_the_handler(
    stack: CloudFormationStack, assemblies: dict[str, Assembly], emu: ChimeVoiceEmulator
) -> None:
    emu.faults.throttle_next(2)
    emu.faults.fail_next(1, status=503)
    operation = stack.deploy(assemblies["base"].template)
    assert operation.status == "CREATE_COMPLETE"
    assert calls(emu, "UpdateProxySession") == 6  # 3 sessions + 3 retried faults


def test_twenty_resources_concurrently(
    stack: CloudFormationStack, assemblies: dict[str, Assembly], emu: ChimeVoiceEmulator
) -> None:
    operation = stack.deploy(assemblies["fleet"].template)
    assert operation.status == "CREATE_COMPLETE"
    assert len(operation.invocations) == 20
    assert calls(emu, "UpdateProxySession") == 20
    for index in range(20):
        session = emu.session(VC, f"s-fleet-{index:02d}")
        assert session is not None
        assert session["Capabilities"] == ["Voice", "SMS"]


def test_an_asset_without_crhelper_is_caught(
    assemblies: dict[str, Assembly], emu: ChimeVoiceEmulator, sink: ResponseSink, tmp_path: Path
) -> None:
    broken = asset_copy_without(assemblies["base"].asset_dir, tmp_path, "crhelper")
    stack = CloudFormationStack(LambdaRunner(broken, endpoint_url=emu.endpoint_url, sink=sink))
    with pytest.raises(LifecycleError, match="No module named 'crhelper'"):
        stack.deploy(assemblies["base"].template)


def test_the_runner_sees_only_the_asset_and_boto3(runner: LambdaRunner) -> None:
    entries = sorted(path.name for path in runner.runtime_dir.iterdir())
    assert "boto3" in entries
    assert "botocore" in entries
    assert "crhelper" not in entries
