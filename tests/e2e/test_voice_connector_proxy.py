"""VoiceConnectorProxy end to end: the synthesized asset, CloudFormation's requests, the emulator.

The ``proxy`` app (``tests/e2e/apps.py``) declares three configurations; its ``changed`` variant
(the update) and its ``adopting`` variant (Main with adopt_existing=True) are synthesized here by
the CDK CLI too. The function runs with the environment the template gives it: its claim table in
moto's DynamoDB. The emulator keeps one state for every region (a voice connector lives in one
region in the service), so where a region changes, what each region was sent is read from the
SigV4 signing region the emulator records with every request.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

import proxy_contract as contract
from cfn_request import failed_create_physical_id
from harness.dynamodb import DynamoDBServer
from harness.emulator import ChimeVoiceEmulator
from harness.lifecycle import STACK_ID, CloudFormationStack, Invocation, LambdaRunner
from harness.lifecycle import resource_properties as cfn_properties
from harness.synth import Assembly, synth
from tests.e2e.apps import (
    APP_CONTEXT_KEY,
    E2E_APP,
    PROXY_FALL_BACK,
    PROXY_KEPT,
    PROXY_KEPT_NEW,
    PROXY_MAIN,
    PROXY_MOVED,
    PROXY_MOVING,
    PROXY_VARIANT_KEY,
)
from tests.e2e.conftest import RunnerFor

pytestmark = pytest.mark.slow

GET, PUT, DELETE = "GetVoiceConnectorProxy", "PutVoiceConnectorProxy", "DeleteVoiceConnectorProxy"
VARIANTS = ("changed", "adopting")
# What Main declares in the ``proxy`` app, as the API reports it.
MAIN_DECLARED = {
    "DefaultSessionExpiryMinutes": 60,
    "PhoneNumberCountries": ["US"],
    "FallBackPhoneNumber": PROXY_FALL_BACK,
    "Disabled": False,
}
# The function's timeout where a run dies: PutVoiceConnectorProxy hangs longer, so the runtime
# kills the process before the handler records its put, which the service completes afterwards.
SHORT_TIMEOUT = 6.0
HANG = SHORT_TIMEOUT + 1.5


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Assembly]:
    """The ``proxy`` app's variants, synthesized by the CDK CLI two at a time (two cores)."""
    folders = [tmp_path_factory.mktemp(f"assembly-proxy-{name}") for name in VARIANTS]

    def run(name: str, out: Any) -> Assembly:
        return synth(out, {APP_CONTEXT_KEY: "proxy", PROXY_VARIANT_KEY: name}, app=E2E_APP)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(VARIANTS, pool.map(run, VARIANTS, folders), strict=True))


@pytest.fixture
def changed(variants: dict[str, Assembly]) -> Assembly:
    """The ``proxy`` app's update."""
    return variants["changed"]


@pytest.fixture
def adopting(variants: dict[str, Assembly]) -> Assembly:
    """The ``proxy`` app with Main declaring adopt_existing=True."""
    return variants["adopting"]


@pytest.fixture
def base(assemblies: dict[str, Assembly]) -> Assembly:
    return assemblies["proxy"]


@pytest.fixture
def stack(base: Assembly, runner_for: RunnerFor) -> CloudFormationStack:
    """The stack, its handler run from the ``proxy`` app's own asset with its claim table."""
    return CloudFormationStack(runner_for(base))


@pytest.fixture
def connectors(emu: ChimeVoiceEmulator) -> ChimeVoiceEmulator:
    """The emulator with every voice connector of the app."""
    for vc_id in (PROXY_MAIN, PROXY_KEPT, PROXY_KEPT_NEW, PROXY_MOVING, PROXY_MOVED):
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
    assert config(api, PROXY_MAIN) == MAIN_DECLARED
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
    # Moving: another voice connector in another region, so a replacement; the new region gets
    # the configuration, then CloudFormation's cleanup Delete (with the old properties) removes
    # the old one from the old region.
    assert after[moving] == physical_id("us-west-2", PROXY_MOVED)
    assert before[moving] == physical_id("us-east-1", PROXY_MOVING)
    (put,) = calls(connectors, PUT, PROXY_MOVED)
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


# A configuration the stack did not make ------------------------------------------------------


