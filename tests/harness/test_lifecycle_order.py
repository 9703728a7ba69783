"""The lifecycle driver sends requests in CloudFormation's dependency order."""

from __future__ import annotations

from typing import Any, cast

import proxy_contract as contract
from harness.cfn_template import dependencies, waves
from harness.lifecycle import CloudFormationStack, Invocation, LambdaRunner
from tests.harness.recording import RecordingRunner

TYPE = contract.SETTINGS_RESOURCE_TYPE


def template() -> dict[str, Any]:
    """Proxy <- Session (GetAtt) <- Output-like user (DependsOn); Other independent."""
    return {
        "Resources": {
            "Session": {
                "Type": TYPE,
                "Properties": {"VoiceConnectorId": {"Fn::GetAtt": ["Proxy", "VoiceConnectorId"]}},
            },
            "Proxy": {"Type": TYPE, "Properties": {"VoiceConnectorId": "vc"}},
            "User": {"Type": TYPE, "DependsOn": ["Session"], "Properties": {}},
            "Other": {"Type": TYPE, "Properties": {"Role": {"Ref": "SomeIamRole"}}},
            "SomeIamRole": {"Type": "AWS::IAM::Role", "Properties": {}},
        }
    }


def test_dependencies_read_depends_on_ref_and_getatt_between_served_resources() -> None:
    assert dependencies(template()) == {
        "Session": {"Proxy"},
        "Proxy": set(),
        "User": {"Session"},
        "Other": set(),
    }


def test_waves_put_dependencies_first() -> None:
    ordered = waves(["User", "Session", "Proxy", "Other"], dependencies(template()))
    assert ordered == [["Proxy", "Other"], ["Session"], ["User"]]


def test_create_goes_in_order_and_delete_in_reverse() -> None:
    runner = RecordingRunner()
    stack = CloudFormationStack(cast(LambdaRunner, runner))
    assert stack.deploy(template()).status == "CREATE_COMPLETE"
    # The function gets the template's environment (its tables) before any resource is sent.
    assert runner.sent[0] == ("Template", "5")
    creates = [lid for kind, lid in runner.sent if kind == "Create"]
    assert creates.index("Proxy") < creates.index("Session") < creates.index("User")
    runner.sent.clear()
    assert stack.delete().status == "DELETE_COMPLETE"
    deletes = [lid for _, lid in runner.sent]
    assert deletes.index("User") < deletes.index("Session") < deletes.index("Proxy")


def test_a_failed_dependency_stops_its_dependents_and_rolls_back() -> None:
    runner = RecordingRunner(failing=frozenset({"Proxy"}))
    stack = CloudFormationStack(cast(LambdaRunner, runner))
    assert stack.deploy(template()).status == "ROLLBACK_COMPLETE"
    sent_creates = {lid for kind, lid in runner.sent if kind == "Create"}
    assert sent_creates == {"Proxy", "Other"}  # Session and User never started
    assert {lid for kind, lid in runner.sent if kind == "Delete"} == {"Proxy", "Other"}


def test_dynamic_references_are_resolved_in_requests_only() -> None:
    reference = "{{resolve:secretsmanager:line:SecretString:customer}}"
    runner = RecordingRunner()
    seen: list[Invocation] = []
    stack = CloudFormationStack(
        cast(LambdaRunner, runner),
        on_invocation=seen.append,
        dynamic_references={reference: "+12065550100"},
    )
    resources = {"One": {"Type": TYPE, "Properties": {"Numbers": [reference, "+14255550187"]}}}
    stack.deploy({"Resources": resources})
    (created,) = seen
    assert created.request["ResourceProperties"]["Numbers"] == ["+12065550100", "+14255550187"]
    assert stack.resources["One"].properties["Numbers"][0] == reference
