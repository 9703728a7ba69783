"""The README's examples work: every ```python block runs, and the plain template is valid.

Each Python block runs in this process, in a fresh namespace, from a temporary folder with
CDK_OUTDIR pointing into it, so its ``app.synth()`` writes there and nowhere in the repo. jsii's
node process read its environment when it started (often before this module), so a CDK_OUTDIR set
now would not reach the ``App``; the test hands the same folder to ``App`` as its default outdir.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]
from cfnlint.decode import cfn_yaml  # type: ignore[import-untyped]

import proxy_contract as contract
import resource_types
from cfn_properties import parse_properties
from chime_proxy_session import RESOURCE_TYPE

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```(?P<lang>[a-z]*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)


def fenced(lang: str) -> list[tuple[int, str]]:
    """The README's fenced blocks in ``lang``, with the line each starts on."""
    text = README.read_text()
    return [
        (text.count("\n", 0, match.start()) + 1, match["code"])
        for match in FENCE.finditer(text)
        if match["lang"] == lang
    ]


PYTHON_BLOCKS = fenced("python")


def test_quickstart_is_two_commands() -> None:
    text = README.read_text()
    quickstart = text.split("## Quickstart", 1)[1]
    first_block = FENCE.search(quickstart)
    assert first_block is not None
    assert (first_block["lang"], first_block["code"]) == ("sh", "make synth\nmake test\n")


def test_readme_has_python_examples() -> None:
    assert len(PYTHON_BLOCKS) >= 4


@pytest.mark.parametrize(
    ("line", "code"), PYTHON_BLOCKS, ids=[f"README.md:{line}" for line, _ in PYTHON_BLOCKS]
)
def test_python_example_runs_and_synthesizes(
    line: int, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outdir = tmp_path / "cdk.out"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDK_OUTDIR", str(outdir))
    app_init = cdk.App.__init__

    def app_with_outdir(self: cdk.App, **kwargs: Any) -> None:
        kwargs.setdefault("outdir", os.environ["CDK_OUTDIR"])
        app_init(self, **kwargs)

    monkeypatch.setattr(cdk.App, "__init__", app_with_outdir)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(code, f"README.md:{line}", "exec"), namespace)  # noqa: S102 - the README's own code
    assert (outdir / "manifest.json").is_file(), "every example ends with app.synth()"


def as_cloudformation_sends(value: Any) -> Any:
    """Properties as the handler receives them: every scalar a string."""
    if isinstance(value, dict):
        return {key: as_cloudformation_sends(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_cloudformation_sends(item) for item in value]
    return str(value)


def test_plain_cloudformation_template_is_valid() -> None:
    (block,) = fenced("yaml")
    _, text = block
    findings = lint(text, config=ManualArgs(regions=["us-east-1"]))
    assert findings == [], [str(finding) for finding in findings]
    template = cfn_yaml.loads(text)
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
