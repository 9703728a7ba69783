"""Test-wide setup: fake AWS credentials and a region before anything imports boto3 or crhelper.

Nothing here reaches the network: the credentials are fake and every endpoint a test uses is local.
"""

from __future__ import annotations

import os
from pathlib import Path

_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "fake-session-token",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "CDK_DISABLE_CLI_TELEMETRY": "true",
}
for _key, _value in _FAKE_ENV.items():
    os.environ[_key] = _value
for _key in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
    os.environ.pop(_key, None)
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

# jsii spawns `node` from PATH: prefer the pinned Node.js 22 that `make setup` installs, so the
# machine's end-of-life Node.js never prints its banner into test output.
_NODE_BIN = Path(__file__).resolve().parents[1] / "node_modules" / ".bin"
if _NODE_BIN.is_dir():
    os.environ["PATH"] = f"{_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
