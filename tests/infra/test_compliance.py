"""Security and compliance of what the constructs synthesize: cdk-nag, cfn-lint, IAM wildcards.

One App, one synth, with cdk-nag's AwsSolutions pack attached: the demo stack from cdk.json's
context and one stack per construct (``compliance.py``: sessions' settings, proxy
configurations, created sessions, phone numbers), each with its claim table where a resource
creates something. Then the README's Compliance example with its six packs, run once by the README
runner (``readme.py``), also with phone numbers added.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

import app as demo_app
import resource_types
from chime_proxy_session.claim_table import BACKUP_PLAN_REASON, BACKUP_PLAN_RULES
from chime_proxy_session.resource import ChimeResource
from chime_proxy_session.wildcards import WILDCARD_RESOURCE_ACKNOWLEDGMENT
from tests.infra import readme
from tests.infra.claims import TABLE_TYPE, assert_claim_table, assert_no_claim_table
from tests.infra.compliance import (
    REPORT_CONTEXT,
    Synthesized,
    acknowledgments,
    as_list,
    flatten,
    lint,
    numbers_stack,
    proxies_stack,
    sessions_stack,
    settings_stack,
    statements,
    synth_with_aws_solutions,
    violations,
)
from tests.infra.tables import SPECS, Spec

REPO = Path(__file__).resolve().parents[2]
CONTEXT = json.loads((REPO / "cdk.json").read_text())["context"]
# The phone-number actions that take no resource ARN, in the one statement on Resource "*".
ACCOUNT_ACTIONS = [
    f"chime:{operation}" for operation in resource_types.PHONE_NUMBERS.account_operations
]
*_FIRST, _LAST = [action.removeprefix("chime:") for action in ACCOUNT_ACTIONS]
# Every cdk-nag acknowledgment in the synthesized app, rule id -> reason. The claim table ships
# the other packs' backup-plan acknowledgments (inert when those packs do not run); a provider
# serving PhoneNumbers acknowledges AwsSolutions-IAM5[Resource::*] on its policy, naming the
# phone-number actions (see README, "Compliance"). A suppression added later belongs in the
# construct (Validations.of(resource).acknowledge(...), which cdk-nag 3 reads from the resource or
# its ancestors), here, and in the README.
EXPECTED_ACKNOWLEDGMENTS: dict[str, str] = {
    **dict.fromkeys(BACKUP_PLAN_RULES, BACKUP_PLAN_REASON),
    WILDCARD_RESOURCE_ACKNOWLEDGMENT: f"Chime SDK Voice's {', '.join(_FIRST)} and {_LAST} take "
    "no resource ARN: IAM allows them on Resource * only. Every other statement names its "
    "resources.",
}
UPDATE, DELETE = "chime:UpdateProxySession", "chime:DeleteProxySession"
CREATE, LIST = "chime:CreateProxySession", "chime:ListProxySessions"
PUT_PROXY, DELETE_PROXY = "chime:PutVoiceConnectorProxy", "chime:DeleteVoiceConnectorProxy"
GET_PROXY = "chime:GetVoiceConnectorProxy"
PROXY = {GET_PROXY, PUT_PROXY, DELETE_PROXY}
ASSIGN = {
    "chime:AssociatePhoneNumbersWithVoiceConnector",
    "chime:DisassociatePhoneNumbersFromVoiceConnector",
}
NUMBERS = {*ACCOUNT_ACTIONS, *ASSIGN}
DEMO = "ChimeProxySessionDemo"
# Each stack's chime actions, each in one statement (the demo's: what its constructs declare).
CHIME_ACTIONS = {
    DEMO: set[str](),
    "ProxySessionPolicyMix": {UPDATE, DELETE},
    "VoiceConnectorProxies": {UPDATE, *PROXY, *NUMBERS},
    "ProxySessionCompliance": {UPDATE, DELETE, *PROXY, CREATE, LIST, *NUMBERS},
    "PhoneNumbersCompliance": {*PROXY, *NUMBERS},
}
# The stacks that hold only ProxySessionSettings: no claim table.
SETTINGS_ONLY = {"ProxySessionPolicyMix"}


def expected_chime_actions(synthesized: Synthesized, stack: str) -> set[str]:
    """The stack's chime actions: as listed, or for the demo (whose constructs another module
    owns) those its constructs' descriptions declare for the function's own role."""
    if stack != DEMO:
        return CHIME_ACTIONS[stack]
    demo = synthesized.app.node.find_child(DEMO)
    return {
        action
        for construct in demo.node.find_all()
        if isinstance(construct, ChimeResource) and construct.assume_role_arn is None
        for action in construct.KIND.actions(
            delete=construct.removal_policy == cdk.RemovalPolicy.DESTROY
        )
    }


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """Every stack, synthesized once with the AwsSolutions pack attached."""
    outdir = tmp_path_factory.mktemp("policy-assembly")
    app = cdk.App(outdir=str(outdir), context={**CONTEXT, REPORT_CONTEXT: True})
    demo_app.build_app(app)
    for build in (settings_stack, proxies_stack, sessions_stack, numbers_stack):
        build(app)
    return synth_with_aws_solutions(app, outdir)


def test_cdk_nag_aws_solutions_has_no_unsuppressed_findings(synthesized: Synthesized) -> None:
    found = synthesized.violations()
    assert synthesized.error is None, "\n".join([synthesized.error, *found])
    assert found == []
    assert {path.name for path in synthesized.templates()} == {
        f"{stack}.template.json" for stack in CHIME_ACTIONS
    }
    # The same pack, asked directly (it does not read acknowledgments), finds only what the
    # providers serving PhoneNumbers acknowledge: Resource::* on their policies.
    direct = synthesized.pack.validate_scope(synthesized.app)
    found_directly = {
        (violation.rule_name, str(resource.construct_path))
        for violation in direct.violations
        for resource in violation.violating_resources
    }
    assert found_directly == {
        ("AwsSolutions-IAM5[Resource::*]", f"{stack}/ChimeProxySessionProvider/Policy/Resource")
        for stack in CHIME_ACTIONS
        if set(ACCOUNT_ACTIONS) <= expected_chime_actions(synthesized, stack)
    }


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_cdk_nag_is_live_and_suppressions_are_not_blanket(spec: Spec[Any], tmp_path: Path) -> None:
    """A wildcard policy beside a construct is still reported: the pack runs, and what the
    construct acknowledges (PhoneNumbers: Resource::* on the provider's policy) covers only its
    own resources."""
    app = cdk.App(outdir=str(tmp_path), context={REPORT_CONTEXT: True})
    stack = cdk.Stack(app, "Control")
    spec.construct(stack, "Construct", **spec.valid)
    role = iam.Role(stack, "Other", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["chime:*"], resources=["*"]))
    synthesized = synth_with_aws_solutions(app, tmp_path)
    assert synthesized.error is not None
    found = synthesized.violations()
    rules = {finding.split(" at ", 1)[0] for finding in found}
    assert rules == {"AwsSolutions-IAM5[Action::chime:*]", "AwsSolutions-IAM5[Resource::*]"}
    for finding in found:
        paths = json.loads(finding.split(" at ", 1)[1].split(": ", 1)[0].replace("'", '"'))
        assert all(path.startswith("Control/Other/") for path in paths), finding
    # The pack itself, which does not read acknowledgments, sees the provider's too.
    direct = AwsSolutionsChecks(app).validate_scope(app)
    provider_findings = {
        violation.rule_name
        for violation in direct.violations
        for resource in violation.violating_resources
        if not str(resource.construct_path).startswith("Control/Other/")
    }
    account = bool(spec.construct.KIND.account_operations)
    assert provider_findings == ({"AwsSolutions-IAM5[Resource::*]"} if account else set())


def test_every_suppression_ships_with_the_construct_and_says_why(synthesized: Synthesized) -> None:
    acknowledged = acknowledgments(synthesized.app)
    assert acknowledged == EXPECTED_ACKNOWLEDGMENTS
    for rule, reason in acknowledged.items():
        assert len(reason) >= 40, f"{rule}: the reason is too thin: {reason!r}"


@pytest.mark.parametrize("stack", CHIME_ACTIONS)
def test_a_claim_table_exactly_where_a_resource_creates(
    synthesized: Synthesized, stack: str
) -> None:
    template = Template.from_json(synthesized.template(stack))
    if stack in SETTINGS_ONLY:
        assert_no_claim_table(template)
    else:
        assert_claim_table(template)


@pytest.mark.parametrize("stack", CHIME_ACTIONS)
def test_cfn_lint_finds_no_errors_or_warnings(synthesized: Synthesized, stack: str) -> None:
    assert lint(synthesized.outdir / f"{stack}.template.json") == []


@pytest.mark.parametrize("stack", CHIME_ACTIONS)
def test_the_function_waits_for_its_policy_not_its_role(
    synthesized: Synthesized, stack: str
) -> None:
    """The role is referenced by GetAtt; the function waits for the managed policy only."""
    resources = synthesized.template(stack)["Resources"]
    functions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    assert len(functions) == 1
    (function,) = functions
    depends_on = function.get("DependsOn", [])
    assert len(depends_on) == 1, depends_on
    assert resources[depends_on[0]]["Type"] == "AWS::IAM::ManagedPolicy"
    assert not [r for r in resources.values() if r["Type"] == "AWS::IAM::Policy"]


@pytest.mark.parametrize("stack", CHIME_ACTIONS)
def test_no_wildcard_action_and_no_wildcard_chime_resource(
    synthesized: Synthesized, stack: str
) -> None:
    """Each chime action once: on voice connectors' ARNs, except the phone-number actions that
    take no resource ARN, together in one statement on ``*``."""
    expected = expected_chime_actions(synthesized, stack)
    chime_actions: list[str] = []
    for logical_id, statement in statements(synthesized.template(stack)):
        actions = [str(action) for action in as_list(statement.get("Action", []))]
        assert "NotAction" not in statement, f"{logical_id}: NotAction"
        assert all("*" not in action for action in actions), f"{logical_id}: wildcard {actions}"
        if any(action.startswith("chime:") for action in actions):
            chime_actions.extend(actions)
            resources = [flatten(item) for item in as_list(statement.get("Resource", []))]
            assert resources, f"{logical_id}: chime statement without Resource"
            if resources == ["*"]:
                assert actions == ACCOUNT_ACTIONS, actions
            else:
                assert all(":vc/" in resource for resource in resources), resources
    assert sorted(chime_actions) == sorted(expected)  # one statement per action
    if set(ACCOUNT_ACTIONS) <= expected:
        assert ACCOUNT_ACTIONS[0] in chime_actions


def test_sessions_actions_name_their_voice_connectors(synthesized: Synthesized) -> None:
    """Session actions: the literal id, the token's and the proxy's; the proxy's own actions:
    its voice connector only (the partner's is reached through its role)."""
    for _, statement in statements(synthesized.template("ProxySessionCompliance")):
        actions = as_list(statement["Action"])
        if any(
            action.endswith("ProxySession") or action.endswith("ProxySessions")
            for action in actions
        ):
            assert json.dumps(statement["Resource"]).count(":vc/") == 3
        elif (
            any(action.startswith("chime:") for action in actions) and statement["Resource"] != "*"
        ):
            # The proxy's and its numbers' actions: its voice connector only.
            assert json.dumps(statement["Resource"]).count(":vc/") == 1


# ---- the six packs, on the provider configured as the README's "Compliance" section shows -------
COMPLIANCE = readme.section("Compliance")
(EXAMPLE,) = readme.blocks("python", COMPLIANCE)


@pytest.fixture(scope="module")
def compliant(tmp_path_factory: pytest.TempPathFactory) -> readme.Run:
    """The README's compliance example, synthesized with the six packs attached."""
    return readme.run(EXAMPLE, tmp_path_factory)


def test_six_packs_report_no_unacknowledged_finding(compliant: readme.Run) -> None:
    assert violations(compliant.outdir) == []
    (template,) = compliant.outdir.glob("RegulatedTelephony.template.json")
    # The packs saw the claim table, under the provider's customer key.
    (table,) = [
        resource
        for resource in json.loads(template.read_text())["Resources"].values()
        if resource["Type"] == TABLE_TYPE
    ]
    assert table["Properties"]["SSESpecification"]["SSEType"] == "KMS"
    for pack in ("AwsSolutions", "HIPAASecurity", "NIST80053R4", "NIST80053R5", "PCIDSS321"):
        assert f"{pack}Checks(app)" in EXAMPLE.code
    assert "ServerlessChecks(app)" in EXAMPLE.code
    app = compliant.namespace["app"]
    assert isinstance(app, cdk.App)
    assert app.node.try_find_child("RegulatedTelephony") is not None


def test_the_acknowledgments_are_exactly_the_readmes_table(compliant: readme.Run) -> None:
    table = {name for name in readme.table_names(COMPLIANCE) if "::" in name}
    acknowledged = acknowledgments(compliant.namespace["app"])
    assert set(acknowledged) == table
    assert table
    for rule, reason in acknowledged.items():
        assert len(reason) >= 40, f"{rule}: the reason is too thin: {reason!r}"


def test_the_packs_are_live_on_the_compliance_example(tmp_path: Path) -> None:
    """Without the dead-letter queue's acknowledgment, synth fails on that one finding."""
    code = EXAMPLE.code
    start = code.index("Validations.of(dead_letters).acknowledge(")
    end = code.index("provider = ProxySessionProvider(")
    with pytest.raises(RuntimeError, match=r"Validation ?[Ff]ailed"):
        readme.run_code(code[:start] + code[end:], tmp_path, "README.md, Compliance, changed")
    found = violations(tmp_path / "cdk.out")
    assert {finding.split(" at ", 1)[0] for finding in found} == {"Serverless-SQSRedrivePolicy"}


def test_the_compliant_template_passes_cfn_lint(compliant: readme.Run) -> None:
    (template,) = compliant.outdir.glob("RegulatedTelephony.template.json")
    assert lint(template) == []


# The README's example with a CfnVoiceConnector and PhoneNumbers on the same provider.
WITH_PHONE_NUMBERS = """
from aws_cdk import aws_chime as chime
from chime_proxy_session import PhoneNumbers

connector = chime.CfnVoiceConnector(
    stack, "Connector", name="regulated", require_encryption=True, aws_region="us-east-1"
)
PhoneNumbers(
    stack, "Numbers", count=2, area_code="206", voice_connector=connector, provider=provider
)
"""


def test_six_packs_report_no_unacknowledged_finding_with_phone_numbers(tmp_path: Path) -> None:
    """PhoneNumbers' statement on Resource * joins X-Ray's and EC2's under the provider's one
    acknowledgment, whose reason names all three; nothing else is found."""
    code = EXAMPLE.code
    at = code.index("Validations.of(app).add_plugins(")
    ran = readme.run_code(
        code[:at] + WITH_PHONE_NUMBERS + code[at:], tmp_path, "README.md, Compliance, numbers"
    )
    assert violations(ran.outdir) == []
    (template,) = ran.outdir.glob("RegulatedTelephony.template.json")
    resources = json.loads(template.read_text())["Resources"].values()
    assert [r["Type"] for r in resources].count("Custom::ChimePhoneNumbers") == 1
    assert lint(template) == []
    reason = acknowledgments(ran.namespace["app"])[WILDCARD_RESOURCE_ACKNOWLEDGMENT]
    assert reason.startswith("X-Ray's PutTraceSegments and PutTelemetryRecords, EC2's ")
    assert f"in a VPC and Chime SDK Voice's {', '.join(_FIRST)} and {_LAST} take no" in reason
