"""Dynamic references: hidden without --resolve-secrets, read as CloudFormation reads them with
it (Secrets Manager's SecretString, a JSON key, a version; SSM parameters), each once."""

from __future__ import annotations

import json
from functools import partial

import pytest

from chime_proxy_session.drift.secrets import SecretReader, reveal
from chime_proxy_session.drift.stack import DriftCheckError, service_client
from chime_proxy_session.drift.template import Hidden, Unresolved
from tests.drift.stubs import REGION, StubSession, no_sleep

ARN = "arn:aws:secretsmanager:us-east-1:111111111111:secret:demo/booking-AbCdEf"
VERSION = "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE"


def reader(session: StubSession) -> SecretReader:
    return SecretReader(partial(service_client, session, region=REGION), no_sleep())


def test_without_a_reader_a_reference_is_hidden_and_named() -> None:
    value = ["{{resolve:secretsmanager:demo/booking:SecretString:customer}}", "plain"]
    assert reveal(value, None) == (
        [Hidden("a {{resolve:secretsmanager:...}} reference"), "plain"],
        True,
    )
    assert reveal({"A": "plain", "B": 5}, None) == ({"A": "plain", "B": 5}, False)


def test_secrets_manager_json_key_version_stage_and_id(session: StubSession) -> None:
    stub = session.stub("secretsmanager")
    secret = json.dumps({"customer": "+14155550101"})
    stub.add_response(
        "get_secret_value",
        {"SecretString": secret},
        {"SecretId": "demo/booking", "VersionStage": "AWSPREVIOUS"},
    )
    stub.add_response(
        "get_secret_value",
        {"SecretString": "plain"},
        {"SecretId": ARN, "VersionId": VERSION},
    )
    read = reader(session)
    value = [
        "{{resolve:secretsmanager:demo/booking:SecretString:customer:AWSPREVIOUS}}",
        "{{resolve:secretsmanager:demo/booking:SecretString:customer:AWSPREVIOUS}}",
        f"x-{{{{resolve:secretsmanager:{ARN}:SecretString:::{VERSION}}}}}-y",
    ]
    # The same reference is read once.
    assert reveal(value, read) == (["+14155550101", "+14155550101", "x-plain-y"], True)


def test_ssm_parameters_and_secure_ones_decrypted(session: StubSession) -> None:
    stub = session.stub("ssm")
    stub.add_response(
        "get_parameter",
        {"Parameter": {"Name": "/minutes", "Value": "90"}},
        {"Name": "/minutes:3", "WithDecryption": False},
    )
    stub.add_response(
        "get_parameter",
        {"Parameter": {"Name": "/id", "Value": "secret-id"}},
        {"Name": "/id", "WithDecryption": True},
    )
    value = {"A": "{{resolve:ssm:/minutes:3}}", "B": "{{resolve:ssm-secure:/id}}"}
    assert reveal(value, reader(session)) == ({"A": "90", "B": "secret-id"}, True)


def test_a_missing_json_key_never_shows_the_secret(session: StubSession) -> None:
    session.stub("secretsmanager").add_response(
        "get_secret_value", {"SecretString": '{"agent": "+14155550102"}'}, {"SecretId": "s"}
    )
    with pytest.raises(Unresolved, match="no JSON key 'customer'") as raised:
        reveal("{{resolve:secretsmanager:s:SecretString:customer}}", reader(session))
    assert "+1415" not in str(raised.value)


def test_a_denied_read_stops_the_check_naming_the_action(session: StubSession) -> None:
    session.stub("secretsmanager").add_client_error(
        "get_secret_value", service_error_code="AccessDeniedException", http_status_code=400
    )
    with pytest.raises(DriftCheckError, match="secretsmanager:GetSecretValue on s: access denied"):
        reveal("{{resolve:secretsmanager:s}}", reader(session))
