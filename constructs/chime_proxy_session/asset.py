"""The function's code asset: the handler modules and crhelper, bundled by copying files.

No Docker and no network: the same bytes, and so the same asset hash, on every synth, from a
source checkout or an installed wheel.
"""

from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path
from typing import Any, cast

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from .contract import HANDLER_DIR


def handler_sources() -> list[Path]:
    """The handler modules that ship: every top-level ``.py`` file of the handler folder."""
    return sorted(path for path in HANDLER_DIR.glob("*.py") if path.is_file())


def _crhelper_files() -> list[tuple[Path, str]]:
    """crhelper's installed files (package and licence), as (source, path in the asset)."""
    distribution = metadata.distribution("crhelper")
    files: list[tuple[Path, str]] = []
    for entry in distribution.files or []:
        relative = str(entry)
        if "__pycache__" in relative or relative.endswith(".pyc"):
            continue
        if relative.startswith("crhelper/"):
            files.append((Path(str(distribution.locate_file(entry))), relative))
        elif relative.endswith(("LICENSE", "NOTICE")):
            files.append(
                (Path(str(distribution.locate_file(entry))), f"crhelper/{Path(relative).name}")
            )
    if not any(target == "crhelper/__init__.py" for _, target in files):
        raise RuntimeError(
            "crhelper is not installed where this library runs; install it "
            "(pip install crhelper==2.0.12) so the handler asset can include it."
        )
    return files


@jsii.implements(ILocalBundling)
class _CopyBundler:
    """Bundles the asset by copying files: no Docker, no network, same bytes every time."""

    def try_bundle(self, output_dir: str, options: Any) -> bool:
        """Copy the handler modules and crhelper into ``output_dir``; never falls back to Docker."""
        out = Path(output_dir)
        for source in handler_sources():
            shutil.copyfile(source, out / source.name)
        for source, target in _crhelper_files():
            destination = out / target
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
        return True


def handler_code() -> lambda_.Code:
    """The Lambda code asset of the handler folder, bundled locally by ``_CopyBundler``."""
    return lambda_.Code.from_asset(
        str(HANDLER_DIR),
        asset_hash_type=AssetHashType.OUTPUT,
        bundling=BundlingOptions(
            image=DockerImage.from_registry("scratch"),
            # jsii calls try_bundle(output_dir, options) with the options as one struct, not as
            # the keyword arguments of the generated Protocol; hence the cast.
            local=cast(ILocalBundling, _CopyBundler()),
        ),
    )
