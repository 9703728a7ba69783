"""Bad construct props, one table per construct, built from row sets shared by prop kind.

A row is ``(label, value)``. The row sets for what every construct takes alike (the voice
connector, as an id or a ``CfnVoiceConnector``, a Duration of minutes, capabilities, where and as
whom it calls, the provider, the removal policy) are written once here; each construct's table
adds its own props. A value that must be built in the row's stack (a voice connector, a
``PhoneNumbers``) is an ``InStack``. A ``Spec`` says how to build one construct with one bad
prop, so the synth-time test body is written once (``test_validation.py``).
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import aws_cdk as cdk
from aws_cdk import aws_chime as chime
from constructs import Construct

from chime_proxy_session import (
    Capability,
    GeoMatchLevel,
    GeoMatchParams,
    NumberSelectionBehavior,
    PhoneNumberProductType,
    PhoneNumbers,
    PhoneNumbersError,
    PhoneNumberType,
    ProxySession,
    ProxySessionError,
    ProxySessionProvider,
    ProxySessionSettings,
    ProxySessionSettingsError,
    VoiceConnectorProxy,
    VoiceConnectorProxyError,
)
from chime_proxy_session.resource import ChimeResource
from tests.helpers import SESSION_ID, VC_ID
from tests.infra.stand_in import stand_in

Rows = list[tuple[str, Any]]
T = TypeVar("T", bound=ChimeResource)

ROLE = "arn:aws:iam::123456789012:role/ChimeAdmin"
# A provider of another stack: a provider serves its own stack only.
OTHER_STACK_PROVIDER = ProxySessionProvider(cdk.Stack(cdk.App(), "Other"), "Provider")
# ProxySession's participants and a name: the service treats both as sensitive, so no message
# may show them.
A, B = "+12065550123", "+14255550187"
HIDDEN_NAME = "Secret Line 42"
# PhoneNumbers' order name: sensitive too, as the service model marks it.
HIDDEN_ORDER_NAME = "Secret order 7!"

VOICE_CONNECTOR_ROWS: Rows = [
    ("a number", 42),
    ("None", None),
    ("empty", ""),
    ("blank", "   "),
    ("upper case", "ABCDEFGHIJ0123456789K"),
    ("too long", "a" * 23),
    ("with a slash", "abcdefghij/123456789k"),
    ("unicode", "abcdefghij0123456789ķ"),
    ("a list", [VC_ID]),
]
_numbers = itertools.count()


@dataclass(frozen=True)
class PropCase:
    """One bad prop: a label, the prop, its value, other props the row needs, and a secret the
    message must not show (then it says the value is not shown)."""

    label: str
    prop: str
    value: Any
    extra: Mapping[str, Any] = field(default_factory=dict)
    secret: str | None = None


# A row every construct shares: an external id is a secret, and its value is never shown.
SECRET_EXTERNAL_ID = PropCase(
    "external_id: with a space",
    "external_id",
    "shared secret",
    {"assume_role_arn": ROLE},
    "shared secret",
)


@dataclass(frozen=True)
class InStack:
    """A row's value built in the row's stack, from the row's other props."""

    build: Callable[[cdk.Stack, dict[str, Any]], Any]


def connector(stack: cdk.Stack, region: str | None = "us-east-1") -> chime.CfnVoiceConnector:
    """A CfnVoiceConnector of its own in ``stack``."""
    return chime.CfnVoiceConnector(
        stack,
        f"Connector{next(_numbers)}",
        name="bad-props",
        require_encryption=True,
        aws_region=region,
    )


