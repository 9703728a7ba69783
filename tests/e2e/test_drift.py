"""The drift check end to end: a stack deployed through the synthesized asset, checked as a user
checks it.

The ``drift`` app (``tests/e2e/apps.py``: two voice connectors the stack makes, Lines, Proxy, the
created session Line and the Settings of a session on ``VC``) is deployed by the lifecycle driver
against the emulator, its claim table in moto, and published in the CloudFormation stand-in
(``harness.cloudformation``). boto3 reaches the three through ``AWS_ENDPOINT_URL_*`` with fake
credentials, and the command line runs as ``main(argv)`` (and, once, as the installed console
script and ``python -m``). Each case makes one kind of drift through the service's API (as a
console user would) or the emulator (a session that expires), checks it in text and JSON, reverts
it and checks again.

One deployment serves the module while a check finds it in sync: a case that leaves drift an
update cannot put back (a session gone, a number released) makes the next case deploy anew
(about a second). Every output is searched for the participants' and fall-back phone numbers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import boto3
import pytest

import proxy_contract as contract
from chime_proxy_session.drift import Status, check_stack, main
from harness.cloudformation import CLOUDFORMATION_ENDPOINT_ENV_VAR, CloudFormationServer
from harness.dynamodb import DYNAMODB_ENDPOINT_ENV_VAR, DynamoDBServer
from harness.emulator import ENDPOINT_ENV_VAR, ChimeVoiceEmulator
from harness.lifecycle import STACK_ID, STACK_NAME, CloudFormationStack, LambdaRunner
from harness.response_sink import ResponseSink
from harness.synth import Assembly
from tests.e2e.apps import (
    DRIFT_EXPIRY,
    DRIFT_LINES_COUNT,
    DRIFT_PROXY_EXPIRY,
    DRIFT_SETTINGS_EXPIRY,
    DRIFT_SETTINGS_SESSION,
    LINE_PHONES,
    PROXY_FALL_BACK,
    VC,
)

pytestmark = pytest.mark.slow

REPO: Final = Path(__file__).resolve().parents[2]
PROGRAM: Final = "chime-proxy-session-drift"
NOT_RUN: Final = f"{PROGRAM}: the check of stack {{stack}} could not run: "
OTHER_FALL_BACK: Final = "+12065550199"
# Never printed: the participants, and the fall-back numbers (declared and put over it).
NEVER_SHOWN: Final = (*LINE_PHONES, PROXY_FALL_BACK, OTHER_FALL_BACK)
RESOURCES: Final = {
    "Lines": contract.PHONE_NUMBERS_RESOURCE_TYPE,
    "Proxy": contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE,
    "Line": contract.PROXY_SESSION_RESOURCE_TYPE,
    "Settings": contract.SETTINGS_RESOURCE_TYPE,
}
JSON_RESOURCE_KEYS: Final = {
    "logical_id",
    "type",
    "physical_id",
    "status",
    "differences",
    "reason",
}


@dataclass
class Deployed:
    """The drift app as deployed: the driver's stack and what its resources act on."""

    emu: ChimeVoiceEmulator
    stack: CloudFormationStack
    template: dict[str, Any]

    def logical_id(self, name: str) -> str:
        """The logical id of the construct ``name``: its id and CDK's 8-character hash (e.g.
        "Line" -> "Line6A92B2B2", not "Lines0CB763DA")."""
        (found,) = [lid for lid in self.template["Resources"] if lid[:-8] == name]
        return str(found)

    def connector(self, name: str = "Connector") -> str:
        """The id of a voice connector the stack made."""
        return self.stack.voice_connectors.made[name].voice_connector_id

    @property
    def line_session(self) -> str:
        """The id of the session Line created (its physical id's last part)."""
        return self.stack.resources[self.logical_id("Line")].physical_id.rsplit(":", 1)[1]

    @property
    def numbers(self) -> list[str]:
        """The numbers Lines holds, as its answer gave them."""
        data = self.stack.resources[self.logical_id("Lines")].data
        return str(data[contract.ATTR_PHONE_NUMBERS]).split(",")

    @property
    def chime(self) -> Any:
        """A ChimeSDKVoice client of the emulator: how someone changes things by hand."""
        return boto3.client("chime-sdk-voice", endpoint_url=self.emu.endpoint_url)

    def put_proxy(self, **changes: Any) -> None:
        """PutVoiceConnectorProxy on Connector: the declared configuration with ``changes``."""
        request: dict[str, Any] = {
            "VoiceConnectorId": self.connector(),
            "DefaultSessionExpiryMinutes": DRIFT_PROXY_EXPIRY,
            "PhoneNumberPoolCountries": ["US"],
            "FallBackPhoneNumber": PROXY_FALL_BACK,
            "Disabled": False,
        }
        self.chime.put_voice_connector_proxy(**{**request, **changes})

    def release(self, number: str) -> None:
        """Release a number of Lines as someone would by hand: off its voice connector first."""
        self.chime.disassociate_phone_numbers_from_voice_connector(
            VoiceConnectorId=self.connector(), E164PhoneNumbers=[number]
        )
        self.chime.delete_phone_number(PhoneNumberId=number)


