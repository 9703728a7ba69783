"""The demo stack: from nothing to proxy sessions in one deploy, declared as construct calls.

The chain the stack makes: a voice connector (``CfnVoiceConnector``, which CloudFormation
creates), phone numbers ordered for it and assigned to it (``PhoneNumbers``), its proxy
configuration, which waits for those numbers (``VoiceConnectorProxy``), and two sessions created
on it (``ProxySession``, participants through Secrets Manager dynamic references).

Beside it, the existing voice connector (``DEMO_VOICE_CONNECTOR_ID``) already carries proxy
sessions created elsewhere, under a proxy configuration made elsewhere too: the stack declares
the settings of two of those sessions (``ProxySessionSettings``) and leaves the configuration
alone. A ``VoiceConnectorProxy`` on it would fail its Create, as it refuses to put over a
configuration it did not make unless ``adopt_existing=True``; the demo takes nothing over.

``app.py`` synthesizes it; ``make try`` deploys it against the emulator, then the
``updated=True`` variant, then deletes it. The update shows each kind of change: two more phone
numbers (the handler orders the difference), in place (the proxy's default expiry, the settings,
the Booking session's capabilities) and a replacement (the Courier session's participants).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_chime as chime
from constructs import Construct

from chime_proxy_session import (
    Capability,
    PhoneNumbers,
    ProxySession,
    ProxySessionSettings,
    VoiceConnectorProxy,
)

DEMO_STACK_NAME = "ChimeProxySessionDemo"
# The existing voice connector: its sessions and its proxy configuration were made elsewhere.
DEMO_VOICE_CONNECTOR_ID = "abcdefghij0123456789k"
SUPPORT_LINE_SESSION_ID = "3b1e9f5a-6c2d-4e8f-9a0b-1c2d3e4f5a6b"
SALES_LINE_SESSION_ID = "7d2c4b6a-8e0f-4a1b-9c3d-5e6f7a8b9c0d"
# The phone numbers the stack orders for its voice connector: the proxy's numbers. The update
# variant orders two more.
DEMO_PHONE_NUMBER_COUNT = 2
DEMO_PHONE_NUMBER_COUNT_UPDATED = DEMO_PHONE_NUMBER_COUNT + 2
DEMO_AREA_CODE = "206"
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
    """A voice connector, its phone numbers, its proxy configuration and two sessions created on
    it; the settings of two sessions on the existing voice connector.

    :param updated: the variant ``make try`` deploys as an update: two more phone numbers; the
        proxy's default expiry 90 minutes; the settings of both lines on Voice+SMS with 30 more
        minutes (the sales line, which leaves its expiry alone, gets 90); the Booking session on
        Voice+SMS (in place); the Courier session with another driver (a new session replaces
        it).
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

        # In the stack's region: without aws_region, CreateVoiceConnector makes it in us-east-1.
        connector = chime.CfnVoiceConnector(
            self, "Connector", name="proxy-demo", require_encryption=True, aws_region=self.region
        )
        numbers = PhoneNumbers(
            self,
            "Numbers",
            count=DEMO_PHONE_NUMBER_COUNT_UPDATED if updated else DEMO_PHONE_NUMBER_COUNT,
            country="US",
            area_code=DEMO_AREA_CODE,
            voice_connector=connector,
            # Released when the stack is deleted (each restorable for 7 days from the service's
            # deletion queue). RETAIN, the default, would keep them assigned, and the stack's
            # delete would then fail on the voice connector, which the service refuses to delete
            # while numbers are assigned to it.
            removal_policy=RemovalPolicy.DESTROY,
        )
        proxy = VoiceConnectorProxy(
            self,
            "Proxy",
            voice_connector=connector,
            default_session_expiry=Duration.minutes(90 if updated else 60),
            phone_number_pool_countries=["US"],
            phone_numbers=[numbers],  # its proxy numbers: the configuration waits for them
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
        CfnOutput(self, "VoiceConnectorId", value=connector.attr_voice_connector_id)
        CfnOutput(self, "PhoneNumbers", value=numbers.attr_phone_numbers)
        CfnOutput(self, "BookingNumbers", value=booking.attr_proxy_phone_numbers)
        CfnOutput(self, "CourierNumbers", value=courier.attr_proxy_phone_numbers)
