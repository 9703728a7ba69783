"""The required layout and its traps: constructs/ has no __init__.py, lambda/ is imported flat."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.helpers import HANDLER_MODULES

REPO = Path(__file__).resolve().parents[1]


def test_constructs_is_the_installed_package() -> None:
    import constructs

    assert constructs.__file__ is not None
    assert "site-packages" in constructs.__file__
    assert importlib.util.find_spec("constructs._jsii") is not None


def test_constructs_folder_is_a_source_root_not_a_package() -> None:
    assert not (REPO / "constructs" / "__init__.py").exists()
    assert (REPO / "constructs" / "chime_proxy_session" / "__init__.py").is_file()


def test_required_top_level_entries() -> None:
    for name in ("cdk.json", "app.py", "constructs", "lambda", "tests", "README.md"):
        assert (REPO / name).exists(), name


def test_lambda_folder_ships_only_handler_modules() -> None:
    shipped = sorted(
        path.name for path in (REPO / "lambda").iterdir() if path.name != "__pycache__"
    )
    assert shipped == list(HANDLER_MODULES)


def test_no_module_over_400_lines() -> None:
    """A module that grows past 400 lines is usually two modules (README "Working on it")."""
    roots = ("constructs", "lambda", "harness", "bench")
    long = {
        str(path.relative_to(REPO)): count
        for root in roots
        for path in (REPO / root).rglob("*.py")
        if (count := len(path.read_text().splitlines())) > 400
    }
    assert long == {}
