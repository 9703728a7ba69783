"""The report: the exact JSON a pipeline reads, the table people read, and the exit status."""

from __future__ import annotations

import json

from chime_proxy_session.drift import Difference, DriftReport, ResourceDrift, Reverted, Status
from chime_proxy_session.drift.report import (
    EXIT_DRIFTED,
    EXIT_IN_SYNC,
    EXIT_NOT_RUN,
    exit_status,
    render_reverted,
    render_text,
)

IN_SYNC = ResourceDrift(
    "Line", "Custom::ChimeProxySessionSettings", "chime-proxy-session:a", Status.IN_SYNC
)
MODIFIED = ResourceDrift(
    "Proxy",
    "Custom::ChimeVoiceConnectorProxy",
    "chime-voice-connector-proxy:us-east-1:a",
    Status.MODIFIED,
    (
        Difference("Disabled", "false", "true"),
        Difference("FallBackPhoneNumber", None, "<not shown>"),
    ),
)
DELETED = ResourceDrift("Session", "Custom::ChimeProxySession", "p", Status.DELETED, reason="gone")
NOT_CHECKED = ResourceDrift(
    "Numbers", "Custom::ChimePhoneNumbers", None, Status.NOT_CHECKED, reason="why"
)


def report(*resources: ResourceDrift) -> DriftReport:
    return DriftReport("Telephony", "us-east-1", resources)


def test_json_has_exactly_the_documented_shape() -> None:
    assert json.loads(report(MODIFIED, NOT_CHECKED).to_json()) == {
        "stack": "Telephony",
        "region": "us-east-1",
        "resources": [
            {
                "logical_id": "Proxy",
                "type": "Custom::ChimeVoiceConnectorProxy",
                "physical_id": "chime-voice-connector-proxy:us-east-1:a",
                "status": "MODIFIED",
                "differences": [
                    {"property": "Disabled", "declared": "false", "live": "true"},
                    {"property": "FallBackPhoneNumber", "declared": None, "live": "<not shown>"},
                ],
                "reason": None,
            },
            {
                "logical_id": "Numbers",
                "type": "Custom::ChimePhoneNumbers",
                "physical_id": None,
                "status": "NOT_CHECKED",
                "differences": [],
                "reason": "why",
            },
        ],
    }


def test_exit_status() -> None:
    assert exit_status(report()) == EXIT_IN_SYNC
    assert exit_status(report(IN_SYNC)) == EXIT_IN_SYNC
    assert exit_status(report(IN_SYNC, MODIFIED)) == EXIT_DRIFTED
    assert exit_status(report(DELETED)) == EXIT_DRIFTED
    assert exit_status(report(NOT_CHECKED, DELETED)) == EXIT_DRIFTED
    assert exit_status(report(IN_SYNC, NOT_CHECKED)) == EXIT_NOT_RUN


def test_exit_status_after_a_revert_counts_what_was_put_back() -> None:
    back = Reverted("Proxy", MODIFIED.type, done=True, operations=("PutVoiceConnectorProxy",))
    assert exit_status(report(IN_SYNC, MODIFIED), (back,)) == EXIT_IN_SYNC
    left = Reverted("Proxy", MODIFIED.type, done=False, detail="no")
    assert exit_status(report(IN_SYNC, MODIFIED), (left,)) == EXIT_DRIFTED


def test_the_table_has_a_line_per_difference_and_each_reason_below_its_resource() -> None:
    lines = render_text(report(IN_SYNC, MODIFIED, DELETED)).splitlines()
    assert lines[0] == "Stack Telephony in us-east-1"
    assert lines[2].split() == ["LOGICAL", "ID", "TYPE", "STATUS", "PROPERTY", "DECLARED", "LIVE"]
    assert lines[3].split() == ["Line", "Custom::ChimeProxySessionSettings", "IN_SYNC"]
    assert lines[4].split() == [
        "Proxy",
        "Custom::ChimeVoiceConnectorProxy",
        "MODIFIED",
        "Disabled",
        "false",
        "true",
    ]
    assert lines[5].split() == ["FallBackPhoneNumber", "(not", "set)", "<not", "shown>"]
    assert lines[6].split() == ["Session", "Custom::ChimeProxySession", "DELETED"]
    assert lines[7] == "    gone"
    assert lines[-1] == "3 resources: 1 IN_SYNC, 1 MODIFIED, 1 DELETED"


def test_an_empty_stack_says_so() -> None:
    assert (
        render_text(report()).splitlines()[-1]
        == "No resource of cdk-chime-proxy-session in this stack."
    )


def test_what_a_revert_did() -> None:
    done = Reverted("Proxy", MODIFIED.type, True, ("PutVoiceConnectorProxy",), MODIFIED.differences)
    partly = Reverted(
        "Numbers",
        NOT_CHECKED.type,
        False,
        ("AssociatePhoneNumbersWithVoiceConnector",),
        (Difference("VoiceConnectorId[+12065550100]", "a", "b"),),
        "an update cannot put back Count.",
    )
    assert render_reverted((done, partly)).splitlines() == [
        "Reverted Proxy (Custom::ChimeVoiceConnectorProxy) with PutVoiceConnectorProxy: "
        "Disabled true -> false; FallBackPhoneNumber <not shown> -> (not set)",
        "Reverted Numbers (Custom::ChimePhoneNumbers) with "
        "AssociatePhoneNumbersWithVoiceConnector: VoiceConnectorId[+12065550100] b -> a",
        "Not reverted Numbers (Custom::ChimePhoneNumbers): an update cannot put back Count.",
    ]
    assert render_reverted(()) == "Nothing to revert."
