"""Try it without an AWS account: the demo app's Create, Update and Delete against the emulator.

Run ``make try``. It synthesizes the demo app twice with the real CDK CLI (as declared in cdk.json,
then with every session changed to Voice+SMS and a longer expiry), starts the ChimeVoiceEmulator
with those sessions, and sends the requests CloudFormation would send for a stack create, update
and delete to the handler running from the synthesized asset. It prints each request, the API
calls it caused and the response.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.emulator import ChimeVoiceEmulator
from harness.lifecycle import CloudFormationStack, Invocation, LambdaRunner, StackOperation
from harness.response_sink import ResponseSink
from harness.synth import REPO, synth

RULE = "-" * 78


def changed_sessions(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The update step: every session gets Voice+SMS and 30 more minutes of expiry."""
    return [
        {
            **entry,
            "capabilities": ["Voice", "SMS"],
            "expiryMinutes": (entry.get("expiryMinutes") or 60) + 30,
        }
        for entry in sessions
    ]


class Printer:
    """Prints each invocation with the emulator calls made since the previous one."""

    def __init__(self, emulator: ChimeVoiceEmulator) -> None:
        self.emulator = emulator

    def __call__(self, invocation: Invocation) -> None:
        request = invocation.request
        props = {k: v for k, v in request["ResourceProperties"].items() if k != "ServiceToken"}
        print(RULE)
        print(f"CloudFormation -> {request['RequestType']} {request['LogicalResourceId']}")
        if "PhysicalResourceId" in request:
            print(f"  PhysicalResourceId: {request['PhysicalResourceId']}")
        print(f"  ResourceProperties: {json.dumps(props)}")
        calls = self.emulator.calls
        self.emulator.reset_calls()
        if not calls:
            print("  API calls: none")
        for call in calls:
            outcome = call.error_code or "OK"
            print(
                f"  API call: {call.operation} voice connector {call.voice_connector_id}, "
                f"session {call.session_id} -> HTTP {call.status} {outcome}"
            )
        response = invocation.response or {}
        print(
            f"  Response: {response.get('Status')}  "
            f"PhysicalResourceId: {response.get('PhysicalResourceId')}"
        )
        if response.get("Reason"):
            print(f"  Reason: {response['Reason']}")
        if response.get("Data"):
            print(f"  Data: {json.dumps(response['Data'])}")


def main() -> int:
    """Synthesize, then run Create, Update and Delete; return 0 when every step succeeded."""
    context = json.loads((REPO / "cdk.json").read_text())["context"]
    sessions: list[dict[str, Any]] = context["proxySessions"]
    with tempfile.TemporaryDirectory(prefix="try-it-") as scratch:
        print("Synthesizing the demo app (cdk.json context), then its updated version ...")
        base = synth(Path(scratch) / "base")
        updated = synth(
            Path(scratch) / "updated", {"proxySessions": json.dumps(changed_sessions(sessions))}
        )
        print(f"Template: {base.template_path.name}; asset: {base.asset_dir.name}")
        with ChimeVoiceEmulator() as emulator, ResponseSink() as sink:
            for entry in sessions:
                emulator.seed_session(
                    entry["voiceConnectorId"],
                    capabilities=["Voice"],
                    expiry_minutes=30,
                    session_id=entry["proxySessionId"],
                )
            emulator.reset_calls()
            print(
                f"ChimeSDKVoice emulator at {emulator.endpoint_url}; "
                f"sessions seeded: {len(sessions)}"
            )
            runner = LambdaRunner(base.asset_dir, endpoint_url=emulator.endpoint_url, sink=sink)
            stack = CloudFormationStack(runner, on_invocation=Printer(emulator), max_workers=1)
            results = []
            steps: list[tuple[str, Callable[[], StackOperation]]] = [
                ("CREATE the stack", lambda: stack.deploy(base.template, "create")),
                (
                    "UPDATE the stack (Voice+SMS, longer expiry)",
                    lambda: stack.deploy(updated.template, "update"),
                ),
                ("DELETE the stack", stack.delete),
            ]
            for title, step in steps:
                print(f"\n=== {title} ===")
                operation = step()
                print(RULE)
                print(f"Stack status: {operation.status}")
                results.append(operation.status)
            print("\nSessions left in the emulator:")
            for entry in sessions:
                state = emulator.session(entry["voiceConnectorId"], entry["proxySessionId"])
                summary = (
                    "ended (deleted)"
                    if state is None
                    else f"{state['Status']}, {','.join(state['Capabilities'])}, "
                    f"{state.get('ExpiryMinutes')} min"
                )
                print(f"  {entry['name']} ({entry.get('removalPolicy', 'retain')}): {summary}")
    ok = results == ["CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
