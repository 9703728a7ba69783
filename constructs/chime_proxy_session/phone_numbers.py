"""PhoneNumbers: phone numbers the stack orders, keeps, moves and releases
(``Custom::ChimePhoneNumbers``)."""

from __future__ import annotations

from enum import Enum

from aws_cdk import RemovalPolicy
from aws_cdk import aws_chime as chime
from constructs import Construct

from . import validation
from .contract import contract, types
from .provider import ProxySessionProvider
from .resource import Attribute, ChimeResource

__all__ = ["PhoneNumberProductType", "PhoneNumberType", "PhoneNumbers", "PhoneNumbersError"]


class PhoneNumberType(Enum):
    """Local numbers (the default) or toll-free ones."""

    LOCAL = contract.LOCAL
    TOLL_FREE = contract.TOLL_FREE


class PhoneNumberProductType(Enum):
    """What the numbers are for: voice connectors (the default; a proxy's numbers) or SIP media
    applications' dial-in."""

    VOICE_CONNECTOR = contract.PRODUCT_VOICE_CONNECTOR
    SIP_MEDIA_APPLICATION_DIAL_IN = contract.PRODUCT_SIP_MEDIA_APPLICATION_DIAL_IN


class PhoneNumbersError(ValueError):
    """A PhoneNumbers prop (or a combination of them) is invalid; the message names the props."""


class PhoneNumbers(ChimeResource):
    """Phone numbers ordered for the stack, optionally assigned to a voice connector.

    Create searches for ``count`` available numbers, orders them once
    (``CreatePhoneNumberOrder``, exactly once however often CloudFormation's request is
    delivered), waits for the order and assigns the numbers to the voice connector, if one is
    given. A Create that fails keeps nothing it ordered, whatever ``removal_policy`` says. A larger
    ``count`` orders the difference, a smaller one releases the surplus (the latest ordered
    first), another voice connector moves the numbers; a change of the search, the type, the
    product type, the region or the role orders new numbers (a replacement). Deleting the construct
    keeps the numbers (``RemovalPolicy.RETAIN``, the default: numbers are scarce, and a new order
    gets other ones) or releases them (``DESTROY``). These are the company's numbers, not
    personal data: they appear in the attributes and the function's log.

    :param count: how many numbers, 1 to 100 (an int or a number token).
    :param country: where, an upper-case ISO 3166 alpha-2 code. Default: ``"US"``.
    :param area_code: search within this area code (three digits). Default: none.
    :param state: search within this state (two upper-case letters). Default: none.
    :param city: search within this city; only with ``state``. Default: none.
    :param toll_free_prefix: search toll-free numbers with this prefix (800, 833, 844, 855,
        866, 877 or 888); only with ``PhoneNumberType.TOLL_FREE``. At most one of ``area_code``,
        ``state`` and ``toll_free_prefix``. Default: none.
    :param number_type: ``PhoneNumberType.LOCAL`` (default) or ``TOLL_FREE``.
    :param product_type: ``PhoneNumberProductType.VOICE_CONNECTOR`` (default) or
        ``SIP_MEDIA_APPLICATION_DIAL_IN`` (those are for SIP media applications, never assigned
        to a voice connector).
    :param voice_connector_id: the voice connector to assign the numbers to (a string or token).
        At most one of this and ``voice_connector``. Default: none, the numbers stay unassigned.
    :param voice_connector: the voice connector as a ``CfnVoiceConnector`` of this stack: its
        id, its region (``aws_region``; without one, the stack's) and a dependency on it.
    :param name: the name of the orders the resource places: words of letters, digits and
        ``,._-`` separated by spaces, at most 256 characters. A new name names later orders only.
        Default: none.
    :param removal_policy: ``RETAIN`` (default) keeps the numbers when the construct is removed
        or replaced; ``DESTROY`` unassigns and releases them (``DeletePhoneNumber``: each waits
        in the service's deletion queue for 7 days, restorable).
    :param region: the region of the numbers and the voice connector, one of the ten where the
        Chime SDK Voice API exists. Default: the voice connector's, else the stack's.
    :param assume_role_arn: a role the function assumes to call the API, e.g. in another
        account. Default: the function's own role.
    :param external_id: the external id that role's trust policy requires. Default: none.
    :param provider: the stack's ``ProxySessionProvider``. Default: ``ProxySessionProvider.of``.
    """

    KIND = types.PHONE_NUMBERS
    ERROR = PhoneNumbersError
    ENDS = "each number"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        count: int,
        country: str = "US",
        area_code: str | None = None,
        state: str | None = None,
        city: str | None = None,
        toll_free_prefix: str | None = None,
        number_type: PhoneNumberType = PhoneNumberType.LOCAL,
        product_type: PhoneNumberProductType = PhoneNumberProductType.VOICE_CONNECTOR,
        voice_connector_id: str | None = None,
        voice_connector: chime.CfnVoiceConnector | None = None,
        name: str | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        region: str | None = None,
        assume_role_arn: str | None = None,
        external_id: str | None = None,
        provider: ProxySessionProvider | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        subject = self._subject()
        voice_connector_id, region = self._locate(
            voice_connector_id, voice_connector, region, required=False
        )
        if isinstance(count, bool) or not isinstance(count, (int, float)):
            raise subject.fail(
                f"count must be a whole number from {contract.PHONE_NUMBER_COUNT_MIN} to "
                f"{contract.PHONE_NUMBER_COUNT_MAX} (an int or a number token), got "
                f"{validation.echo(count)}."
            )
        kind = validation.choice(subject, "number_type", number_type, PhoneNumberType)
        product = validation.choice(subject, "product_type", product_type, PhoneNumberProductType)
        self._declare(
            {
                contract.COUNT: count,
                contract.COUNTRY: country,
                contract.AREA_CODE: area_code,
                contract.STATE: state,
                contract.CITY: city,
                contract.TOLL_FREE_PREFIX: toll_free_prefix,
                contract.PHONE_NUMBER_TYPE: kind,
                contract.PRODUCT_TYPE: product,
                contract.VOICE_CONNECTOR_ID: voice_connector_id,
                contract.NAME: name,
            },
            removal_policy=removal_policy,
            region=region,
            assume_role_arn=assume_role_arn,
            external_id=external_id,
            provider=provider,
        )
        self.count: int = count
        self.country: str = (
            country if country is not None else str(self.KIND.get(contract.COUNTRY).default)
        )
        self.area_code: str | None = area_code
        self.state: str | None = state
        self.city: str | None = city
        self.toll_free_prefix: str | None = toll_free_prefix
        self.number_type: PhoneNumberType = number_type
        self.product_type: PhoneNumberProductType = product_type
        self.voice_connector_id: str | None = voice_connector_id
        self.name: str | None = name

    attr_phone_numbers = Attribute(
        contract.ATTR_PHONE_NUMBERS,
        "The numbers the resource holds (E.164), sorted, comma-joined: the company's numbers, "
        "fit for a ``CfnOutput``.",
    )

    attr_phone_number_order_id = Attribute(
        contract.ATTR_PHONE_NUMBER_ORDER_ID,
        "The id of the resource's first phone number order (its physical id ends with it).",
    )

    attr_count = Attribute(
        contract.ATTR_COUNT,
        "How many numbers the resource holds.",
    )
