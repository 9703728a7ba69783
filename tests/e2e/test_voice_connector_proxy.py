"""VoiceConnectorProxy end to end: the synthesized asset, CloudFormation's requests, the emulator.

The ``proxy`` app (``tests/e2e/apps.py``) declares three configurations; its ``changed`` variant is
synthesized here by the CDK CLI too. The emulator keeps one state for every region (a voice
connector lives in one region in the service), so where a region changes, what each region was
sent is read from the SigV4 signing region the emulator records with every request.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

import proxy_contract as contract
from harness.emulator import ChimeVoiceEmulator
from harness.lifecycle import CloudFormationStack, Invocation, LambdaRunner
from harness.response_sink import ResponseSink
from harness.synth import Assembly, synth
from tests.e2e.apps import (
    APP_CONTEXT_KEY,
    E2E_APP,
    PROXY_FALL_BACK,
    PROXY_KEPT,
    PROXY_KEPT_NEW,
    PROXY_MAIN,
    PROXY_MOVING,
    PROXY_VARIANT_KEY,
)

pytestmark = pytest.mark.slow

PUT, DELETE = "PutVoiceConnectorProxy", "DeleteVoiceConnectorProxy"


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    """The ``proxy`` app's update, synthesized by the CDK CLI."""
    out = tmp_path_factory.mktemp("assembly-proxy-changed")
    return synth(out, {APP_CONTEXT_KEY: "proxy", PROXY_VARIANT_KEY: "changed"}, app=E2E_APP)


@pytest.fixture
def base(assemblies: dict[str, Assembly]) -> Assembly:
    return assemblies["proxy"]


@pytest.fixture
def stack(base: Assembly, emu: ChimeVoiceEmulator, sink: ResponseSink) -> CloudFormationStack:
    """The stack, its handler run from the ``proxy`` app's own asset."""
    return CloudFormationStack(
        LambdaRunner(base.asset_dir, endpoint_url=emu.endpoint_url, sink=sink)
    )


@pytest.fixture
def connectors(emu: ChimeVoiceEmulator) -> ChimeVoiceEmulator:
    """The emulator with every voice connector of the app."""
    for vc_id in (PROXY_MAIN, PROXY_KEPT, PROXY_KEPT_NEW, PROXY_MOVING):
        emu.add_voice_connector(vc_id)
    return emu


@pytest.fixture
def api(emu: ChimeVoiceEmulator) -> Any:
    """A client of the emulator, for reading (and removing) configurations as a user would."""
    return boto3.client("chime-sdk-voice", endpoint_url=emu.endpoint_url, region_name="us-east-1")


def config(api: Any, vc_id: str) -> dict[str, Any] | None:
    """The voice connector's proxy configuration in the emulator, or None."""
    try:
        return dict(api.get_voice_connector_proxy(VoiceConnectorId=vc_id)["Proxy"])
    except ClientError as error:
        if error.response["Error"]["Code"] != "NotFoundException":
            raise
        return None


def calls(emu: ChimeVoiceEmulator, operation: str, vc_id: str) -> list[Any]:
    return [call for call in emu.calls_for(operation) if call.voice_connector_id == vc_id]


def by_logical_id(invocations: list[Invocation], prefix: str, kind: str) -> Invocation:
    (found,) = [
        item
        for item in invocations
        if item.request["LogicalResourceId"].startswith(prefix)
        and item.request["RequestType"] == kind
    ]
    return found


def physical_id(region: str, vc_id: str) -> str:
    return f"{contract.VOICE_CONNECTOR_PROXY_PHYSICAL_ID_PREFIX}{region}:{vc_id}"


def test_create_puts_each_configuration(
    stack: CloudFormationStack, base: Assembly, connectors: ChimeVoiceEmulator, api: Any
) -> None:
    operation = stack.deploy(base.template)
    assert operation.status == "CREATE_COMPLETE"
    assert [item.request["RequestType"] for item in operation.invocations] == ["Create"] * 3
    assert config(api, PROXY_MAIN) == {
        "DefaultSessionExpiryMinutes": 60,
        "PhoneNumberCountries": ["US"],
        "FallBackPhoneNumber": PROXY_FALL_BACK,
        "Disabled": False,
    }
    assert config(api, PROXY_KEPT) == {
        "DefaultSessionExpiryMinutes": 30,
        "PhoneNumberCountries": ["US", "CA"],
        "Disabled": False,
    }
    main = by_logical_id(operation.invocations, "Main", "Create").response
    assert main is not None
    assert main["PhysicalResourceId"] == physical_id("us-east-1", PROXY_MAIN)
    assert main["Data"] == {
        "DefaultSessionExpiryMinutes": "60",
        "PhoneNumberCountries": "US",
        "Disabled": "false",
    }
    assert len(connectors.calls_for(PUT)) == 3
    # The fall-back number went to the API only: not to a response or a log line.
    seen = "\n".join(item.logs + repr(item.response) for item in operation.invocations)
    assert PROXY_FALL_BACK not in seen
    assert PROXY_FALL_BACK[1:] not in seen


