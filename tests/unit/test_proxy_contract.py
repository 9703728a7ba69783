"""The contract (``proxy_contract``) against its upstreams: botocore's chime-sdk-voice model, and
the construct library, which loads this same file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.model import (
    ListShape,
    OperationModel,
    ServiceModel,
    Shape,
    StringShape,
    StructureShape,
)

import proxy_contract as contract
from chime_proxy_session import RESOURCE_TYPE, Capability
from chime_proxy_session.contract import CONTRACT_FILE
from chime_proxy_session.contract import contract as construct_contract

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"


@pytest.fixture(scope="module")
def model() -> ServiceModel:
    """botocore's chime-sdk-voice service model."""
    return botocore.session.get_session().get_service_model("chime-sdk-voice")


@pytest.fixture(scope="module")
def update_operation(model: ServiceModel) -> OperationModel:
    """UpdateProxySession as botocore's service model describes it."""
    return model.operation_model("UpdateProxySession")


@pytest.fixture(scope="module")
def put(model: ServiceModel) -> OperationModel:
    """PutVoiceConnectorProxy as botocore's service model describes it."""
    return model.operation_model("PutVoiceConnectorProxy")


def create_input(model: ServiceModel, name: str) -> Shape:
    """One member of CreateProxySession's input."""
    shape = model.operation_model("CreateProxySession").input_shape
    assert shape is not None
    return shape.members[name]


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


def test_the_contract_is_data_only() -> None:
    source = (LAMBDA_DIR / "proxy_contract.py").read_text()
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["from __future__ import annotations", "from typing import Final"]
    assert "def " not in source
    assert "class " not in source


# Custom::ChimeVoiceConnectorProxy ---------------------------------------------------------------


def test_proxy_property_names_are_the_models_members(put: OperationModel) -> None:
    assert put.input_shape is not None
    members = set(put.input_shape.members)
    # AdoptExisting is the custom resource's own: what a Create does about a configuration that
    # exists, never sent to the API.
    assert contract.ADOPT_EXISTING in contract.VOICE_CONNECTOR_PROXY_PROPERTIES
    assert contract.ADOPT_EXISTING not in members
    ours = set(contract.VOICE_CONNECTOR_PROXY_PROPERTIES) - {
        contract.REMOVAL_POLICY,
        contract.ADOPT_EXISTING,
        *contract.LOCATION_PROPERTIES,
    }
    assert ours == members
    required = set(put.input_shape.required_members)
    assert required == {
        contract.VOICE_CONNECTOR_ID,
        contract.DEFAULT_SESSION_EXPIRY_MINUTES,
        contract.PHONE_NUMBER_POOL_COUNTRIES,
    }


def test_country_limits_and_pattern_are_the_models(put: OperationModel) -> None:
    assert put.input_shape is not None
    countries: Any = put.input_shape.members[contract.PHONE_NUMBER_POOL_COUNTRIES]
    assert countries.metadata["min"] == 1
    assert countries.metadata["max"] == contract.PHONE_NUMBER_POOL_COUNTRIES_MAX
    # The model also allows an empty code; a pool of "" is no country, so it is refused here.
    assert countries.member.metadata["pattern"] == "^$|^[A-Z]{2,2}$"
    assert re.fullmatch(contract.COUNTRY_CODE_PATTERN, "US")
    assert not re.fullmatch(contract.COUNTRY_CODE_PATTERN, "")


def test_the_e164_pattern_is_the_models_with_its_plus(put: OperationModel) -> None:
    assert put.input_shape is not None
    shape = put.input_shape.members[contract.FALL_BACK_PHONE_NUMBER]
    assert shape.metadata["pattern"] == r"^\+?[1-9]\d{1,14}$"
    assert shape.metadata["sensitive"] is True
    assert contract.E164_PATTERN == r"\+[1-9]\d{1,14}"


def test_proxy_attributes_are_the_models_proxy_members(
    put: OperationModel, model: ServiceModel
) -> None:
    assert put.output_shape is not None
    proxy: Any = put.output_shape.members["Proxy"]
    assert set(contract.VOICE_CONNECTOR_PROXY_ATTRIBUTES) == set(proxy.members) - {
        "FallBackPhoneNumber"
    }
    # The read a Create makes first answers the same Proxy, and names the voice connector only.
    get = model.operation_model("GetVoiceConnectorProxy")
    assert get.input_shape is not None
    assert get.output_shape is not None
    assert set(get.input_shape.required_members) == {contract.VOICE_CONNECTOR_ID}
    assert get.output_shape.members["Proxy"].name == proxy.name
    assert "NotFoundException" in {error.name for error in get.error_shapes}


def test_the_adopted_suffix_and_the_claim_table_names() -> None:
    assert contract.ADOPTED_SUFFIX == ":adopted"
    assert not contract.VOICE_CONNECTOR_PROXY_PHYSICAL_ID_PREFIX.endswith(contract.ADOPTED_SUFFIX)
    assert (contract.CLAIM_PARTITION_KEY, contract.CLAIM_SORT_KEY) == ("Resource", "Request")
    assert set(contract.CLAIM_ACTIONS) == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
    }


# Custom::ChimeProxySession ----------------------------------------------------------------------


def test_session_values_are_the_models(model: ServiceModel) -> None:
    participants = create_input(model, "ParticipantPhoneNumbers")
    assert isinstance(participants, ListShape)
    assert participants.metadata["min"] == contract.PARTICIPANT_COUNT
    assert participants.metadata["max"] == contract.PARTICIPANT_COUNT
    # The model's E.164 pattern, with the "+" that templates must give.
    assert participants.member.metadata["pattern"] == r"^\+?[1-9]\d{1,14}$"
    name = create_input(model, "Name")
    assert name.metadata["pattern"] == f"^$|^{contract.PROXY_SESSION_NAME_PATTERN}$"
    assert name.metadata["sensitive"] is True
    for member, values in (
        ("NumberSelectionBehavior", contract.NUMBER_SELECTION_BEHAVIORS),
        ("GeoMatchLevel", contract.GEO_MATCH_LEVELS),
    ):
        shape = create_input(model, member)
        assert isinstance(shape, StringShape)
        assert tuple(shape.enum) == values
    geo = create_input(model, "GeoMatchParams")
    assert isinstance(geo, StructureShape)
    assert set(geo.members) == set(geo.required_members)
    assert set(geo.members) == {contract.GEO_MATCH_COUNTRY, contract.GEO_MATCH_AREA_CODE}
    country = geo.members[contract.GEO_MATCH_COUNTRY].metadata["pattern"]
    area = geo.members[contract.GEO_MATCH_AREA_CODE].metadata["pattern"]
    assert country == f"^$|^{contract.COUNTRY_CODE_PATTERN.replace('{2}', '{2,2}')}$"
    assert area == f"^$|^{contract.AREA_CODE_PATTERN.replace('{3}', '{3,3}')}$"


def test_session_attributes_are_the_models_session_members(model: ServiceModel) -> None:
    output = model.operation_model("CreateProxySession").output_shape
    assert output is not None
    session: Any = output.members["ProxySession"]
    own = set(contract.PROXY_SESSION_ATTRIBUTES) - {contract.ATTR_PROXY_PHONE_NUMBERS}
    assert own <= set(session.members)
