"""The emulator's records of voice connectors, the account's phone numbers and its orders.

Each renders its structure of botocore's model (`to_api`): iso8601 strings on the wire, datetimes
(as boto3 returns them) for the snapshots the set-up helpers give tests.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote

from harness.emulator.model import iso8601

ACCOUNT: Final = "123456789012"
"""The account every voice connector and phone number belongs to."""
DEFAULT_REGION: Final = "us-east-1"
"""A voice connector's AwsRegion when CreateVoiceConnector names none (the model's default)."""
VOICE_CONNECTOR_ASSOCIATION: Final = "VoiceConnectorId"
"""The Name of a phone number's association with a voice connector."""
_ID_ALPHABET: Final = string.ascii_lowercase + string.digits
_ID_LENGTH: Final = 22


def stamp(moment: datetime, *, wire: bool) -> str | datetime:
    """A timestamp as the wire carries it (iso8601), or the datetime boto3 parses it to."""
    return iso8601(moment) if wire else moment


def new_voice_connector_id() -> str:
    """A fresh id like the service's: 22 lower-case letters and digits."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))


def phone_number_id(e164: str) -> str:
    """The PhoneNumberId the service answers for a number: the E.164 number, URL-encoded.

    AWS's examples of GetPhoneNumber, ListPhoneNumbers, RestorePhoneNumber and UpdatePhoneNumber
    answer "PhoneNumberId": "%2B12065550100" for "+12065550100" (and pass the E.164 number as
    the request's PhoneNumberId); requests here accept either form.
    """
    return quote(e164, safe="")


@dataclass(slots=True)
class VoiceConnector:
    """One voice connector, as the service keeps it."""

    voice_connector_id: str
    name: str
    aws_region: str
    require_encryption: bool
    created: datetime
    updated: datetime
    network_type: str | None = None
    integration_type: str | None = None

    @property
    def arn(self) -> str:
        """Its VoiceConnectorArn."""
        return f"arn:aws:chime:{self.aws_region}:{ACCOUNT}:vc/{self.voice_connector_id}"

    def to_api(self, *, wire: bool) -> dict[str, Any]:
        """The VoiceConnector structure."""
        data: dict[str, Any] = {
            "VoiceConnectorId": self.voice_connector_id,
            "AwsRegion": self.aws_region,
            "Name": self.name,
            "OutboundHostName": f"{self.voice_connector_id}.voiceconnector.chime.aws",
            "RequireEncryption": self.require_encryption,
            "CreatedTimestamp": stamp(self.created, wire=wire),
            "UpdatedTimestamp": stamp(self.updated, wire=wire),
            "VoiceConnectorArn": self.arn,
        }
        if self.network_type is not None:
            data["NetworkType"] = self.network_type
        if self.integration_type is not None:
            data["IntegrationType"] = self.integration_type
        return data


@dataclass(slots=True)
class PhoneNumber:
    """One phone number of the account's inventory (or its deletion queue).

    Attributes:
        associations: (Name, Value, when) of each association, e.g. ("VoiceConnectorId", id, t).
    """

    e164: str
    country: str
    type: str
    product_type: str
    status: str
    created: datetime
    updated: datetime
    order_id: str | None = None
    name: str | None = None
    deleted: datetime | None = None
    associations: list[tuple[str, str, datetime]] = field(default_factory=list)

    @property
    def voice_connector_id(self) -> str | None:
        """The voice connector it is associated with, if any."""
        for name, value, _ in self.associations:
            if name == VOICE_CONNECTOR_ASSOCIATION:
                return value
        return None

    def to_api(self, *, wire: bool) -> dict[str, Any]:
        """The PhoneNumber structure (no PhoneNumberArn: its format is not documented)."""
        local = self.type == "Local"
        data: dict[str, Any] = {
            "PhoneNumberId": phone_number_id(self.e164),
            "E164PhoneNumber": self.e164,
            "Country": self.country,
            "Type": self.type,
            "ProductType": self.product_type,
            "Status": self.status,
            "Capabilities": {
                "InboundCall": True,
                "OutboundCall": True,
                "InboundSMS": local,
                "OutboundSMS": local,
                "InboundMMS": local,
                "OutboundMMS": local,
            },
            "Associations": [
                {"Value": value, "Name": name, "AssociatedTimestamp": stamp(when, wire=wire)}
                for name, value, when in self.associations
            ],
            "CreatedTimestamp": stamp(self.created, wire=wire),
            "UpdatedTimestamp": stamp(self.updated, wire=wire),
        }
        if self.deleted is not None:
            data["DeletionTimestamp"] = stamp(self.deleted, wire=wire)
        if self.order_id is not None:
            data["OrderId"] = self.order_id
        if self.name is not None:
            data["Name"] = self.name
        return data


@dataclass(frozen=True, slots=True)
class OrderBehaviour:
    """How the orders placed from now on end (`ChimeVoiceEmulator.order_behaviour`).

    Attributes:
        polls_until_done: GetPhoneNumberOrder calls of an order before it ends (0: time only).
        seconds_until_done: Seconds on the emulator's clock after its creation before it ends.
        outcome: "Successful" (every number acquired), "Failed" (none) or "Partial" (the
            `failed_numbers` fail; without them the order's last number does).
        failed_numbers: Numbers that fail when ordered (with outcome "Partial").
    """

    polls_until_done: int = 1
    seconds_until_done: float = 0.0
    outcome: str = "Successful"
    failed_numbers: frozenset[str] = frozenset()

    def failures(self, numbers: list[str]) -> set[str]:
        """Which of an order's numbers this behaviour makes fail."""
        if self.outcome == "Failed":
            return set(numbers)
        if self.outcome == "Partial":
            return set(self.failed_numbers) & set(numbers) if self.failed_numbers else {numbers[-1]}
        return set()


@dataclass(slots=True)
class PhoneNumberOrder:
    """One phone number order and where it stands.

    Attributes:
        lines: (number, status) of each ordered number: Processing, then Acquired or Failed.
        reserved: The numbers taken from the supply when the order was placed; the others
            (unavailable then) fail when it ends.
        polls: GetPhoneNumberOrder calls so far.
    """

    order_id: str
    product_type: str
    status: str
    lines: list[tuple[str, str]]
    created: datetime
    updated: datetime
    behaviour: OrderBehaviour
    reserved: frozenset[str]
    name: str | None = None
    polls: int = 0

    def due(self, now: datetime) -> bool:
        """Whether a Processing order has waited enough (polls and time) to end."""
        waited = (now - self.created).total_seconds()
        return (
            self.status == "Processing"
            and self.polls >= self.behaviour.polls_until_done
            and waited >= self.behaviour.seconds_until_done
        )

    def to_api(self, *, wire: bool) -> dict[str, Any]:
        """The PhoneNumberOrder structure."""
        return {
            "PhoneNumberOrderId": self.order_id,
            "ProductType": self.product_type,
            "Status": self.status,
            "OrderType": "New",
            "OrderedPhoneNumbers": [
                {"E164PhoneNumber": number, "Status": status} for number, status in self.lines
            ],
            "CreatedTimestamp": stamp(self.created, wire=wire),
            "UpdatedTimestamp": stamp(self.updated, wire=wire),
        }
