"""The demo stack: a proxy setup on two voice connectors, declared as construct calls.

The existing voice connector (``DEMO_VOICE_CONNECTOR_ID``) already carries proxy sessions created
elsewhere, so it already has a proxy configuration, made elsewhere too: the stack declares the
settings of two of those sessions (``ProxySessionSettings``) and leaves the configuration alone.
A new voice connector (``DEMO_NEW_VOICE_CONNECTOR_ID``) has no configuration yet: the stack puts
one (``VoiceConnectorProxy``) and creates two sessions on it (``ProxySession``, participants
through Secrets Manager dynamic references). A ``VoiceConnectorProxy`` on the existing voice
connector would fail its Create, as it refuses to put over a configuration it did not make unless
``adopt_existing=True``; the demo takes nothing over.

``app.py`` synthesizes it; ``make try`` deploys it against the emulator, then the
``updated=True`` variant, then deletes it. The update shows each kind of change: in place (the
proxy's default expiry, the settings, the Booking session's capabilities) and a replacement (the
Courier session's participants).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from constructs import Construct

from chime_proxy_session import (
    Capability,
    ProxySession,
    ProxySessionSettings,
    VoiceConnectorProxy,
)

DEMO_STACK_NAME = "ChimeProxySessionDemo"
# The existing voice connector: its sessions and its proxy configuration were made elsewhere.
DEMO_VOICE_CONNECTOR_ID = "abcdefghij0123456789k"
# A voice connector without a proxy configuration: the stack configures it and creates sessions.
DEMO_NEW_VOICE_CONNECTOR_ID = "mnopqrstuv0123456789a"
SUPPORT_LINE_SESSION_ID = "3b1e9f5a-6c2d-4e8f-9a0b-1c2d3e4f5a6b"
SALES_LINE_SESSION_ID = "7d2c4b6a-8e0f-4a1b-9c3d-5e6f7a8b9c0d"
# The participants: Secrets Manager dynamic references, resolved by CloudFormation (and by
# `make try`, from DEMO_SECRETS: fictitious numbers) and never stored in the template.
BOOKING_CUSTOMER = "{{resolve:secretsmanager:demo/booking:SecretString:customer}}"
BOOKING_AGENT = "{{resolve:secretsmanager:demo/booking:SecretString:agent}}"
COURIER_CUSTOMER = "{{resolve:secretsmanager:demo/courier:SecretString:customer}}"
COURIER_DRIVER = "{{resolve:secretsmanager:demo/courier:SecretString:driver}}"
COURIER_NEW_DRIVER = "{{resolve:secretsmanager:demo/courier:SecretString:nextDriver}}"
DEMO_SECRETS = {
    BOOKING_CUSTOMER: "+12065550100",
    BOOKING_AGENT: "+12065550111",
    COURIER_CUSTOMER: "+14255550122",
    COURIER_DRIVER: "+14255550133",
    COURIER_NEW_DRIVER: "+14255550144",
}


class ProxySessionDemoStack(Stack):
    """The settings of two sessions on the existing voice connector; the new voice connector's
    proxy configuration and two sessions created on it.

    :param updated: the variant ``make try`` deploys as an update: the proxy's default expiry
        90 minutes; the settings of both lines on Voice+SMS with 30 more minutes (the sales
        line, which leaves its expiry alone, gets 90); the Booking session on Voice+SMS (in
        place); the Courier session with another driver (a new session replaces it).
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

        proxy = VoiceConnectorProxy(
            self,
            "Proxy",
            voice_connector_id=DEMO_NEW_VOICE_CONNECTOR_ID,
            default_session_expiry=Duration.minutes(90 if updated else 60),
            phone_number_pool_countries=["US"],
        )
        booking = ProxySession(
            self,
            "Booking",
            voice_connector_proxy=proxy,
            participant_phone_numbers=[BOOKING_CUSTOMER, BOOKING_AGENT],
            capabilities=[Capability.VOICE, Capability.SMS] if updated else [Capability.VOICE],
            expiry=Duration.hours(2),
        )
        courier = ProxySession(
            self,
            "Courier",
            voice_connector_proxy=proxy,
            participant_phone_numbers=[
                COURIER_CUSTOMER,
                COURIER_NEW_DRIVER if updated else COURIER_DRIVER,
            ],
            capabilities=[Capability.SMS],
        )
        CfnOutput(self, "BookingNumbers", value=booking.attr_proxy_phone_numbers)
        CfnOutput(self, "CourierNumbers", value=courier.attr_proxy_phone_numbers)
