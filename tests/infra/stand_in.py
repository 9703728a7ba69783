"""A VoiceConnectorProxy for ProxySession tests: what a session reads of its proxy."""

from __future__ import annotations

import itertools

import aws_cdk as cdk

from chime_proxy_session import VoiceConnectorProxy

PROXY_VC = "klmnopqrst9876543210a"
_OTHERS = itertools.count()


def stand_in(
    stack: cdk.Stack, construct_id: str, region: str | None = None, *, unique: bool = False
) -> VoiceConnectorProxy:
    """A VoiceConnectorProxy on PROXY_VC (or, with ``unique``, a voice connector of its own)."""
    voice_connector_id = f"klmnopqrst98765432{next(_OTHERS):03d}b" if unique else PROXY_VC
    return VoiceConnectorProxy(
        stack,
        construct_id,
        voice_connector_id=voice_connector_id,
        default_session_expiry=cdk.Duration.minutes(60),
        phone_number_pool_countries=["US"],
        region=region,
    )
