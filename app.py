"""The demo app: synthesizes ``ProxySessionDemoStack`` (``demo_stack.py``).

``cdk synth`` runs it (see cdk.json), and so does ``.venv/bin/python app.py``; both synthesize
with cdk.json's context (the feature flags), so they build the same template.
``-c demoUpdated=true`` synthesizes the variant that ``make try`` deploys as an update.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

_REPO = Path(__file__).resolve().parent
# constructs/ is a source root, not a package (see README); make the library importable from it.
sys.path.insert(0, str(_REPO / "constructs"))
# jsii starts `node` from PATH: prefer the pinned Node.js 22 that `make setup` installs, as the
# Makefile and the CDK CLI runs do, when the app is run as `python app.py`.
if (_REPO / "node_modules" / ".bin" / "node").exists():
    os.environ["PATH"] = (
        f"{_REPO / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    )

import aws_cdk as cdk  # noqa: E402 - after the path set-up above

from demo_stack import DEMO_STACK_NAME, ProxySessionDemoStack  # noqa: E402

UPDATED_CONTEXT_KEY = "demoUpdated"
CDK_JSON = _REPO / "cdk.json"


def cdk_json_context() -> dict[str, Any]:
    """cdk.json's context: what the CDK CLI passes to the app, for a run without the CLI.

    ``cdk.App()`` does not read cdk.json; context the CLI passes (``-c ...``) still wins over this.
    """
    context: dict[str, Any] = json.loads(CDK_JSON.read_text())["context"]
    return context


def build_app(app: cdk.App) -> ProxySessionDemoStack:
    """Add the demo stack to ``app``; the ``demoUpdated`` context selects the update variant."""
    updated = str(app.node.try_get_context(UPDATED_CONTEXT_KEY)).lower() == "true"
    return ProxySessionDemoStack(app, DEMO_STACK_NAME, updated=updated)


if __name__ == "__main__":
    demo_app = cdk.App(context=cdk_json_context())
    build_app(demo_app)
    demo_app.synth()
