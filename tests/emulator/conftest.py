"""Fixtures for the emulator's tests: one emulator per test module, clients, a voice connector."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.config import Config
from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

from harness.emulator import ChimeVoiceEmulator
from tests.emulator.helpers import make_client, new_vc_id


@pytest.fixture(scope="module")
def emu() -> Iterator[ChimeVoiceEmulator]:
    with ChimeVoiceEmulator() as emulator:
        yield emulator
    assert not emulator.running


@pytest.fixture(autouse=True)
def _no_leftover_faults(emu: ChimeVoiceEmulator) -> Iterator[None]:
    yield
    emu.faults.clear()
    assert emu.internal_errors == []


@pytest.fixture(scope="module")
def client(emu: ChimeVoiceEmulator) -> ChimeSDKVoiceClient:
    return make_client(emu.endpoint_url)


@pytest.fixture(scope="module")
def unvalidated(emu: ChimeVoiceEmulator) -> ChimeSDKVoiceClient:
    """A client that sends what botocore would refuse locally (missing members, ranges)."""
    return make_client(emu.endpoint_url, Config(parameter_validation=False))


@pytest.fixture
def vc(emu: ChimeVoiceEmulator) -> str:
    vc_id = new_vc_id()
    emu.add_voice_connector(vc_id)
    return vc_id
