"""--revert: MODIFIED resources put back through the handler's in-place update code, never a
create or a delete; DELETED ones reported with what to do; what it cannot put back said."""

from __future__ import annotations

from typing import Any

import pytest

import resource_types
from chime_proxy_session.drift import Difference, Reverted, Status, exit_status, revert_stack
from chime_proxy_session.drift.revert import in_place_operations
from tests.drift.stubs import (
    CREATED_SESSION,
    FALL_BACK,
    NUMBERS,
    ORDER,
    OTHER_VC,
    SETTINGS_SESSION,
    STACK,
    VC,
    StubSession,
    claim_item,
    claims_query,
    no_sleep,
    number_answer,
    proxy_answer,
    session_answer,
    stub_stack,
    template,
)


def revert(session: StubSession) -> tuple[Status, tuple[Reverted, ...], int]:
    report, reverted = revert_stack(STACK, session=session, policy=no_sleep())
    return report.resources[0].status, reverted, exit_status(report, reverted)


@pytest.mark.parametrize("kind", resource_types.RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_a_revert_may_call_no_operation_that_creates_or_deletes(
    kind: resource_types.ResourceType,
) -> None:
    allowed = in_place_operations(kind)
    assert allowed <= set(kind.operations["update"])
    assert not {op for op in allowed if op.startswith(("Create", "Delete"))}


def test_settings_are_put_back_with_update_proxy_session(session: StubSession) -> None:
    stub_stack(session, template("Settings"))
    chime = session.stub("chime-sdk-voice")
    ids = {"VoiceConnectorId": VC, "ProxySessionId": SETTINGS_SESSION}
    chime.add_response(
        "get_proxy_session", session_answer(SETTINGS_SESSION, capabilities=["SMS"], expiry=120), ids
    )
    chime.add_response(
        "update_proxy_session",
        session_answer(SETTINGS_SESSION, capabilities=["Voice", "SMS"], expiry=120),
        {**ids, "Capabilities": ["Voice", "SMS"], "ExpiryMinutes": 120},
    )
    assert revert(session) == (
        Status.MODIFIED,
        (
            Reverted(
                "Settings",
                "Custom::ChimeProxySessionSettings",
                done=True,
                operations=("UpdateProxySession",),
                differences=(Difference("Capabilities", "Voice,SMS", "SMS"),),
            ),
        ),
        0,
    )


def test_a_created_session_is_put_back_without_reading_its_participants(
    session: StubSession,
) -> None:
    """Its participants are secret references the check does not read: an in-place update
    never applies them (they replace the session)."""
    stub_stack(session, template("Session"))
    chime = session.stub("chime-sdk-voice")
    ids = {"VoiceConnectorId": VC, "ProxySessionId": CREATED_SESSION}
    chime.add_response(
        "get_proxy_session", session_answer(CREATED_SESSION, capabilities=["SMS"], expiry=5), ids
    )
    chime.add_response(
        "update_proxy_session",
        session_answer(CREATED_SESSION, capabilities=["Voice"]),
        {**ids, "Capabilities": ["Voice"], "ExpiryMinutes": 60},
    )
    status, (reverted,), code = revert(session)
    assert (status, reverted.done, reverted.operations, code) == (
        Status.MODIFIED,
        True,
        ("UpdateProxySession",),
        0,
    )


def test_a_proxy_configuration_is_put_back_with_put_voice_connector_proxy(
    session: StubSession,
) -> None:
    stub_stack(session, template("Proxy"))
    chime = session.stub("chime-sdk-voice")
    chime.add_response(
        "get_voice_connector_proxy", proxy_answer(Disabled=True), {"VoiceConnectorId": VC}
    )
    chime.add_response(
        "put_voice_connector_proxy",
        proxy_answer(),
        {
            "VoiceConnectorId": VC,
            "DefaultSessionExpiryMinutes": 30,
            "PhoneNumberPoolCountries": ["US", "CA"],
            "FallBackPhoneNumber": FALL_BACK,
            "Disabled": False,
        },
    )
    _, (reverted,), code = revert(session)
    assert (reverted.done, reverted.operations, code) == (True, ("PutVoiceConnectorProxy",), 0)


def test_a_value_it_did_not_read_is_not_put_back(session: StubSession) -> None:
    reference = "{{resolve:secretsmanager:demo/proxy:SecretString:fallback}}"
    stub_stack(session, template("Proxy", Proxy={"FallBackPhoneNumber": reference}))
    session.stub("chime-sdk-voice").add_response(
        "get_voice_connector_proxy", proxy_answer(Disabled=True), {"VoiceConnectorId": VC}
    )
    _, (reverted,), code = revert(session)
    assert (reverted.done, reverted.operations, code) == (False, (), 1)
    assert "FallBackPhoneNumber come from values CloudFormation resolves" in reverted.detail
    assert "--resolve-secrets" in reverted.detail


def test_numbers_are_moved_back_with_force_associate(session: StubSession) -> None:
    stub_stack(session, template("Numbers"))
    session.stub("dynamodb").add_response(
        "query", {"Items": [claim_item([(NUMBERS[0], ORDER), (NUMBERS[1], ORDER)])]}, claims_query()
    )
    chime = session.stub("chime-sdk-voice")
    chime.add_response(
        "get_phone_number",
        number_answer(NUMBERS[0], voice_connector=OTHER_VC),
        {"PhoneNumberId": NUMBERS[0]},
    )
    chime.add_response(
        "get_phone_number",
        number_answer(NUMBERS[1], status="DeleteInProgress"),
        {"PhoneNumberId": NUMBERS[1]},
    )
    chime.add_response(
        "associate_phone_numbers_with_voice_connector",
        {"PhoneNumberErrors": []},
        {"VoiceConnectorId": VC, "E164PhoneNumbers": [NUMBERS[0]], "ForceAssociate": True},
    )
    _, (reverted,), code = revert(session)
    assert reverted.operations == ("AssociatePhoneNumbersWithVoiceConnector",)
    assert reverted.differences == (Difference(f"VoiceConnectorId[{NUMBERS[0]}]", VC, OTHER_VC),)
    # The released number is not something an update brings back.
    assert (reverted.done, code) == (False, 1)
    assert reverted.detail.startswith(
        f"an update cannot put back PhoneNumbers[{NUMBERS[1]}], Count."
    )


def test_numbers_declared_unassigned_are_disassociated(session: StubSession) -> None:
    stub_stack(session, template("Numbers", Numbers={"VoiceConnectorId": None, "Count": 1}))
    session.stub("dynamodb").add_response(
        "query", {"Items": [claim_item([(NUMBERS[0], ORDER)])]}, claims_query()
    )
    chime = session.stub("chime-sdk-voice")
    chime.add_response(
        "get_phone_number",
        number_answer(NUMBERS[0], voice_connector=OTHER_VC),
        {"PhoneNumberId": NUMBERS[0]},
    )
    chime.add_response(
        "disassociate_phone_numbers_from_voice_connector",
        {"PhoneNumberErrors": []},
        {"VoiceConnectorId": OTHER_VC, "E164PhoneNumbers": [NUMBERS[0]]},
    )
    _, (reverted,), code = revert(session)
    assert (reverted.done, reverted.operations, code) == (
        True,
        ("DisassociatePhoneNumbersFromVoiceConnector",),
        0,
    )


def test_a_deleted_resource_is_left_with_what_to_do(session: StubSession) -> None:
    stub_stack(session, template("Session"))
    session.stub("chime-sdk-voice").add_client_error(
        "get_proxy_session", "NotFoundException", http_status_code=404
    )
    status, (reverted,), code = revert(session)
    assert (status, reverted.done, reverted.operations, code) == (Status.DELETED, False, (), 1)
    assert reverted.detail.endswith("to create a new one. (--revert never creates)")


def test_a_refused_update_is_reported(session: StubSession) -> None:
    stub_stack(session, template("Settings"))
    chime = session.stub("chime-sdk-voice")
    answer: dict[str, Any] = session_answer(SETTINGS_SESSION, capabilities=["SMS"], expiry=120)
    chime.add_response("get_proxy_session", answer)
    chime.add_client_error("update_proxy_session", "BadRequestException", "closed meanwhile")
    _, (reverted,), code = revert(session)
    assert (reverted.done, reverted.operations, code) == (False, ("UpdateProxySession",), 1)
    assert "UpdateProxySession rejected the request" in reverted.detail
    assert "closed meanwhile" in reverted.detail
