"""The command line: main(argv) -> exit status, the table and the JSON on standard output, errors
on standard error naming the action; and the console script a checkout's setup installs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from chime_proxy_session.drift import cli
from tests.drift.stubs import (
    FALL_BACK,
    PARTICIPANTS,
    SETTINGS_SESSION,
    STACK,
    VC,
    StubSession,
    proxy_answer,
    session_answer,
    stub_stack,
    template,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def use(session: StubSession, monkeypatch: pytest.MonkeyPatch) -> StubSession:
    """main's session is the Stubbers' one (it asks for the profile and region given)."""

    def make(*, profile_name: str | None, region_name: str | None) -> StubSession:
        assert (profile_name, region_name) == (None, "us-east-1")
        return session

    monkeypatch.setattr(cli, "boto3", SimpleNamespace(Session=make))
    return session


def drifted(session: StubSession) -> None:
    """A stack whose settings lost SMS and whose proxy has another fall-back number."""
    stub_stack(session, template("Settings", "Proxy"))
    chime = session.stub("chime-sdk-voice")
    chime.add_response(
        "get_proxy_session",
        session_answer(SETTINGS_SESSION, capabilities=["Voice"], expiry=120),
        {"VoiceConnectorId": VC, "ProxySessionId": SETTINGS_SESSION},
    )
    chime.add_response(
        "get_voice_connector_proxy", proxy_answer(FallBackPhoneNumber="+12065550000")
    )


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main([STACK, "--region", "us-east-1", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_and_exit_1_on_drift(use: StubSession, capsys: pytest.CaptureFixture[str]) -> None:
    drifted(use)
    status, out, err = run(capsys, "--json")
    report = json.loads(out)
    assert (status, err) == (1, "")
    assert list(report) == ["stack", "region", "resources"]
    assert [(r["logical_id"], r["status"]) for r in report["resources"]] == [
        ("Settings", "MODIFIED"),
        ("Proxy", "MODIFIED"),
    ]


def test_text_and_exit_0_in_sync(use: StubSession, capsys: pytest.CaptureFixture[str]) -> None:
    stub_stack(use, template("Settings"))
    use.stub("chime-sdk-voice").add_response(
        "get_proxy_session",
        session_answer(SETTINGS_SESSION, capabilities=["Voice", "SMS"], expiry=120),
    )
    status, out, _ = run(capsys)
    assert status == 0
    assert out.splitlines()[-1] == "1 resources: 1 IN_SYNC"


def test_revert_with_json_keeps_standard_output_the_report(
    use: StubSession, capsys: pytest.CaptureFixture[str]
) -> None:
    drifted(use)
    chime = use.stub("chime-sdk-voice")
    chime.add_response(
        "update_proxy_session", session_answer(SETTINGS_SESSION, capabilities=["Voice", "SMS"])
    )
    chime.add_response("put_voice_connector_proxy", proxy_answer())
    status, out, err = run(capsys, "--json", "--revert")
    assert status == 0
    assert [r["status"] for r in json.loads(out)["resources"]] == ["MODIFIED", "MODIFIED"]
    assert err.splitlines() == [
        "Reverted Settings (Custom::ChimeProxySessionSettings) with UpdateProxySession: "
        "Capabilities Voice -> Voice,SMS",
        "Reverted Proxy (Custom::ChimeVoiceConnectorProxy) with PutVoiceConnectorProxy: "
        "FallBackPhoneNumber <another value, not shown> -> <not shown>",
    ]


@pytest.mark.parametrize("mode", [(), ("--json",), ("--revert",)], ids=["text", "json", "revert"])
def test_no_phone_number_of_a_participant_or_fall_back_in_any_output(
    use: StubSession, capsys: pytest.CaptureFixture[str], mode: tuple[str, ...]
) -> None:
    drifted(use)
    if mode == ("--revert",):
        use.stub("chime-sdk-voice").add_response(
            "update_proxy_session", session_answer(SETTINGS_SESSION, capabilities=["Voice", "SMS"])
        )
        use.stub("chime-sdk-voice").add_response("put_voice_connector_proxy", proxy_answer())
    _, out, err = run(capsys, *mode)
    for number in (*PARTICIPANTS, FALL_BACK, "+12065550000"):
        assert number not in out + err


def test_no_such_stack_exits_2_naming_the_action(
    use: StubSession, capsys: pytest.CaptureFixture[str]
) -> None:
    use.stub("cloudformation").add_client_error(
        "describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist"
    )
    status, out, err = run(capsys, "--json")
    assert (status, out) == (2, "")
    assert err.startswith(
        f"chime-proxy-session-drift: the check of stack {STACK} could not run: "
        f"cloudformation:DescribeStacks: there is no stack {STACK} in us-east-1."
    )


@pytest.mark.slow
def test_the_console_script_and_the_module_run_from_anywhere(tmp_path: Path) -> None:
    """``make setup`` installs the package editable: both forms start in a fresh process outside
    the checkout (the handler's modules loaded by path), and without credentials exit 2."""
    credentials = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
    environment = {key: value for key, value in os.environ.items() if key not in credentials}
    script = Path(sys.executable).parent / "chime-proxy-session-drift"
    ran = subprocess.run(
        [str(script), STACK, "--region", "us-east-1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        check=False,
    )
    assert ran.returncode == 2, ran.stderr
    assert "cloudformation:DescribeStacks: no AWS credentials were found" in ran.stderr
    helped = subprocess.run(
        [sys.executable, "-I", "-m", "chime_proxy_session.drift", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        check=False,
    )
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: chime-proxy-session-drift")
