"""The README's "Try it without an AWS account" command runs and prints the whole lifecycle."""

from __future__ import annotations

import pytest

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
    ):
        assert expected in out
    assert "X-Amz-Signature" not in out
