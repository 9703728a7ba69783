"""The library as another project gets it: a wheel installed into a fresh virtualenv.

Everything here stays off the network. The wheel is built with ``python -m build --wheel
--no-isolation`` (hatchling is pinned in the repo's venv) and installed with ``pip install
--no-index --no-deps``. The fresh venv then needs the library's dependencies (aws-cdk-lib,
constructs, crhelper, ...) without downloading them: a ``.pth`` file appends the repo venv's
site-packages to its ``sys.path``. Entries of that folder come after the fresh venv's own
site-packages, and ``.pth`` files inside an appended folder are not processed, so the only
``chime_proxy_session`` the consumer can import is the installed wheel. ``pip check`` then proves
that what the wheel declares is satisfied by what the consumer sees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

import proxy_contract as contract
from chime_proxy_session import Capability, ProxySessionSettings
from harness.synth import NODE_BIN, Assembly, read_assembly

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
HANDLER_MODULES = sorted(path.name for path in (REPO / "lambda").glob("*.py"))
SESSION_ID = "3b1e9f5a-6c2d-4e8f-9a0b-1c2d3e4f5a6b"

CONSUMER_APP = textwrap.dedent(
    f"""
    import json

    import aws_cdk as cdk
    import chime_proxy_session
    from aws_cdk import aws_chime as chime
    from chime_proxy_session import Capability, ProxySessionSettings
    from chime_proxy_session.contract import HANDLER_DIR

    app = cdk.App()
    stack = cdk.Stack(app, "ConsumerTelephony")
    connector = chime.CfnVoiceConnector(
        stack, "Connector", name="consumer", require_encryption=True, aws_region="us-east-1"
    )
    settings = ProxySessionSettings(
        stack,
        "SupportLine",
        voice_connector_id=connector.attr_voice_connector_id,
        proxy_session_id={SESSION_ID!r},
        capabilities=[Capability.VOICE, Capability.SMS],
        expiry=cdk.Duration.hours(1),
    )
    cdk.CfnOutput(stack, "Status", value=settings.attr_status)
    app.synth()
    print(json.dumps({{"library": chime_proxy_session.__file__, "handler_dir": str(HANDLER_DIR)}}))
    """
)


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command; fail the test with its output if it fails."""
    finished = subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, **kwargs
    )
    assert finished.returncode == 0, (
        f"{command[:4]} failed ({finished.returncode}):\n{finished.stdout}\n{finished.stderr}"
    )
    return finished


def fresh_venv(where: Path) -> Path:
    """A virtualenv that sees the repo venv's packages through a .pth file; return its python."""
    run([sys.executable, "-m", "venv", "--without-pip", str(where)])
    python = where / "bin" / "python"
    purelib = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    ).stdout.strip()
    # The dependencies, already installed in the repo's venv: no registry, no download.
    (Path(purelib) / "_repo_venv_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    return python


def pip(python: Path, *args: str, cwd: Path | None = None) -> str:
    """Run the repo venv's pip against the environment of ``python``, never the network."""
    return run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "--disable-pip-version-check",
            *args,
        ],
        cwd=cwd,
    ).stdout


def consumer_env(outdir: Path) -> dict[str, str]:
    """The consumer's environment: pinned Node.js for jsii, output folder, nothing of the repo."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PYTHON") and key != "VIRTUAL_ENV"
    }
    env["PATH"] = f"{NODE_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["CDK_OUTDIR"] = str(outdir)
    return env


@dataclass(frozen=True)
class Consumer:
    """A consumer project outside the repo, synthesized with the wheel-installed library."""

    wheel: Path
    python: Path
    assembly: Assembly
    reported: dict[str, str]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from the working tree without build isolation (offline)."""
    outdir = tmp_path_factory.mktemp("dist")
    run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(outdir), "."],
        cwd=REPO,
    )
    (built,) = outdir.glob("cdk_chime_proxy_session-*.whl")
    return built


