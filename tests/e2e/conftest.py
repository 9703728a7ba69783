"""Fixtures for lifecycle tests: real CDK CLI synths, the emulator, moto's DynamoDB, the HTTPS
ResponseURL sink, and runners of the synthesized asset with the environment its template gives
the function.

``runner_for(assembly)`` makes a runner of any app with its stack's DynamoDB tables (the claim
table) created in moto and named in the function's environment, as CloudFormation would; read a
table with ``ddb.items(runner.claim_table)``, redeliver an invocation with
``runner.redeliver(invocation)``, refuse proxy operations with ``emu.end_of_support()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import proxy_contract as contract
from harness.dynamodb import DynamoDBServer
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


@pytest.fixture(scope="session")
def dynamodb() -> Iterator[DynamoDBServer]:
    """moto's DynamoDB server, one per worker process (moto's state is per process)."""
    with DynamoDBServer() as running:
        yield running


@pytest.fixture
def ddb(dynamodb: DynamoDBServer) -> DynamoDBServer:
    """moto's DynamoDB, emptied: no table until a runner creates its stack's."""
    dynamodb.reset()
    return dynamodb


RunnerFor = Callable[..., LambdaRunner]
"""``runner_for(assembly, *, timeout_seconds=120.0, extra_env=None)``."""


@pytest.fixture
def runner_for(emu: ChimeVoiceEmulator, sink: ResponseSink, ddb: DynamoDBServer) -> RunnerFor:
    """Makes a runner of an app's asset with the environment its template gives the function:
    the stack's DynamoDB tables created in moto (new ones per runner, as for a new stack; named
    in ``runner.tables`` and ``runner.claim_table``), the emulator and moto as its endpoints."""

    def make(
        assembly: Assembly,
        *,
        timeout_seconds: float = 120.0,
        extra_env: Mapping[str, str] | None = None,
    ) -> LambdaRunner:
        return LambdaRunner.for_assembly(
            assembly,
            endpoint_url=emu.endpoint_url,
            sink=sink,
            dynamodb=ddb,
            timeout_seconds=timeout_seconds,
            extra_env=extra_env,
        )

    return make


@pytest.fixture
def runner(assemblies: dict[str, Assembly], runner_for: RunnerFor) -> LambdaRunner:
    """Runs the handler from the synthesized asset (the same in every app) in its own process,
    with the environment the ``sessions`` app gives the function: its claim table, as a stack
    that creates sessions has one. Each ``stack.deploy(template)`` then gives the function the
    environment of the template deployed (the ``base`` app's has no table)."""
    return runner_for(assemblies["sessions"])


@pytest.fixture
def stack(runner: LambdaRunner) -> CloudFormationStack:
    return CloudFormationStack(runner)
