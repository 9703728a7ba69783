"""Synthesize the demo app with the real CDK CLI and read the cloud assembly it writes."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CDK_BIN = REPO / "node_modules" / ".bin" / "cdk"
NODE_BIN = REPO / "node_modules" / ".bin"
FUNCTION_TYPE = "AWS::Lambda::Function"


class SynthError(RuntimeError):
    """`cdk synth` failed; the message holds what it printed."""


@dataclass(frozen=True)
class Assembly:
    """One synthesized stack: its template and the Lambda asset folder of its function."""

    outdir: Path
    stack_name: str
    template: dict[str, Any]
    template_path: Path
    asset_dir: Path
    asset_hash: str
    stderr: str = ""

    def custom_resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """The template's resources of ``resource_type``, by logical id."""
        return {
            logical_id: resource
            for logical_id, resource in self.template["Resources"].items()
            if resource["Type"] == resource_type
        }


def cli_env() -> dict[str, str]:
    """The environment for the CDK CLI: pinned Node.js first, telemetry and notices off."""
    env = dict(os.environ)
    env["PATH"] = f"{NODE_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    return env


def run_synth(
    outdir: Path, context: dict[str, str] | None = None, app: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `cdk synth` into ``outdir``: the repo's app (cdk.json), or the ``app`` command."""
    command = [str(CDK_BIN), "synth", "--quiet", "--no-notices", "--output", str(outdir)]
    if app is not None:
        command += ["--app", app]
    for key, value in (context or {}).items():
        command += ["--context", f"{key}={value}"]
    return subprocess.run(
        command, cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=300, check=False
    )


def synth(outdir: Path, context: dict[str, str] | None = None, app: str | None = None) -> Assembly:
    """Synthesize into ``outdir`` and return the (single) stack's assembly."""
    finished = run_synth(outdir, context, app)
    if finished.returncode != 0:
        raise SynthError(f"cdk synth failed ({finished.returncode}):\n{finished.stderr}")
    return read_assembly(outdir, stderr=finished.stderr)


def read_assembly(outdir: Path, stderr: str = "") -> Assembly:
    """Read the one stack of a cloud assembly and locate its function's asset folder."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = [
        (name, artifact)
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    ]
    if len(stacks) != 1:
        raise SynthError(f"expected one stack in {outdir}, found {len(stacks)}")
    name, artifact = stacks[0]
    template_path = outdir / artifact["properties"]["templateFile"]
    template = json.loads(template_path.read_text())
    functions = [r for r in template["Resources"].values() if r["Type"] == FUNCTION_TYPE]
    if len(functions) != 1:
        raise SynthError(f"expected one Lambda function in {name}, found {len(functions)}")
    asset_hash = str(functions[0]["Properties"]["Code"]["S3Key"]).removesuffix(".zip")
    # The CLI asks for asset metadata on the resource; an in-process `app.synth()` does not, and
    # then the stack's asset manifest names the folder.
    asset_path = functions[0].get("Metadata", {}).get("aws:asset:path")
    assets_artifact = manifest["artifacts"].get(f"{name}.assets", {})
    assets_file = assets_artifact.get("properties", {}).get("file")
    if not asset_path and assets_file:
        files = json.loads((outdir / assets_file).read_text()).get("files", {})
        asset_path = files.get(asset_hash, {}).get("source", {}).get("path")
    if not asset_path:
        raise SynthError(f"found no asset folder for the function's code ({asset_hash})")
    return Assembly(
        outdir=outdir,
        stack_name=name,
        template=template,
        template_path=template_path,
        asset_dir=outdir / asset_path,
        asset_hash=asset_hash,
        stderr=stderr,
    )
