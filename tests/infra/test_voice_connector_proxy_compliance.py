"""VoiceConnectorProxy passes cdk-nag's AwsSolutions pack and cfn-lint, as the rest does.

One App, one synth (the pack runs as a policy-validation plugin during it, as in
``test_compliance.py``): a stack with proxy configurations under DESTROY and RETAIN, a literal
voice connector, a ``CfnVoiceConnector`` token, another region and an assumed role, beside a
ProxySessionSettings on the same provider.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_chime as chime
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import ManualArgs, lint_file  # type: ignore[import-untyped]

from chime_proxy_session import Capability, ProxySessionSettings, VoiceConnectorProxy
from tests.helpers import PHONE_A, VC_ID

STACK = "VoiceConnectorProxies"
# AWS::Chime::VoiceConnector exists in us-east-1 only (cfn-lint E3006 elsewhere).
LINT_REGIONS = ["us-east-1"]


def _stack(app: cdk.App) -> cdk.Stack:
    stack = cdk.Stack(app, STACK)
    connector = chime.CfnVoiceConnector(
        stack, "Connector", name="proxies", require_encryption=True, aws_region="us-east-1"
    )
    VoiceConnectorProxy(
        stack,
        "Literal",
        voice_connector_id=VC_ID,
        default_session_expiry=cdk.Duration.hours(1),
        phone_number_pool_countries=["US", "CA"],
        fall_back_phone_number=PHONE_A,
    )
    VoiceConnectorProxy(
        stack,
        "OnToken",
        voice_connector_id=connector.attr_voice_connector_id,
        default_session_expiry=cdk.Duration.minutes(30),
        phone_number_pool_countries=["US"],
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    VoiceConnectorProxy(
        stack,
        "West",
        voice_connector_id="0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        default_session_expiry=cdk.Duration.minutes(45),
        phone_number_pool_countries=["GB"],
        disabled=True,
        region="us-west-2",
    )
    VoiceConnectorProxy(
        stack,
        "Partner",
        voice_connector_id="klmnopqrst9876543210a",
        default_session_expiry=cdk.Duration.minutes(45),
        phone_number_pool_countries=["DE"],
        region="eu-west-2",
        assume_role_arn="arn:aws:iam::210987654321:role/ChimeProxyAdmin",
        external_id="shared-secret-1",
    )
    ProxySessionSettings(
        stack,
        "Settings",
        voice_connector_id=VC_ID,
        proxy_session_id="s-1",
        capabilities=[Capability.VOICE],
    )
    return stack


@dataclass
class Synthesized:
    """The app after one synth with the AwsSolutions pack attached."""

    app: cdk.App
    pack: AwsSolutionsChecks
    template: Path
    report: dict[str, Any]
    error: str | None


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    outdir = tmp_path_factory.mktemp("proxy-compliance")
    app = cdk.App(outdir=str(outdir), context={"@aws-cdk/core:validationReportJson": True})
    _stack(app)
    pack = AwsSolutionsChecks(app, verbose=True)
    cdk.Validations.of(app).add_plugins(pack)
    error: str | None = None
    try:
        app.synth()
    except RuntimeError as raised:  # ValidationFailed: the report says why
        error = str(raised)
    path = outdir / "validation-report.json"
    report = json.loads(path.read_text()) if path.exists() else {"pluginReports": []}
    return Synthesized(app, pack, outdir / f"{STACK}.template.json", report, error)


def _violations(report: dict[str, Any]) -> list[str]:
    return [
        f"{violation['ruleName']}: {violation.get('description')}"
        for plugin in report.get("pluginReports", [])
        for violation in plugin.get("violations", [])
    ]


def test_aws_solutions_reports_nothing(synthesized: Synthesized) -> None:
    violations = _violations(synthesized.report)
    assert synthesized.error is None, "\n".join([synthesized.error, *violations])
    assert violations == []
    assert synthesized.template.is_file()
    direct = synthesized.pack.validate_scope(synthesized.app)
    assert direct.success, [violation.rule_name for violation in direct.violations]


def test_cfn_lint_reports_no_error_or_warning(synthesized: Synthesized) -> None:
    matches = lint_file(synthesized.template, config=ManualArgs(regions=LINT_REGIONS))
    assert [f"{m.rule.id} {m.message}" for m in matches if m.rule.id[0] in "EW"] == []


def test_no_wildcard_and_every_proxy_action_on_a_voice_connector(synthesized: Synthesized) -> None:
    resources = json.loads(synthesized.template.read_text())["Resources"]
    (policy,) = [r for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    actions: set[str] = set()
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        listed = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        actions.update(listed)
        assert all("*" not in action for action in listed)
        if any(action.startswith("chime:") for action in listed):
            assert "*" not in json.dumps(statement["Resource"])
            assert ":vc/" in json.dumps(statement["Resource"])
    assert {"chime:PutVoiceConnectorProxy", "chime:DeleteVoiceConnectorProxy"} <= actions


def test_the_pack_is_live_beside_the_construct() -> None:
    """A wildcard policy next to the construct is still reported, and only that policy."""
    app = cdk.App()
    stack = cdk.Stack(app, "Control")
    VoiceConnectorProxy(
        stack,
        "Proxy",
        voice_connector_id=VC_ID,
        default_session_expiry=cdk.Duration.hours(1),
        phone_number_pool_countries=["US"],
    )
    role = iam.Role(stack, "Other", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["chime:*"], resources=["*"]))
    report = AwsSolutionsChecks(app).validate_scope(app)
    assert "AwsSolutions-IAM5[Action::chime:*]" in {v.rule_name for v in report.violations}
    paths = {str(r.construct_path) for v in report.violations for r in v.violating_resources}
    assert all(path.startswith("Control/Other/") for path in paths), paths
