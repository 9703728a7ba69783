"""Security and compliance of what the construct synthesizes: cdk-nag, cfn-lint, IAM wildcards.

One App, one synth: the demo stack from cdk.json's context and a second stack with several
sessions (RETAIN and DESTROY, literal voice connector ids and a CfnVoiceConnector token). cdk-nag's
AwsSolutions pack runs as a CDK policy-validation plugin during that synth (cdk-nag 3 registers with
``Validations.of(app).add_plugins``; findings fail synth and land in ``validation-report.json``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_chime as chime
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import ManualArgs, lint_file  # type: ignore[import-untyped]

import app as demo_app
from chime_proxy_session import Capability, ProxySessionSettings
from tests.helpers import VC_ID

REPO = Path(__file__).resolve().parents[2]
CONTEXT = json.loads((REPO / "cdk.json").read_text())["context"]
UUID_VC = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
# AWS::Chime::VoiceConnector exists in us-east-1 only (cfn-lint E3006 elsewhere); the proxy-session
# resources are regional and the demo is env-agnostic, so us-east-1 is the region linted against.
LINT_REGIONS = ["us-east-1"]
# Every cdk-nag acknowledgment in the synthesized app, rule id -> reason. The construct ships none:
# AwsSolutions finds nothing to suppress (see README, "Security and compliance"). A suppression
# added later belongs in the construct (Validations.of(resource).acknowledge(...) in provider.py,
# which cdk-nag 3 reads from the resource or its ancestors), here, and in the README.
EXPECTED_ACKNOWLEDGMENTS: dict[str, str] = {}


@dataclass
class Synthesized:
    """The app after one synth with cdk-nag attached."""

    app: cdk.App
    pack: AwsSolutionsChecks
    outdir: Path
    error: str | None

    def templates(self) -> list[Path]:
        """Every CloudFormation template in the assembly."""
        return sorted(self.outdir.glob("*.template.json"))

    def report(self) -> dict[str, Any]:
        """The policy-validation report CDK wrote (empty plugin list when all plugins passed)."""
        path = self.outdir / "validation-report.json"
        return json.loads(path.read_text()) if path.exists() else {"pluginReports": []}


def _mixed_stack(app: cdk.App) -> cdk.Stack:
    stack = cdk.Stack(app, "ProxySessionPolicyMix")
    connector = chime.CfnVoiceConnector(
        stack, "Connector", name="policy-mix", require_encryption=True, aws_region="us-east-1"
    )
    ProxySessionSettings(
        stack,
        "Kept",
        voice_connector_id=VC_ID,
        proxy_session_id="s-kept",
        capabilities=[Capability.VOICE],
        expiry=cdk.Duration.hours(1),
    )
    ProxySessionSettings(
        stack,
        "Ended",
        voice_connector_id=UUID_VC,
        proxy_session_id="s-ended",
        capabilities=[Capability.SMS],
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    ProxySessionSettings(
        stack,
        "OnToken",
        voice_connector_id=connector.attr_voice_connector_id,
        proxy_session_id="s-token",
        capabilities=[Capability.VOICE, Capability.SMS],
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    ProxySessionSettings(
        stack,
        "OnTokenKept",
        voice_connector_id=connector.attr_voice_connector_id,
        proxy_session_id="s-token-kept",
        capabilities=[Capability.SMS],
    )
    return stack


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """Both stacks, synthesized once with the AwsSolutions pack attached."""
    outdir = tmp_path_factory.mktemp("policy-assembly")
    app = cdk.App(
        outdir=str(outdir),
        context={**CONTEXT, "@aws-cdk/core:validationReportJson": True},
    )
    demo_app.build_app(app)
    _mixed_stack(app)
    pack = AwsSolutionsChecks(app, verbose=True)
    cdk.Validations.of(app).add_plugins(pack)
    error: str | None = None
    try:
        app.synth()
    except RuntimeError as raised:  # ValidationFailed: the report says why
        error = str(raised)
    return Synthesized(app=app, pack=pack, outdir=outdir, error=error)


def _violations(report: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for plugin in report.get("pluginReports", []):
        for violation in plugin.get("violations", []):
            paths = [item.get("constructPath") for item in violation.get("violatingConstructs", [])]
            found.append(f"{violation['ruleName']} at {paths}: {violation.get('description')}")
    return found


def test_cdk_nag_aws_solutions_has_no_unsuppressed_findings(synthesized: Synthesized) -> None:
    violations = _violations(synthesized.report())
    assert synthesized.error is None, "\n".join([synthesized.error, *violations])
    assert violations == []
    assert synthesized.templates(), "synth wrote no template"
    # The same pack, asked directly, agrees (the report lists nothing when every plugin passed).
    direct = synthesized.pack.validate_scope(synthesized.app)
    assert direct.success, [violation.rule_name for violation in direct.violations]


def test_cdk_nag_is_live_and_suppressions_are_not_blanket() -> None:
    """A wildcard policy beside the construct is still reported: the pack runs, and what the
    construct acknowledges covers only its own resources."""
    app = cdk.App()
    stack = cdk.Stack(app, "Control")
    ProxySessionSettings(
        stack,
        "Session",
        voice_connector_id="abcdefghij0123456789k",
        proxy_session_id="s1",
        capabilities=[Capability.VOICE],
    )
    role = iam.Role(stack, "Other", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["chime:*"], resources=["*"]))
    report = AwsSolutionsChecks(app).validate_scope(app)
    rules = {violation.rule_name for violation in report.violations}
    assert "AwsSolutions-IAM5[Action::chime:*]" in rules
    assert "AwsSolutions-IAM5[Resource::*]" in rules
    paths = {
        resource.construct_path
        for violation in report.violations
        for resource in violation.violating_resources
    }
    assert all(str(path).startswith("Control/Other/") for path in paths), paths


def _acknowledgments(app: cdk.App) -> dict[str, str]:
    key = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    found: dict[str, str] = {}

    def walk(node: Any) -> Iterator[Any]:
        yield node
        for child in node.node.children:
            yield from walk(child)

    for construct in walk(app):
        for entry in construct.node.metadata:
            if entry.type == key and entry.data:
                for rule, reason in dict(entry.data).items():
                    found[re.sub(r"^annotation::", "", rule, flags=re.IGNORECASE)] = reason
    return found


def test_every_suppression_ships_with_the_construct_and_says_why(synthesized: Synthesized) -> None:
    acknowledged = _acknowledgments(synthesized.app)
    assert acknowledged == EXPECTED_ACKNOWLEDGMENTS
    for rule, reason in acknowledged.items():
        assert len(reason) >= 40, f"{rule}: the reason is too thin: {reason!r}"


def test_cfn_lint_finds_no_errors_or_warnings(synthesized: Synthesized) -> None:
    templates = synthesized.templates()
    assert {path.name for path in templates} == {
        "ChimeProxySessionDemo.template.json",
        "ProxySessionPolicyMix.template.json",
    }
    problems: list[str] = []
    for template in templates:
        matches = lint_file(template, config=ManualArgs(regions=LINT_REGIONS))
        problems.extend(
            f"{template.name}: {match.rule.id} {match.message}"
            for match in matches
            if match.rule.id[0] in "EW"
        )
    assert problems == []


def test_the_function_waits_for_its_policy_not_its_role(synthesized: Synthesized) -> None:
    """The role is referenced by GetAtt; the function waits for the managed policy only."""
    for path in synthesized.templates():
        resources = json.loads(path.read_text())["Resources"]
        functions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
        assert len(functions) == 1, path.name
        (function,) = functions
        depends_on = function.get("DependsOn", [])
        assert len(depends_on) == 1, depends_on
        assert resources[depends_on[0]]["Type"] == "AWS::IAM::ManagedPolicy"
        assert not [r for r in resources.values() if r["Type"] == "AWS::IAM::Policy"]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _flatten(value: Any) -> str:
    """A resource ARN as text: Fn::Join joined, other intrinsics as placeholders."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_flatten(part) for part in parts)
    return "<intrinsic>"


