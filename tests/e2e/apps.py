"""The CDK apps the lifecycle tests deploy, declared as construct calls.

The CDK CLI runs this file as the app (``harness.synth.synth(..., app=E2E_APP)``) with the context
``e2eApp`` naming one of ``APPS``: ``base`` (three sessions, one per removal-policy case),
``changed`` (the update of ``base``: Alpha in place, Beta and Gamma replaced), ``fleet`` (twenty
sessions), ``proxy`` (three voice connector proxy configurations; with the context
``e2eProxyVariant=changed``, their update: Main in place, Kept and Moving replaced) and
``sessions`` (two ProxySession resources that create their sessions), ``numbers`` (phone
numbers on voice connectors the stack makes; with the context ``e2eNumbersVariant=changed``, their
update: Lines two more, Moving to the other voice connector) and ``drift`` (every resource type in
one stack, for the drift check). With ``e2eProxyVariant=adopting``, the ``proxy`` app's Main
declares adopt_existing=True.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Run by the CDK CLI as a script: the library's source root is not on the path by itself.
sys.path.insert(0, str(REPO / "constructs"))

import aws_cdk as cdk  # noqa: E402 - after the path set-up above
from aws_cdk import aws_chime as chime  # noqa: E402

from chime_proxy_session import (  # noqa: E402
    Capability,
    PhoneNumbers,
    ProxySession,
    ProxySessionSettings,
    VoiceConnectorProxy,
)

VC = "abcdefghij0123456789k"
VOICE, SMS = Capability.VOICE, Capability.SMS
DESTROY, RETAIN = cdk.RemovalPolicy.DESTROY, cdk.RemovalPolicy.RETAIN
APP_CONTEXT_KEY = "e2eApp"
E2E_APP = f"{sys.executable} {Path(__file__).resolve()}"


def _settings(
    stack: cdk.Stack, *rows: tuple[str, str, list[Capability], int | None, cdk.RemovalPolicy]
) -> None:
    """One ProxySessionSettings per row: id, session id, capabilities, minutes, removal policy."""
    for construct_id, session_id, capabilities, minutes, removal_policy in rows:
        ProxySessionSettings(
            stack,
            construct_id,
            voice_connector_id=VC,
            proxy_session_id=session_id,
            capabilities=capabilities,
            expiry=None if minutes is None else cdk.Duration.minutes(minutes),
            removal_policy=removal_policy,
        )


def base(stack: cdk.Stack) -> None:
    """Alpha (Voice, 60 min, Retain), Beta (Voice, Destroy), Gamma (SMS, Retain)."""
    _settings(
        stack,
        ("Alpha", "s-alpha", [VOICE], 60, RETAIN),
        ("Beta", "s-beta", [VOICE], None, DESTROY),
        ("Gamma", "s-gamma", [SMS], None, RETAIN),
    )


def changed(stack: cdk.Stack) -> None:
    """Alpha updated in place (Voice+SMS, 90 min); Beta and Gamma moved to new sessions."""
    _settings(
        stack,
        ("Alpha", "s-alpha", [VOICE, SMS], 90, RETAIN),
        ("Beta", "s-beta-2", [VOICE], None, DESTROY),
        ("Gamma", "s-gamma-2", [SMS], None, RETAIN),
    )


def fleet(stack: cdk.Stack) -> None:
    """Twenty sessions, Line00 to Line19 (s-fleet-00 to s-fleet-19), on Voice+SMS."""
    for index in range(20):
        ProxySessionSettings(
            stack,
            f"Line{index:02d}",
            voice_connector_id=VC,
            proxy_session_id=f"s-fleet-{index:02d}",
            capabilities=[VOICE, SMS],
        )


PROXY_VARIANT_KEY = "e2eProxyVariant"
PROXY_FALL_BACK = "+12065550142"
PROXY_MAIN, PROXY_KEPT, PROXY_KEPT_NEW, PROXY_MOVING, PROXY_MOVED = (
    "proxymainconnector001",
    "proxykeptconnector001",
    "proxykeptconnector002",
    "proxymoveconnector001",
    "proxymoveconnector002",
)


def proxy(stack: cdk.Stack) -> None:
    """Main (Destroy, 60 min, US, a fall-back number), Kept (Retain, 30 min, US and CA), Moving
    (Destroy, 45 min, GB). The ``changed`` variant updates Main in place (90 min, US and GB,
    disabled, no fall-back number), moves Kept to another voice connector and Moving to another
    voice connector in us-west-2 (both replacements; the emulator keeps one state for every
    region, so the same voice connector in another region would show the configuration the
    stack put in the first, which a Create refuses as not its own). The ``adopting`` variant is
    the app with Main declaring adopt_existing=True."""
    variant = stack.node.try_get_context(PROXY_VARIANT_KEY)
    changed = variant == "changed"
    VoiceConnectorProxy(
        stack,
        "Main",
        voice_connector_id=PROXY_MAIN,
        default_session_expiry=cdk.Duration.minutes(90 if changed else 60),
        phone_number_pool_countries=["US", "GB"] if changed else ["US"],
        fall_back_phone_number=None if changed else PROXY_FALL_BACK,
        disabled=changed,
        adopt_existing=variant == "adopting",
    )
    VoiceConnectorProxy(
        stack,
        "Kept",
        voice_connector_id=PROXY_KEPT_NEW if changed else PROXY_KEPT,
        default_session_expiry=cdk.Duration.minutes(30),
        phone_number_pool_countries=["US", "CA"],
        removal_policy=RETAIN,
    )
    VoiceConnectorProxy(
        stack,
        "Moving",
        voice_connector_id=PROXY_MOVED if changed else PROXY_MOVING,
        default_session_expiry=cdk.Duration.minutes(45),
        phone_number_pool_countries=["GB"],
        region="us-west-2" if changed else None,
    )


# The participants of the created sessions: literal numbers, as the emulator cannot resolve a
# dynamic reference (synth warns that they are stored in the template).
LINE_PHONES = ("+12065550123", "+14255550187")
DESK_PHONES = ("+12065550124", "+14255550188")


def sessions(stack: cdk.Stack) -> None:
    """Created sessions: Line (Voice+SMS, 60 min, Destroy, named by the construct) and Desk
    (Voice, named "Front desk", Retain)."""
    ProxySession(
        stack,
        "Line",
        voice_connector_id=VC,
        participant_phone_numbers=LINE_PHONES,
        capabilities=[VOICE, SMS],
        expiry=cdk.Duration.minutes(60),
    )
    ProxySession(
        stack,
        "Desk",
        voice_connector_id=VC,
        participant_phone_numbers=DESK_PHONES,
        capabilities=[VOICE],
        name="Front desk",
        removal_policy=RETAIN,
    )


NUMBERS_VARIANT_KEY = "e2eNumbersVariant"
# Lines: the proxy's numbers, in area code 206; two more in the ``changed`` variant.
LINES_COUNT, LINES_COUNT_CHANGED, LINES_AREA_CODE = 2, 4, "206"
MOVING_AREA_CODE, KEPT_AREA_CODE = "425", "360"


def numbers(stack: cdk.Stack) -> None:
    """Two voice connectors the stack makes (Connector and Other, us-east-1) and phone numbers:
    Lines (2 in area code 206 on Connector, Destroy), Moving (1 in 425 on Connector, Destroy),
    Kept (1 in 360, unassigned, Retain: unassigned, so that the stack's delete can delete the
    voice connectors, which the service refuses while numbers are assigned to them); the proxy
    configuration of Connector waits for Lines. The ``changed`` variant orders two more Lines
    and moves Moving to Other."""
    changed = stack.node.try_get_context(NUMBERS_VARIANT_KEY) == "changed"
    connector, other = (
        chime.CfnVoiceConnector(
            stack, construct_id, name=name, require_encryption=True, aws_region="us-east-1"
        )
        for construct_id, name in (("Connector", "numbers"), ("Other", "numbers-other"))
    )
    lines = PhoneNumbers(
        stack,
        "Lines",
        count=LINES_COUNT_CHANGED if changed else LINES_COUNT,
        area_code=LINES_AREA_CODE,
        voice_connector=connector,
        removal_policy=DESTROY,
    )
    PhoneNumbers(
        stack,
        "Moving",
        count=1,
        area_code=MOVING_AREA_CODE,
        voice_connector=other if changed else connector,
        removal_policy=DESTROY,
    )
    PhoneNumbers(stack, "Kept", count=1, area_code=KEPT_AREA_CODE, removal_policy=RETAIN)
    VoiceConnectorProxy(
        stack,
        "Proxy",
        voice_connector=connector,
        default_session_expiry=cdk.Duration.minutes(60),
        phone_number_pool_countries=["US"],
        phone_numbers=[lines],
    )


# The drift app: its proxy's numbers, the settings' session (seeded on VC), the created session.
DRIFT_LINES_COUNT, DRIFT_SETTINGS_SESSION = 2, "s-drift"
DRIFT_EXPIRY, DRIFT_SETTINGS_EXPIRY, DRIFT_PROXY_EXPIRY = 60, 30, 45


def drift(stack: cdk.Stack) -> None:
    """Every type in one stack: two voice connectors the stack makes (Connector and Other),
    Lines (2 numbers in area code 206 on Connector, Destroy), Proxy (Connector's configuration,
    45 min, US, the fall-back number ``PROXY_FALL_BACK``, waiting for Lines), Line (a session
    created on it: Voice+SMS, 60 min, the participants ``LINE_PHONES``) and Settings (the
    settings of the session ``s-drift`` on ``VC``: Voice, 30 min, Retain)."""
    connector, _ = (
        chime.CfnVoiceConnector(
            stack, construct_id, name=name, require_encryption=True, aws_region="us-east-1"
        )
        for construct_id, name in (("Connector", "drift"), ("Other", "drift-other"))
    )
    lines = PhoneNumbers(
        stack,
        "Lines",
        count=DRIFT_LINES_COUNT,
        area_code=LINES_AREA_CODE,
        voice_connector=connector,
        removal_policy=DESTROY,
    )
    proxy = VoiceConnectorProxy(
        stack,
        "Proxy",
        voice_connector=connector,
        default_session_expiry=cdk.Duration.minutes(DRIFT_PROXY_EXPIRY),
        phone_number_pool_countries=["US"],
        fall_back_phone_number=PROXY_FALL_BACK,
        phone_numbers=[lines],
    )
    ProxySession(
        stack,
        "Line",
        voice_connector_proxy=proxy,
        participant_phone_numbers=LINE_PHONES,
        capabilities=[VOICE, SMS],
        expiry=cdk.Duration.minutes(DRIFT_EXPIRY),
    )
    _settings(stack, ("Settings", DRIFT_SETTINGS_SESSION, [VOICE], DRIFT_SETTINGS_EXPIRY, RETAIN))


APPS: dict[str, Callable[[cdk.Stack], None]] = {
    "base": base,
    "changed": changed,
    "fleet": fleet,
    "proxy": proxy,
    "sessions": sessions,
    "numbers": numbers,
    "drift": drift,
}


def main() -> None:
    """Synthesize the app named by the ``e2eApp`` context."""
    app = cdk.App()
    name = str(app.node.try_get_context(APP_CONTEXT_KEY))
    APPS[name](cdk.Stack(app, "ChimeProxySessionDemo"))
    app.synth()


if __name__ == "__main__":
    main()