@pytest.fixture(scope="module")
def cfn() -> Iterator[CloudFormationServer]:
    with CloudFormationServer() as server:
        yield server


@pytest.fixture(scope="module")
def kept() -> dict[str, Deployed]:
    """The module's deployment, kept from one case to the next."""
    return {}


def in_sync() -> bool:
    """Whether a check finds every resource of the stack in sync."""
    return all(item.status is Status.IN_SYNC for item in check_stack(STACK_NAME).resources)


@pytest.fixture
def deployed(
    emulator: ChimeVoiceEmulator,
    dynamodb: DynamoDBServer,
    sink: ResponseSink,
    assemblies: dict[str, Assembly],
    cfn: CloudFormationServer,
    kept: dict[str, Deployed],
    monkeypatch: pytest.MonkeyPatch,
) -> Deployed:
    """The drift app deployed, published and in sync, boto3 pointed at the three stand-ins:
    the module's deployment while a check finds it in sync, else a new one."""
    for variable, endpoint in (
        (CLOUDFORMATION_ENDPOINT_ENV_VAR, cfn.endpoint_url),
        (ENDPOINT_ENV_VAR, emulator.endpoint_url),
        (DYNAMODB_ENDPOINT_ENV_VAR, dynamodb.endpoint_url),
    ):
        monkeypatch.setenv(variable, endpoint)
    cfn.allow()
    emulator.faults.clear()
    if "stack" not in kept or not in_sync():
        emulator.reset()
        emulator.seed_session(VC, ["Voice"], session_id=DRIFT_SETTINGS_SESSION)
        dynamodb.reset()
        assembly = assemblies["drift"]
        runner = LambdaRunner.for_assembly(
            assembly, endpoint_url=emulator.endpoint_url, sink=sink, dynamodb=dynamodb
        )
        stack = CloudFormationStack(runner)
        operation = stack.deploy(assembly.template)
        assert operation.status == "CREATE_COMPLETE", operation.errors
        cfn.reset()
        cfn.publish(stack, template=assembly.template)
        kept["stack"] = Deployed(emulator, stack, assembly.template)
    cfn.reset_calls()
    emulator.reset_calls()
    return kept["stack"]


def never_shown(*outputs: str) -> None:
    """No participant's or fall-back number, with or without its +, in any of ``outputs``."""
    for output in outputs:
        for number in NEVER_SHOWN:
            assert number.lstrip("+") not in output


def run(
    capsys: pytest.CaptureFixture[str], *args: str, stack: str = STACK_NAME
) -> tuple[int, str, str]:
    """main(argv) on ``stack``: the exit status, standard output and standard error."""
    status = main([stack, *args])
    out, err = capsys.readouterr()
    never_shown(out, err)
    return status, out, err


Row = tuple[str, str, list[tuple[str, str, str]], str]


def table(out: str) -> dict[str, Row]:
    """The text report by logical id: type, status, differences (property, declared, live) and
    the reason printed below the resource ("" when none)."""
    lines = out.splitlines()
    header = lines.index(next(line for line in lines if line.startswith("LOGICAL ID")))
    columns = [lines[header].index(name) for name in ("TYPE", "STATUS", "PROPERTY")]
    columns += [lines[header].index("DECLARED"), lines[header].index("LIVE")]
    rows: dict[str, Row] = {}
    current = ""
    for line in lines[header + 1 :]:
        if not line:
            break
        if line.startswith("    ") and line[4] != " ":  # a reason, below its resource
            kind, status, differences, _ = rows[current]
            rows[current] = (kind, status, differences, line.strip())
            continue
        bounds = zip([0, *columns], [*columns, None], strict=True)
        cells = [line[start:end].strip() for start, end in bounds]
        if cells[0]:
            current = cells[0]
            rows[current] = (cells[1], cells[2], [], "")
        if cells[3]:
            rows[current][2].append((cells[3], cells[4], cells[5]))
    return rows


