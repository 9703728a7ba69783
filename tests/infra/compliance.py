"""What the compliance tests share: the stacks they check, one synth with cdk-nag attached, the
report and its findings, cfn-lint, and the IAM statements of a template.

cdk-nag 3 registers with ``Validations.of(app).add_plugins``: findings fail synth and land in
``validation-report.json`` (with the ``@aws-cdk/core:validationReportJson`` context).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_chime as chime
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import ManualArgs, lint_file  # type: ignore[import-untyped]

from chime_proxy_session import (
    Capability,
    GeoMatchLevel,
    GeoMatchParams,
    PhoneNumberProductType,
    PhoneNumbers,
    PhoneNumberType,
    ProxySessionSettings,
    VoiceConnectorProxy,
)
from chime_proxy_session.pool import POOL_COUNTRY_WARNING_ID
from tests.helpers import PHONE_A, VC_ID
from tests.infra.stand_in import PROXY_VC, stand_in
from tests.infra.tables import PROXY_SESSION, SETTINGS, VOICE_CONNECTOR_PROXY

UUID_VC = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
PARTNER_ROLE = "arn:aws:iam::210987654321:role/ChimeProxyAdmin"
# AWS::Chime::VoiceConnector exists in us-east-1 only (cfn-lint E3006 elsewhere); the proxy-session
# resources are regional and the stacks are env-agnostic, so us-east-1 is the region linted against.
LINT_REGIONS = ["us-east-1"]
REPORT_CONTEXT = "@aws-cdk/core:validationReportJson"


def _native(stack: cdk.Stack, name: str) -> chime.CfnVoiceConnector:
    return chime.CfnVoiceConnector(
        stack, "Connector", name=name, require_encryption=True, aws_region="us-east-1"
    )


def _connector(stack: cdk.Stack, name: str) -> str:
    return _native(stack, name).attr_voice_connector_id


def _numbers(stack: cdk.Stack, construct_id: str, **props: Any) -> PhoneNumbers:
    """Local numbers in the 206 area code: what a proxy in the US hands out."""
    return PhoneNumbers(stack, construct_id, count=2, area_code="206", **props)


def settings_stack(app: cdk.App) -> cdk.Stack:
    """Sessions RETAIN and DESTROY, on literal voice connector ids and on a token."""
    stack = cdk.Stack(app, "ProxySessionPolicyMix")
    token = _connector(stack, "policy-mix")
    for construct_id, voice_connector, capabilities, destroy in (
        ("Kept", VC_ID, [Capability.VOICE], False),
        ("Ended", UUID_VC, [Capability.SMS], True),
        ("OnToken", token, [Capability.VOICE, Capability.SMS], True),
        ("OnTokenKept", token, [Capability.SMS], False),
    ):
        ProxySessionSettings(
            stack,
            construct_id,
            voice_connector_id=voice_connector,
            proxy_session_id=f"s-{construct_id.lower()}",
            capabilities=capabilities,
            expiry=cdk.Duration.hours(1) if construct_id == "Kept" else None,
            removal_policy=cdk.RemovalPolicy.DESTROY if destroy else cdk.RemovalPolicy.RETAIN,
        )
    return stack


def proxies_stack(app: cdk.App) -> cdk.Stack:
    """Proxy configurations DESTROY and RETAIN, on a literal id and a token, in another region and
    through a role, beside a ProxySessionSettings on the same provider."""
    stack = cdk.Stack(app, "VoiceConnectorProxies")
    connector = _native(stack, "proxies")
    props_by_id: dict[str, dict[str, Any]] = {
        "Literal": {
            "phone_number_pool_countries": ["US", "CA"],
            "fall_back_phone_number": PHONE_A,
            "phone_numbers": [_numbers(stack, "LiteralNumbers", voice_connector_id=VC_ID)],
        },
        "OnConnector": {
            "voice_connector_id": None,
            "voice_connector": connector,
            "default_session_expiry": cdk.Duration.minutes(30),
            "removal_policy": cdk.RemovalPolicy.RETAIN,
            "phone_numbers": [_numbers(stack, "ConnectorNumbers", voice_connector=connector)],
        },
        "West": {"voice_connector_id": UUID_VC, "disabled": True, "region": "us-west-2"},
        "Partner": {
            "voice_connector_id": "klmnopqrst9876543210a",
            "phone_number_pool_countries": ["DE"],
            "region": "eu-west-2",
            "assume_role_arn": PARTNER_ROLE,
            "external_id": "shared-secret-1",
        },
    }
    # West's numbers are declared after it: the warning looks at the whole stack.
    proxies = {
        key: VOICE_CONNECTOR_PROXY.build(stack, key, **props) for key, props in props_by_id.items()
    }
    _numbers(stack, "WestNumbers", voice_connector_id=UUID_VC, region="us-west-2")
    for proxy in (proxies["Literal"], proxies["Partner"]):
        cdk.Annotations.of(proxy).acknowledge_warning(
            POOL_COUNTRY_WARNING_ID, "The Canadian and German numbers are ported in, not ordered."
        )
    SETTINGS.build(stack, "Settings", proxy_session_id="s-1")
    return stack


def numbers_stack(app: cdk.App) -> cdk.Stack:
    """Phone numbers RETAIN and DESTROY, local and toll-free, on a CfnVoiceConnector and a literal
    id, unassigned for SIP media applications, through a role in another region; a proxy waits
    for its numbers."""
    stack = cdk.Stack(app, "PhoneNumbersCompliance")
    connector = _native(stack, "numbers")
    kept = _numbers(stack, "Kept", voice_connector=connector, name="Support lines")
    PhoneNumbers(
        stack,
        "TollFree",
        count=1,
        number_type=PhoneNumberType.TOLL_FREE,
        toll_free_prefix="888",
        voice_connector=connector,
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    PhoneNumbers(stack, "Literal", count=3, state="WA", city="Seattle", voice_connector_id=VC_ID)
    PhoneNumbers(
        stack,
        "DialIn",
        count=1,
        country="GB",
        product_type=PhoneNumberProductType.SIP_MEDIA_APPLICATION_DIAL_IN,
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    PhoneNumbers(
        stack,
        "Partner",
        count=1,
        area_code="212",
        voice_connector_id=UUID_VC,
        region="us-west-2",
        assume_role_arn=PARTNER_ROLE,
    )
    VoiceConnectorProxy(
        stack,
        "Proxy",
        voice_connector=connector,
        default_session_expiry=cdk.Duration.hours(1),
        phone_number_pool_countries=["US"],
        phone_numbers=[kept],
    )
    return stack


def sessions_stack(app: cdk.App) -> cdk.Stack:
    """Created sessions on literal ids and a token, DESTROY and RETAIN, one through a role, one on
    a proxy; the participants are dynamic references."""
    stack = cdk.Stack(app, "ProxySessionCompliance")
    props_by_id: dict[str, dict[str, Any]] = {
        "Ended": {
            "capabilities": [Capability.VOICE, Capability.SMS],
            "expiry": cdk.Duration.hours(1),
        },
        "Kept": {
            "voice_connector_id": _connector(stack, "sessions"),
            "capabilities": [Capability.SMS],
            "name": "Kept line",
            "geo_match_level": GeoMatchLevel.COUNTRY,
            "geo_match_params": GeoMatchParams(country="US", area_code="206"),
            "removal_policy": cdk.RemovalPolicy.RETAIN,
        },
        "Partner": {
            "voice_connector_id": UUID_VC,
            "region": "eu-west-2",
            "assume_role_arn": PARTNER_ROLE,
        },
        "OnProxy": {"voice_connector_id": None, "voice_connector_proxy": stand_in(stack, "Proxy")},
    }
    _numbers(stack, "ProxyNumbers", voice_connector_id=PROXY_VC)
    phones = ["{{resolve:ssm:/lines/customer}}", "{{resolve:ssm:/lines/agent}}"]
    for construct_id, props in props_by_id.items():
        PROXY_SESSION.build(stack, construct_id, participant_phone_numbers=phones, **props)
    return stack


@dataclass
class Synthesized:
    """An app after one synth with the AwsSolutions pack attached."""

    app: cdk.App
    pack: AwsSolutionsChecks
    outdir: Path
    error: str | None

    def templates(self) -> list[Path]:
        """Every CloudFormation template in the assembly."""
        return sorted(self.outdir.glob("*.template.json"))

    def template(self, stack: str) -> dict[str, Any]:
        """The stack's template."""
        loaded: dict[str, Any] = json.loads((self.outdir / f"{stack}.template.json").read_text())
        return loaded

    def violations(self) -> list[str]:
        """The report's findings (none when every plugin passed)."""
        return violations(self.outdir)


