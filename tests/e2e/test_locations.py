"""Regions and accounts through the real asset: the emulator records each request's SigV4 region
and access key id, and the STS stand-in issues the assumed role's credentials."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

import proxy_contract as contract
from harness.emulator import ChimeVoiceEmulator
from harness.lifecycle import CloudFormationStack, Invocation
from harness.sts import STS_ENDPOINT_ENV_VAR, StsEmulator
from harness.synth import Assembly
from tests.e2e.conftest import RunnerFor

pytestmark = pytest.mark.slow

PARTNER_ROLE = "arn:aws:iam::210987654321:role/ChimeProxyAdmin"
EXTERNAL_ID = "partner-shared-secret-7"
FUNCTION_ROLE = "arn:aws:iam::123456789012:role/ChimeProxySessionDemo-ProviderRole"
OWN_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"  # the function's own (fake) credentials


@pytest.fixture
def sts() -> Iterator[StsEmulator]:
    with StsEmulator() as running:
        yield running


@pytest.fixture
def located_stack(
    assemblies: dict[str, Assembly], runner_for: RunnerFor, sts: StsEmulator
) -> CloudFormationStack:
    """The ``base`` app's stack, its function given the STS stand-in and its own role's ARN."""
    runner = runner_for(
        assemblies["base"],
        extra_env={
            STS_ENDPOINT_ENV_VAR: sts.endpoint_url,
            contract.FUNCTION_ROLE_ARN_VARIABLE: FUNCTION_ROLE,
        },
    )
    return CloudFormationStack(runner)


def located(template: dict[str, Any], external_id: str = EXTERNAL_ID) -> dict[str, Any]:
    """The base app with Alpha in us-west-2 and Beta in eu-west-2 through the partner's role."""
    changed = copy.deepcopy(template)
    for logical_id, resource in changed["Resources"].items():
        if logical_id.startswith("Alpha"):
            resource["Properties"][contract.REGION] = "us-west-2"
        if logical_id.startswith("Beta"):
            resource["Properties"].update(
                {
                    contract.REGION: "eu-west-2",
                    contract.ASSUME_ROLE_ARN: PARTNER_ROLE,
                    contract.EXTERNAL_ID: external_id,
                }
            )
    return changed


def signed_by(emu: ChimeVoiceEmulator, session_id: str) -> set[tuple[str | None, str | None]]:
    return {
        (call.region, call.access_key_id)
        for call in emu.calls_for("UpdateProxySession")
        if call.session_id == session_id
    }


def all_text(invocations: list[Invocation]) -> str:
    return "\n".join(item.logs + repr(item.response) for item in invocations)


def test_region_and_assumed_credentials_are_used_to_create_and_to_destroy(
    located_stack: CloudFormationStack,
    assemblies: dict[str, Assembly],
    emu: ChimeVoiceEmulator,
    sts: StsEmulator,
) -> None:
    """Create signs each session's calls in its region with its credentials; a Destroy delete
    then uses the same role again."""
    partner_key = sts.allow_role(PARTNER_ROLE, external_id=EXTERNAL_ID)
    operation = located_stack.deploy(located(assemblies["base"].template))
    assert operation.status == "CREATE_COMPLETE"
    assert signed_by(emu, "s-alpha") == {("us-west-2", OWN_ACCESS_KEY)}
    assert signed_by(emu, "s-beta") == {("eu-west-2", partner_key)}
    assert signed_by(emu, "s-gamma") == {("us-east-1", OWN_ACCESS_KEY)}
    (assumed,) = sts.calls
    assert assumed.role_arn == PARTNER_ROLE
    assert assumed.external_id_matched
    assert assumed.access_key_id == OWN_ACCESS_KEY
    assert assumed.role_session_name is not None
    assert assumed.role_session_name.startswith("ChimeProxySessionDemo-Beta")
    text = all_text(operation.invocations)
    assert EXTERNAL_ID not in text
    assert partner_key not in text
    deleted = located_stack.delete()
    assert deleted.status == "DELETE_COMPLETE"
    (delete,) = emu.calls_for("DeleteProxySession")
    assert (delete.session_id, delete.region, delete.access_key_id) == (
        "s-beta",
        "eu-west-2",
        partner_key,
    )


def test_sts_access_denied_names_the_role_and_its_trust_policy(
    located_stack: CloudFormationStack,
    assemblies: dict[str, Assembly],
    emu: ChimeVoiceEmulator,
    sts: StsEmulator,
) -> None:
    sts.allow_role(PARTNER_ROLE, external_id="the-id-the-partner-expects")
    operation = located_stack.deploy(located(assemblies["base"].template))
    assert operation.status == "ROLLBACK_COMPLETE"
    (failed,) = [
        item
        for item in operation.requests("Create")
        if item.response is not None and item.response["Status"] == "FAILED"
    ]
    reason = failed.response["Reason"] if failed.response else ""
    assert f"AssumeRole on {PARTNER_ROLE} was denied" in reason
    assert f"sts:AssumeRole to the principal {FUNCTION_ROLE}" in reason
    assert "sts:ExternalId" in reason
    assert signed_by(emu, "s-beta") == set()
    text = all_text(operation.invocations)
    assert EXTERNAL_ID not in text
    assert "the-id-the-partner-expects" not in text