def summary(out: str) -> str:
    return out.rstrip().splitlines()[-1]


def test_in_sync_after_deploy(
    deployed: Deployed, cfn: CloudFormationServer, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys)
    assert (status, err) == (0, "")
    assert out.startswith(f"Stack {STACK_NAME} in us-east-1\n")
    rows = table(out)
    assert rows == {
        deployed.logical_id(name): (kind, "IN_SYNC", [], "") for name, kind in RESOURCES.items()
    }
    assert summary(out) == "4 resources: 4 IN_SYNC"
    # It read the stack by its id, then each resource once.
    assert [(call.operation, call.stack) for call in cfn.calls] == [
        ("DescribeStacks", STACK_NAME),
        ("GetTemplate", STACK_ID),
        ("DescribeStackResources", STACK_ID),
    ]
    chime = sorted(call.operation for call in deployed.emu.calls)
    assert chime == [
        *["GetPhoneNumber"] * DRIFT_LINES_COUNT,
        *["GetProxySession"] * 2,
        "GetVoiceConnectorProxy",
    ]
    status, out, err = run(capsys, "--json")
    assert (status, err) == (0, "")
    report = json.loads(out)
    assert (report["stack"], report["region"]) == (STACK_NAME, "us-east-1")
    assert [item["logical_id"] for item in report["resources"]] == list(rows)
    for item in report["resources"]:
        assert set(item) == JSON_RESOURCE_KEYS
        assert (item["status"], item["differences"], item["reason"]) == ("IN_SYNC", [], None)
        assert item["physical_id"] == deployed.stack.resources[item["logical_id"]].physical_id


# Each kind of drift: the resource it touches, its status, how it is made (returning the
# differences expected: property, declared, live), and whether --revert puts it back.


@dataclass(frozen=True)
class Drift:
    """One kind of drift made by hand."""

    resource: str
    status: str
    make: Callable[[Deployed], list[tuple[str, str, str]]]
    reverted_with: str = ""  # the operation --revert puts it back with; "" when it cannot
    reason: str = ""  # how the reason below the resource starts ("" for none)


def capabilities_changed(deployed: Deployed) -> list[tuple[str, str, str]]:
    deployed.chime.update_proxy_session(
        VoiceConnectorId=deployed.connector(),
        ProxySessionId=deployed.line_session,
        Capabilities=["Voice"],
    )
    return [("Capabilities", "Voice,SMS", "Voice")]


def session_expiry_changed(deployed: Deployed) -> list[tuple[str, str, str]]:
    deployed.chime.update_proxy_session(
        VoiceConnectorId=deployed.connector(),
        ProxySessionId=deployed.line_session,
        Capabilities=["Voice", "SMS"],
        ExpiryMinutes=DRIFT_EXPIRY + 30,
    )
    return [("ExpiryMinutes", str(DRIFT_EXPIRY), str(DRIFT_EXPIRY + 30))]


def settings_changed(deployed: Deployed) -> list[tuple[str, str, str]]:
    deployed.chime.update_proxy_session(
        VoiceConnectorId=VC,
        ProxySessionId=DRIFT_SETTINGS_SESSION,
        Capabilities=["SMS", "Voice"],
        ExpiryMinutes=DRIFT_SETTINGS_EXPIRY * 2,
    )
    return [
        ("Capabilities", "Voice", "SMS,Voice"),
        ("ExpiryMinutes", str(DRIFT_SETTINGS_EXPIRY), str(DRIFT_SETTINGS_EXPIRY * 2)),
    ]


def proxy_disabled(deployed: Deployed) -> list[tuple[str, str, str]]:
    deployed.put_proxy(Disabled=True)
    return [("Disabled", "false", "true")]


def countries_changed(deployed: Deployed) -> list[tuple[str, str, str]]:
    deployed.put_proxy(PhoneNumberPoolCountries=["US", "CA"])
    return [("PhoneNumberPoolCountries", "US", "US,CA")]


def fall_back_changed(deployed: Deployed) -> list[tuple[str, str, str]]:
    deployed.put_proxy(FallBackPhoneNumber=OTHER_FALL_BACK)
    return [("FallBackPhoneNumber", "<not shown>", "<another value, not shown>")]


def number_moved(deployed: Deployed) -> list[tuple[str, str, str]]:
    number = deployed.numbers[0]
    deployed.chime.associate_phone_numbers_with_voice_connector(
        VoiceConnectorId=deployed.connector("Other"), E164PhoneNumbers=[number], ForceAssociate=True
    )
    return [(f"VoiceConnectorId[{number}]", deployed.connector(), deployed.connector("Other"))]