def test_update_in_place_and_replacements(
    stack: CloudFormationStack,
    base: Assembly,
    changed: Assembly,
    connectors: ChimeVoiceEmulator,
    api: Any,
) -> None:
    stack.deploy(base.template)
    before = {lid: resource.physical_id for lid, resource in stack.resources.items()}
    connectors.reset_calls()
    operation = stack.deploy(changed.template, "update")
    assert operation.status == "UPDATE_COMPLETE"
    after = {lid: resource.physical_id for lid, resource in stack.resources.items()}
    main, kept, moving = (
        next(lid for lid in before if lid.startswith(p)) for p in ("Main", "Kept", "Moving")
    )

    # Main: in place, every setting changed, the fall-back number gone.
    assert after[main] == before[main]
    assert config(api, PROXY_MAIN) == {
        "DefaultSessionExpiryMinutes": 90,
        "PhoneNumberCountries": ["US", "GB"],
        "Disabled": True,
    }
    # Kept: another voice connector, so a replacement; Retain leaves the old configuration.
    assert after[kept] == physical_id("us-east-1", PROXY_KEPT_NEW)
    assert config(api, PROXY_KEPT_NEW) is not None
    assert config(api, PROXY_KEPT) is not None
    assert calls(connectors, DELETE, PROXY_KEPT) == []
    # Moving: another region, so a replacement; the new region gets the configuration, then
    # CloudFormation's cleanup Delete (with the old properties) removes it from the old region.
    assert after[moving] == physical_id("us-west-2", PROXY_MOVING)
    assert before[moving] == physical_id("us-east-1", PROXY_MOVING)
    (put,) = calls(connectors, PUT, PROXY_MOVING)
    (delete,) = calls(connectors, DELETE, PROXY_MOVING)
    assert (put.region, put.status) == ("us-west-2", 200)
    assert (delete.region, delete.status) == ("us-east-1", 204)
    assert connectors.calls.index(put) < connectors.calls.index(delete)
    cleanup = by_logical_id(operation.invocations, "Moving", "Delete")
    assert cleanup.request["PhysicalResourceId"] == before[moving]
    assert contract.REGION not in cleanup.request["ResourceProperties"]
    assert len(connectors.calls_for(DELETE)) == 1


def test_stack_delete_follows_each_policy(
    stack: CloudFormationStack, base: Assembly, connectors: ChimeVoiceEmulator, api: Any
) -> None:
    stack.deploy(base.template)
    connectors.reset_calls()
    operation = stack.delete()
    assert operation.status == "DELETE_COMPLETE"
    assert {call.voice_connector_id for call in connectors.calls_for(DELETE)} == {
        PROXY_MAIN,
        PROXY_MOVING,
    }
    assert len(connectors.calls_for(DELETE)) == 2
    assert config(api, PROXY_MAIN) is None
    assert config(api, PROXY_MOVING) is None
    assert config(api, PROXY_KEPT) is not None  # Retain


def test_destroy_of_a_configuration_already_gone_succeeds(
    stack: CloudFormationStack, base: Assembly, connectors: ChimeVoiceEmulator, api: Any
) -> None:
    stack.deploy(base.template)
    api.delete_voice_connector_proxy(VoiceConnectorId=PROXY_MAIN)
    connectors.reset_calls()
    operation = stack.delete()
    assert operation.status == "DELETE_COMPLETE"
    (gone,) = calls(connectors, DELETE, PROXY_MAIN)
    assert gone.error_code == "NotFoundException"


def test_failed_create_rolls_back_without_a_call_for_it(
    stack: CloudFormationStack, base: Assembly, emu: ChimeVoiceEmulator, api: Any
) -> None:
    emu.add_voice_connector(PROXY_MAIN)
    emu.add_voice_connector(PROXY_KEPT)  # PROXY_MOVING does not exist: its Put answers 404
    operation = stack.deploy(base.template)
    assert operation.status == "ROLLBACK_COMPLETE"
    failed = by_logical_id(operation.invocations, "Moving", "Create").response
    assert failed is not None
    assert failed["Status"] == "FAILED"
    assert f"was not found on voice connector {PROXY_MOVING}" in failed["Reason"]
    deletes = operation.requests("Delete")
    assert len(deletes) == 3
    assert all(item.response and item.response["Status"] == "SUCCESS" for item in deletes)
    # Main (Destroy, created) is removed; Kept (Retain) and Moving (failed Create) make no call.
    assert [call.voice_connector_id for call in emu.calls_for(DELETE)] == [PROXY_MAIN]
    assert config(api, PROXY_MAIN) is None
    assert config(api, PROXY_KEPT) is not None
