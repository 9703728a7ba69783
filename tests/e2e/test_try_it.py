"""The README's "Try it without an AWS account" command runs and prints the whole lifecycle: the
chain from a voice connector CloudFormation makes to the sessions, two more numbers in the update,
the drift check of the updated stack (in sync, a session changed by hand found MODIFIED, reverted,
in sync again), and a delete that leaves the numbers in the deletion queue."""

from __future__ import annotations

import json
import re

import pytest

from demo_stack import (
    DEMO_AREA_CODE,
    DEMO_PHONE_NUMBER_COUNT,
    DEMO_PHONE_NUMBER_COUNT_UPDATED,
    DEMO_SECRETS,
    DEMO_STACK_NAME,
    DEMO_VOICE_CONNECTOR_ID,
)
from harness import try_it

pytestmark = pytest.mark.slow

EXISTING = DEMO_VOICE_CONNECTOR_ID
CLOUDFORMATION = "CloudFormation -> AWS::Chime::VoiceConnector (CloudFormation's own calls)"


def steps(out: str) -> dict[str, str]:
    """The output of each stack operation, of the drift check between the update and the delete
    ("drift"), and what is left after them ("left")."""
    _, rest = out.split("=== CREATE the stack ===", 1)
    create, rest = rest.split("=== UPDATE the stack", 1)
    update, rest = rest.split(f"=== {try_it.DRIFT_TITLE} ===", 1)
    drift, rest = rest.split("=== DELETE the stack ===", 1)
    delete, left = rest.split("What is left in the emulator:", 1)
    return {"create": create, "update": update, "drift": drift, "delete": delete, "left": left}


def report(block: str) -> dict[str, list[str]]:
    """The rows of a drift report printed in ``block``, by logical id's construct id (e.g.
    "Booking"): its cells (logical id, type, status and, when drifted, property, declared,
    live)."""
    return {
        cells[0][:-8]: cells
        for cells in (line.split() for line in block.splitlines())
        if cells and cells[0][:-8].isalpha() and cells[1:2] and cells[1].startswith("Custom::")
    }


def blocks(step: str) -> list[str]:
    """A step's printed blocks, one per request (or CloudFormation's own calls), in order."""
    return [block.strip() for block in step.split(try_it.RULE) if block.strip()]


def block(step: str, header: str) -> str:
    """The one block of ``step`` that starts with ``header``."""
    (found,) = [item for item in blocks(step) if item.startswith(header)]
    return found


def headers(step: str) -> list[str]:
    return [item.splitlines()[0] for item in blocks(step)]


def position(step: str, header: str) -> int:
    """Where the one block of ``step`` that starts with ``header`` comes."""
    (found,) = [index for index, item in enumerate(headers(step)) if item.startswith(header)]
    return found


def api_calls(text: str) -> list[str]:
    """The operations of the API calls printed in ``text``, in order."""
    return re.findall(r"API call: (\w+)", text)


def numbers_of(text: str) -> list[str]:
    """The PhoneNumbers attribute of the Data printed in ``text``."""
    data = json.loads(text.split("Data: ", 1)[1].splitlines()[0])
    return str(data["PhoneNumbers"]).split(",")