def session_closed(deployed: Deployed) -> list[tuple[str, str, str]]:
    deployed.emu.close_session(deployed.connector(), deployed.line_session)  # as expiry does
    return []


def session_deleted(deployed: Deployed) -> list[tuple[str, str, str]]:
    deployed.chime.delete_proxy_session(
        VoiceConnectorId=deployed.connector(), ProxySessionId=deployed.line_session
    )
    return []


def settings_session_deleted(deployed: Deployed) -> list[tuple[str, str, str]]:
    deployed.chime.delete_proxy_session(VoiceConnectorId=VC, ProxySessionId=DRIFT_SETTINGS_SESSION)
    return []


def number_released(deployed: Deployed) -> list[tuple[str, str, str]]:
    number = deployed.numbers[1]
    deployed.release(number)
    return [(f"PhoneNumbers[{number}]", "held", "DeleteInProgress"), ("Count", "2", "1")]


def every_number_released(deployed: Deployed) -> list[tuple[str, str, str]]:
    for number in deployed.numbers:
        deployed.release(number)
    return []


DRIFTS: Final = {
    "capabilities changed": Drift("Line", "MODIFIED", capabilities_changed, "UpdateProxySession"),
    "expiry changed": Drift("Line", "MODIFIED", session_expiry_changed, "UpdateProxySession"),
    "settings' capabilities and expiry changed": Drift(
        "Settings", "MODIFIED", settings_changed, "UpdateProxySession"
    ),
    "proxy disabled": Drift("Proxy", "MODIFIED", proxy_disabled, "PutVoiceConnectorProxy"),
    "countries changed": Drift("Proxy", "MODIFIED", countries_changed, "PutVoiceConnectorProxy"),
    "fall-back number changed": Drift(
        "Proxy", "MODIFIED", fall_back_changed, "PutVoiceConnectorProxy"
    ),
    "number moved": Drift(
        "Lines", "MODIFIED", number_moved, "AssociatePhoneNumbersWithVoiceConnector"
    ),
    "session closed": Drift(
        "Line", "DELETED", session_closed, reason="Session {session} is Closed"
    ),
    "session deleted": Drift(
        "Line", "DELETED", session_deleted, reason="Session {session} is not found on voice"
    ),
    "settings' session deleted": Drift(
        "Settings", "DELETED", settings_session_deleted, reason="Session s-drift is not found on"
    ),
    "number released": Drift("Lines", "MODIFIED", number_released),
    "every number released": Drift(
        "Lines",
        "DELETED",
        every_number_released,
        reason="None of its numbers is in the inventory any more",
    ),
}


