"""``voice_connector=`` on every construct (``resource.ChimeResource._locate``): a
``CfnVoiceConnector`` of the stack gives its id (``Fn::GetAtt``, which also orders the resource
after it: a ``DependsOn`` beside it would be redundant, cfn-lint W3005), its region (its
``aws_region``, literal or token; without one, the stack's) and the grants' ARN.

One stack, synthesized once: each construct on a voice connector in us-west-2, on one without
``aws_region`` and on one whose ``aws_region`` is a parameter. The bad combinations (with
``voice_connector_id``, with another ``region=``, another stack's voice connector, not a
``CfnVoiceConnector``) are rows of the shared table (``tables.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_chime as chime

from chime_proxy_session import ProxySession, VoiceConnectorProxyError
from chime_proxy_session.resource import ChimeResource
from tests.infra.compliance import lint
from tests.infra.tables import PROXY_SESSION, SPECS, VOICE_CONNECTOR_PROXY, Spec

PLACES = ("West", "Default", "Token")


class Built:
    """Each construct on each kind of voice connector, the template and the stack."""

    def __init__(self, outdir: Path) -> None:
        app = cdk.App(outdir=str(outdir))
        self.stack = stack = cdk.Stack(app, "Native")
        region = cdk.CfnParameter(stack, "ConnectorRegion", default="us-east-1")
        self.connectors: dict[tuple[str, str], chime.CfnVoiceConnector] = {}
        self.constructs: dict[tuple[str, str], ChimeResource] = {}
        for spec in SPECS:
            for place, aws_region in zip(
                PLACES, ("us-west-2", None, region.value_as_string), strict=True
            ):
                connector = chime.CfnVoiceConnector(
                    stack,
                    f"{spec.name}{place}Connector",
                    name=f"{spec.name}-{place}".lower(),
                    require_encryption=True,
                    aws_region=aws_region,
                )
                self.connectors[spec.name, place] = connector
                self.constructs[spec.name, place] = spec.build(
                    stack, f"{spec.name}{place}", voice_connector_id=None, voice_connector=connector
                )
        assembly = app.synth()
        self.path = Path(assembly.get_stack_artifact(stack.artifact_id).template_full_path)
        self.template: dict[str, Any] = json.loads(self.path.read_text())

    def resource(self, spec: Spec[Any], place: str) -> dict[str, Any]:
        construct = self.constructs[spec.name, place]
        logical_id = self.stack.get_logical_id(construct.resource.node.default_child)  # type: ignore[arg-type]
        found: dict[str, Any] = self.template["Resources"][logical_id]
        return found

    def logical_id(self, spec: Spec[Any], place: str) -> str:
        return self.stack.get_logical_id(self.connectors[spec.name, place])

    def policy(self) -> str:
        (policy,) = [
            resource
            for resource in self.template["Resources"].values()
            if resource["Type"] == "AWS::IAM::ManagedPolicy"
        ]
        return json.dumps(policy["Properties"]["PolicyDocument"])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return Built(tmp_path_factory.mktemp("native"))


BY_SPEC = pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)


@BY_SPEC
def test_the_id_is_the_voice_connectors_getatt(built: Built, spec: Spec[Any]) -> None:
    for place in PLACES:
        properties = built.resource(spec, place)["Properties"]
        assert properties["VoiceConnectorId"] == {
            "Fn::GetAtt": [built.logical_id(spec, place), "VoiceConnectorId"]
        }


@BY_SPEC
def test_the_region_is_the_voice_connectors(built: Built, spec: Spec[Any]) -> None:
    """Its aws_region, literal or token; without one, nothing is written (the stack's region)."""
    assert built.resource(spec, "West")["Properties"]["Region"] == "us-west-2"
    assert "Region" not in built.resource(spec, "Default")["Properties"]
    assert built.resource(spec, "Token")["Properties"]["Region"] == {"Ref": "ConnectorRegion"}
    assert built.constructs[spec.name, "West"].region == "us-west-2"
    assert built.constructs[spec.name, "Default"].region is None


@BY_SPEC
def test_the_dependency_is_the_getatt_and_no_depends_on(built: Built, spec: Spec[Any]) -> None:
    """CloudFormation creates the voice connector first because the resource reads its id; an
    explicit DependsOn on it would be redundant (cfn-lint W3005, checked below)."""
    for place in PLACES:
        depends_on = built.resource(spec, place).get("DependsOn", [])
        assert built.logical_id(spec, place) not in depends_on


def test_the_template_passes_cfn_lint(built: Built) -> None:
    assert lint(built.path) == []


@BY_SPEC
def test_the_grants_name_the_voice_connector_in_its_region(built: Built, spec: Spec[Any]) -> None:
    policy = built.policy()
    logical_id = built.logical_id(spec, "West")
    west = (
        '":chime:us-west-2:", {"Ref": "AWS::AccountId"}, ":vc/", {"Fn::GetAtt": '
        f'["{logical_id}", "VoiceConnectorId"]}}'
    )
    assert west in policy
    in_parameter = '":chime:", {"Ref": "ConnectorRegion"}, ":", {"Ref": "AWS::AccountId"}, ":vc/"'
    assert in_parameter in policy


@BY_SPEC
def test_the_construct_keeps_the_voice_connector(built: Built, spec: Spec[Any]) -> None:
    for place in PLACES:
        construct = built.constructs[spec.name, place]
        connector = built.connectors[spec.name, place]
        assert construct.voice_connector is connector
        assert vars(construct)["voice_connector_id"] == connector.attr_voice_connector_id


def test_a_session_on_a_proxy_takes_its_voice_connector() -> None:
    stack = cdk.Stack(cdk.App(), "OnProxy")
    connector = chime.CfnVoiceConnector(
        stack, "Connector", name="on-proxy", require_encryption=True, aws_region="eu-west-2"
    )
    on_connector = VOICE_CONNECTOR_PROXY.build(
        stack, "Proxy", voice_connector_id=None, voice_connector=connector
    )
    session = PROXY_SESSION.build(
        stack, "Session", voice_connector_id=None, voice_connector_proxy=on_connector
    )
    assert isinstance(session, ProxySession)
    assert session.voice_connector is connector
    assert session.region == "eu-west-2"
    assert session.voice_connector_id == connector.attr_voice_connector_id


def test_one_proxy_configuration_per_cfn_voice_connector() -> None:
    """The same CfnVoiceConnector twice is refused, whether passed as voice_connector or not."""
    stack = cdk.Stack(cdk.App(), "Twice")
    connector = chime.CfnVoiceConnector(
        stack, "Connector", name="twice", require_encryption=True, aws_region="us-east-1"
    )
    VOICE_CONNECTOR_PROXY.build(stack, "First", voice_connector_id=None, voice_connector=connector)
    with pytest.raises(VoiceConnectorProxyError) as raised:
        VOICE_CONNECTOR_PROXY.build(
            stack, "Second", voice_connector_id=None, voice_connector=connector
        )
    assert str(raised.value) == (
        "VoiceConnectorProxy Twice/Second: voice_connector 'Twice/Connector' already has its "
        "proxy configuration in Twice/First; a voice connector has one proxy configuration, so "
        "declare it once and share that construct."
    )
    other = chime.CfnVoiceConnector(
        stack, "Other", name="other", require_encryption=True, aws_region="us-east-1"
    )
    VOICE_CONNECTOR_PROXY.build(stack, "Third", voice_connector_id=None, voice_connector=other)