def synth_with_aws_solutions(app: cdk.App, outdir: Path) -> Synthesized:
    """Synthesize ``app`` (writing to ``outdir``) with the AwsSolutions pack attached."""
    pack = AwsSolutionsChecks(app, verbose=True)
    cdk.Validations.of(app).add_plugins(pack)
    error: str | None = None
    try:
        app.synth()
    except RuntimeError as raised:  # ValidationFailed: the report says why
        error = str(raised)
    return Synthesized(app=app, pack=pack, outdir=outdir, error=error)


def violations(outdir: Path) -> list[str]:
    """The findings in ``outdir``'s validation report: rule, constructs and description."""
    path = outdir / "validation-report.json"
    report = json.loads(path.read_text()) if path.exists() else {"pluginReports": []}
    return [
        f"{violation['ruleName']} at "
        f"{[item.get('constructPath') for item in violation.get('violatingConstructs', [])]}: "
        f"{violation.get('description')}"
        for plugin in report.get("pluginReports", [])
        for violation in plugin.get("violations", [])
    ]


def lint(template: Path) -> list[str]:
    """cfn-lint's errors and warnings on ``template``."""
    matches = lint_file(template, config=ManualArgs(regions=LINT_REGIONS))
    return [
        f"{template.name}: {match.rule.id} {match.message}"
        for match in matches
        if match.rule.id[0] in "EW"
    ]


def acknowledgments(app: cdk.App) -> dict[str, str]:
    """Every cdk-nag acknowledgment in the app's construct tree: rule id -> reason."""
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


def as_list(value: Any) -> list[Any]:
    """A policy's Action or Resource as a list."""
    return value if isinstance(value, list) else [value]


def flatten(value: Any) -> str:
    """A resource ARN as text: Fn::Join joined, other intrinsics as placeholders."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(flatten(part) for part in parts)
    return "<intrinsic>"


def statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM statement of the template, with its resource's logical id."""
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
            for statement in as_list((document or {}).get("Statement", [])):
                yield logical_id, statement