def _statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        documents: list[Any] = []
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(properties.get("PolicyDocument"))
        if resource["Type"] == "AWS::IAM::Role":
            documents.append(properties.get("AssumeRolePolicyDocument"))
            documents.extend(
                policy.get("PolicyDocument") for policy in properties.get("Policies", [])
            )
        for document in documents:
            for statement in _as_list((document or {}).get("Statement", [])):
                yield logical_id, statement


def test_no_wildcard_action_and_no_wildcard_chime_resource(synthesized: Synthesized) -> None:
    chime_statements = 0
    for path in synthesized.templates():
        template = json.loads(path.read_text())
        for logical_id, statement in _statements(template):
            actions = [str(action) for action in _as_list(statement.get("Action", []))]
            assert "NotAction" not in statement, f"{path.name} {logical_id}: NotAction"
            assert all("*" not in action for action in actions), (
                f"{path.name} {logical_id}: wildcard action in {actions}"
            )
            if any(action.startswith("chime:") for action in actions):
                chime_statements += 1
                resources = [_flatten(item) for item in _as_list(statement.get("Resource", []))]
                assert resources, f"{path.name} {logical_id}: chime statement without Resource"
                assert all("*" not in resource for resource in resources), (
                    f"{path.name} {logical_id}: wildcard chime resource in {resources}"
                )
                assert all(":vc/" in resource for resource in resources), resources
    # Demo: Update, Delete, Put/DeleteVoiceConnectorProxy, Create and List (for its created
    # sessions); mix: Update + Delete.
    assert chime_statements == 8


