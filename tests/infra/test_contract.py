"""The constructs' loader (``contract.py``): the handler's own files, one module object each.

The constructs and the handler read the same names, rules and descriptions: the loader registers
each file under its flat name, so ``import resource_types`` (as the handler does) and
``chime_proxy_session.contract.types`` are one object, and a foreign module of that name is
refused rather than silently used.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

import combination_rules
import property_rules
import proxy_contract
import records
import resource_types
import safe_text
from chime_proxy_session import (
    PhoneNumbers,
    ProxySession,
    ProxySessionSettings,
    VoiceConnectorProxy,
)

# The loader module itself (the package's ``contract`` attribute is the loaded contract).
loader = importlib.import_module("chime_proxy_session.contract")
LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"
HANDLER_IMPORTS = {
    "safe_text": safe_text,
    "proxy_contract": proxy_contract,
    "records": records,
    "property_rules": property_rules,
    "combination_rules": combination_rules,
    "resource_types": resource_types,
}


def test_every_shared_module_is_the_handlers_module_object() -> None:
    assert set(loader.SHARED_MODULES) == set(HANDLER_IMPORTS)
    for name, module in HANDLER_IMPORTS.items():
        assert sys.modules[name] is module, name
        assert module.__file__ is not None
        assert Path(module.__file__).resolve() == (LAMBDA_DIR / f"{name}.py").resolve()
    assert loader.contract is proxy_contract
    assert loader.rules is property_rules
    assert loader.types is resource_types


def test_a_source_checkout_loads_from_lambda() -> None:
    assert loader.HANDLER_DIR.resolve() == LAMBDA_DIR.resolve()
    assert loader.CONTRACT_FILE.resolve() == (LAMBDA_DIR / "proxy_contract.py").resolve()


def test_each_construct_is_its_types_description() -> None:
    constructs = (ProxySessionSettings, VoiceConnectorProxy, ProxySession, PhoneNumbers)
    kinds = [item.KIND for item in constructs]
    assert kinds == list(resource_types.RESOURCE_TYPES)
    assert [kind.construct for kind in kinds] == [item.__name__ for item in constructs]


def test_loading_again_returns_the_same_module() -> None:
    for name in loader.SHARED_MODULES:
        assert loader._load(name) is sys.modules[name]


def test_a_foreign_module_of_the_same_name_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    foreign = ModuleType("proxy_contract")
    foreign.__file__ = str(tmp_path / "proxy_contract.py")
    monkeypatch.setitem(sys.modules, "proxy_contract", foreign)
    with pytest.raises(ImportError, match="Rename the other module") as raised:
        loader._load("proxy_contract")
    assert str(tmp_path) in str(raised.value)
    assert str(loader.HANDLER_DIR / "proxy_contract.py") in str(raised.value)


def test_the_region_list_is_botocores() -> None:
    """The regions the constructs accept (region=, the stack's region) are the API's."""
    import botocore.session

    data = botocore.session.get_session().get_component("data_loader")
    (aws,) = [p for p in data.load_data("endpoints")["partitions"] if p["partition"] == "aws"]
    regions = {name for name in aws["services"]["voice-chime"]["endpoints"] if "fips" not in name}
    assert tuple(sorted(regions)) == proxy_contract.CHIME_SDK_VOICE_REGIONS
