"""Shared by the emulator's tests: clients that see the first answer, ids, phone numbers.

botocore's `retries={"max_attempts": N}` counts retries, not attempts: `max_attempts: 1` still
retries once (a reset or read timeout then looks like success). Clients here that must see the
first answer use `total_max_attempts: 1`.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

REPO_ROOT = Path(__file__).resolve().parents[2]
NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})
PHONE_A, PHONE_B = "+12065550100", "+12065550101"
SESSION = "3b1e9f5a-6c2d-4e8f-9a0b-1c2d3e4f5a6b"


def new_vc_id() -> str:
    """A fresh id matching the service's pattern (22 lowercase hex characters)."""
    return uuid.uuid4().hex[:22]


def make_client(
    endpoint_url: str, config: Config | None = None, **kwargs: Any
) -> ChimeSDKVoiceClient:
    """A chime-sdk-voice client for `endpoint_url` that makes one attempt per call."""
    merged = NO_RETRY if config is None else NO_RETRY.merge(config)
    return boto3.client("chime-sdk-voice", endpoint_url=endpoint_url, config=merged, **kwargs)


def http_status(response: Any) -> int:
    """The HTTP status of a boto3 response."""
    return int(response["ResponseMetadata"]["HTTPStatusCode"])


def client_as(
    endpoint_url: str, access_key_id: str, *, region: str, temporary: bool = False
) -> ChimeSDKVoiceClient:
    """A client signing as `access_key_id` for `region`, with a fake secret derived from it.

    `temporary` adds a (fake) session token, as temporary credentials carry.
    """
    return make_client(
        endpoint_url,
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=f"{access_key_id}-fake-secret",
        aws_session_token=f"{access_key_id}-fake-token" if temporary else None,
    )
