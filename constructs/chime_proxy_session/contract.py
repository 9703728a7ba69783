"""The handler's standard-library modules, loaded from the handler folder: names, rules and the
resource-type descriptions live there once.

``proxy_contract.py`` (names), ``property_rules.py`` (value rules) and ``resource_types.py`` (one
description per resource type), with ``safe_text.py`` and ``records.py`` which they use, ship in
the Lambda asset,
where the handler imports them flat. The construct library loads these same files: from
``_handler/`` inside an installed wheel, from ``lambda/`` in a source checkout, under their own
flat names (they import each other that way), so the handler and the constructs share one module
object each. Nothing of them is copied here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Final

# The installed wheel carries the handler inside the package; a source checkout keeps it in lambda/.
_PACKAGED_HANDLER = Path(__file__).resolve().parent / "_handler"
_SOURCE_HANDLER = Path(__file__).resolve().parents[2] / "lambda"
HANDLER_DIR: Final = _PACKAGED_HANDLER if _PACKAGED_HANDLER.is_dir() else _SOURCE_HANDLER
CONTRACT_FILE: Final = HANDLER_DIR / "proxy_contract.py"
# In the order they import each other.
SHARED_MODULES: Final = (
    "safe_text",
    "proxy_contract",
    "records",
    "property_rules",
    "combination_rules",
    "resource_types",
)


def _load(name: str) -> ModuleType:
    path = HANDLER_DIR / f"{name}.py"
    loaded = sys.modules.get(name)
    if loaded is not None:
        if loaded.__file__ is None or Path(loaded.__file__).resolve() != path.resolve():
            raise ImportError(
                f"a module named {name!r} from {loaded.__file__} is already imported; "
                f"cdk-chime-proxy-session needs its own {path}. Rename the other module."
            )
        return loaded
    spec = importlib.util.spec_from_file_location(name, path)
    if not path.is_file() or spec is None or spec.loader is None:
        raise ImportError(
            f"cannot load the handler's {name} from {path}; reinstall cdk-chime-proxy-session "
            "(the file ships with the package)"
        )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        # Never leave a half-loaded module behind for the next import to find.
        del sys.modules[name]
        raise
    return module


if TYPE_CHECKING:
    # mypy reads the same files through mypy_path (lambda/); at run time they are loaded by path.
    import combination_rules as combinations
    import property_rules as rules
    import proxy_contract as contract
    import resource_types as types
else:
    _safe_text, contract, _records, rules, combinations, types = (
        _load(name) for name in SHARED_MODULES
    )

__all__ = ["CONTRACT_FILE", "HANDLER_DIR", "combinations", "contract", "rules", "types"]
