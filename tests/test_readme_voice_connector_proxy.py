"""The README's VoiceConnectorProxy section holds true.

Its Python blocks run as ``tests/test_readme.py`` runs the README's (in a fresh namespace, from a
temporary folder, the App writing there), and its tables list exactly the construct's props and
attributes and the handler's properties. It has no ``yaml`` block: the README's own test expects
exactly one, the plain-CloudFormation example, once this section is part of the README.
"""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

import proxy_contract as contract
from chime_proxy_session import VoiceConnectorProxy, VoiceConnectorProxyError

README = Path(__file__).resolve().parents[1] / "README.md"
# The section, from its title to the next top-level title.
TITLE = "\n## A voice connector's proxy configuration: VoiceConnectorProxy\n"
TEXT = README.read_text().split(TITLE, 1)[1].split("\n## ", 1)[0]
FENCE = re.compile(r"^```(?P<lang>[a-z]*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)
BLOCKS = [
    (TEXT.count("\n", 0, match.start()) + 1, match["lang"], match["code"])
    for match in FENCE.finditer(TEXT)
]
PYTHON = [(line, code) for line, lang, code in BLOCKS if lang == "python"]


def table_names(heading: str) -> list[str]:
    """The first column of the first table under ``### heading``, backticks removed."""
    part = TEXT.split(f"\n### {heading}\n", 1)[1].split("\n### ", 1)[0]
    first_table: list[str] = []
    for line in part.splitlines():
        if line.startswith("| `"):
            first_table.append(line)
        elif first_table and not line.startswith("|"):
            break
    assert first_table, f"no table under {heading}"
    return [re.sub(r"`", "", row.split("|")[1]).strip() for row in first_table]


def test_one_section_with_a_python_example_and_no_yaml() -> None:
    assert README.read_text().count(TITLE) == 1
    assert TEXT.count("\n## ") == 0
    assert len(PYTHON) == 1
    assert [lang for _, lang, _ in BLOCKS if lang == "yaml"] == []


@pytest.mark.parametrize(("line", "code"), PYTHON, ids=[f"line {line}" for line, _ in PYTHON])
def test_python_example_runs_and_synthesizes(
    line: int, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    imports = [row for row in code.splitlines() if row.startswith(("import ", "from "))]
    assert all(
        row.split()[1].split(".")[0] in {"aws_cdk", "chime_proxy_session"} for row in imports
    )
    assert code.rstrip().endswith("app.synth()")
    outdir = tmp_path / "cdk.out"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDK_OUTDIR", str(outdir))
    app_init = cdk.App.__init__

    def app_with_outdir(self: cdk.App, **kwargs: Any) -> None:
        kwargs.setdefault("outdir", os.environ["CDK_OUTDIR"])
        app_init(self, **kwargs)

    monkeypatch.setattr(cdk.App, "__init__", app_with_outdir)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(code, f"README.md section, line {line}", "exec"), namespace)  # noqa: S102 - our own example
    assert (outdir / "manifest.json").is_file()
    assert any(outdir.glob("*.template.json"))


def test_the_props_table_is_the_constructors() -> None:
    parameters = inspect.signature(VoiceConnectorProxy.__init__).parameters
    props = [name for name in parameters if name not in {"self", "scope", "construct_id"}]
    assert table_names("Props") == props


def test_the_attributes_table_is_the_constructs() -> None:
    attributes = sorted(name for name in dir(VoiceConnectorProxy) if name.startswith("attr_"))
    assert sorted(table_names("Attributes")) == attributes


def test_the_plain_cloudformation_table_is_the_handlers() -> None:
    names = table_names("The custom resource for plain CloudFormation")
    assert names == [contract.SERVICE_TOKEN, *contract.VOICE_CONNECTOR_PROXY_PROPERTIES]
    for attribute in contract.VOICE_CONNECTOR_PROXY_ATTRIBUTES:
        assert f"`{attribute}`" in TEXT


def test_the_documented_error_is_the_constructs() -> None:
    documented = re.search(r"\(`(VoiceConnectorProxy [^`]+)`\)", TEXT.replace("\n", " "))
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
