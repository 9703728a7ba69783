"""The README's "Try it without an AWS account" command runs and prints the whole lifecycle."""

from __future__ import annotations

import pytest

from demo_stack import DEMO_NEW_VOICE_CONNECTOR_ID, DEMO_SECRETS, DEMO_VOICE_CONNECTOR_ID
from harness import try_it

pytestmark = pytest.mark.slow

EXISTING, NEW = DEMO_VOICE_CONNECTOR_ID, DEMO_NEW_VOICE_CONNECTOR_ID


def test_try_it_runs_create_update_delete(capsys: pytest.CaptureFixture[str]) -> None:
    assert try_it.main() == 0
    out = capsys.readouterr().out
    # AWS ended support for proxy sessions: said before anything else.
    assert out.startswith(try_it.END_OF_SUPPORT_NOTICE)
    assert "2026-04-07" in try_it.END_OF_SUPPORT_NOTICE
    for expected in (
        "=== CREATE the stack ===",
        "CloudFormation -> Create SupportLine",
        f"API call: UpdateProxySession voice connector {EXISTING}, session",
        "Stack status: CREATE_COMPLETE",
        "Stack status: UPDATE_COMPLETE",
        "API call: DeleteProxySession",
        "API calls: none",
        "Stack status: DELETE_COMPLETE",
        "SalesLine (destroy): ended (deleted)",
        f"API call: GetVoiceConnectorProxy voice connector {NEW} -> HTTP 404 NotFoundException",
        f"API call: PutVoiceConnectorProxy voice connector {NEW} -> HTTP 200 OK",
        "CloudFormation -> Create Booking",
        f"API call: CreateProxySession voice connector {NEW}",
        f"API call: DeleteVoiceConnectorProxy voice connector {NEW}",
        "sessions the stack created: 0 left",
        f"proxy configuration of {NEW} (the stack's): removed",
        f"proxy configuration of {EXISTING} (made elsewhere): unchanged",
    ):
        assert expected in out
    # The configuration the demo did not make is never put over, nor deleted.
    assert f"PutVoiceConnectorProxy voice connector {EXISTING}" not in out
    assert f"DeleteVoiceConnectorProxy voice connector {EXISTING}" not in out
    assert "X-Amz-Signature" not in out
    for number in DEMO_SECRETS.values():  # the participants' numbers are never printed
        assert number not in out
        assert number.lstrip("+") not in out
    # Booking changed in place (UpdateProxySession); Courier was replaced (a new session, then
    # CloudFormation's cleanup Delete of the old one).
    update = out.split("=== UPDATE the stack", 1)[1].split("=== DELETE the stack", 1)[0]
    assert f"API call: UpdateProxySession voice connector {NEW}, session" in update
    assert update.count("CloudFormation -> Delete Courier") == 1
    assert "API call: CreateProxySession" in update.split("CloudFormation -> Update Courier")[1]
