"""Deterministic synth: the same code gives the same bytes, and the asset hash follows what ships.

The CLI synths of ``tests/infra/test_app.py`` check determinism across processes; these synths run
in this process (about a second each, no CLI), with the asset cache cleared in between so every
synth bundles the asset again.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

import app as demo_app
from chime_proxy_session import asset
from harness.synth import Assembly, read_assembly
from tests.infra.tables import SETTINGS

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = REPO / "tests" / "fixtures" / "demo-template.snapshot.json"
ASSET_KEY = "<asset hash>.zip"


def synth_demo(outdir: Path) -> Assembly:
    """Synthesize the demo app (cdk.json's context) in this process, bundling the asset afresh."""
    cdk.AssetStaging.clear_asset_hash_cache()
    context = json.loads((REPO / "cdk.json").read_text())["context"]
    app = cdk.App(outdir=str(outdir), context=context)
    demo_app.build_app(app)
    app.synth()
    return read_assembly(outdir)


def synth_minimal(outdir: Path) -> Assembly:
    """One ProxySessionSettings in one stack; only its asset hash matters to the callers."""
    cdk.AssetStaging.clear_asset_hash_cache()
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "Minimal")
    SETTINGS.build(stack, "Line", proxy_session_id="s-1")
    app.synth()
    return read_assembly(outdir)


@pytest.fixture(scope="module")
def two_demo_synths(tmp_path_factory: pytest.TempPathFactory) -> tuple[Assembly, Assembly]:
    return (
        synth_demo(tmp_path_factory.mktemp("demo-a")),
        synth_demo(tmp_path_factory.mktemp("demo-b")),
    )


def test_two_synths_give_identical_bytes(two_demo_synths: tuple[Assembly, Assembly]) -> None:
    first, second = two_demo_synths
    assert first.template_path.read_bytes() == second.template_path.read_bytes()
    assert first.asset_hash == second.asset_hash
    for path in sorted(first.asset_dir.rglob("*")):
        twin = second.asset_dir / path.relative_to(first.asset_dir)
        assert twin.exists(), twin
        if path.is_file():
            assert path.read_bytes() == twin.read_bytes(), path


def copy_handler(target: Path) -> Path:
    """A copy of the handler folder holding exactly what lambda/ ships."""
    target.mkdir(parents=True)
    for source in sorted((REPO / "lambda").glob("*.py")):
        shutil.copyfile(source, target / source.name)
    return target


def test_asset_hash_ignores_what_does_not_ship(
    two_demo_synths: tuple[Assembly, Assembly], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Caches, notes, tests and timestamps beside the handler do not reach the asset or its hash."""
    handler = copy_handler(tmp_path / "elsewhere" / "handler")
    (handler / "__pycache__").mkdir()
    (handler / "__pycache__" / "index.cpython-311.pyc").write_bytes(b"\x00cached")
    (handler / "NOTES.md").write_text("not shipped\n")
    (handler / "tests").mkdir()
    (handler / "tests" / "test_index.py").write_text("def test_x() -> None: ...\n")
    for path in handler.glob("*.py"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    monkeypatch.setattr(asset, "HANDLER_DIR", handler)
    assembly = synth_minimal(tmp_path / "out")
    assert assembly.asset_hash == two_demo_synths[0].asset_hash
    assert sorted(path.name for path in assembly.asset_dir.iterdir()) == sorted(
        path.name for path in two_demo_synths[0].asset_dir.iterdir()
    )


def test_asset_hash_changes_when_a_shipped_byte_does(
    two_demo_synths: tuple[Assembly, Assembly], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = copy_handler(tmp_path / "handler")
    with (handler / "settings_resource.py").open("a") as module:
        module.write("\n")
    monkeypatch.setattr(asset, "HANDLER_DIR", handler)
    assert synth_minimal(tmp_path / "out").asset_hash != two_demo_synths[0].asset_hash


def normalise(template: dict[str, Any]) -> dict[str, Any]:
    """The template with the asset's content hash replaced: the one value that follows the code."""
    normalised: dict[str, Any] = json.loads(json.dumps(template))
    for resource in normalised["Resources"].values():
        code = resource.get("Properties", {}).get("Code", {})
        if isinstance(code, dict) and "S3Key" in code:
            code["S3Key"] = ASSET_KEY
        metadata = resource.get("Metadata", {})
        for key in [key for key in metadata if key.startswith("aws:asset:")]:
            del metadata[key]
    return normalised


def test_demo_template_matches_the_snapshot(two_demo_synths: tuple[Assembly, Assembly]) -> None:
    """Every resource property of the demo template, except the asset's hash, is pinned.

    An upgrade of this library (or of aws-cdk-lib) that changes no behaviour must change no
    resource property; when this test fails, the diff shows what a deploy would change. If the
    change is deliberate, refresh the snapshot and commit it with the change that caused it:

        UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/infra/test_determinism.py -k snapshot

    then review ``git diff tests/fixtures/demo-template.snapshot.json``.
    """
    actual = json.dumps(normalise(two_demo_synths[0].template), indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(actual)
    expected = SNAPSHOT.read_text()
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "snapshot", "synthesized", lineterm=""
        )
        pytest.fail(
            "The demo template differs from tests/fixtures/demo-template.snapshot.json. If the "
            "change is deliberate, refresh it: UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest "
            "tests/infra/test_determinism.py -k snapshot\n" + "\n".join(diff),
            pytrace=False,
        )