_OTHER_STACK = cdk.Stack(cdk.App(), "OtherConnectors")
# voice_connector= rows: voice_connector_id is then unset, unless the row sets it.
NATIVE_VOICE_CONNECTOR_ROWS: Rows = [
    ("a string", VC_ID),
    ("a CfnVoiceConnector of another stack", InStack(lambda stack, props: connector(_OTHER_STACK))),
    ("a list", InStack(lambda stack, props: [connector(stack)])),
]
NATIVE_VOICE_CONNECTOR_CASES = (
    PropCase(
        "voice_connector: with voice_connector_id too",
        "voice_connector",
        InStack(lambda stack, props: connector(stack)),
        {"voice_connector_id": VC_ID},
    ),
    PropCase(
        "voice_connector: with region= of another region",
        "voice_connector",
        InStack(lambda stack, props: connector(stack)),
        {"region": "us-west-2"},
    ),
    PropCase(
        "voice_connector: without aws_region, with region=",
        "voice_connector",
        InStack(lambda stack, props: connector(stack, None)),
        {"region": "us-east-1"},
    ),
)
MINUTES_ROWS: Rows = [
    ("an int", 60),
    ("a string", "60"),
    ("90 seconds", cdk.Duration.seconds(90)),
    ("30 seconds", cdk.Duration.seconds(30)),
    ("zero minutes", cdk.Duration.minutes(0)),
    ("1,500 milliseconds", cdk.Duration.millis(1500)),
    ("a timedelta-like float", 1.5),
]
CAPABILITY_ROWS: Rows = [
    ("empty", []),
    ("strings instead of Capability", ["Voice"]),
    ("lower-case string", ["voice"]),
    ("duplicated", [Capability.SMS, Capability.SMS]),
    ("a bare string", "Voice"),
    ("a bare Capability", Capability.VOICE),
    ("None", None),
    ("an item None", [None]),
    ("a token", cdk.Token.as_string(cdk.Aws.REGION)),
    ("a dict", {"Voice": True}),
]
# Every construct calls somewhere and as someone, through a provider, and ends with a policy.
COMMON_ROWS: dict[str, Rows] = {
    "region": [
        ("us-east-2, where the API does not exist", "us-east-2"),
        ("upper case", "US-EAST-1"),
        ("a number", 1),
        ("empty", ""),
    ],
    "assume_role_arn": [
        ("a user ARN", "arn:aws:iam::123456789012:user/admin"),
        ("a role name", "ChimeAdmin"),
        ("a number", 123456789012),
    ],
    "external_id": [("without assume_role_arn", "shared-secret-1")],
    "provider": [
        ("another stack's provider", OTHER_STACK_PROVIDER),
        ("not a provider", "ChimeProxySessionProvider"),
    ],
    "removal_policy": [
        ("SNAPSHOT", cdk.RemovalPolicy.SNAPSHOT),
        ("RETAIN_ON_UPDATE_OR_DELETE", cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE),
        ("the string 'retain'", "retain"),
        ("the string 'destroy'", "destroy"),
        ("None", None),
    ],
}


@dataclass(frozen=True)
class Spec(Generic[T]):
    """A construct with valid props; how to build it with one bad prop, and what its messages
    never show."""

    construct: type[T]
    error: type[ValueError]
    # The stack every row of this construct is built in.
    stack_name: str
    valid: Mapping[str, Any]
    own_rows: Mapping[str, Rows]
    # Values no message of this construct shows, whatever the row.
    hidden: tuple[str, ...] = ()
    # The row's props from the valid ones: a construct's own needs (e.g. a fresh voice connector).
    arrange: Callable[[PropCase, cdk.Stack, dict[str, Any]], dict[str, Any]] = (
        lambda case, stack, props: props
    )
    extra_cases: tuple[PropCase, ...] = ()

    @property
    def name(self) -> str:
        """The construct's class name, the first word of its messages."""
        return self.construct.__name__

    def cases(self) -> list[PropCase]:
        """Every row: the construct's own props, then the shared ones, then the extra rows."""
        table = {**self.own_rows, **COMMON_ROWS}
        rows = [
            PropCase(f"{prop}: {label}", prop, value)
            for prop, prop_rows in table.items()
            for label, value in prop_rows
        ]
        return [*rows, SECRET_EXTERNAL_ID, *self.extra_cases]

    def build(self, scope: Construct, construct_id: str = "It", **props: Any) -> T:
        """The construct from its valid props, ``props`` changing or adding some."""
        return self.construct(scope, construct_id, **{**self.valid, **props})

    def props(self, case: PropCase, stack: cdk.Stack) -> dict[str, Any]:
        """The valid props with the row's bad value (and what else the row needs); a
        voice_connector row leaves voice_connector_id unset unless it sets it."""
        props = {**self.valid, case.prop: case.value}
        if case.prop == "voice_connector":
            props["voice_connector_id"] = None
        props = self.arrange(case, stack, {**props, **case.extra})
        return {
            name: value.build(stack, props) if isinstance(value, InStack) else value
            for name, value in props.items()
        }


