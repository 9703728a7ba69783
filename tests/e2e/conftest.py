"""Fixtures for lifecycle tests: real CDK CLI synths, the emulator, the HTTPS ResponseURL sink."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import ChimeVoiceEmulator
from harness.lifecycle import CloudFormationStack, LambdaRunner
from harness.response_sink import ResponseSink
from harness.synth import Assembly, synth

VC = "abcdefghij0123456789k"


def session(name: str, session_id: str, capabilities: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "voiceConnectorId": VC,
        "proxySessionId": session_id,
        "capabilities": capabilities,
        **extra,
    }


BASE = [
    session("Alpha", "s-alpha", ["Voice"], expiryMinutes=60),
    session("Beta", "s-beta", ["Voice"], removalPolicy="destroy"),
    session("Gamma", "s-gamma", ["SMS"], removalPolicy="retain"),
]
CHANGED = [
    session("Alpha", "s-alpha", ["Voice", "SMS"], expiryMinutes=90),
    session("Beta", "s-beta-2", ["Voice"], removalPolicy="destroy"),
    session("Gamma", "s-gamma-2", ["SMS"], removalPolicy="retain"),
]
FLEET = [
    session(f"Line{index:02d}", f"s-fleet-{index:02d}", ["Voice", "SMS"]) for index in range(20)
]


@pytest.fixture(scope="session")
def assemblies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Assembly]:
    """Three apps synthesized by the real CDK CLI (two at a time: the machine has two cores)."""
    contexts = {"base": BASE, "changed": CHANGED, "fleet": FLEET}

    def run(name: str) -> tuple[str, Assembly]:
        out = tmp_path_factory.mktemp(f"assembly-{name}")
        return name, synth(out, {"proxySessions": json.dumps(contexts[name])})

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(run, contexts))


@pytest.fixture(scope="session")
def emulator() -> Iterator[ChimeVoiceEmulator]:
    with ChimeVoiceEmulator() as running:
        yield running


@pytest.fixture(scope="session")
def sink() -> Iterator[ResponseSink]:
    with ResponseSink() as running:
        yield running


@pytest.fixture
def emu(emulator: ChimeVoiceEmulator) -> ChimeVoiceEmulator:
    """The emulator, emptied, with the demo voice connector and every session id seeded."""
    emulator.reset()
    emulator.add_voice_connector(VC)
    for entry in BASE + CHANGED + FLEET:
        if emulator.session(VC, entry["proxySessionId"]) is None:
            emulator.seed_session(VC, capabilities=["Voice"], session_id=entry["proxySessionId"])
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


def asset_copy_without(asset_dir: Path, tmp_path: Path, missing: str) -> Path:
    """A copy of the asset folder lacking one top-level entry."""
    import shutil

    target = tmp_path / "asset"
    shutil.copytree(
        asset_dir, target, ignore=lambda _dir, names: [n for n in names if n == missing]
    )
    return target