@pytest.fixture(scope="module")
def consumer(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Consumer:
    """Install the wheel into a fresh venv and synthesize a consumer app with it."""
    root = tmp_path_factory.mktemp("consumer")
    assert REPO not in root.parents
    python = fresh_venv(root / "venv")
    pip(python, "install", "--no-index", "--no-deps", "--quiet", str(wheel))
    project = root / "project"
    project.mkdir()
    (project / "app.py").write_text(CONSUMER_APP)
    outdir = project / "cdk.out"
    # -I: no PYTHONPATH, no user site, not the script's folder: only the venv's own sys.path.
    finished = run([str(python), "-I", "app.py"], cwd=project, env=consumer_env(outdir))
    reported = json.loads(finished.stdout.strip().splitlines()[-1])
    return Consumer(wheel, python, read_assembly(outdir), reported)


def test_wheel_holds_the_package_the_handler_and_py_typed(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    package = {name for name in names if name.startswith("chime_proxy_session/")}
    source = REPO / "constructs" / "chime_proxy_session"
    assert package == {
        "chime_proxy_session/py.typed",
        *(
            f"chime_proxy_session/{path.relative_to(source).as_posix()}"
            for path in source.rglob("*.py")
        ),
        *(f"chime_proxy_session/_handler/{module}" for module in HANDLER_MODULES),
    }
    # The drift check runs as `python -m chime_proxy_session.drift` and as a console script.
    assert "chime_proxy_session/drift/__main__.py" in package
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    assert "chime-proxy-session-drift = chime_proxy_session.drift.cli:main" in (
        zipfile.ZipFile(wheel).read(entry_points).decode()
    )
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    requires = [
        line.split(":", 1)[1].strip()
        for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist:")
    ]
    assert "crhelper==2.0.12" in requires
    assert any(line.startswith("boto3") for line in requires)


def test_wheel_carries_the_apache_license(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    (license_file,) = [name for name in names if name.endswith(".dist-info/licenses/LICENSE")]
    text = archive.read(license_file).decode()
    assert text == (REPO / "LICENSE").read_text()
    assert "Apache License\n                           Version 2.0, January 2004" in text
    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    headers = archive.read(metadata).decode().split("\n\n", 1)[0].splitlines()
    assert "License-Expression: Apache-2.0" in headers
    assert "License-File: LICENSE" in headers


def test_consumer_imports_the_installed_wheel_not_the_repo(consumer: Consumer) -> None:
    library = Path(consumer.reported["library"])
    venv = consumer.python.parent.parent
    assert venv in library.parents
    assert REPO not in library.parents
    handler_dir = Path(consumer.reported["handler_dir"])
    assert handler_dir == library.parent / "_handler"
    assert (library.parent / "py.typed").is_file()


def test_installed_dependencies_satisfy_the_wheel(consumer: Consumer) -> None:
    assert "No broken requirements found" in pip(consumer.python, "check")


def test_consumer_template_composes_with_its_own_voice_connector(consumer: Consumer) -> None:
    resources = consumer.assembly.template["Resources"]
    (connector_id,) = [
        logical_id
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Chime::VoiceConnector"
    ]
    (settings,) = consumer.assembly.custom_resources(contract.SETTINGS_RESOURCE_TYPE).values()
    properties = settings["Properties"]
    assert properties["VoiceConnectorId"] == {"Fn::GetAtt": [connector_id, "VoiceConnectorId"]}
    assert properties["ProxySessionId"] == SESSION_ID
    assert properties["Capabilities"] == ["Voice", "SMS"]
    assert properties["ExpiryMinutes"] == 60
    assert properties["ServiceToken"]["Fn::GetAtt"][1] == "Arn"


def test_consumer_asset_holds_the_handler_and_crhelper(consumer: Consumer) -> None:
    asset = consumer.assembly.asset_dir
    assert REPO not in asset.parents
    for module in HANDLER_MODULES:
        assert (asset / module).read_bytes() == (REPO / "lambda" / module).read_bytes(), module
    assert (asset / "crhelper" / "__init__.py").is_file()
    assert sorted(path.name for path in asset.iterdir()) == sorted([*HANDLER_MODULES, "crhelper"])


def test_consumer_asset_hash_equals_the_source_checkouts(
    consumer: Consumer, tmp_path: Path
) -> None:
    """The hash covers what ships, not where it came from (site-packages or lambda/)."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "FromSource")
    ProxySessionSettings(
        stack,
        "Line",
        voice_connector_id="abcdefghij0123456789k",
        proxy_session_id=SESSION_ID,
        capabilities=[Capability.VOICE],
    )
    app.synth()
    assert read_assembly(tmp_path).asset_hash == consumer.assembly.asset_hash


def test_pip_install_dot_installs_the_handler_too(tmp_path: Path) -> None:
    python = fresh_venv(tmp_path / "venv")
    pip(
        python,
        "install",
        "--no-index",
        "--no-deps",
        "--no-build-isolation",
        "--quiet",
        ".",
        cwd=REPO,
    )
    located = run(
        [
            str(python),
            "-I",
            "-c",
            "import chime_proxy_session; print(chime_proxy_session.__file__)",
        ],
        cwd=tmp_path,
    ).stdout.strip()
    package = Path(located).parent
    assert tmp_path in package.parents
    # pip compiles the modules it installs; the asset takes only the .py files.
    shipped = sorted(path.name for path in (package / "_handler").glob("*.py"))
    assert shipped == HANDLER_MODULES
    assert (package / "py.typed").is_file()
