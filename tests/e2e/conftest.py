"""Fixtures for lifecycle tests: real CDK CLI synths, the emulator, the HTTPS ResponseURL sink."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import proxy_contract as contract
from harness.emulator import ChimeVoiceEmulator
from harness.lifecycle import CloudFormationStack, LambdaRunner
from harness.response_sink import ResponseSink
from harness.synth import Assembly, read_assembly, synth
from tests.e2e.apps import APP_CONTEXT_KEY, APPS, E2E_APP, VC
from tests.run_once import once


@pytest.fixture(scope="session")
def assemblies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Assembly]:
    """Every app of ``APPS`` synthesized by the real CDK CLI (two at a time: the machine has two
    cores), once per run: the xdist workers share the folders (tests/run_once.py)."""

    def build(root: Path) -> None:
        def run(name: str) -> Assembly:
            return synth(root / name, {APP_CONTEXT_KEY: name}, app=E2E_APP)

        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(run, APPS))

    root = once(tmp_path_factory, "e2e-assemblies", build)
    return {name: read_assembly(root / name) for name in APPS}


@pytest.fixture(scope="session")
def emulator() -> Iterator[ChimeVoiceEmulator]:
    with ChimeVoiceEmulator() as running:
        yield running


@pytest.fixture
def emu(emulator: ChimeVoiceEmulator, assemblies: dict[str, Assembly]) -> ChimeVoiceEmulator:
    """The emulator, emptied, with the voice connector and every session id of the apps seeded."""
    emulator.reset()
    emulator.add_voice_connector(VC)
    for assembly in assemblies.values():
        for resource in assembly.custom_resources(contract.SETTINGS_RESOURCE_TYPE).values():
            session_id = resource["Properties"][contract.PROXY_SESSION_ID]
            if emulator.session(VC, session_id) is None:
                emulator.seed_session(VC, capabilities=["Voice"], session_id=session_id)
    emulator.reset_calls()
    return emulator


@pytest.fixture
def runner(
    assemblies: dict[str, Assembly], emu: ChimeVoiceEmulator, sink: ResponseSink
) -> LambdaRunner:
    """Runs the handler from the synthesized asset folder in its own process."""
    return LambdaRunner(assemblies["base"].asset_dir, endpoint_url=emu.endpoint_url, sink=sink)


@pytest.fixture
def stack(runner: LambdaRunner) -> CloudFormationStack:
    return CloudFormationStack(runner)
