"""Template values resolved as CloudFormation resolved them: Ref of parameters, pseudo parameters
and resources, Fn::GetAtt through the check, the string functions, and what is not resolved."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from chime_proxy_session.drift.stack import DeployedStack, StackResource
from chime_proxy_session.drift.template import (
    Hidden,
    Resolver,
    Unresolved,
    as_sent,
    voice_connector_attribute,
)
from tests.drift.stubs import ACCOUNT, REGION, STACK, STACK_ID, VC, VC_ARN

PARAMETERS = {
    "Plain": {"Type": "String", "Default": "default"},
    "Given": {"Type": "String", "Default": "default"},
    "Countries": {"Type": "CommaDelimitedList"},
    "Secret": {"Type": "String", "NoEcho": "true"},
    "Missing": {"Type": "String"},
}


def deployed(stack_id: str = STACK_ID, **template: Any) -> DeployedStack:
    resources = {
        "Connector": StackResource("Connector", "AWS::Chime::VoiceConnector", VC_ARN, "OK"),
        "Failed": StackResource("Failed", "AWS::DynamoDB::Table", None, "CREATE_FAILED"),
    }
    return DeployedStack(
        name=STACK,
        stack_id=stack_id,
        region=REGION,
        parameters={"Given": "given", "Countries": "US, CA"},
        template={"Parameters": PARAMETERS, "Resources": {}, **template},
        resources=resources,
    )


def attribute(logical_id: str, name: str) -> str:
    return f"<{logical_id}.{name}>"


def resolve(value: Any, stack: DeployedStack | None = None) -> Any:
    return Resolver(stack or deployed(), attribute).resolve(value, "Test.Value")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("AWS::Region", REGION),
        ("AWS::AccountId", ACCOUNT),
        ("AWS::Partition", "aws"),
        ("AWS::StackName", STACK),
        ("AWS::StackId", STACK_ID),
        ("AWS::URLSuffix", "amazonaws.com"),
        ("Plain", "default"),
        ("Given", "given"),
        ("Countries", ["US", "CA"]),
        ("Connector", VC_ARN),
    ],
)
def test_ref(name: str, expected: Any) -> None:
    assert resolve({"Ref": name}) == expected


def test_pseudo_parameters_of_another_partition() -> None:
    stack = deployed(STACK_ID.replace("arn:aws:", "arn:aws-cn:"))
    assert resolve({"Ref": "AWS::Partition"}, stack) == "aws-cn"
    assert resolve({"Ref": "AWS::URLSuffix"}, stack) == "amazonaws.com.cn"


def test_a_no_echo_parameter_is_hidden() -> None:
    assert resolve({"Ref": "Secret"}) == Hidden("the NoEcho parameter Secret")
    # A value made from it is hidden too.
    assert resolve({"Fn::Join": ["-", ["a", {"Ref": "Secret"}]]}) == Hidden(
        "the NoEcho parameter Secret"
    )


def test_no_value_removes_the_property_or_item() -> None:
    value = {"Keep": "k", "Drop": {"Ref": "AWS::NoValue"}, "List": ["a", {"Ref": "AWS::NoValue"}]}
    assert resolve(value) == {"Keep": "k", "List": ["a"]}


def test_get_att_asks_the_check_in_both_forms() -> None:
    assert resolve({"Fn::GetAtt": ["Numbers", "PhoneNumbers"]}) == "<Numbers.PhoneNumbers>"
    assert resolve({"Fn::GetAtt": "Numbers.Count"}) == "<Numbers.Count>"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Fn::Join": [":", ["a", {"Ref": "AWS::Region"}]]}, f"a:{REGION}"),
        ({"Fn::Select": ["1", ["a", "b"]]}, "b"),
        ({"Fn::Split": [",", "a,b"]}, ["a", "b"]),
        ({"Fn::Select": [0, {"Fn::Split": [",", {"Fn::GetAtt": ["N", "P"]}]}]}, "<N.P>"),
        (
            {"Fn::Sub": "${AWS::Region}-${Given}-${N.P}-${!Literal}"},
            f"{REGION}-given-<N.P>-${{Literal}}",
        ),
        ({"Fn::Sub": ["${X}/${AWS::AccountId}", {"X": {"Ref": "Plain"}}]}, f"default/{ACCOUNT}"),
        ({"Fn::FindInMap": ["Sizes", "small", "minutes"]}, "30"),
    ],
)
def test_functions(value: Mapping[str, Any], expected: Any) -> None:
    stack = deployed(Mappings={"Sizes": {"small": {"minutes": "30"}}})
    assert resolve(value, stack) == expected


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ({"Fn::If": ["Cond", "a", "b"]}, "Fn::If is not worked out"),
        ({"Fn::ImportValue": "Export"}, "Fn::ImportValue is not worked out"),
        ({"Ref": "Missing"}, "shows no value for the parameter"),
        ({"Ref": "Nothing"}, "no such resource or parameter"),
        ({"Ref": "Failed"}, "no physical id (CREATE_FAILED)"),
        ({"Fn::Select": [5, ["a"]]}, "out of its list"),
        ({"Fn::FindInMap": ["Sizes", "large", "minutes"]}, "Fn::FindInMap Sizes.large.minutes"),
    ],
)
def test_what_cannot_be_resolved_says_where_and_why(value: Mapping[str, Any], says: str) -> None:
    with pytest.raises(Unresolved, match=r"Test\.Value") as raised:
        resolve({"Inner": value}, deployed(Mappings={"Sizes": {}}))
    assert says in str(raised.value)


def test_a_voice_connectors_attributes_come_from_its_arn() -> None:
    stack = deployed()
    assert voice_connector_attribute(stack, "Connector", "VoiceConnectorId") == VC
    assert voice_connector_attribute(stack, "Connector", "VoiceConnectorArn") == VC_ARN
    with pytest.raises(Unresolved, match="OutboundHostName"):
        voice_connector_attribute(stack, "Connector", "OutboundHostName")


def test_values_as_cloudformation_sends_them() -> None:
    sent = as_sent({"N": 60, "B": False, "L": [1, True], "S": "s", "M": {"X": 1.5}})
    assert sent == {"N": "60", "B": "false", "L": ["1", "true"], "S": "s", "M": {"X": "1.5"}}


def test_each_compared_property_is_one_of_its_types_properties() -> None:
    """The drift data names properties by the type's description, never a second list."""
    import resource_types
    from chime_proxy_session.drift.fields import DELETED_ADVICE, FIELDS

    for type_name, fields in FIELDS.items():
        kind = resource_types.BY_TYPE_NAME[type_name]
        for name in fields:
            kind.get(name)
    assert set(DELETED_ADVICE) == set(resource_types.BY_TYPE_NAME)
