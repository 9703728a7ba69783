"""The README's "Try it without an AWS account" command runs and prints the whole lifecycle."""

from __future__ import annotations

import pytest

from demo_stack import DEMO_SECRETS
from harness import try_it

pytestmark = pytest.mark.slow


def test_try_it_runs_create_update_delete(capsys: pytest.CaptureFixture[str]) -> None:
    assert try_it.main() == 0
    out = capsys.readouterr().out
    for expected in (
        "=== CREATE the stack ===",
        "CloudFormation -> Create SupportLine",
        "API call: UpdateProxySession",
        "Stack status: CREATE_COMPLETE",
        "Stack status: UPDATE_COMPLETE",
        "API call: DeleteProxySession",
        "API calls: none",
        "Stack status: DELETE_COMPLETE",
        "SalesLine (destroy): ended (deleted)",
        "API call: PutVoiceConnectorProxy voice connector abcdefghij0123456789k -> HTTP 200 OK",
        "CloudFormation -> Create Booking",
        "API call: CreateProxySession voice connector abcdefghij0123456789k",
        "API call: DeleteVoiceConnectorProxy voice connector abcdefghij0123456789k",
        "sessions the stack created: 0 left",
        "proxy configuration: removed",
    ):
        assert expected in out
    assert "X-Amz-Signature" not in out
    for number in DEMO_SECRETS.values():  # the participants' numbers are never printed
        assert number not in out
        assert number.lstrip("+") not in out
    # Booking changed in place (UpdateProxySession); Courier was replaced (a new session, then
    # CloudFormation's cleanup Delete of the old one).
    update = out.split("=== UPDATE the stack", 1)[1].split("=== DELETE the stack", 1)[0]
    assert "API call: UpdateProxySession voice connector abcdefghij0123456789k, session" in update
    assert update.count("CloudFormation -> Delete Courier") == 1
    assert "API call: CreateProxySession" in update.split("CloudFormation -> Update Courier")[1]