_TOO_MANY = [a + b for a, b in itertools.product(string.ascii_uppercase, repeat=2)][:101]


def _own_voice_connector(case: PropCase, stack: cdk.Stack, props: dict[str, Any]) -> dict[str, Any]:
    # A voice connector of its own per row: the construct refuses a second one for the same.
    if case.prop != "voice_connector_id" and props.get("voice_connector_id") is not None:
        props["voice_connector_id"] = f"vc{next(_numbers):019d}"
    return props


def _numbers_on(**props: Any) -> InStack:
    """A list of one PhoneNumbers in the row's stack, on the row's voice connector unless
    ``props`` say otherwise."""

    def build(stack: cdk.Stack, row: dict[str, Any]) -> list[PhoneNumbers]:
        where = {"voice_connector_id": row.get("voice_connector_id"), **props}
        scope = where.pop("stack", stack)
        return [PhoneNumbers(scope, f"Numbers{next(_numbers)}", count=1, **where)]

    return InStack(build)


def _fall_back(label: str, value: Any) -> PropCase:
    secret = value if isinstance(value, str) else None
    return PropCase(f"fall_back_phone_number: {label}", "fall_back_phone_number", value, {}, secret)


VOICE_CONNECTOR_PROXY = Spec(
    VoiceConnectorProxy,
    VoiceConnectorProxyError,
    "BadProxyProps",
    {
        "voice_connector_id": VC_ID,
        "default_session_expiry": cdk.Duration.hours(1),
        "phone_number_pool_countries": ["US"],
    },
    {
        "voice_connector_id": VOICE_CONNECTOR_ROWS,
        "voice_connector": NATIVE_VOICE_CONNECTOR_ROWS,
        "default_session_expiry": [("None", None), *MINUTES_ROWS],
        "phone_number_pool_countries": [
            ("empty", []),
            ("None", None),
            ("a bare string", "US"),
            ("comma-joined", "US,CA"),
            ("lower case", ["us"]),
            ("three letters", ["USA"]),
            ("an item None", [None]),
            ("an item number", [1]),
            ("duplicated", ["US", "CA", "US"]),
            ("101 countries", _TOO_MANY),
            ("a dict", {"US": True}),
        ],
        "disabled": [("a string", "false"), ("None", None), ("a number", 0)],
        "adopt_existing": [("a string", "true"), ("None", None), ("a number", 1)],
        "phone_numbers": [
            ("empty", []),
            ("a string", "Numbers"),
            ("an item not PhoneNumbers", ["Numbers"]),
            ("a bare PhoneNumbers", InStack(lambda stack, row: _numbers_on().build(stack, row)[0])),
            ("unassigned numbers", _numbers_on(voice_connector_id=None)),
            ("numbers on another voice connector", _numbers_on(voice_connector_id=VC_ID)),
            ("numbers in another region", _numbers_on(region="us-west-2")),
            ("numbers through a role", _numbers_on(assume_role_arn=ROLE)),
            ("numbers of another stack", _numbers_on(stack=_OTHER_STACK)),
        ],
    },
    arrange=_own_voice_connector,
    extra_cases=(
        *NATIVE_VOICE_CONNECTOR_CASES,
        *(
            _fall_back(label, value)
            for label, value in (
                ("without a plus", "14255550123"),
                ("with spaces", "+1 425 555 0123"),
                ("16 digits", "+1425555012312345"),
                ("empty", ""),
                ("a number", 14255550123),
            )
        ),
    ),
)

