"""Demo app: one stack of ProxySessionSettings built from the `proxySessions` context.

`cdk.json` holds a demo list; override it with `cdk synth -c proxySessions='[...]'`. Each entry:
``{"name": "SupportLine", "voiceConnectorId": "...", "proxySessionId": "...",
"capabilities": ["Voice", "SMS"], "expiryMinutes": 120, "removalPolicy": "retain"}``
(``expiryMinutes`` and ``removalPolicy`` are optional). Invalid context ends synth with one line.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# constructs/ is a source root, not a package (see README); make the library importable from it.
sys.path.insert(0, str(Path(__file__).resolve().parent / "constructs"))

import aws_cdk as cdk
from constructs import Construct

from chime_proxy_session import (
    Capability,
    ProxySessionSettings,
    ProxySessionSettingsError,
)

CONTEXT_KEY = "proxySessions"
STACK_NAME_KEY = "stackName"
DEFAULT_STACK_NAME = "ChimeProxySessionDemo"
_ENTRY_KEYS = {
    "name",
    "voiceConnectorId",
    "proxySessionId",
    "capabilities",
    "expiryMinutes",
    "removalPolicy",
}
_POLICIES = {"retain": cdk.RemovalPolicy.RETAIN, "destroy": cdk.RemovalPolicy.DESTROY}


class ContextError(ValueError):
    """The app's context is missing or invalid; the message is the one line the user sees."""


@dataclass(frozen=True)
class SessionEntry:
    """One proxy session from the context."""

    name: str
    voice_connector_id: str
    proxy_session_id: str
    capabilities: tuple[Capability, ...]
    expiry_minutes: int | None
    removal_policy: cdk.RemovalPolicy


def parse_sessions(raw: Any) -> list[SessionEntry]:
    """Parse the `proxySessions` context value (a list, or its JSON text from `-c`)."""
    if raw is None:
        raise ContextError(
            f"context '{CONTEXT_KEY}' is missing: set it in cdk.json or pass "
            f'-c {CONTEXT_KEY}=\'[{{"name": ..., "voiceConnectorId": ..., ...}}]\''
        )
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ContextError(
                f"context '{CONTEXT_KEY}' is not valid JSON ({error.msg} at character "
                f"{error.pos}); pass a JSON list of sessions"
            ) from None
    if not isinstance(raw, list) or not raw:
        raise ContextError(f"context '{CONTEXT_KEY}' must be a non-empty list of sessions")
    entries: list[SessionEntry] = []
    names: set[str] = set()
    for index, item in enumerate(raw):
        where = f"{CONTEXT_KEY}[{index}]"
        if not isinstance(item, dict):
            raise ContextError(f"{where} must be an object, got {item!r}")
        unknown = sorted(set(item) - _ENTRY_KEYS)
        if unknown:
            raise ContextError(
                f"{where} has unknown key(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(_ENTRY_KEYS))}"
            )
        for key in ("name", "voiceConnectorId", "proxySessionId", "capabilities"):
            if key not in item:
                raise ContextError(f"{where}.{key} is required")
        name = item["name"]
        if not isinstance(name, str) or not name.isalnum():
            raise ContextError(f"{where}.name must be letters and digits, got {name!r}")
        if name in names:
            raise ContextError(f"{where}.name {name!r} is used twice; names must be unique")
        names.add(name)
        capabilities = item["capabilities"]
        if not isinstance(capabilities, list):
            raise ContextError(f"{where}.capabilities must be a list, got {capabilities!r}")
        by_value = {capability.value: capability for capability in Capability}
        for capability in capabilities:
            if capability not in by_value:
                raise ContextError(
                    f"{where}.capabilities has {capability!r}; use {', '.join(by_value)}"
                )
        expiry = item.get("expiryMinutes")
        if expiry is not None and (not isinstance(expiry, int) or isinstance(expiry, bool)):
            raise ContextError(f"{where}.expiryMinutes must be a whole number, got {expiry!r}")
        policy = item.get("removalPolicy", "retain")
        if policy not in _POLICIES:
            raise ContextError(f"{where}.removalPolicy must be retain or destroy, got {policy!r}")
        entries.append(
            SessionEntry(
                name=name,
                voice_connector_id=item["voiceConnectorId"],
                proxy_session_id=item["proxySessionId"],
                capabilities=tuple(by_value[c] for c in capabilities),
                expiry_minutes=expiry,
                removal_policy=_POLICIES[policy],
            )
        )
    return entries


class ProxySessionDemoStack(cdk.Stack):
    """A stack with one ProxySessionSettings per context entry."""

    def __init__(
        self, scope: Construct, construct_id: str, *, sessions: list[SessionEntry], **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        for entry in sessions:
            settings = ProxySessionSettings(
                self,
                entry.name,
                voice_connector_id=entry.voice_connector_id,
                proxy_session_id=entry.proxy_session_id,
                capabilities=entry.capabilities,
                expiry=(
                    None
                    if entry.expiry_minutes is None
                    else cdk.Duration.minutes(entry.expiry_minutes)
                ),
                removal_policy=entry.removal_policy,
            )
            cdk.CfnOutput(self, f"{entry.name}Status", value=settings.attr_status)


def build_app(app: cdk.App) -> cdk.Stack:
    """Build the demo stack from the app's context; raise ContextError on bad context."""
    sessions = parse_sessions(app.node.try_get_context(CONTEXT_KEY))
    stack_name = app.node.try_get_context(STACK_NAME_KEY) or DEFAULT_STACK_NAME
    try:
        return ProxySessionDemoStack(app, str(stack_name), sessions=sessions)
    except ProxySessionSettingsError as error:
        raise ContextError(str(error)) from None


def main() -> int:
    """Synthesize the demo app; print one line and exit 1 on bad context."""
    app = cdk.App()
    try:
        build_app(app)
    except ContextError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