# The six packs, on the provider configured as the README's "Compliance" section shows.

README = REPO / "README.md"
ACKNOWLEDGMENT_ROW = re.compile(r"^\| `(?P<id>[A-Za-z.]+::[^`]+)` \| (?P<where>[^|]+) \|", re.M)


def _compliance_section() -> str:
    text = README.read_text()
    return text.split("\n## Compliance\n", 1)[1].split("\n## ", 1)[0]


def _compliance_code() -> str:
    block = re.search(r"^```python\n(.*?)^```$", _compliance_section(), re.M | re.S)
    assert block is not None, "the Compliance section has no Python example"
    return block.group(1)


def _run_compliance_example(outdir: Path, code: str) -> dict[str, Any]:
    """Run the README's example with its app writing to ``outdir``; return its namespace."""
    code = code.replace(
        "app = App()",
        "app = App(outdir=OUTDIR, context={'@aws-cdk/core:validationReportJson': True})",
    )
    assert "OUTDIR" in code
    namespace: dict[str, Any] = {"OUTDIR": str(outdir)}
    exec(compile(code, str(README), "exec"), namespace)  # noqa: S102 - the README's own example
    return namespace


@pytest.fixture(scope="module")
def compliant(tmp_path_factory: pytest.TempPathFactory) -> tuple[cdk.App, Path]:
    """The README's compliance example, synthesized with the six packs attached."""
    outdir = tmp_path_factory.mktemp("compliant")
    namespace = _run_compliance_example(outdir, _compliance_code())
    app = namespace["app"]
    assert isinstance(app, cdk.App)
    return app, outdir


def test_six_packs_report_no_unacknowledged_finding(compliant: tuple[cdk.App, Path]) -> None:
    app, outdir = compliant
    report = outdir / "validation-report.json"
    violations = _violations(json.loads(report.read_text())) if report.exists() else []
    assert violations == []
    assert list(outdir.glob("RegulatedTelephony.template.json"))
    assert "ServerlessChecks(app)" in _compliance_code()  # and the five others, by name below
    for pack in ("AwsSolutions", "HIPAASecurity", "NIST80053R4", "NIST80053R5", "PCIDSS321"):
        assert f"{pack}Checks(app)" in _compliance_code()
    assert app.node.try_find_child("RegulatedTelephony") is not None


def test_the_acknowledgments_are_exactly_the_readmes_table(
    compliant: tuple[cdk.App, Path],
) -> None:
    app, _ = compliant
    table = {row["id"]: row["where"] for row in ACKNOWLEDGMENT_ROW.finditer(_compliance_section())}
    acknowledged = _acknowledgments(app)
    assert set(acknowledged) == set(table)
    for rule, reason in acknowledged.items():
        assert len(reason) >= 40, f"{rule}: the reason is too thin: {reason!r}"


def test_the_packs_are_live_on_the_compliance_example(tmp_path: Path) -> None:
    """Without the dead-letter queue's acknowledgment, synth fails on that one finding."""
    code = _compliance_code()
    start = code.index("Validations.of(dead_letters).acknowledge(")
    end = code.index("provider = ProxySessionProvider(")
    with pytest.raises(RuntimeError, match=r"Validation ?[Ff]ailed"):
        _run_compliance_example(tmp_path, code[:start] + code[end:])
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {
        violation["ruleName"]
        for plugin in report["pluginReports"]
        for violation in plugin.get("violations", [])
    }
    assert rules == {"Serverless-SQSRedrivePolicy"}


def test_the_compliant_template_passes_cfn_lint(compliant: tuple[cdk.App, Path]) -> None:
    _, outdir = compliant
    (template,) = outdir.glob("RegulatedTelephony.template.json")
    matches = lint_file(template, config=ManualArgs(regions=LINT_REGIONS))
    problems = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id[0] in "EW"]
    assert problems == []
