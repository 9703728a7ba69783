"""The function's environment from a template: references resolved as CloudFormation would."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

import proxy_contract as contract
from harness.cfn_template import (
    Resolver,
    TemplateError,
    function_environment,
    handler_function,
)

STACK = "ChimeProxySessionDemo"
ROLE_ARN = f"arn:aws:iam::123456789012:role/{STACK}-ProviderRole"


def template(variables: dict[str, Any], **extra: dict[str, Any]) -> dict[str, Any]:
    """A stack with the handler function (``variables``), its role, a claim table and ``extra``
    resources."""
    return {
        "Resources": {
            "ProviderRole": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Claims": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
            "Handler": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Handler": "index.handler",
                    "Environment": {"Variables": variables},
                },
            },
            **extra,
        }
    }


def test_a_ref_to_a_table_is_the_name_the_harness_gave_it() -> None:
    variables = {
        contract.CLAIM_TABLE_VARIABLE: {"Ref": "Claims"},
        contract.FUNCTION_ROLE_ARN_VARIABLE: {"Fn::GetAtt": ["ProviderRole", "Arn"]},
        "PLAIN": "as written",
    }
    environment = function_environment(
        template(variables), stack_name=STACK, physical_ids={"Claims": "claims-1"}
    )
    assert environment == {
        contract.CLAIM_TABLE_VARIABLE: "claims-1",
        contract.FUNCTION_ROLE_ARN_VARIABLE: ROLE_ARN,
        "PLAIN": "as written",
    }


def test_arns_joins_and_pseudo_parameters_resolve() -> None:
    named_role = {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "Fixed", "Path": "/ops/"}}
    variables = {
        "TABLE_ARN": {"Fn::GetAtt": "Claims.Arn"},
        "NAMED_ROLE": {"Fn::GetAtt": ["NamedRole", "Arn"]},
        "ROLE_NAME": {"Ref": "ProviderRole"},
        "KEY_ID": {"Ref": "Key"},
        "KEY_ARN": {"Fn::GetAtt": ["Key", "Arn"]},
        "JOINED": {
            "Fn::Join": [":", [{"Ref": "AWS::Region"}, {"Ref": "AWS::AccountId"}, "x"]],
        },
    }
    environment = function_environment(
        template(variables, NamedRole=named_role, Key={"Type": "AWS::KMS::Key"}),
        stack_name=STACK,
        physical_ids={"Claims": "claims-1"},
    )
    assert environment is not None
    key_id = environment.pop("KEY_ID")
    assert str(uuid.UUID(key_id)) == key_id
    assert environment.pop("KEY_ARN") == f"arn:aws:kms:us-east-1:123456789012:key/{key_id}"
    assert environment == {
        "TABLE_ARN": "arn:aws:dynamodb:us-east-1:123456789012:table/claims-1",
        "NAMED_ROLE": "arn:aws:iam::123456789012:role/ops/Fixed",
        "ROLE_NAME": f"{STACK}-ProviderRole",
        "JOINED": "us-east-1:123456789012:x",
    }


def test_a_function_without_variables_has_an_empty_environment() -> None:
    bare = template({})
    del bare["Resources"]["Handler"]["Properties"]["Environment"]
    assert function_environment(bare, stack_name=STACK) == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"Ref": "Claims"}, r"Ref to Claims \(AWS::DynamoDB::Table\) has no value"),
        ({"Ref": "Missing"}, "no resource 'Missing' in the template"),
        ({"Fn::GetAtt": ["Claims", "StreamArn"]}, r"Fn::GetAtt Claims\.StreamArn"),
        ({"Fn::Sub": "${AWS::Region}"}, "does not resolve Fn::Sub"),
        (["a", "list"], "resolves to .*not a string"),
    ],
)
def test_what_the_harness_cannot_resolve_is_an_error_naming_it(value: Any, message: str) -> None:
    # No table was created: a Ref to it has no name to resolve to.
    with pytest.raises(TemplateError, match=rf"Handler Environment\.Variables\.X.*{message}"):
        function_environment(template({"X": value}), stack_name=STACK)


def test_the_handler_function_is_the_one_whose_handler_is_index_handler() -> None:
    other = {"Type": "AWS::Lambda::Function", "Properties": {"Handler": "other.main"}}
    found = handler_function(template({}, LogRetention=other))
    assert found is not None
    logical_id, function = found
    assert (logical_id, function["Properties"]["Handler"]) == ("Handler", "index.handler")

    twice = template({})
    twice["Resources"]["Again"] = twice["Resources"]["Handler"]
    with pytest.raises(TemplateError, match=r"found 2: \['Handler', 'Again'\]"):
        handler_function(twice)
    # A hand-made template of custom resources only has no function: no environment to give.
    assert handler_function({"Resources": {"Other": other}}) is None
    assert function_environment({"Resources": {"Other": other}}, stack_name=STACK) is None


def test_nested_values_resolve_in_place() -> None:
    resolver = Resolver(template({}), stack_name=STACK, physical_ids={"Claims": "claims-1"})
    nested = {"A": [{"Ref": "Claims"}, 1, True], "B": {"C": {"Ref": "AWS::StackName"}}}
    assert resolver.resolve(nested) == {"A": ["claims-1", 1, True], "B": {"C": STACK}}
