"""A stack of ProxySessions is compliant: cdk-nag's AwsSolutions finds nothing, cfn-lint neither.

One App, one synth, with the AwsSolutions pack attached as a CDK policy-validation plugin (findings
fail synth and land in ``validation-report.json``): sessions on literal voice connector ids and on
a CfnVoiceConnector token, DESTROY and RETAIN, one through an assumed role, one on a stand-in proxy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_chime as chime
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import ManualArgs, lint_file  # type: ignore[import-untyped]

from chime_proxy_session import Capability, GeoMatchLevel, GeoMatchParams, ProxySession
from tests.helpers import VC_ID
from tests.infra.stand_in import stand_in

STACK = "ProxySessionCompliance"
PHONES = ["{{resolve:ssm:/lines/customer}}", "{{resolve:ssm:/lines/agent}}"]


@dataclass
class Synthesized:
    """The app after one synth with cdk-nag attached."""

    app: cdk.App
    outdir: Path
    error: str | None

    def template(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.outdir / f"{STACK}.template.json").read_text())
        return loaded

    def violations(self) -> list[str]:
        path = self.outdir / "validation-report.json"
        report = json.loads(path.read_text()) if path.exists() else {"pluginReports": []}
        return [
            f"{violation['ruleName']}: {violation.get('description')}"
            for plugin in report["pluginReports"]
            for violation in plugin.get("violations", [])
        ]


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    outdir = tmp_path_factory.mktemp("session-compliance")
    app = cdk.App(outdir=str(outdir), context={"@aws-cdk/core:validationReportJson": True})
    stack = cdk.Stack(app, STACK)
    connector = chime.CfnVoiceConnector(
        stack, "Connector", name="sessions", require_encryption=True, aws_region="us-east-1"
    )
    ProxySession(
        stack,
        "Ended",
        voice_connector_id=VC_ID,
        participant_phone_numbers=PHONES,
        capabilities=[Capability.VOICE, Capability.SMS],
        expiry=cdk.Duration.hours(1),
    )
    ProxySession(
        stack,
        "Kept",
        voice_connector_id=connector.attr_voice_connector_id,
        participant_phone_numbers=PHONES,
        capabilities=[Capability.SMS],
        name="Kept line",
        geo_match_level=GeoMatchLevel.COUNTRY,
        geo_match_params=GeoMatchParams(country="US", area_code="206"),
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    ProxySession(
        stack,
        "Partner",
        voice_connector_id="0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        participant_phone_numbers=PHONES,
        capabilities=[Capability.VOICE],
        region="eu-west-2",
        assume_role_arn="arn:aws:iam::210987654321:role/ChimeProxyAdmin",
    )
    ProxySession(
        stack,
        "OnProxy",
        voice_connector_proxy=stand_in(stack, "Proxy"),
        participant_phone_numbers=PHONES,
        capabilities=[Capability.VOICE],
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    error: str | None = None
    try:
        app.synth()
    except RuntimeError as raised:  # ValidationFailed: the report says why
        error = str(raised)
    return Synthesized(app=app, outdir=outdir, error=error)


def test_cdk_nag_aws_solutions_finds_nothing(synthesized: Synthesized) -> None:
    violations = synthesized.violations()
    assert synthesized.error is None, "\n".join([synthesized.error, *violations])
    assert violations == []
    direct = AwsSolutionsChecks(synthesized.app).validate_scope(synthesized.app)
    assert direct.success, [violation.rule_name for violation in direct.violations]


def test_cfn_lint_finds_no_errors_or_warnings(synthesized: Synthesized) -> None:
    path = synthesized.outdir / f"{STACK}.template.json"
    matches = lint_file(path, config=ManualArgs(regions=["us-east-1"]))
    assert [f"{m.rule.id} {m.message}" for m in matches if m.rule.id[0] in "EW"] == []


def test_chime_statements_name_voice_connectors_only(synthesized: Synthesized) -> None:
    resources = synthesized.template()["Resources"]
    (policy,) = [r for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    chime_actions = set()
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        assert all("*" not in action for action in actions)
        if any(action.startswith("chime:") for action in actions):
            chime_actions.update(actions)
            text = json.dumps(statement["Resource"])
            assert "*" not in text
            # Session actions: the literal id, the token's and the proxy's; the proxy's own
            # actions: its voice connector only.
            expected = 1 if any("VoiceConnectorProxy" in action for action in actions) else 3
            assert text.count(":vc/") == expected
    assert chime_actions == {
        "chime:CreateProxySession",
        "chime:ListProxySessions",
        "chime:UpdateProxySession",
        "chime:DeleteProxySession",
        "chime:PutVoiceConnectorProxy",
        "chime:DeleteVoiceConnectorProxy",
    }