SETTINGS = Spec(
    ProxySessionSettings,
    ProxySessionSettingsError,
    "BadProps",
    {
        "voice_connector_id": VC_ID,
        "proxy_session_id": SESSION_ID,
        "capabilities": [Capability.VOICE],
    },
    {
        "voice_connector_id": VOICE_CONNECTOR_ROWS,
        "proxy_session_id": [
            ("a number", 7),
            ("None", None),
            ("empty", ""),
            ("blank", " \t "),
            ("129 characters", "s" * 129),
            ("300 KB", "x" * 300 * 1024),
            ("with a slash", "a/b"),
            ("unicode", "séance"),
            ("with a space", "a b"),
        ],
        "capabilities": CAPABILITY_ROWS,
        "expiry": MINUTES_ROWS,
        "voice_connector": NATIVE_VOICE_CONNECTOR_ROWS,
    },
    extra_cases=NATIVE_VOICE_CONNECTOR_CASES,
)

# The row's props carry a stand-in proxy instead of voice_connector_id; then setting what the
# proxy brings (its voice connector, region, role, external id, provider) is an error.
ON_PROXY = "set on a proxy"
_A_CUSTOM_RESOURCE = "custom resource"


def _on_proxy(case: PropCase, stack: cdk.Stack, props: dict[str, Any]) -> dict[str, Any]:
    if case.label.endswith(ON_PROXY) or case.prop == "voice_connector_proxy":
        proxy = stand_in(stack, f"Proxy{next(_numbers)}", unique=True)
        props.setdefault("voice_connector_proxy", proxy)
        if case.value == _A_CUSTOM_RESOURCE:
            props["voice_connector_proxy"] = proxy.resource
        if case.prop != "voice_connector_id":
            props["voice_connector_id"] = None
    return props


PROXY_SESSION = Spec(
    ProxySession,
    ProxySessionError,
    "BadSessions",
    {
        "voice_connector_id": VC_ID,
        "participant_phone_numbers": [A, B],
        "capabilities": [Capability.VOICE],
    },
    {
        "voice_connector_id": VOICE_CONNECTOR_ROWS,
        "voice_connector": NATIVE_VOICE_CONNECTOR_ROWS,
        "voice_connector_proxy": [
            ("a string", "klmnopqrst9876543210a"),
            ("a CustomResource", _A_CUSTOM_RESOURCE),
        ],
        "participant_phone_numbers": [
            ("None", None),
            ("a string", A),
            ("a tuple of one", (A,)),
            ("three numbers", [A, B, "+14255550100"]),
            ("empty", []),
            ("the same number twice", [A, A]),
            ("an item None", [A, None]),
            ("an item number", [A, 14255550187]),
            ("an item without +", [A, B.lstrip("+")]),
            ("an item with letters", [A, "+1425CALLNOW"]),
            ("an item of 16 digits", [A, "+1425555018712345"]),
            ("a list token", cdk.Fn.split(",", cdk.Aws.REGION)),
        ],
        "capabilities": CAPABILITY_ROWS,
        "expiry": MINUTES_ROWS,
        "name": [
            ("empty", ""),
            ("blank", "   "),
            ("31 characters", HIDDEN_NAME + "x" * 17),
            ("with punctuation", HIDDEN_NAME + "!"),
            ("with an accent", "Séance " + HIDDEN_NAME),
            ("a number", 42),
            ("a list", [HIDDEN_NAME]),
        ],
        "number_selection_behavior": [
            ("a string", "PreferSticky"),
            ("a GeoMatchLevel", GeoMatchLevel.COUNTRY),
            ("a number", 1),
        ],
        "geo_match_level": [
            ("a string", "Country"),
            ("a NumberSelectionBehavior", NumberSelectionBehavior.PREFER_STICKY),
        ],
        "geo_match_params": [
            ("a dict", {"country": "US", "area_code": "206"}),
            ("a tuple", ("US", "206")),
            ("a lower-case country", GeoMatchParams(country="us", area_code="206")),
            ("a three-letter country", GeoMatchParams(country="USA", area_code="206")),
            ("a two-digit area code", GeoMatchParams(country="US", area_code="20")),
            ("an area code with a letter", GeoMatchParams(country="US", area_code="2O6")),
            ("a number area code", GeoMatchParams(country="US", area_code=206)),  # type: ignore[arg-type]
        ],
    },
    hidden=(A, A.lstrip("+"), B.lstrip("+"), HIDDEN_NAME),
    arrange=_on_proxy,
    extra_cases=(
        *NATIVE_VOICE_CONNECTOR_CASES,
        *(
            PropCase(f"{prop}: {ON_PROXY}", prop, value)
            for prop, value in (
                ("voice_connector_id", VC_ID),
                ("voice_connector", InStack(lambda stack, props: connector(stack))),
                ("region", "us-east-1"),
                ("assume_role_arn", ROLE),
                ("external_id", "shared-secret-1"),
                ("provider", OTHER_STACK_PROVIDER),
            )
        ),
    ),
)


