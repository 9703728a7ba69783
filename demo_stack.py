"""The demo stack: two proxy sessions of one voice connector, declared as construct calls.

``app.py`` synthesizes it; ``make try`` deploys it against the emulator, then deploys the
``updated=True`` variant (both sessions on Voice+SMS with 30 more minutes of expiry) and deletes it.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from constructs import Construct

from chime_proxy_session import Capability, ProxySessionSettings

DEMO_STACK_NAME = "ChimeProxySessionDemo"
DEMO_VOICE_CONNECTOR_ID = "abcdefghij0123456789k"
SUPPORT_LINE_SESSION_ID = "3b1e9f5a-6c2d-4e8f-9a0b-1c2d3e4f5a6b"
SALES_LINE_SESSION_ID = "7d2c4b6a-8e0f-4a1b-9c3d-5e6f7a8b9c0d"


class ProxySessionDemoStack(Stack):
    """A support line (Voice+SMS, two hours, kept on delete) and a sales line (Voice, ended).

    :param updated: the variant ``make try`` deploys as an update: every session on Voice+SMS,
        with 30 more minutes of expiry (the sales line, which leaves its expiry alone, gets 90).
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, updated: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        extra = Duration.minutes(30) if updated else None
        support = ProxySessionSettings(
            self,
            "SupportLine",
            voice_connector_id=DEMO_VOICE_CONNECTOR_ID,
            proxy_session_id=SUPPORT_LINE_SESSION_ID,
            capabilities=[Capability.VOICE, Capability.SMS],
            expiry=Duration.minutes(150) if extra else Duration.minutes(120),
            removal_policy=RemovalPolicy.RETAIN,
        )
        sales = ProxySessionSettings(
            self,
            "SalesLine",
            voice_connector_id=DEMO_VOICE_CONNECTOR_ID,
            proxy_session_id=SALES_LINE_SESSION_ID,
            capabilities=[Capability.VOICE, Capability.SMS] if updated else [Capability.VOICE],
            expiry=Duration.minutes(90) if updated else None,
            removal_policy=RemovalPolicy.DESTROY,
        )
        CfnOutput(self, "SupportLineStatus", value=support.attr_status)
        CfnOutput(self, "SalesLineStatus", value=sales.attr_status)
