"""The README holds true: every ```python block runs and synthesizes (once, through the one runner
in ``tests/infra/readme.py``), the plain template is valid, and each construct's section shows one
example and tables that list exactly its props, attributes and CloudFormation properties.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import pytest
from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]
from cfnlint.decode import cfn_yaml  # type: ignore[import-untyped]

import proxy_contract as contract
import resource_types
from cfn_properties import parse_properties
from chime_proxy_session import (
    RESOURCE_TYPE,
    PhoneNumbers,
    ProxySession,
    VoiceConnectorProxy,
    VoiceConnectorProxyError,
)
from chime_proxy_session.resource import ChimeResource
from tests.infra.readme import FENCE, TEXT, Block, blocks, run, section, table_names

PYTHON_BLOCKS = blocks("python")


def test_quickstart_is_two_commands() -> None:
    first_block = FENCE.search(TEXT.split("## Quickstart", 1)[1])
    assert first_block is not None
    assert (first_block["lang"], first_block["code"]) == ("sh", "make synth\nmake test\n")


def test_readme_has_python_examples() -> None:
    assert len(PYTHON_BLOCKS) >= 4


@pytest.mark.parametrize(
    "block", PYTHON_BLOCKS, ids=[f"README.md:{block.line}" for block in PYTHON_BLOCKS]
)
def test_python_example_runs_and_synthesizes(
    block: Block, tmp_path_factory: pytest.TempPathFactory
) -> None:
    ran = run(block, tmp_path_factory)
    assert (ran.outdir / "manifest.json").is_file(), "every example ends with app.synth()"
    assert any(ran.outdir.glob("*.template.json"))


def as_cloudformation_sends(value: Any) -> Any:
    """Properties as the handler receives them: every scalar a string."""
    if isinstance(value, dict):
        return {key: as_cloudformation_sends(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_cloudformation_sends(item) for item in value]
    return str(value)


def test_plain_cloudformation_template_is_valid() -> None:
    (block,) = blocks("yaml")
    findings = lint(block.code, config=ManualArgs(regions=["us-east-1"]))
    assert findings == [], [str(finding) for finding in findings]
    template = cfn_yaml.loads(block.code)
    resources = [r for r in template["Resources"].values() if r["Type"] == RESOURCE_TYPE]
    assert resources
    for resource in resources:
        properties = dict(resource["Properties"])
        assert "ServiceToken" in properties
        assert set(properties) - {"ServiceToken", "ServiceTimeout"} <= set(
            contract.SETTINGS_PROPERTIES
        )
        # The handler accepts what the example sets (the token resolves to the function's ARN).
        properties["ServiceToken"] = "arn:aws:lambda:us-east-1:111111111111:function:Handler"
        parse_properties(resource_types.SETTINGS, as_cloudformation_sends(properties))


# ---- a construct's section: one example, and tables that are the construct's -------------------
@dataclass(frozen=True)
class Section:
    """A construct's README section, and what its tables list besides the type's properties."""

    title: str
    construct: type[ChimeResource]
    schema: tuple[str, ...]
    # What the example must show.
    shows: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return section(self.title)

    def table(self, heading: str) -> list[str]:
        return table_names(section(heading, 3, self.text))


SECTIONS = (
    Section(
        "A voice connector's proxy configuration: VoiceConnectorProxy",
        VoiceConnectorProxy,
        (contract.SERVICE_TOKEN, *contract.VOICE_CONNECTOR_PROXY_PROPERTIES),
    ),
    Section(
        "Create proxy sessions: `ProxySession`",
        ProxySession,
        (*contract.CLOUDFORMATION_PROPERTIES, *contract.PROXY_SESSION_PROPERTIES),
        ("{{resolve:secretsmanager:",),
    ),
    Section(
        "Phone numbers as code: PhoneNumbers",
        PhoneNumbers,
        (*contract.CLOUDFORMATION_PROPERTIES, *contract.PHONE_NUMBERS_PROPERTIES),
        ("CfnVoiceConnector", "phone_numbers="),
    ),
)
BY_CONSTRUCT = pytest.mark.parametrize(
    "part", SECTIONS, ids=[item.construct.__name__ for item in SECTIONS]
)


@BY_CONSTRUCT
def test_one_section_with_one_python_example_and_no_yaml(part: Section) -> None:
    """The example runs above, with the others; README.md holds the one yaml block."""
    assert TEXT.count(f"\n## {part.title}\n") == 1
    (example,) = blocks("python", part.text)
    assert example in PYTHON_BLOCKS
    assert blocks("yaml", part.text) == []
    imports = re.findall(r"^(?:from|import) (\S+)", example.code, re.MULTILINE)
    assert {name.split(".")[0] for name in imports} <= {"aws_cdk", "chime_proxy_session"}
    assert example.code.rstrip().endswith("app.synth()")
    for shown in part.shows:
        assert shown in example.code


@BY_CONSTRUCT
def test_the_props_table_is_the_constructors(part: Section) -> None:
    parameters = inspect.signature(part.construct.__init__).parameters
    props = [name for name in parameters if name not in {"self", "scope", "construct_id"}]
    assert part.table("Props") == props


@BY_CONSTRUCT
def test_the_attributes_table_is_the_constructs(part: Section) -> None:
    attributes = sorted(name for name in dir(part.construct) if name.startswith("attr_"))
    assert sorted(part.table("Attributes")) == attributes
    assert len(attributes) == len(part.construct.KIND.attributes)


@BY_CONSTRUCT
def test_the_plain_cloudformation_table_is_the_handlers(part: Section) -> None:
    heading = "The custom resource for plain CloudFormation"
    assert part.table(heading) == list(part.schema)
    for attribute in part.construct.KIND.attributes:
        assert f"`{attribute}`" in section(heading, 3, part.text)


def test_the_documented_error_is_the_constructs() -> None:
    documented = re.search(
        r"\(`(VoiceConnectorProxy [^`]+)`\)", SECTIONS[0].text.replace("\n", " ")
    )
    assert documented is not None
    with pytest.raises(VoiceConnectorProxyError) as raised:
        VoiceConnectorProxy(
            cdk.Stack(cdk.App(), "ProxyTelephony"),
            "SupportProxy",
            voice_connector_id="abcdefghij0123456789k",
            default_session_expiry=cdk.Duration.hours(2),
            phone_number_pool_countries=["US", "CA", "US"],
        )
    assert str(raised.value) == documented.group(1)
