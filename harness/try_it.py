"""Try it without an AWS account: the demo app's Create, Update, drift check and Delete, locally.

Run ``make try``. It synthesizes the demo app twice with the real CDK CLI (``demo_stack.py`` as
declared, then its update variant: two more phone numbers, every session on Voice+SMS with a
longer expiry, the Courier session's new driver), starts the ChimeVoiceEmulator and moto's
DynamoDB for the stack's claim table, and sends the requests CloudFormation would send for a stack
create, update and delete to the handler running from the synthesized asset, with the
environment the template gives it (as the e2e tests do: ``LambdaRunner.for_assembly``). The
stack's voice connector (``AWS::Chime::VoiceConnector``) is made by CloudFormation itself, so the
lifecycle driver creates it through the emulator's CreateVoiceConnector before the custom
resources and deletes it after them. It prints each request, the API calls it caused and the
response, CloudFormation's own calls apart, then what is left: sessions, both proxy
configurations, the voice connector, the phone numbers, the claims.

Between the update and the delete, the drift check (``chime-proxy-session-drift``, README
"Drift") reads the updated stack from a local CloudFormation stand-in (``harness.cloudformation``)
and the emulator: in sync; then Booking's capabilities are changed in the emulator, as someone
would by hand, and the check shows it MODIFIED with the difference; ``--revert`` puts it back with
the handler's own update, and a last check finds the stack in sync again. The check runs
in-process as the command line, with fake credentials and the three local endpoints in its
environment (restored afterwards), so nothing reaches AWS.

The emulator starts as the demo's account would be: the existing voice connector with the two
sessions whose settings the stack declares and the proxy configuration they were created under
(both made elsewhere), and no phone number. The chain the stack makes (voice connector, phone
numbers, proxy configuration, sessions) starts from nothing. The run checks that the existing
configuration is left as it was, and that the stack's delete leaves none of its numbers in the
inventory (they wait in the deletion queue, restorable).

AWS ended support for proxy sessions on 2026-04-07; the emulator still serves them, so the run
says so first.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3

import proxy_contract as contract
from app import UPDATED_CONTEXT_KEY
from chime_proxy_session.drift import main as drift_main
from demo_stack import DEMO_AREA_CODE, DEMO_SECRETS, DEMO_STACK_NAME, DEMO_VOICE_CONNECTOR_ID
from harness.cfn_template import REGION
from harness.cloudformation import CLOUDFORMATION_ENDPOINT_ENV_VAR, CloudFormationServer
from harness.dynamodb import DYNAMODB_ENDPOINT_ENV_VAR, DynamoDBServer
from harness.emulator import (
    END_OF_SUPPORT_DATE,
    ENDPOINT_ENV_VAR,
    CallRecord,
    ChimeVoiceEmulator,
)
from harness.lifecycle import (
    CLOUDFORMATION_ACCESS_KEY_ID,
    CloudFormationStack,
    Invocation,
    LambdaRunner,
    StackOperation,
)
from harness.local_env import local_aws
from harness.response_sink import ResponseSink
from harness.synth import synth
from safe_text import redact

RULE = "-" * 78
# The existing voice connector's proxy configuration, made elsewhere before the sessions on it.
EXISTING_PROXY_EXPIRY_MINUTES = 30
EXISTING_PROXY_COUNTRIES = ("US", "CA")
# A real order is still under way when first asked about: each order here ends at its second
# GetPhoneNumberOrder, so the run shows the handler polling.
ORDER_POLLS = 2
DELETION_QUEUE = "DeleteInProgress"
DRIFT_COMMAND = "chime-proxy-session-drift"
DELETE_TITLE = "DELETE the stack"
DRIFT_TITLE = f"DRIFT CHECK of the updated stack ({DRIFT_COMMAND}, README 'Drift')"
# The drift check's exit statuses: in sync; drifted; reverted; in sync.
DRIFT_STATUSES = [0, 1, 0, 0]
# The session whose capabilities are changed by hand for the drift check, and to what.
DRIFTED_SESSION = "Booking"
DRIFTED_CAPABILITIES = [contract.CAPABILITY_VOICE]
# The variables the drift command's boto3 reads: the local endpoints and fake credentials.
_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
END_OF_SUPPORT_NOTICE = (
    f"Note: AWS ended support for Amazon Chime SDK proxy sessions on {END_OF_SUPPORT_DATE}. The "
    "local emulator still serves them, so the lifecycle can be tried here; in a real account "
    'these calls are now refused (README "After the end of support").'
)


def describe(call: CallRecord) -> str:
    """One API call as printed: the operation, what it was about, the answer."""
    about = ""
    if call.voice_connector_id:
        about = f" voice connector {call.voice_connector_id}"
        if call.session_id:
            about += f", session {call.session_id}"
    elif call.order_id:
        about = f" order {call.order_id}"
    elif call.path.startswith("/phone-numbers/"):
        # The company's numbers (not personal data), as the function's log names them too.
        about = f" phone number {unquote(call.path.rsplit('/', 1)[-1])}"
    return f"API call: {call.operation}{about} -> HTTP {call.status} {call.error_code or 'OK'}"


class Printer:
    """Prints each invocation with the emulator calls made since the previous one, and
    CloudFormation's own calls (the stack's voice connector) apart from the function's."""

    def __init__(self, emulator: ChimeVoiceEmulator) -> None:
        self.emulator = emulator

    def cloudformation_calls(self, calls: list[CallRecord]) -> None:
        """Print the calls CloudFormation made itself, for the AWS::Chime::VoiceConnector."""
        if calls:
            print(RULE)
            print("CloudFormation -> AWS::Chime::VoiceConnector (CloudFormation's own calls)")
        for call in calls:
            print(f"  {describe(call)}")

    def flush(self) -> list[CallRecord]:
        """Print CloudFormation's calls made since the last print; return the function's."""
        calls = self.emulator.calls
        self.emulator.reset_calls()
        self.cloudformation_calls(
            [call for call in calls if call.access_key_id == CLOUDFORMATION_ACCESS_KEY_ID]
        )
        return [call for call in calls if call.access_key_id != CLOUDFORMATION_ACCESS_KEY_ID]

    def __call__(self, invocation: Invocation) -> None:
        calls = self.flush()
        request = invocation.request
        props = {k: v for k, v in request["ResourceProperties"].items() if k != "ServiceToken"}
        print(RULE)
        print(f"CloudFormation -> {request['RequestType']} {request['LogicalResourceId']}")
        if "PhysicalResourceId" in request:
            print(f"  PhysicalResourceId: {request['PhysicalResourceId']}")
        # What CloudFormation resolved from Secrets Manager is personal data: masked here too.
        print(f"  ResourceProperties: {redact(json.dumps(props))}")
        if not calls:
            print("  API calls: none")
        for call in calls:
            print(f"  {describe(call)}")
        response = invocation.response or {}
        print(
            f"  Response: {response.get('Status')}  "
            f"PhysicalResourceId: {response.get('PhysicalResourceId')}"
        )
        if response.get("Reason"):
            print(f"  Reason: {response['Reason']}")
        if response.get("Data"):
            print(f"  Data: {json.dumps(response['Data'])}")


