"""Custom::ChimeVoiceConnectorProxy's pure logic, and its contract against botocore's model."""

from __future__ import annotations

import re
from typing import Any

import botocore.session
import pytest
from botocore.model import OperationModel, StructureShape
from botocore.validate import validate_parameters

import proxy_contract as contract
import voice_connector_proxy_resource as resource
from cfn_properties import InvalidPropertiesError
from tests.helpers import VC_ID
from tests.vc_proxy_helpers import FALL_BACK, proxy_properties


@pytest.fixture(scope="module")
def put() -> OperationModel:
    """PutVoiceConnectorProxy as botocore's service model describes it."""
    model = botocore.session.get_session().get_service_model("chime-sdk-voice")
    return model.operation_model("PutVoiceConnectorProxy")


def test_every_setting_is_parsed() -> None:
    config = resource.parse_properties(
        proxy_properties(Disabled="true", RemovalPolicy="Retain", Region="eu-west-2")
    )
    assert config.voice_connector_id == VC_ID
    assert config.default_session_expiry_minutes == 60
    assert config.phone_number_pool_countries == ("US", "CA")
    assert config.fall_back_phone_number == FALL_BACK
    assert config.disabled is True
    assert config.removal_policy == "Retain"
    assert config.location.region == "eu-west-2"


def test_defaults_destroy_enabled_and_no_fall_back() -> None:
    config = resource.parse_properties(
        proxy_properties(RemovalPolicy=None, Disabled=None, FallBackPhoneNumber=None)
    )
    assert config.removal_policy == contract.CREATED_DEFAULT_REMOVAL_POLICY == "Destroy"
    assert config.disabled is False
    assert config.fall_back_phone_number is None
    assert "FallBackPhoneNumber" not in config.put_request()


def test_the_request_is_valid_for_botocore(put: OperationModel) -> None:
    request = resource.parse_properties(proxy_properties(Disabled="true")).put_request()
    assert isinstance(put.input_shape, StructureShape)
    validate_parameters(request, put.input_shape)  # raises ParamValidationError if not
    assert request == {
        "VoiceConnectorId": VC_ID,
        "DefaultSessionExpiryMinutes": 60,
        "PhoneNumberPoolCountries": ["US", "CA"],
        "FallBackPhoneNumber": FALL_BACK,
        "Disabled": True,
    }


def test_the_phone_number_stays_out_of_repr_and_description() -> None:
    config = resource.parse_properties(proxy_properties())
    for text in (repr(config), config.describe()):
        assert FALL_BACK not in text
        assert FALL_BACK[1:] not in text
    assert "a fall-back number" in config.describe()


def test_physical_id_names_region_and_voice_connector() -> None:
    assert (
        resource.physical_resource_id("eu-west-2", VC_ID)
        == f"chime-voice-connector-proxy:eu-west-2:{VC_ID}"
    )
    assert resource.physical_resource_id("us-east-1", VC_ID) != resource.physical_resource_id(
        "eu-west-2", VC_ID
    )


def test_data_never_carries_the_fall_back_number() -> None:
    data = resource.response_data(
        {
            "DefaultSessionExpiryMinutes": 30,
            "PhoneNumberCountries": ["US", "GB"],
            "Disabled": False,
            "FallBackPhoneNumber": FALL_BACK,
        }
    )
    assert data == {
        "DefaultSessionExpiryMinutes": "30",
        "PhoneNumberCountries": "US,GB",
        "Disabled": "false",
    }
    assert tuple(data) == contract.VOICE_CONNECTOR_PROXY_ATTRIBUTES


def test_data_of_an_answer_without_values_is_empty_strings() -> None:
    assert resource.response_data({}) == dict.fromkeys(
        contract.VOICE_CONNECTOR_PROXY_ATTRIBUTES, ""
    )


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("false", False), (True, True), (False, False)]
)
def test_disabled_accepts_what_cloudformation_sends(value: object, expected: bool) -> None:
    assert resource.parse_disabled(value) is expected


@pytest.mark.parametrize("value", ["True", "1", 1, 0, "", "no", ["true"]])
def test_disabled_rejects(value: object) -> None:
    with pytest.raises(InvalidPropertiesError, match="Disabled"):
        resource.parse_disabled(value)


def test_a_hundred_countries_are_accepted_and_order_kept() -> None:
    codes = [f"{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(100)][::-1]
    assert resource.parse_countries(codes) == tuple(codes)


@pytest.mark.parametrize("value", ["0", "-1", "sixty", True])
def test_default_expiry_errors_do_not_advise_omitting_it(value: object) -> None:
    """DefaultSessionExpiryMinutes is required: no 'Omit it' advice, unlike ExpiryMinutes."""
    with pytest.raises(InvalidPropertiesError) as raised:
        resource.parse_properties(proxy_properties(DefaultSessionExpiryMinutes=value))
    assert "DefaultSessionExpiryMinutes" in str(raised.value)
    assert "Omit" not in str(raised.value)


# The contract against botocore's model -----------------------------------------------------


def test_property_names_are_the_models_members(put: OperationModel) -> None:
    assert put.input_shape is not None
    members = set(put.input_shape.members)
    ours = set(contract.VOICE_CONNECTOR_PROXY_PROPERTIES) - {
        contract.REMOVAL_POLICY,
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


def test_attributes_are_the_models_proxy_members(put: OperationModel) -> None:
    assert put.output_shape is not None
    proxy: Any = put.output_shape.members["Proxy"]
    assert set(contract.VOICE_CONNECTOR_PROXY_ATTRIBUTES) == set(proxy.members) - {
        "FallBackPhoneNumber"
    }
