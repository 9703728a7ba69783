"""The contract module against its upstreams: botocore's chime-sdk-voice model and the handler."""

from __future__ import annotations

from pathlib import Path

import botocore.session
import pytest
from botocore.model import OperationModel, Shape

import index
import proxy_contract as contract
from chime_proxy_session import RESOURCE_TYPE, Capability
from chime_proxy_session.contract import CONTRACT_FILE
from chime_proxy_session.contract import contract as construct_contract

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"


@pytest.fixture(scope="module")
def update_operation() -> OperationModel:
    """UpdateProxySession as botocore's service model describes it."""
    model = botocore.session.get_session().get_service_model("chime-sdk-voice")
    return model.operation_model("UpdateProxySession")


def member(operation: OperationModel, name: str) -> Shape:
    """One member of an operation's input shape."""
    assert operation.input_shape is not None
    return operation.input_shape.members[name]


def test_voice_connector_id_pattern_is_the_models(update_operation: OperationModel) -> None:
    shape = member(update_operation, contract.VOICE_CONNECTOR_ID)
    assert shape.metadata["pattern"] == contract.VOICE_CONNECTOR_ID_PATTERN


def test_proxy_session_id_maximum_is_the_models(update_operation: OperationModel) -> None:
    shape = member(update_operation, contract.PROXY_SESSION_ID)
    assert shape.metadata["max"] == contract.PROXY_SESSION_ID_MAX_LENGTH
    assert shape.metadata["min"] == 1


def test_capability_enum_is_the_models(update_operation: OperationModel) -> None:
    shape = member(update_operation, contract.CAPABILITIES)
    assert tuple(shape.member.enum) == contract.CAPABILITY_VALUES  # type: ignore[attr-defined]
    assert tuple(item.value for item in Capability) == contract.CAPABILITY_VALUES


def test_expiry_minimum_is_the_models(update_operation: OperationModel) -> None:
    shape = member(update_operation, contract.EXPIRY_MINUTES)
    assert shape.type_name == "integer"
    assert shape.metadata["min"] == contract.EXPIRY_MINUTES_MIN


def test_the_construct_loads_the_handlers_own_file() -> None:
    assert CONTRACT_FILE.resolve() == (LAMBDA_DIR / "proxy_contract.py").resolve()
    assert construct_contract.__file__ is not None
    assert Path(construct_contract.__file__).resolve() == CONTRACT_FILE.resolve()
    assert RESOURCE_TYPE == contract.SETTINGS_RESOURCE_TYPE


def test_the_handler_serves_exactly_the_contracts_resource_types() -> None:
    assert tuple(index.HANDLERS) == contract.SERVED_RESOURCE_TYPES


def test_the_contract_is_data_only() -> None:
    source = (LAMBDA_DIR / "proxy_contract.py").read_text()
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["from __future__ import annotations", "from typing import Final"]
    assert "def " not in source
    assert "class " not in source
