"""The handler's contract module, loaded from the handler folder: the one place names live.

``proxy_contract.py`` ships in the Lambda asset, where the handler imports it flat. The construct
loads that same file: from ``_handler/`` inside an installed wheel, from ``lambda/`` in a source
checkout. Nothing of it is copied here.
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
_MODULE_NAME = "chime_proxy_session._contract"


def _load() -> ModuleType:
    loaded = sys.modules.get(_MODULE_NAME)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(_MODULE_NAME, CONTRACT_FILE)
    if spec is None or spec.loader is None:
        raise ImportError(
            f"cannot load the handler's contract from {CONTRACT_FILE}; reinstall "
            "cdk-chime-proxy-session (the file ships with the package)"
        )
    module = importlib.util.module_from_spec(spec)
    sys.modules[_MODULE_NAME] = module
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    # mypy reads the same file through mypy_path (lambda/); at run time it is loaded by path.
    import proxy_contract as contract
else:
    contract = _load()

__all__ = ["CONTRACT_FILE", "HANDLER_DIR", "contract"]