@pytest.mark.parametrize("name", DRIFTS)
def test_drift_is_reported_then_reverted(
    name: str, deployed: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    drift = DRIFTS[name]
    target, kind = deployed.logical_id(drift.resource), RESOURCES[drift.resource]
    reason = drift.reason.format(session=deployed.line_session)
    differences = drift.make(deployed)

    status, out, err = run(capsys)
    assert (status, err) == (1, "")
    rows = table(out)
    found = rows.pop(target)
    assert found[:3] == (kind, drift.status, differences)
    assert found[3].startswith(reason) if reason else found[3] == ""
    assert all(row[1] == "IN_SYNC" for row in rows.values()), rows
    assert summary(out) == f"4 resources: 3 IN_SYNC, 1 {drift.status}"

    status, out, err = run(capsys, "--json")
    assert (status, err) == (1, "")
    report = json.loads(out)
    assert set(report) == {"stack", "region", "resources"}
    (item,) = [item for item in report["resources"] if item["logical_id"] == target]
    assert set(item) == JSON_RESOURCE_KEYS
    assert (item["type"], item["status"]) == (kind, drift.status)
    assert item["differences"] == [
        {"property": p, "declared": d, "live": live} for p, d, live in differences
    ]
    assert item["reason"].startswith(reason) if reason else item["reason"] is None
    others = [item for item in report["resources"] if item["logical_id"] != target]
    assert {item["status"] for item in others} == {"IN_SYNC"}

    # --revert puts back what an in-place update can, and never creates or deletes anything.
    deployed.emu.reset_calls()
    status, out, err = run(capsys, "--revert")
    called = {call.operation for call in deployed.emu.calls}
    assert not {op for op in called if op.startswith(("Create", "Delete"))}
    if drift.reverted_with:
        assert (status, err) == (0, "")
        assert f"Reverted {target} ({kind}) with {drift.reverted_with}: " in out
        for property_name, declared, live in differences:
            assert f"{property_name} {live} -> {declared}" in out
        status, out, _ = run(capsys)
        assert status == 0
        assert {row[1] for row in table(out).values()} == {"IN_SYNC"}
    else:
        assert status == 1
        assert f"Not reverted {target} ({kind}): " in out
        assert called <= {"GetProxySession", "GetPhoneNumber", "GetVoiceConnectorProxy"}
        assert run(capsys)[0] == 1  # still drifted


def test_the_installed_command_line_checks_and_reverts(deployed: Deployed) -> None:
    """The console script and ``python -m``, in their own processes, as a pipeline step runs
    them (the environment points them at the stand-ins)."""
    script = Path(sys.executable).with_name(PROGRAM)
    module = [sys.executable, "-m", "chime_proxy_session.drift"]

    def command(program: list[str], *args: str) -> subprocess.CompletedProcess[str]:
        finished = subprocess.run(
            [*program, STACK_NAME, *args],
            cwd=REPO,
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        never_shown(finished.stdout, finished.stderr)
        return finished

    assert command([str(script)]).returncode == 0
    expected = capabilities_changed(deployed)
    found = command([str(script)], "--json")
    assert (found.returncode, found.stderr) == (1, "")
    line = deployed.logical_id("Line")
    (item,) = [item for item in json.loads(found.stdout)["resources"] if item["logical_id"] == line]
    assert item["status"] == "MODIFIED"
    assert [tuple(d.values()) for d in item["differences"]] == expected
    reverted = command(module, "--revert")
    assert reverted.returncode == 0, reverted.stderr
    assert f"Reverted {line} ({RESOURCES['Line']}) with UpdateProxySession" in reverted.stdout
    again = command(module)
    assert again.returncode == 0
    assert summary(again.stdout) == "4 resources: 4 IN_SYNC"


def no_credentials(monkeypatch: pytest.MonkeyPatch, _: CloudFormationServer, __: Any) -> str:
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable)
    return "cloudformation:DescribeStacks: no AWS credentials were found. Give --profile"


def denied(operation: str, resource: str) -> Callable[..., str]:
    def deny(_: pytest.MonkeyPatch, cfn: CloudFormationServer, __: Any) -> str:
        cfn.deny(operation)
        return (
            f"cloudformation:{operation} on {resource}: access denied (AccessDenied: User: "
            f"arn:aws:iam::123456789012:user/harness is not authorized to perform: "
            f"cloudformation:{operation} on resource: "
        )

    return deny


def chime_denied(_: pytest.MonkeyPatch, __: CloudFormationServer, emu: ChimeVoiceEmulator) -> str:
    emu.faults.forbid("GetVoiceConnectorProxy")
    return "chime:GetVoiceConnectorProxy on arn:<partition>:chime:us-east-1:<account>:vc/"


NOT_RUN_CASES: Final[dict[str, tuple[str, Callable[..., str]]]] = {
    "no such stack": (
        "NoSuchStack",
        lambda *_: (
            "cloudformation:DescribeStacks: there is no stack NoSuchStack in us-east-1. "
            "Check the stack name and --region (ValidationError: Stack with id NoSuchStack does "
            "not exist)"
        ),
    ),
    "no credentials": (STACK_NAME, no_credentials),
    "DescribeStacks denied": (
        STACK_NAME,
        denied("DescribeStacks", f"stack {STACK_NAME} in us-east-1"),
    ),
    "GetTemplate denied": (STACK_NAME, denied("GetTemplate", STACK_ID)),
    "DescribeStackResources denied": (STACK_NAME, denied("DescribeStackResources", STACK_ID)),
    "a Chime read denied": (STACK_NAME, chime_denied),
}


@pytest.mark.parametrize("name", NOT_RUN_CASES)
def test_a_check_that_cannot_run_exits_2_naming_the_action(
    name: str,
    deployed: Deployed,
    cfn: CloudFormationServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack, arrange = NOT_RUN_CASES[name]
    message = arrange(monkeypatch, cfn, deployed.emu)
    status, out, err = run(capsys, stack=stack)
    assert (status, out) == (2, "")
    assert err.startswith(NOT_RUN.format(stack=stack) + message), err
    assert err.count("\n") == 1


def test_throttling_is_retried(
    deployed: Deployed, cfn: CloudFormationServer, capsys: pytest.CaptureFixture[str]
) -> None:
    cfn.throttle_next(2)
    assert run(capsys)[0] == 0
    answers = [call.error_code for call in cfn.calls_for("DescribeStacks")]
    assert answers == ["Throttling", "Throttling", None]
