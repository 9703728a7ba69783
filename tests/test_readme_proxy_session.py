"""The README's ProxySession section: its Python example runs, and its tables list exactly the
props, attributes and properties there are."""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

import proxy_contract as contract
from chime_proxy_session import ProxySession

README = Path(__file__).resolve().parents[1] / "README.md"
# The section, from its title to the next top-level title.
TITLE = "\n## Create proxy sessions: `ProxySession`\n"
TEXT = README.read_text().split(TITLE, 1)[1].split("\n## ", 1)[0]
FENCE = re.compile(r"^```(?P<lang>[a-z]*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)


def section(title: str) -> str:
    return TEXT.split(f"\n### {title}\n", 1)[1].split("\n### ", 1)[0]


def first_column(text: str) -> set[str]:
    """The first cell of every table row, without its backticks (header and rule excluded)."""
    cells = re.findall(r"^\| `?([^|`]+)`? \|", text, re.MULTILINE)
    return {cell.strip() for cell in cells} - {"prop", "attribute", "property", "---"}


def test_the_python_example_runs_and_synthesizes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = [match["code"] for match in FENCE.finditer(TEXT) if match["lang"] == "python"]
    assert len(blocks) == 1
    (code,) = blocks
    imports = re.findall(r"^(?:from|import) (\S+)", code, re.MULTILINE)
    assert set(imports) <= {"aws_cdk", "chime_proxy_session"}
    assert code.rstrip().endswith("app.synth()")
    assert "{{resolve:secretsmanager:" in code
    outdir = tmp_path / "cdk.out"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDK_OUTDIR", str(outdir))
    app_init = cdk.App.__init__

    def app_with_outdir(self: cdk.App, **kwargs: Any) -> None:
        kwargs.setdefault("outdir", os.environ["CDK_OUTDIR"])
        app_init(self, **kwargs)

    monkeypatch.setattr(cdk.App, "__init__", app_with_outdir)
    exec(compile(code, "readme_proxy_session.md", "exec"), {"__name__": "__main__"})  # noqa: S102
    assert (outdir / "manifest.json").is_file()
    assert not [block for block in FENCE.finditer(TEXT) if block["lang"] == "yaml"], (
        "README.md holds the one yaml block its test lints"
    )


def test_the_props_table_lists_every_prop() -> None:
    parameters = set(inspect.signature(ProxySession.__init__).parameters)
    assert first_column(section("Props")) == parameters - {"self", "scope", "construct_id"}


def test_the_attributes_table_lists_every_attribute() -> None:
    attributes = {name for name in dir(ProxySession) if name.startswith("attr_")}
    assert first_column(section("Attributes")) == attributes
    assert len(attributes) == len(contract.PROXY_SESSION_ATTRIBUTES)


def test_the_schema_table_lists_every_property() -> None:
    schema = first_column(section("The custom resource for plain CloudFormation"))
    assert schema == {*contract.PROXY_SESSION_PROPERTIES, *contract.CLOUDFORMATION_PROPERTIES}
    for attribute in contract.PROXY_SESSION_ATTRIBUTES:
        assert f"`{attribute}`" in section("The custom resource for plain CloudFormation")