def someone_else_configures(emu: ChimeVoiceEmulator, vc_id: str) -> None:
    """A proxy configuration the stack did not make (another stack, the console, a script)."""
    emu.configure_proxy(vc_id, default_session_expiry_minutes=240, countries=("CA", "GB"))


def test_a_create_over_a_configuration_it_did_not_make_fails_and_changes_nothing(
    stack: CloudFormationStack, base: Assembly, connectors: ChimeVoiceEmulator, api: Any
) -> None:
    someone_else_configures(connectors, PROXY_MAIN)
    before = config(api, PROXY_MAIN)
    operation = stack.deploy(base.template)
    assert operation.status == "ROLLBACK_COMPLETE"
    failed = by_logical_id(operation.invocations, "Main", "Create").response
    assert failed is not None
    assert failed["Status"] == "FAILED"
    assert (
        f"Voice connector {PROXY_MAIN} in us-east-1 already has a proxy configuration, which "
        "this stack did not make. Nothing was changed"
    ) in failed["Reason"]
    assert "set adopt_existing=True" in failed["Reason"]
    rollback = by_logical_id(operation.invocations, "Main", "Delete").response
    assert rollback is not None
    assert rollback["Status"] == "SUCCESS"
    # Neither the Create nor its rollback Delete touched it.
    assert calls(connectors, PUT, PROXY_MAIN) == []
    assert calls(connectors, DELETE, PROXY_MAIN) == []
    assert config(api, PROXY_MAIN) == before


def test_adopt_existing_puts_over_it_and_the_stack_delete_leaves_it(
    stack: CloudFormationStack, adopting: Assembly, connectors: ChimeVoiceEmulator, api: Any
) -> None:
    someone_else_configures(connectors, PROXY_MAIN)
    operation = stack.deploy(adopting.template)
    assert operation.status == "CREATE_COMPLETE"
    main = by_logical_id(operation.invocations, "Main", "Create").response
    assert main is not None
    assert main["PhysicalResourceId"] == physical_id("us-east-1", PROXY_MAIN) + ":adopted"
    assert len(calls(connectors, PUT, PROXY_MAIN)) == 1
    assert config(api, PROXY_MAIN) == MAIN_DECLARED
    connectors.reset_calls()
    deleted = stack.delete()
    assert deleted.status == "DELETE_COMPLETE"
    # Main (Destroy, adopted) is left as declared; Moving (Destroy, the stack's own) is removed.
    assert [call.voice_connector_id for call in connectors.calls_for(DELETE)] == [PROXY_MOVING]
    assert config(api, PROXY_MAIN) == MAIN_DECLARED
    assert (
        "was adopted, not made by this stack"
        in by_logical_id(deleted.invocations, "Main", "Delete").logs
    )


def test_adopt_existing_with_nothing_to_adopt_makes_a_configuration_destroy_removes(
    stack: CloudFormationStack, adopting: Assembly, connectors: ChimeVoiceEmulator, api: Any
) -> None:
    operation = stack.deploy(adopting.template)
    assert operation.status == "CREATE_COMPLETE"
    main = by_logical_id(operation.invocations, "Main", "Create").response
    assert main is not None
    assert main["PhysicalResourceId"] == physical_id("us-east-1", PROXY_MAIN)
    assert stack.delete().status == "DELETE_COMPLETE"
    assert len(calls(connectors, DELETE, PROXY_MAIN)) == 1
    assert config(api, PROXY_MAIN) is None


# The same Create, more than once --------------------------------------------------------------


