"""`python -m harness.emulator` serves from a shell."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from harness.emulator import ENDPOINT_ENV_VAR, SUPPORTED_OPERATIONS, main
from tests.emulator.helpers import PHONE_A, REPO_ROOT, make_client, new_vc_id


def test_cli_serves_until_sigterm(vc: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.emulator", "--port", "0", "--voice-connector", vc],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        cli_client = make_client(url)
        cli_client.put_voice_connector_proxy(
            VoiceConnectorId=vc,
            DefaultSessionExpiryMinutes=5,
            PhoneNumberPoolCountries=["US"],
            FallBackPhoneNumber=PHONE_A,
        )
        assert (
            cli_client.get_voice_connector_proxy(VoiceConnectorId=vc)["Proxy"][
                "FallBackPhoneNumber"
            ]
            == PHONE_A
        )
        with pytest.raises(cli_client.exceptions.NotFoundException):
            cli_client.get_voice_connector_proxy(VoiceConnectorId=new_vc_id())
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)

    assert process.returncode == 0
    assert ENDPOINT_ENV_VAR in err
    assert PHONE_A not in err


def test_cli_help_lists_the_operations_served(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for operation in SUPPORTED_OPERATIONS:
        assert operation in text
    assert "phone numbers" in text
