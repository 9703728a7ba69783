"""Try it without an AWS account: the demo app's Create, Update and Delete against the emulator.

Run ``make try``. It synthesizes the demo app twice with the real CDK CLI (``demo_stack.py`` as
declared, then its update variant: every session on Voice+SMS with a longer expiry), starts the
ChimeVoiceEmulator and moto's DynamoDB for the stack's claim table, and sends the requests
CloudFormation would send for a stack create, update and delete to the handler running from the
synthesized asset, with the environment the template gives it (as the e2e tests do:
``LambdaRunner.for_assembly``). It prints each request, the API calls it caused and the response,
then what is left: sessions, both proxy configurations, the claims.

The emulator starts as the demo's accounts would be: the existing voice connector with the two
sessions whose settings the stack declares and the proxy configuration they were created under
(both made elsewhere), and the new voice connector without a configuration, which the stack's
VoiceConnectorProxy puts. The run checks that the existing configuration is left as it was.

AWS ended support for proxy sessions on 2026-04-07; the emulator still serves them, so the run
says so first.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import proxy_contract as contract
from app import UPDATED_CONTEXT_KEY
from demo_stack import DEMO_NEW_VOICE_CONNECTOR_ID, DEMO_SECRETS, DEMO_VOICE_CONNECTOR_ID
from harness.dynamodb import DynamoDBServer
from harness.emulator import END_OF_SUPPORT_DATE, ChimeVoiceEmulator
from harness.lifecycle import CloudFormationStack, Invocation, LambdaRunner, StackOperation
from harness.response_sink import ResponseSink
from harness.synth import synth
from safe_text import redact

RULE = "-" * 78
# The existing voice connector's proxy configuration, made elsewhere before the sessions on it.
EXISTING_PROXY_EXPIRY_MINUTES = 30
EXISTING_PROXY_COUNTRIES = ("US", "CA")
END_OF_SUPPORT_NOTICE = (
    f"Note: AWS ended support for Amazon Chime SDK proxy sessions on {END_OF_SUPPORT_DATE}. The "
    "local emulator still serves them, so the lifecycle can be tried here; in a real account "
    'these calls are now refused (README "After the end of support").'
)


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
        # What CloudFormation resolved from Secrets Manager is personal data: masked here too.
        print(f"  ResourceProperties: {redact(json.dumps(props))}")
        calls = self.emulator.calls
        self.emulator.reset_calls()
        if not calls:
            print("  API calls: none")
        for call in calls:
            outcome = call.error_code or "OK"
            session = f", session {call.session_id}" if call.session_id else ""
            print(
                f"  API call: {call.operation} voice connector {call.voice_connector_id}"
                f"{session} -> HTTP {call.status} {outcome}"
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
    print(END_OF_SUPPORT_NOTICE)
    print()
    with tempfile.TemporaryDirectory(prefix="try-it-") as scratch:
        print("Synthesizing the demo app (demo_stack.py), then its updated version ...")
        base = synth(Path(scratch) / "base")
        updated = synth(Path(scratch) / "updated", {UPDATED_CONTEXT_KEY: "true"})
        # By construct id (the path's second part), e.g. "SupportLine".
        sessions = {
            resource["Metadata"]["aws:cdk:path"].split("/")[1]: resource["Properties"]
            for resource in base.custom_resources(contract.SETTINGS_RESOURCE_TYPE).values()
        }
        print(f"Template: {base.template_path.name}; asset: {base.asset_dir.name}")
        with ChimeVoiceEmulator() as emulator, DynamoDBServer() as dynamodb, ResponseSink() as sink:
            emulator.configure_proxy(
                DEMO_VOICE_CONNECTOR_ID,
                default_session_expiry_minutes=EXISTING_PROXY_EXPIRY_MINUTES,
                countries=EXISTING_PROXY_COUNTRIES,
            )
            for properties in sessions.values():
                emulator.seed_session(
                    properties[contract.VOICE_CONNECTOR_ID],
                    capabilities=[contract.CAPABILITY_VOICE],
                    expiry_minutes=EXISTING_PROXY_EXPIRY_MINUTES,
                    session_id=properties[contract.PROXY_SESSION_ID],
                )
            existing_proxy = emulator.proxy(DEMO_VOICE_CONNECTOR_ID)
            emulator.add_voice_connector(DEMO_NEW_VOICE_CONNECTOR_ID)
            emulator.reset_calls()
            print(f"ChimeSDKVoice emulator at {emulator.endpoint_url}:")
            print(
                f"  voice connector {DEMO_VOICE_CONNECTOR_ID}: {len(sessions)} sessions and a "
                "proxy configuration, made elsewhere"
            )
            print(
                f"  voice connector {DEMO_NEW_VOICE_CONNECTOR_ID}: no proxy configuration "
                "(the stack's VoiceConnectorProxy puts one)"
            )
            runner = LambdaRunner.for_assembly(
                base, endpoint_url=emulator.endpoint_url, sink=sink, dynamodb=dynamodb
            )
            if runner.claim_table is not None:
                print(f"Claim table (moto's DynamoDB at {dynamodb.endpoint_url}): created")
            stack = CloudFormationStack(
                runner,
                on_invocation=Printer(emulator),
                max_workers=1,
                dynamic_references=DEMO_SECRETS,
            )
            results = []
            steps: list[tuple[str, Callable[[], StackOperation]]] = [
                ("CREATE the stack", lambda: stack.deploy(base.template, "create")),
                (
                    "UPDATE the stack (in place: the proxy's expiry, the settings, Booking's "
                    "capabilities; a replacement: Courier's new driver)",
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
            for name, properties in sessions.items():
                state = emulator.session(
                    properties[contract.VOICE_CONNECTOR_ID], properties[contract.PROXY_SESSION_ID]
                )
                summary = (
                    "ended (deleted)"
                    if state is None
                    else f"{state['Status']}, {','.join(state['Capabilities'])}, "
                    f"{state.get('ExpiryMinutes')} min"
                )
                policy = properties.get(contract.REMOVAL_POLICY, contract.DEFAULT_REMOVAL_POLICY)
                print(f"  {name} ({policy.lower()}): {summary}")
            created = emulator.sessions(DEMO_NEW_VOICE_CONNECTOR_ID)
            print(f"  sessions the stack created: {len(created)} left")
            proxy = emulator.proxy(DEMO_NEW_VOICE_CONNECTOR_ID)
            print(
                f"  proxy configuration of {DEMO_NEW_VOICE_CONNECTOR_ID} (the stack's): "
                f"{'removed' if proxy is None else 'still there'}"
            )
            untouched = emulator.proxy(DEMO_VOICE_CONNECTOR_ID) == existing_proxy
            print(
                f"  proxy configuration of {DEMO_VOICE_CONNECTOR_ID} (made elsewhere): "
                f"{'unchanged' if untouched else 'CHANGED by the stack'}"
            )
            if runner.claim_table is not None:
                # States only: a claim's recorded answer holds the sessions' proxy numbers.
                states = Counter(item.get("State") for item in dynamodb.items(runner.claim_table))
                summary = ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
                print(f"  claims (one per Create that made something): {summary or 'none'}")
    ok = results == ["CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE"] and untouched
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
