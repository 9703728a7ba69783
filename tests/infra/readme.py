"""The README's code blocks and tables, and the one runner of its Python examples.

Each Python block runs once per test session, in this process, in a fresh namespace, from a
temporary folder, with every ``App`` writing there (jsii's node process read its environment when
it started, so a CDK_OUTDIR set now would not reach the ``App``: the runner hands the folder to
``App`` as its default outdir) and writing ``validation-report.json`` when a policy pack runs.
``tests/test_readme.py`` runs every block; ``tests/infra/test_compliance.py`` reads the
Compliance example's run: both get the same one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
TEXT = README.read_text()
FENCE = re.compile(r"^```(?P<lang>[a-z]*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)
REPORT_CONTEXT = "@aws-cdk/core:validationReportJson"


@dataclass(frozen=True)
class Block:
    """A fenced block: the README line it starts on, its language and its code."""

    line: int
    lang: str
    code: str


def blocks(lang: str, text: str = TEXT) -> list[Block]:
    """The fenced blocks in ``lang`` of ``text`` (a section of the README, or all of it), each
    with its line in the README."""
    offset = TEXT.count("\n", 0, TEXT.index(text))
    return [
        Block(offset + text.count("\n", 0, match.start()) + 1, match["lang"], match["code"])
        for match in FENCE.finditer(text)
        if match["lang"] == lang
    ]


def section(title: str, level: int = 2, text: str = TEXT) -> str:
    """The text under the heading ``title`` up to the next heading of the same level."""
    marks = "#" * level
    return text.split(f"\n{marks} {title}\n", 1)[1].split(f"\n{marks} ", 1)[0]


def table_names(text: str) -> list[str]:
    """The first column of the first table in ``text`` whose rows start with a code name, its
    backticks removed."""
    rows: list[str] = []
    for line in text.splitlines():
        if line.startswith("| `"):
            rows.append(line)
        elif rows and not line.startswith("|"):
            break
    assert rows, "no table"
    return [row.split("|")[1].replace("`", "").strip() for row in rows]


@dataclass(frozen=True)
class Run:
    """A block after it ran: the folder its App wrote to, and its namespace."""

    outdir: Path
    namespace: dict[str, Any]


def run_code(code: str, folder: Path, filename: str) -> Run:
    """Run ``code`` from ``folder``, every ``App`` writing to ``folder/cdk.out``."""
    outdir = folder / "cdk.out"
    app_init = cdk.App.__init__

    def app_with_outdir(self: cdk.App, **kwargs: Any) -> None:
        kwargs.setdefault("outdir", str(outdir))
        kwargs["context"] = {REPORT_CONTEXT: True, **(kwargs.get("context") or {})}
        app_init(self, **kwargs)

    namespace: dict[str, Any] = {"__name__": "__main__"}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setenv("CDK_OUTDIR", str(outdir))
        patch.setattr(cdk.App, "__init__", app_with_outdir)
        exec(compile(code, filename, "exec"), namespace)  # noqa: S102 - the README's own code
    return Run(outdir, namespace)


_RUNS: dict[int, Run] = {}


def run(block: Block, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The block's run: the first caller in the session runs it, the others read that run."""
    if block.line not in _RUNS:
        folder = tmp_path_factory.mktemp(f"readme-{block.line}")
        _RUNS[block.line] = run_code(block.code, folder, f"README.md:{block.line}")
    return _RUNS[block.line]