def test_try_it_runs_create_update_delete(capsys: pytest.CaptureFixture[str]) -> None:
    assert try_it.main() == 0
    out = capsys.readouterr().out
    # AWS ended support for proxy sessions: said before anything else.
    assert out.startswith(try_it.END_OF_SUPPORT_NOTICE)
    assert "2026-04-07" in try_it.END_OF_SUPPORT_NOTICE
    assert "X-Amz-Signature" not in out
    for number in DEMO_SECRETS.values():  # the participants' numbers are never printed
        assert number not in out
        assert number.lstrip("+") not in out
    step = steps(out)
    for name, status in (
        ("create", "CREATE_COMPLETE"),
        ("update", "UPDATE_COMPLETE"),
        ("delete", "DELETE_COMPLETE"),
    ):
        assert blocks(step[name])[-1] == f"Stack status: {status}"
        assert "Error:" not in step[name]

    # CREATE: CloudFormation makes the voice connector through CreateVoiceConnector first, then
    # the chain runs in order: its numbers, its proxy configuration, the sessions on it.
    create = step["create"]
    assert headers(create)[0] == CLOUDFORMATION
    made = re.findall(r"CreateVoiceConnector voice connector (\w+) -> HTTP 201 OK", create)
    assert len(made) == 1
    (new,) = made
    assert len(new) == 22  # the service's ids, not the existing one
    chain = [position(create, f"CloudFormation -> Create {name}") for name in ("Numbers", "Proxy")]
    sessions = [position(create, f"CloudFormation -> Create {id}") for id in ("Booking", "Courier")]
    assert 0 < chain[0] < chain[1] < min(sessions)
    ordering = block(create, "CloudFormation -> Create Numbers")
    assert f'"VoiceConnectorId": "{new}"' in ordering
    assert f'"AreaCode": "{DEMO_AREA_CODE}"' in ordering
    # Ordered: one search, one order, polled until it ended (a second poll), then assigned.
    assert api_calls(ordering) == [
        "SearchAvailablePhoneNumbers",
        "CreatePhoneNumberOrder",
        *["GetPhoneNumberOrder"] * try_it.ORDER_POLLS,
        "AssociatePhoneNumbersWithVoiceConnector",
    ]
    assert f"AssociatePhoneNumbersWithVoiceConnector voice connector {new} -> HTTP 200" in ordering
    first = numbers_of(ordering)
    assert len(first) == DEMO_PHONE_NUMBER_COUNT
    assert all(number.startswith(f"+1{DEMO_AREA_CODE}") for number in first)
    proxy = block(create, "CloudFormation -> Create Proxy")
    assert api_calls(proxy) == ["GetVoiceConnectorProxy", "PutVoiceConnectorProxy"]
    assert f"GetVoiceConnectorProxy voice connector {new} -> HTTP 404 NotFoundException" in proxy
    assert f"PutVoiceConnectorProxy voice connector {new} -> HTTP 200 OK" in proxy
    booking = block(create, "CloudFormation -> Create Booking")
    assert f"API call: CreateProxySession voice connector {new}, session" in booking
    support = block(create, "CloudFormation -> Create SupportLine")
    assert f"API call: UpdateProxySession voice connector {EXISTING}, session" in support

    # UPDATE: two more numbers, ordered (the difference only) and assigned; the rest as before.
    update = step["update"]
    more = block(update, "CloudFormation -> Update Numbers")
    assert f'"Count": "{DEMO_PHONE_NUMBER_COUNT_UPDATED}"' in more
    assert api_calls(more) == [
        "SearchAvailablePhoneNumbers",
        "CreatePhoneNumberOrder",
        *["GetPhoneNumberOrder"] * try_it.ORDER_POLLS,
        "AssociatePhoneNumbersWithVoiceConnector",
    ]
    now = numbers_of(more)
    assert len(now) == DEMO_PHONE_NUMBER_COUNT_UPDATED == len(first) + 2
    assert set(first) < set(now)
    assert position(update, "CloudFormation -> Update Numbers") < position(
        update, "CloudFormation -> Update Proxy"
    )
    assert "CreateVoiceConnector" not in update  # the voice connector did not change
    # Booking changed in place (UpdateProxySession); Courier was replaced (a new session, then
    # CloudFormation's cleanup Delete of the old one).
    assert f"API call: UpdateProxySession voice connector {new}, session" in update
    assert update.count("CloudFormation -> Delete Courier") == 1
    assert "API call: CreateProxySession" in block(update, "CloudFormation -> Update Courier")

    # DRIFT: the updated stack read from the CloudFormation stand-in and compared with the
    # emulator, four times: in sync; Booking's capabilities changed by hand, MODIFIED; reverted
    # with the handler's UpdateProxySession; in sync. Nothing is created or deleted.
    drift = step["drift"]
    command = f"$ chime-proxy-session-drift {DEMO_STACK_NAME} --region us-east-1"
    checks = [item for item in blocks(drift) if item.startswith(command)]
    assert [item.splitlines()[0] for item in checks] == [command] * 2 + [
        f"{command} --revert",
        command,
    ]
    ours = ["SupportLine", "SalesLine", "Numbers", "Proxy", "Booking", "Courier"]
    for check, status in zip(
        checks, ["0 (in sync)", "1 (drifted)", "0 (in sync)", "0 (in sync)"], strict=True
    ):
        assert list(report(check)) == ours
        assert check.endswith(f"Exit status: {status}")
        assert (
            "  CloudFormation calls: DescribeStacks, GetTemplate, DescribeStackResources" in check
        )
    synced, drifted, reverted, synced_again = checks
    for check in (synced, synced_again):
        assert {cells[2] for cells in report(check).values()} == {"IN_SYNC"}
        assert "6 resources: 6 IN_SYNC" in check
    by_hand = block(drift, "By hand, outside CloudFormation: UpdateProxySession on Booking's")
    assert f"(voice connector {new}), capabilities Voice only" in by_hand
    for check in (drifted, reverted):  # --revert prints the report as found, then what it did
        rows = report(check)
        assert rows.pop("Booking")[1:] == [
            "Custom::ChimeProxySession",
            "MODIFIED",
            "Capabilities",
            "Voice,SMS",
            "Voice",
        ]
        assert {cells[2] for cells in rows.values()} == {"IN_SYNC"}
        assert "6 resources: 5 IN_SYNC, 1 MODIFIED" in check
    assert re.search(
        r"^Reverted Booking\w{8} \(Custom::ChimeProxySession\) with UpdateProxySession: "
        r"Capabilities Voice -> Voice,SMS$",
        reverted,
        re.MULTILINE,
    )
    assert f"API call: UpdateProxySession voice connector {new}, session" in reverted
    assert api_calls(drift) == ["UpdateProxySession"]  # the reads are summed up, not listed

    # DELETE: the sessions, the proxy configuration, the numbers released (Destroy), then the
    # voice connector by CloudFormation; the existing voice connector's settings as their
    # policies say.
    delete = step["delete"]
    assert position(delete, "CloudFormation -> Delete Proxy") < position(
        delete, "CloudFormation -> Delete Numbers"
    )
    assert headers(delete)[-2:] == [CLOUDFORMATION, "Stack status: DELETE_COMPLETE"]
    assert f"API call: DeleteVoiceConnector voice connector {new} -> HTTP 204 OK" in delete
    assert f"API call: DeleteVoiceConnectorProxy voice connector {new}" in delete
    released = block(delete, "CloudFormation -> Delete Numbers")
    assert api_calls(released) == [
        "DisassociatePhoneNumbersFromVoiceConnector",
        *["DeletePhoneNumber"] * DEMO_PHONE_NUMBER_COUNT_UPDATED,
    ]
    for number in now:
        assert f"API call: DeletePhoneNumber phone number {number} -> HTTP 204 OK" in released
    assert "API calls: none" in block(delete, "CloudFormation -> Delete SupportLine")
    assert "API call: DeleteProxySession" in block(delete, "CloudFormation -> Delete SalesLine")

    # What is left: nothing of the chain; the numbers in the deletion queue; the configuration
    # made elsewhere never put over, nor deleted.
    left = step["left"]
    for expected in (
        "SupportLine (retain): Open, Voice,SMS, 150 min",
        "SalesLine (destroy): ended (deleted)",
        f"voice connector {new} (Connector, the stack's): deleted; sessions the stack created on "
        "it: 0 left; its proxy configuration: removed",
        f"proxy configuration of {EXISTING} (made elsewhere): unchanged",
        f"phone numbers the stack ordered: {len(now)}, {len(now)} in the deletion queue",
        "0 kept",
    ):
        assert expected in left
    for number in now:
        assert f"    {number}: DeleteInProgress" in left
    assert f"PutVoiceConnectorProxy voice connector {EXISTING}" not in out
    assert f"DeleteVoiceConnectorProxy voice connector {EXISTING}" not in out