def drift_check(
    emulator: ChimeVoiceEmulator, cloudformation: CloudFormationServer, *options: str
) -> int:
    """Run the drift command on the demo stack as a user would, print what it printed, the API
    calls it made and its exit status; return the status."""
    args = [DEMO_STACK_NAME, "--region", REGION, *options]
    print(RULE)
    print(f"$ {DRIFT_COMMAND} {' '.join(args)}")
    emulator.reset_calls()
    cloudformation.reset_calls()
    status = drift_main(args)
    stack_reads = ", ".join(str(call.operation) for call in cloudformation.calls)
    print(f"  CloudFormation calls: {stack_reads}")
    # The reads summed up by operation; anything else (the revert's update) in full.
    reads = Counter(call.operation for call in emulator.calls if call.operation.startswith("Get"))
    print("  API calls (reads): " + ", ".join(f"{n} {name}" for name, n in reads.items()))
    for call in emulator.calls:
        if not call.operation.startswith("Get"):
            print(f"  {describe(call)}")
    emulator.reset_calls()
    meaning = {0: "in sync", 1: "drifted", 2: "could not run"}.get(status, "")
    print(f"Exit status: {status} ({meaning})")
    return status


def drift_steps(
    emulator: ChimeVoiceEmulator,
    stack: CloudFormationStack,
    template: Mapping[str, Any],
    variables: Mapping[str, str],
) -> list[int]:
    """The drift check of the deployed stack: in sync, then Booking's capabilities changed by
    hand (found MODIFIED), reverted, and in sync again; the exit statuses."""
    booking = next(
        resource
        for logical_id, resource in stack.resources.items()
        if logical_id.startswith(DRIFTED_SESSION)
    )
    voice_connector_id, session_id = booking.physical_id.split(":")[-2:]
    with CloudFormationServer() as cloudformation:
        cloudformation.publish(stack, template=template)
        print(f"CloudFormation stand-in at {cloudformation.endpoint_url}: the stack as deployed")
        endpoints = {CLOUDFORMATION_ENDPOINT_ENV_VAR: cloudformation.endpoint_url}
        with local_aws({**variables, **endpoints}):
            statuses = [drift_check(emulator, cloudformation)]
            print(RULE)
            print(
                f"By hand, outside CloudFormation: UpdateProxySession on {DRIFTED_SESSION}'s "
                f"session {session_id} (voice connector {voice_connector_id}), capabilities "
                f"{','.join(DRIFTED_CAPABILITIES)} only"
            )
            chime: Any = boto3.client(
                "chime-sdk-voice", endpoint_url=emulator.endpoint_url, region_name=REGION
            )
            chime.update_proxy_session(
                VoiceConnectorId=voice_connector_id,
                ProxySessionId=session_id,
                Capabilities=DRIFTED_CAPABILITIES,
            )
            statuses.append(drift_check(emulator, cloudformation))
            statuses.append(drift_check(emulator, cloudformation, "--revert"))
            statuses.append(drift_check(emulator, cloudformation))
    return statuses


