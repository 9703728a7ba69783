"""The lifecycle driver resolves references among custom resources as CloudFormation does: the
ServiceToken is the function, Ref a resource's PhysicalResourceId, Fn::GetAtt its Data."""

from __future__ import annotations

from typing import Any, cast

import pytest

import proxy_contract as contract
from harness.cfn_template import attributes_used, check_references
from harness.lifecycle import (
    FUNCTION_ARN,
    STACK_NAME,
    CloudFormationStack,
    LambdaRunner,
    TemplateError,
    cfn_value,
    resource_properties,
)
from tests.harness.recording import RecordingRunner

NUMBERS = contract.PHONE_NUMBERS_RESOURCE_TYPE
PROXY = contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE
TOKEN = {"Fn::GetAtt": ["ProviderHandler", "Arn"]}


def stack_of(runner: RecordingRunner) -> CloudFormationStack:
    return CloudFormationStack(cast(LambdaRunner, runner))


def numbers_then_proxy(count: str = "2") -> dict[str, Any]:
    """A proxy that reads the numbers' Data (GetAtt) and names them (Ref), as issue 16 needs."""
    return {
        "Resources": {
            "Numbers": {"Type": NUMBERS, "Properties": {"ServiceToken": TOKEN, "Count": count}},
            "Proxy": {
                "Type": PROXY,
                "Properties": {
                    "ServiceToken": TOKEN,
                    "FallBackPhoneNumber": {"Fn::GetAtt": ["Numbers", "Count"]},
                    "Tag": {"Fn::Join": ["/", [{"Ref": "Numbers"}, {"Ref": "AWS::Region"}]]},
                },
            },
        }
    }


def test_cfn_value_resolves_the_service_token_and_keeps_other_references() -> None:
    sent = cfn_value({"ServiceToken": TOKEN, "Size": 3, "On": True, "Id": {"Ref": "Numbers"}})
    assert sent == {
        "ServiceToken": FUNCTION_ARN,
        "Size": "3",
        "On": "true",
        "Id": {"Ref": "Numbers"},
    }
    proxy = resource_properties(numbers_then_proxy())["Proxy"]
    assert proxy["FallBackPhoneNumber"] == {"Fn::GetAtt": ["Numbers", "Count"]}


def test_getatt_reads_the_data_and_ref_the_physical_id_of_the_resource_named() -> None:
    runner = RecordingRunner()
    operation = stack_of(runner).deploy(numbers_then_proxy())
    assert operation.status == "CREATE_COMPLETE"
    assert [kind for kind in runner.sent if kind[0] == "Create"] == [
        ("Create", "Numbers"),
        ("Create", "Proxy"),
    ]
    sent = runner.properties("Create", "Proxy")
    assert (sent["ServiceToken"], sent["FallBackPhoneNumber"], sent["Tag"]) == (
        FUNCTION_ARN,
        "2",
        "pid-Numbers/us-east-1",
    )


def test_a_changed_dependency_updates_its_dependant_with_the_new_data() -> None:
    runner = RecordingRunner()
    stack = stack_of(runner)
    stack.deploy(numbers_then_proxy("2"))
    runner.sent.clear()
    assert stack.deploy(numbers_then_proxy("3")).status == "UPDATE_COMPLETE"
    assert runner.sent == [("Template", "2"), ("Update", "Numbers"), ("Update", "Proxy")]
    assert runner.properties("Update", "Proxy")["FallBackPhoneNumber"] == "3"
    assert stack.resources["Proxy"].properties["FallBackPhoneNumber"] == "3"
    runner.sent.clear()
    stack.deploy(numbers_then_proxy("3"))  # nothing changed: nothing sent
    assert runner.sent == [("Template", "2")]


def test_an_answer_without_an_attribute_the_template_reads_fails_its_resource() -> None:
    runner = RecordingRunner(
        answer=lambda request: {"Status": "SUCCESS", "PhysicalResourceId": "no-data"}
    )
    operation = stack_of(runner).deploy(numbers_then_proxy())
    assert operation.status == "ROLLBACK_COMPLETE"
    assert "Vendor response doesn't contain Count key" in operation.errors["Numbers"]
    assert runner.sent[1:] == [("Create", "Numbers"), ("Delete", "Numbers")]  # Proxy never sent


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ({"X": {"Ref": "Missing"}}, "no resource 'Missing'"),
        ({"X": {"Fn::GetAtt": ["Bucket", "Arn"]}}, "Fn::GetAtt Bucket.Arn"),
        ({"X": {"Fn::Sub": "${AWS::Region}"}}, "does not resolve Fn::Sub"),
        ({"X": {"Ref": "Bucket"}}, "Ref to Bucket"),
    ],
)
def test_what_cannot_be_resolved_is_refused_before_anything_is_sent(
    properties: dict[str, Any], message: str
) -> None:
    runner = RecordingRunner()
    template = {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "Numbers": {"Type": NUMBERS, "Properties": {"ServiceToken": TOKEN, **properties}},
        }
    }
    stack = stack_of(runner)
    with pytest.raises(TemplateError, match=message) as raised:
        stack.deploy(template)
    assert "Numbers Properties" in str(raised.value)
    assert (runner.sent, stack.history) == ([], [])


def test_any_attribute_of_a_custom_resource_passes_the_check_before_it_answers() -> None:
    template = numbers_then_proxy()
    proxy = template["Resources"]["Proxy"]["Properties"]
    proxy["Later"] = {"Fn::GetAtt": "Numbers.Whatever"}
    check_references(template, resource_properties(template), stack_name=STACK_NAME)
    assert attributes_used(template) == {
        "Numbers": {"Count", "Whatever"},
        "ProviderHandler": {"Arn"},
    }


def test_a_table_the_runner_made_is_named_by_its_ref() -> None:
    runner = RecordingRunner()
    runner.tables = {"Claims": "stack-claims-1"}  # what LambdaRunner.for_assembly made
    resources = {
        "Claims": {"Type": "AWS::DynamoDB::Table"},
        "Numbers": {
            "Type": NUMBERS,
            "Properties": {
                "ServiceToken": TOKEN,
                "Table": {"Ref": "Claims"},
                "TableArn": {"Fn::GetAtt": ["Claims", "Arn"]},
            },
        },
    }
    assert stack_of(runner).deploy({"Resources": resources}).status == "CREATE_COMPLETE"
    sent = runner.properties("Create", "Numbers")
    assert (sent["Table"], sent["TableArn"]) == (
        "stack-claims-1",
        "arn:aws:dynamodb:us-east-1:123456789012:table/stack-claims-1",
    )


def test_a_parameter_is_its_value_or_its_default() -> None:
    resources = {
        "Numbers": {
            "Type": NUMBERS,
            "Properties": {
                "ServiceToken": TOKEN,
                "Region": {"Ref": "ConnectorRegion"},
                "Name": {"Ref": "Label"},
            },
        }
    }
    parameters = {"ConnectorRegion": {"Type": "String", "Default": "us-east-1"}}
    template = {"Parameters": {**parameters, "Label": {"Type": "String"}}, "Resources": resources}
    runner = RecordingRunner()
    with pytest.raises(TemplateError, match="parameter Label has no Default"):
        stack_of(runner).deploy(template)
    given = CloudFormationStack(cast(LambdaRunner, runner), parameters={"Label": "front"})
    assert given.deploy(template).status == "CREATE_COMPLETE"
    sent = runner.properties("Create", "Numbers")
    assert (sent["Region"], sent["Name"]) == ("us-east-1", "front")