def _search(label: str, prop: str, value: Any, **extra: Any) -> PropCase:
    return PropCase(f"{prop}: {label}", prop, value, {"area_code": None, **extra})


PHONE_NUMBERS = Spec(
    PhoneNumbers,
    PhoneNumbersError,
    "BadNumbers",
    {"count": 2, "area_code": "206", "voice_connector_id": VC_ID},
    {
        "count": [
            ("zero", 0),
            ("101", 101),
            ("negative", -1),
            ("a string", "3"),
            ("a fraction", 1.5),
            ("a boolean", True),
            ("None", None),
        ],
        "country": [
            ("lower case", "us"),
            ("three letters", "USA"),
            ("empty", ""),
            ("a number", 1),
            ("a list", ["US"]),
        ],
        "area_code": [("two digits", "20"), ("four digits", "2060"), ("a letter", "2O6")],
        "state": [("lower case", "wa"), ("a name", "Washington"), ("a number", 53)],
        "city": [("empty", ""), ("with a digit", "Seattle1"), ("a number", 42)],
        "toll_free_prefix": [("900", "900"), ("a number", 800), ("two digits", "80")],
        "number_type": [
            ("a string", "Local"),
            ("a product type", PhoneNumberProductType.VOICE_CONNECTOR),
        ],
        "product_type": [
            ("a string", "VoiceConnector"),
            ("a number type", PhoneNumberType.LOCAL),
            (
                "SIP media application dial-in on a voice connector",
                PhoneNumberProductType.SIP_MEDIA_APPLICATION_DIAL_IN,
            ),
        ],
        "voice_connector_id": [row for row in VOICE_CONNECTOR_ROWS if row[1] is not None],
        "voice_connector": NATIVE_VOICE_CONNECTOR_ROWS,
        "name": [
            ("empty", ""),
            ("257 characters", "n" * 257),
            ("with an exclamation mark", HIDDEN_ORDER_NAME),
            ("a leading space", " Support"),
            ("a number", 42),
        ],
    },
    extra_cases=(
        *NATIVE_VOICE_CONNECTOR_CASES,
        # What SearchAvailablePhoneNumbers refuses together (property_rules.phone_number_search).
        PropCase("area_code: with state", "area_code", "206", {"state": "WA"}),
        PropCase(
            "area_code: with toll-free numbers",
            "area_code",
            "206",
            {"number_type": PhoneNumberType.TOLL_FREE},
        ),
        _search("without state", "city", "Seattle"),
        _search("with local numbers", "toll_free_prefix", "800"),
        _search(
            "with state",
            "toll_free_prefix",
            "800",
            state="WA",
            number_type=PhoneNumberType.TOLL_FREE,
        ),
        _search("with toll-free numbers", "state", "WA", number_type=PhoneNumberType.TOLL_FREE),
        PropCase(
            "product_type: SIP media application dial-in on a CfnVoiceConnector",
            "product_type",
            PhoneNumberProductType.SIP_MEDIA_APPLICATION_DIAL_IN,
            {
                "voice_connector_id": None,
                "voice_connector": InStack(lambda stack, props: connector(stack)),
            },
        ),
    ),
    hidden=(HIDDEN_ORDER_NAME,),
)

SPECS: tuple[Spec[Any], ...] = (SETTINGS, VOICE_CONNECTOR_PROXY, PROXY_SESSION, PHONE_NUMBERS)
