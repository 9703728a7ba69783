"""The request pipeline's checks before the operation: authorization, implemented."""

from __future__ import annotations

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
        client.get_voice_connector(VoiceConnectorId=vc)
    assert raised.value.response["Error"]["Code"] == "NotImplemented"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
