"""Dynamic references (``{{resolve:secretsmanager:...}}``, ``{{resolve:ssm:...}}``): values
CloudFormation resolves as it sends a request and never shows.

Without ``--resolve-secrets`` a string holding one becomes ``Hidden``, and whatever it declares is
not compared. With it, ``SecretReader`` reads each one as CloudFormation does, with the caller's
permissions, in the stack's region: Secrets Manager ``GetSecretValue`` (``SecretString``, a JSON
key, a version stage or a version id) and SSM ``GetParameter`` (a version or label after the name;
``ssm-secure`` decrypted). A value read here is never shown: the check masks it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Final

from botocore import xform_name

from .handler import chime_calls
from .stack import aws_call
from .template import Hidden, Unresolved

_REFERENCE: Final = re.compile(r"\{\{resolve:(secretsmanager|ssm|ssm-secure):([^{}]+)\}\}")
# An ARN's fields up to the secret's name: arn:partition:secretsmanager:region:account:secret:name
_ARN_FIELDS: Final = 7


def references(text: str) -> list[str]:
    """The services of the dynamic references in ``text`` (``secretsmanager``, ``ssm``, ...)."""
    return [match.group(1) for match in _REFERENCE.finditer(text)]


class SecretReader:
    """Reads dynamic references with the caller's permissions; each once."""

    def __init__(self, client: Callable[[str], Any], policy: chime_calls.RetryPolicy) -> None:
        self._client = client
        self._policy = policy
        self._read: dict[str, str] = {}

    def value(self, service: str, argument: str) -> str:
        """What ``{{resolve:<service>:<argument>}}`` resolves to."""
        key = f"{service}:{argument}"
        if key not in self._read:
            read = self._secret if service == "secretsmanager" else self._parameter
            self._read[key] = read(service, argument)
        return self._read[key]

    def _secret(self, service: str, argument: str) -> str:
        parts = argument.split(":")
        split = _ARN_FIELDS if parts[0] == "arn" else 1
        secret_id, rest = ":".join(parts[:split]), [*parts[split:], "", "", "", ""]
        kind, json_key, stage, version = rest[:4]
        if kind not in ("", "SecretString"):
            raise Unresolved(f"{{{{resolve:{service}:...}}}} asks for {kind}; only SecretString")
        request = {"SecretId": secret_id}
        request |= {"VersionStage": stage} if stage else {}
        request |= {"VersionId": version} if version else {}
        answer = self._call("secretsmanager:GetSecretValue", secret_id, service, request)
        text = str(answer.get("SecretString") or "")
        if not json_key:
            return text
        try:
            found = json.loads(text)[json_key]
        except (ValueError, KeyError, TypeError):
            raise Unresolved(
                f"the secret {secret_id} holds no JSON key {json_key!r} (its value is not shown)"
            ) from None
        return str(found)

    def _parameter(self, service: str, argument: str) -> str:
        request = {"Name": argument, "WithDecryption": service == "ssm-secure"}
        answer = self._call("ssm:GetParameter", argument, "ssm", request)
        return str((answer.get("Parameter") or {}).get("Value") or "")

    def _call(
        self, action: str, resource: str, client: str, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        method = getattr(self._client(client), xform_name(action.split(":")[1]))
        return aws_call(action, resource, partial(method, **request), self._policy)


def reveal(value: Any, reader: SecretReader | None) -> tuple[Any, bool]:
    """``value`` with each string holding a dynamic reference resolved by ``reader`` (``Hidden``
    without one), and whether it held any."""
    if isinstance(value, str):
        found = references(value)
        if not found:
            return value, False
        if reader is None:
            return Hidden(f"a {{{{resolve:{found[0]}:...}}}} reference"), True
        return _REFERENCE.sub(lambda match: reader.value(match[1], match[2]), value), True
    if isinstance(value, list):
        pairs = [reveal(item, reader) for item in value]
        return [item for item, _ in pairs], any(held for _, held in pairs)
    if isinstance(value, Mapping):
        named = {key: reveal(item, reader) for key, item in value.items()}
        return {key: item for key, (item, _) in named.items()}, any(
            held for _, held in named.values()
        )
    return value, False