def main() -> int:
    """Synthesize, then run Create, Update, the drift check and Delete; return 0 when every step
    succeeded, the drift check exited as expected (0, 1, 0 after --revert, 0), the existing
    configuration is unchanged and the stack kept none of its numbers."""
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
            emulator.order_behaviour(polls_until_done=ORDER_POLLS)
            emulator.reset_calls()
            available = len(emulator.available_numbers(area_code=DEMO_AREA_CODE))
            print(f"ChimeSDKVoice emulator at {emulator.endpoint_url}:")
            print(
                f"  voice connector {DEMO_VOICE_CONNECTOR_ID}: {len(sessions)} sessions and a "
                "proxy configuration, made elsewhere"
            )
            print(
                "  no other voice connector and no phone number yet: the stack makes its voice "
                "connector, orders its numbers, configures the proxy and creates its sessions"
            )
            print(f"  numbers for sale in area code {DEMO_AREA_CODE}: {available}")
            runner = LambdaRunner.for_assembly(
                base, endpoint_url=emulator.endpoint_url, sink=sink, dynamodb=dynamodb
            )
            if runner.claim_table is not None:
                print(f"Claim table (moto's DynamoDB at {dynamodb.endpoint_url}): created")
            printer = Printer(emulator)
            # What the drift command reads: the three local endpoints, the function's credentials.
            local = {
                ENDPOINT_ENV_VAR: emulator.endpoint_url,
                DYNAMODB_ENDPOINT_ENV_VAR: dynamodb.endpoint_url,
                **{name: runner.env[name] for name in _CREDENTIALS},
            }
            stack = CloudFormationStack(
                runner, on_invocation=printer, max_workers=1, dynamic_references=DEMO_SECRETS
            )
            results = []
            made: dict[str, str] = {}  # the stack's voice connectors: id -> logical id
            steps: list[tuple[str, Callable[[], StackOperation]]] = [
                ("CREATE the stack", lambda: stack.deploy(base.template, "create")),
                (
                    "UPDATE the stack (two more phone numbers; in place: the proxy's expiry, the "
                    "settings, Booking's capabilities; a replacement: Courier's new driver)",
                    lambda: stack.deploy(updated.template, "update"),
                ),
                (DELETE_TITLE, stack.delete),
            ]
            drifts: list[int] = []
            for title, step in steps:
                if title == DELETE_TITLE:  # the updated stack's drift check comes before
                    print(f"\n=== {DRIFT_TITLE} ===")
                    drifts = drift_steps(emulator, stack, updated.template, local)
                print(f"\n=== {title} ===")
                operation = step()
                made.update(
                    (connector.voice_connector_id, logical_id)
                    for logical_id, connector in stack.voice_connectors.made.items()
                )
                printer.flush()
                print(RULE)
                for where, error in operation.errors.items():
                    print(f"Error: {where}: {error}")
                print(f"Stack status: {operation.status}")
                results.append(operation.status)
            print("\nWhat is left in the emulator:")
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
            for vc_id, logical_id in made.items():
                gone = emulator.voice_connector(vc_id) is None
                print(
                    f"  voice connector {vc_id} ({logical_id}, the stack's): "
                    f"{'deleted' if gone else 'still there'}; sessions the stack created on it: "
                    f"{len(emulator.sessions(vc_id))} left; its proxy configuration: "
                    f"{'removed' if emulator.proxy(vc_id) is None else 'still there'}"
                )
            untouched = emulator.proxy(DEMO_VOICE_CONNECTOR_ID) == existing_proxy
            print(
                f"  proxy configuration of {DEMO_VOICE_CONNECTOR_ID} (made elsewhere): "
                f"{'unchanged' if untouched else 'CHANGED by the stack'}"
            )
            numbers = emulator.phone_numbers()
            kept = [number for number in numbers if number["Status"] != DELETION_QUEUE]
            print(
                f"  phone numbers the stack ordered: {len(numbers)}, "
                f"{len(numbers) - len(kept)} in the deletion queue (released: each restorable "
                "for 7 days with RestorePhoneNumber), "
                f"{len(kept)} kept"
            )
            for number in numbers:
                print(f"    {number['E164PhoneNumber']}: {number['Status']}")
            if runner.claim_table is not None:
                # States only: a claim's recorded answer holds the sessions' proxy numbers.
                states = Counter(item.get("State") for item in dynamodb.items(runner.claim_table))
                summary = ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
                print(f"  claims (one per request that ordered or created): {summary or 'none'}")
    ok = results == ["CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE"] and untouched
    ok = ok and drifts == DRIFT_STATUSES
    return 0 if ok and numbers and not kept else 1


if __name__ == "__main__":
    sys.exit(main())