def create_request(runner: LambdaRunner, template: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """CloudFormation's Create of Main (RemovalPolicy Destroy), and the key of its ResponseURL."""
    lid = next(lid for lid in template["Resources"] if lid.startswith("Main"))
    key = uuid.uuid4().hex
    return {
        "RequestType": "Create",
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:Handler",
        "ResponseURL": runner.sink.url_for(key),
        "StackId": STACK_ID,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": lid,
        "ResourceType": contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE,
        "ResourceProperties": cfn_properties(template)[lid],
    }, key


def answer(invocation: Invocation) -> dict[str, Any]:
    assert invocation.response is not None, invocation.logs
    return dict(invocation.response)


def test_a_create_delivered_twice_is_answered_from_its_record(
    runner_for: RunnerFor, base: Assembly, connectors: ChimeVoiceEmulator
) -> None:
    """The second delivery (a new Lambda request id: a duplicate delivery, or CloudFormation's
    request again after a lost answer) finds the claim recorded: it does not read the
    configuration the first delivery put, so it cannot take it for someone else's."""
    runner = runner_for(base)
    request, key = create_request(runner, base.template)
    once, again = runner.invoke(request, key), runner.invoke(request, key)
    assert once.request_id != again.request_id
    assert answer(once) == answer(again)
    assert answer(again)["Status"] == "SUCCESS"
    assert answer(again)["PhysicalResourceId"] == physical_id("us-east-1", PROXY_MAIN)
    assert len(calls(connectors, GET, PROXY_MAIN)) == 1
    assert len(calls(connectors, PUT, PROXY_MAIN)) == 1


def died_in_its_put(
    runner_for: RunnerFor, base: Assembly, emu: ChimeVoiceEmulator
) -> tuple[LambdaRunner, Invocation]:
    """A Create of Main whose run found no configuration, then died inside
    PutVoiceConnectorProxy, which the service completed after the runtime killed the process:
    the configuration is there, the claim holds no record of it."""
    runner = runner_for(base, timeout_seconds=SHORT_TIMEOUT)
    emu.faults.hang_next(1, seconds=HANG, operation=PUT)
    request, key = create_request(runner, base.template)
    died = runner.invoke(request, key)
    assert died.timed_out, died.summary
    deadline = time.monotonic() + 10.0
    while emu.proxy(PROXY_MAIN) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert emu.proxy(PROXY_MAIN) is not None
    return runner, died


def test_lambdas_retry_after_a_run_died_in_its_put_does_not_take_it_for_someone_elses(
    runner_for: RunnerFor,
    base: Assembly,
    connectors: ChimeVoiceEmulator,
    ddb: DynamoDBServer,
) -> None:
    """The retry (the same Lambda request id) takes the claim over. Whether the voice connector
    had a configuration was recorded on the claim before the put, so the configuration now there
    is known to be the stack's own: no GetVoiceConnectorProxy, the put again, the stack's id
    (neither FAILED nor adopted, so a Destroy delete removes it)."""
    runner, died = died_in_its_put(runner_for, base, connectors)
    assert runner.claim_table is not None
    (claim,) = ddb.items(runner.claim_table)
    assert claim["State"] == "claimed"  # no record: the run died before writing one
    connectors.reset_calls()
    retried = runner.redeliver(died)
    assert retried.request_id == died.request_id
    assert answer(retried)["Status"] == "SUCCESS", answer(retried)["Reason"]
    assert answer(retried)["PhysicalResourceId"] == physical_id("us-east-1", PROXY_MAIN)
    assert calls(connectors, GET, PROXY_MAIN) == []
    assert len(calls(connectors, PUT, PROXY_MAIN)) == 1
    (claim,) = ddb.items(runner.claim_table)
    assert claim["State"] == "made"


def test_the_rollback_delete_after_a_run_died_in_its_put_removes_that_configuration(
    runner_for: RunnerFor, base: Assembly, connectors: ChimeVoiceEmulator, api: Any
) -> None:
    """CloudFormation rolls the Create back (the safety-net timer answered FAILED before the
    runtime killed the process): the Delete finds the claim by the RequestId in the marker, reads
    that the voice connector had no configuration before, and removes the one the dead run put."""
    runner, died = died_in_its_put(runner_for, base, connectors)
    marker = answer(died)["PhysicalResourceId"]
    assert marker == failed_create_physical_id(died.request["RequestId"])
    key = uuid.uuid4().hex
    delete = {
        **died.request,
        "RequestType": "Delete",
        "RequestId": str(uuid.uuid4()),
        "ResponseURL": runner.sink.url_for(key),
        "PhysicalResourceId": marker,
    }
    connectors.reset_calls()
    deleted = runner.invoke(delete, key)
    assert answer(deleted)["Status"] == "SUCCESS", answer(deleted)["Reason"]
    assert len(calls(connectors, DELETE, PROXY_MAIN)) == 1
    assert config(api, PROXY_MAIN) is None
