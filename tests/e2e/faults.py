"""The fault runner every e2e fault module shares: scenarios against the emulator through the real
asset in its own process, each one's Lambda output kept for a leak scan at the end.

A module names its app, its resource type, how the emulator is prepared and its scenarios
(``Faults``); each scenario gets an ``Env`` (the emulator, the ResponseURL sink, moto's DynamoDB,
the app, and a stack factory) and checks CloudFormation's answers. Each stack's function has the
environment the app's template gives it: its own claim table when the app declares one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from harness.dynamodb import DynamoDBServer
from harness.emulator import ChimeVoiceEmulator
from harness.lifecycle import CloudFormationStack, Invocation, LambdaRunner
from harness.response_sink import ResponseSink
from harness.synth import Assembly


@dataclass
class Env:
    """What a scenario needs: the emulator, the sink, moto's DynamoDB, the app, and every
    invocation it made."""

    emu: ChimeVoiceEmulator
    sink: ResponseSink
    dynamodb: DynamoDBServer
    assembly: Assembly
    resource_type: str
    invocations: list[Invocation] = field(default_factory=list)

    def stack(self, *, timeout: float = 120.0, endpoint: str | None = None) -> CloudFormationStack:
        """A new stack whose function calls the emulator (or ``endpoint``) within ``timeout``,
        with its own claim table when the app declares one (``runner.claim_table``)."""
        runner = LambdaRunner.for_assembly(
            self.assembly,
            endpoint_url=endpoint or self.emu.endpoint_url,
            sink=self.sink,
            dynamodb=self.dynamodb,
            timeout_seconds=timeout,
        )
        return CloudFormationStack(runner, on_invocation=self.invocations.append)

    def template(self, *names: str) -> dict[str, Any]:
        """The app's template with only the named resources of its type (by logical id prefix)."""
        template = self.assembly.template
        resources = {
            lid: resource
            for lid, resource in template["Resources"].items()
            if resource["Type"] != self.resource_type or lid.startswith(names)
        }
        return {**template, "Resources": resources}


def first(operation: Any) -> dict[str, Any]:
    """The answer to the operation's first request (a failed Create's rollback follows it)."""
    response = operation.invocations[0].response
    assert response is not None
    return dict(response)


Scenario = Callable[[Env], None]


@dataclass
class Faults:
    """A module's scenarios, the app and resource type they run on, and their kept output."""

    app: str
    resource_type: str
    prepare: Callable[[ChimeVoiceEmulator], None]
    scenarios: dict[str, Scenario]
    logs: dict[str, list[Invocation]] = field(default_factory=dict)

    def env(
        self,
        emu: ChimeVoiceEmulator,
        sink: ResponseSink,
        ddb: DynamoDBServer,
        assemblies: dict[str, Assembly],
    ) -> Env:
        """A fresh scenario's Env, the emulator prepared."""
        emu.faults.clear()
        self.prepare(emu)
        return Env(emu, sink, ddb, assemblies[self.app], self.resource_type)

    def run(self, name: str, env: Env) -> None:
        """Run one scenario, then clear the faults and keep its output."""
        try:
            self.scenarios[name](env)
        finally:
            env.emu.faults.clear()
            self.logs[name] = list(env.invocations)

    def all_invocations(
        self,
        emu: ChimeVoiceEmulator,
        sink: ResponseSink,
        ddb: DynamoDBServer,
        assemblies: dict[str, Assembly],
    ) -> list[Invocation]:
        """Every scenario's invocations, running those not yet run in this session."""
        for name in self.scenarios:
            if name not in self.logs:
                self.run(name, self.env(emu, sink, ddb, assemblies))
        return [item for name in self.scenarios for item in self.logs[name]]

    def test(self) -> Callable[..., None]:
        """The module's ``test_fault``: one test per scenario, in a fresh Env."""

        @pytest.mark.parametrize("name", list(self.scenarios))
        def test_fault(
            name: str,
            emu: ChimeVoiceEmulator,
            sink: ResponseSink,
            ddb: DynamoDBServer,
            assemblies: dict[str, Assembly],
        ) -> None:
            self.run(name, self.env(emu, sink, ddb, assemblies))

        return test_fault
