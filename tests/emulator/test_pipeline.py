"""The request pipeline's checks before the operation: authorization, routing, implemented."""

from __future__ import annotations

import http.client
import json

import botocore.exceptions
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

from harness.emulator import ChimeVoiceEmulator
from tests.emulator.helpers import make_client


def test_unsigned_request_is_unauthorized(emu: ChimeVoiceEmulator, vc: str) -> None:
    unsigned = make_client(emu.endpoint_url, Config(signature_version=UNSIGNED))
    with pytest.raises(unsigned.exceptions.UnauthorizedClientException) as raised:
        unsigned.list_proxy_sessions(VoiceConnectorId=vc)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 401


def test_operations_outside_the_emulator_answer_501(client: ChimeSDKVoiceClient, vc: str) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.get_voice_connector_group(VoiceConnectorGroupId=vc)
    assert raised.value.response["Error"]["Code"] == "NotImplemented"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_a_path_no_operation_matches_answers_404_and_is_recorded(
    emu: ChimeVoiceEmulator,
) -> None:
    signed = "AWS4-HMAC-SHA256 Credential=AKIDRAW/20261202/us-west-2/chime/aws4_request, Sig=0"
    connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    try:
        connection.request("GET", "/no/such/operation", headers={"Authorization": signed})
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()

    assert (response.status, response.getheader("x-amzn-ErrorType")) == (
        404,
        "UnknownOperationException",
    )
    assert body["Message"] == "No chime-sdk-voice operation matches GET /no/such/operation"
    last = emu.calls[-1]
    assert (last.operation, last.path, last.status, last.access_key_id) == (
        "Unknown",
        "/no/such/operation",
        404,
        "AKIDRAW",
    )
