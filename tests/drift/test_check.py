"""check_stack against Stubbers: each session type and the proxy configuration in sync, modified,
deleted and not checked; values never shown; references between the stack's resources; the
handler's retries; and the errors that stop the check."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from chime_proxy_session.drift import (
    Difference,
    DriftCheckError,
    ResourceDrift,
    Status,
    check_stack,
)
from tests.drift.stubs import (
    CREATED_SESSION,
    FALL_BACK,
    PARTICIPANTS,
    PHYSICAL_IDS,
    SETTINGS_SESSION,
    STACK,
    STACK_ID,
    VC,
    WHEN,
    StubSession,
    no_sleep,
    proxy_answer,
    session_answer,
    stub_stack,
    template,
)


def check(session: StubSession, **options: Any) -> tuple[ResourceDrift, ...]:
    return check_stack(STACK, session=session, policy=no_sleep(), **options).resources


def get_session(session: StubSession, session_id: str, answer: dict[str, Any] | None) -> None:
    stub = session.stub("chime-sdk-voice")
    request = {"VoiceConnectorId": VC, "ProxySessionId": session_id}
    if answer is None:
        stub.add_client_error("get_proxy_session", "NotFoundException", http_status_code=404)
    else:
        stub.add_response("get_proxy_session", answer, request)


def get_proxy(session: StubSession, answer: dict[str, Any] | None) -> None:
    stub = session.stub("chime-sdk-voice")
    if answer is None:
        stub.add_client_error(
            "get_voice_connector_proxy", "NotFoundException", http_status_code=404
        )
    else:
        stub.add_response("get_voice_connector_proxy", answer, {"VoiceConnectorId": VC})


# ProxySessionSettings and ProxySession ---------------------------------------------------------
def test_settings_in_sync_whatever_the_order_of_capabilities(session: StubSession) -> None:
    stub_stack(session, template("Settings"))
    get_session(
        session,
        SETTINGS_SESSION,
        session_answer(SETTINGS_SESSION, capabilities=["SMS", "Voice"], expiry=120),
    )
    (found,) = check(session)
    assert found == ResourceDrift(
        "Settings", "Custom::ChimeProxySessionSettings", PHYSICAL_IDS["Settings"], Status.IN_SYNC
    )


def test_settings_modified_names_each_difference(session: StubSession) -> None:
    stub_stack(session, template("Settings"))
    get_session(
        session, SETTINGS_SESSION, session_answer(SETTINGS_SESSION, capabilities=["SMS"], expiry=30)
    )
    (found,) = check(session)
    assert found.status is Status.MODIFIED
    assert found.differences == (
        Difference("Capabilities", "Voice,SMS", "SMS"),
        Difference("ExpiryMinutes", "120", "30"),
    )


def test_an_expiry_not_declared_is_left_as_it_is(session: StubSession) -> None:
    stub_stack(session, template("Settings", Settings={"ExpiryMinutes": None}))
    get_session(
        session,
        SETTINGS_SESSION,
        session_answer(SETTINGS_SESSION, capabilities=["Voice", "SMS"], expiry=5),
    )
    assert check(session)[0].status is Status.IN_SYNC


def test_settings_of_a_session_that_is_gone_are_deleted_with_what_to_do(
    session: StubSession,
) -> None:
    stub_stack(session, template("Settings"))
    get_session(session, SETTINGS_SESSION, None)
    (found,) = check(session)
    assert found.status is Status.DELETED
    assert found.reason is not None
    assert f"Session {SETTINGS_SESSION} is not found on voice connector {VC}" in found.reason
    assert "point ProxySessionId at a live session" in found.reason


def test_a_created_session_is_read_by_the_id_in_its_physical_id(session: StubSession) -> None:
    stub_stack(session, template("Session"))
    get_session(
        session, CREATED_SESSION, session_answer(CREATED_SESSION, capabilities=["Voice", "SMS"])
    )
    (found,) = check(session)
    assert found.status is Status.MODIFIED
    assert found.differences == (Difference("Capabilities", "Voice", "Voice,SMS"),)


@pytest.mark.parametrize("answer", ["Closed", None], ids=["closed", "not-found"])
def test_a_created_session_closed_or_gone_is_deleted(
    session: StubSession, answer: str | None
) -> None:
    stub_stack(session, template("Session"))
    found_answer = (
        None
        if answer is None
        else session_answer(CREATED_SESSION, capabilities=["Voice"], status=answer)
    )
    get_session(session, CREATED_SESSION, found_answer)
    (found,) = check(session)
    assert found.status is Status.DELETED
    assert found.reason is not None
    assert "change its name" in found.reason


# VoiceConnectorProxy ---------------------------------------------------------------------------
def test_proxy_in_sync_reads_the_parameter_default_and_any_order_of_countries(
    session: StubSession,
) -> None:
    stub_stack(session, template("Proxy"))
    get_proxy(session, proxy_answer(PhoneNumberCountries=["CA", "US"]))
    assert check(session)[0].status is Status.IN_SYNC


def test_proxy_modified(session: StubSession) -> None:
    stub_stack(session, template("Proxy"), parameters={"Expiry": "45"})
    get_proxy(session, proxy_answer(PhoneNumberCountries=["US"], Disabled=True))
    (found,) = check(session)
    assert found.differences == (
        Difference("DefaultSessionExpiryMinutes", "45", "30"),
        Difference("PhoneNumberPoolCountries", "US,CA", "US"),
        Difference("Disabled", "false", "true"),
    )


@pytest.mark.parametrize(
    ("declared", "live", "shown"),
    [
        (FALL_BACK, "+12065550000", ("<not shown>", "<another value, not shown>")),
        (FALL_BACK, None, ("<not shown>", None)),
        (None, FALL_BACK, (None, "<not shown>")),
    ],
)
def test_a_fall_back_number_is_compared_and_never_shown(
    session: StubSession, declared: str | None, live: str | None, shown: tuple[str | None, ...]
) -> None:
    stub_stack(session, template("Proxy", Proxy={"FallBackPhoneNumber": declared}))
    answer = proxy_answer()
    answer["Proxy"].pop("FallBackPhoneNumber")
    if live is not None:
        answer["Proxy"]["FallBackPhoneNumber"] = live
    get_proxy(session, answer)
    (found,) = check(session)
    assert found.differences == (Difference("FallBackPhoneNumber", *shown),)
    assert "+1206" not in json.dumps(found.as_json())


@pytest.mark.parametrize("answer", [{}, None], ids=["no-configuration", "not-found"])
def test_a_voice_connector_without_configuration_is_deleted(
    session: StubSession, answer: dict[str, Any] | None
) -> None:
    stub_stack(session, template("Proxy"))
    get_proxy(session, answer)
    (found,) = check(session)
    assert found.status is Status.DELETED
    assert found.reason is not None
    assert f"Voice connector {VC} has no proxy configuration. Deploy a replacement" in found.reason


# Values CloudFormation never shows -------------------------------------------------------------
FALL_BACK_REFERENCE = "{{resolve:secretsmanager:demo/proxy:SecretString:fallback}}"


def test_a_secret_value_is_not_compared_without_resolve_secrets(session: StubSession) -> None:
    stub_stack(
        session, template("Proxy", "Session", Proxy={"FallBackPhoneNumber": FALL_BACK_REFERENCE})
    )
    get_proxy(session, proxy_answer(FallBackPhoneNumber="+12065550000"))
    get_session(session, CREATED_SESSION, session_answer(CREATED_SESSION, capabilities=["Voice"]))
    proxy, created = check(session)
    assert proxy.status is Status.IN_SYNC
    assert proxy.reason == (
        "FallBackPhoneNumber is a {{resolve:secretsmanager:...}} reference, which CloudFormation "
        "resolves at deploy time and never shows: not compared (--resolve-secrets reads it with "
        "your permissions)"
    )
    # Participants are never compared, so their references need no reading.
    assert (created.status, created.reason) == (Status.IN_SYNC, None)


def test_resolve_secrets_compares_them_and_shows_none(session: StubSession) -> None:
    stub_stack(
        session,
        template(
            "Proxy",
            Proxy={
                "FallBackPhoneNumber": FALL_BACK_REFERENCE,
                "DefaultSessionExpiryMinutes": "{{resolve:ssm:/proxy/minutes}}",
            },
        ),
    )
    session.stub("secretsmanager").add_response(
        "get_secret_value",
        {"SecretString": json.dumps({"fallback": FALL_BACK})},
        {"SecretId": "demo/proxy"},
    )
    session.stub("ssm").add_response(
        "get_parameter",
        {"Parameter": {"Value": "90"}},
        {"Name": "/proxy/minutes", "WithDecryption": False},
    )
    get_proxy(session, proxy_answer(FallBackPhoneNumber="+12065550000"))
    (found,) = check(session, resolve_secrets=True)
    assert found.differences == (
        Difference("DefaultSessionExpiryMinutes", "<not shown>", "<another value, not shown>"),
        Difference("FallBackPhoneNumber", "<not shown>", "<another value, not shown>"),
    )


# References between the stack's resources ------------------------------------------------------
def test_an_attribute_of_another_custom_resource_comes_from_the_service_read_once(
    session: StubSession,
) -> None:
    stub_stack(
        session,
        template(
            "Session",
            "Proxy",
            "Settings",
            Settings={
                "ProxySessionId": {"Fn::GetAtt": ["Session", "ProxySessionId"]},
                "ExpiryMinutes": {"Fn::GetAtt": ["Proxy", "DefaultSessionExpiryMinutes"]},
            },
        ),
    )
    get_session(session, CREATED_SESSION, session_answer(CREATED_SESSION, capabilities=["Voice"]))
    get_proxy(session, proxy_answer())
    get_session(
        session, CREATED_SESSION, session_answer(CREATED_SESSION, capabilities=["Voice"], expiry=30)
    )
    # Settings comes first in the template: reading it reads Session and Proxy, once each.
    settings, proxy, created = check(session)
    assert (created.status, proxy.status) == (Status.IN_SYNC, Status.IN_SYNC)
    assert settings.differences == (Difference("Capabilities", "Voice,SMS", "Voice"),)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        (
            {"VoiceConnectorId": {"Fn::ImportValue": "Vc"}},
            "Settings.VoiceConnectorId: Fn::ImportValue is not worked out",
        ),
        ({"Region": "{{resolve:ssm:/region}}"}, "Region is a {{resolve:ssm:...}} reference"),
        ({"Capabilities": ["Fax"]}, "Capabilities[0] is 'Fax'"),
        ({"Colour": "blue"}, "Unknown property 'Colour'"),
    ],
)
def test_what_cannot_be_worked_out_is_not_checked_with_the_reason(
    session: StubSession, changes: dict[str, Any], says: str
) -> None:
    stub_stack(session, template("Settings", Settings=changes))
    (found,) = check(session)
    assert found.status is Status.NOT_CHECKED
    assert found.reason is not None
    assert says in found.reason


def test_a_resource_whose_create_failed_is_not_checked(session: StubSession) -> None:
    stub_stack(session, template("Session"), physical_ids={"Session": "create-failed:abc"})
    (found,) = check(session)
    assert found.status is Status.NOT_CHECKED
    assert found.reason is not None
    assert "'create-failed:abc' (CREATE_COMPLETE) was not issued by the handler" in found.reason


# Retries and the errors that stop the check ----------------------------------------------------
def test_throttling_is_retried_with_the_handlers_policy(session: StubSession) -> None:
    sleeps: list[float] = []
    session.stub("cloudformation").add_client_error(
        "describe_stacks", "Throttling", http_status_code=400
    )
    stub_stack(session, template("Settings"))
    session.stub("chime-sdk-voice").add_client_error(
        "get_proxy_session", "ThrottledClientException", http_status_code=429
    )
    get_session(
        session,
        SETTINGS_SESSION,
        session_answer(SETTINGS_SESSION, capabilities=["Voice", "SMS"], expiry=120),
    )
    report = check_stack(STACK, session=session, policy=no_sleep(sleeps))
    assert report.resources[0].status is Status.IN_SYNC
    assert sleeps == [0.5, 0.5]


def test_access_denied_on_the_service_names_the_action_and_resource(session: StubSession) -> None:
    stub_stack(session, template("Settings"))
    session.stub("chime-sdk-voice").add_client_error(
        "get_proxy_session", "ForbiddenException", "not allowed", http_status_code=403
    )
    with pytest.raises(DriftCheckError) as raised:
        check(session)
    assert str(raised.value) == (
        f"chime:GetProxySession on arn:<partition>:chime:us-east-1:<account>:vc/{VC}: access "
        "denied (ForbiddenException: not allowed). The caller needs chime:GetProxySession on "
        f"arn:<partition>:chime:us-east-1:<account>:vc/{VC}; check its policy and any permission "
        "boundary or SCP."
    )


def test_another_failure_of_the_service_leaves_the_resource_not_checked(
    session: StubSession,
) -> None:
    stub_stack(session, template("Settings"))
    session.stub("chime-sdk-voice").add_client_error(
        "get_proxy_session", "BadRequestException", "no longer supported", http_status_code=400
    )
    (found,) = check(session)
    assert (found.status, found.reason) == (
        Status.NOT_CHECKED,
        "chime:GetProxySession failed (BadRequestException: no longer supported)",
    )


def test_no_such_stack(session: StubSession) -> None:
    session.stub("cloudformation").add_client_error(
        "describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist"
    )
    with pytest.raises(DriftCheckError) as raised:
        check(session)
    assert str(raised.value) == (
        f"cloudformation:DescribeStacks: there is no stack {STACK} in us-east-1. Check the stack "
        f"name and --region (ValidationError: Stack with id {STACK} does not exist)"
    )


def test_access_denied_on_the_stack(session: StubSession) -> None:
    session.stub("cloudformation").add_client_error("describe_stacks", "AccessDenied", "no")
    with pytest.raises(
        DriftCheckError,
        match=r"^cloudformation:DescribeStacks on stack Telephony in us-east-1: access denied "
        r"\(AccessDenied: no\)",
    ):
        check(session)


def test_no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    with pytest.raises(
        DriftCheckError, match=r"^cloudformation:DescribeStacks: no AWS credentials"
    ):
        check_stack(STACK, session=boto3.Session(), policy=no_sleep())


def test_a_yaml_template_is_refused(session: StubSession) -> None:
    stub_stack(session, template("Settings"), body_text="Resources:\n  A: !Ref B\n")
    with pytest.raises(DriftCheckError, match="the template is not JSON"):
        check(session)


def test_a_stack_of_more_than_100_resources_is_listed_page_by_page(session: StubSession) -> None:
    """DescribeStackResources answers the first 100 only."""
    body = template("Settings")
    body["Resources"].update({f"Queue{n}": {"Type": "AWS::SQS::Queue"} for n in range(100)})
    stub_stack(session, body, body_text=json.dumps(body))
    stub = session.stub("cloudformation")
    first = [
        {
            "LogicalResourceId": f"Queue{n}",
            "ResourceType": "AWS::SQS::Queue",
            "PhysicalResourceId": "q",
            "LastUpdatedTimestamp": WHEN,
            "ResourceStatus": "CREATE_COMPLETE",
        }
        for n in range(100)
    ]
    stub.add_response(
        "list_stack_resources",
        {"StackResourceSummaries": first, "NextToken": "2"},
        {"StackName": STACK_ID},
    )
    last = {
        "LogicalResourceId": "Settings",
        "ResourceType": "Custom::ChimeProxySessionSettings",
        "PhysicalResourceId": PHYSICAL_IDS["Settings"],
        "LastUpdatedTimestamp": WHEN,
        "ResourceStatus": "CREATE_COMPLETE",
    }
    stub.add_response(
        "list_stack_resources",
        {"StackResourceSummaries": [last]},
        {"StackName": STACK_ID, "NextToken": "2"},
    )
    get_session(
        session,
        SETTINGS_SESSION,
        session_answer(SETTINGS_SESSION, capabilities=["Voice", "SMS"], expiry=120),
    )
    assert [(r.logical_id, r.status) for r in check(session)] == [("Settings", Status.IN_SYNC)]


def test_participants_never_reach_the_report(session: StubSession) -> None:
    stub_stack(session, template("Session", "Proxy"))
    get_proxy(session, proxy_answer(FallBackPhoneNumber="+12065550000"))
    get_session(session, CREATED_SESSION, session_answer(CREATED_SESSION, capabilities=["SMS"]))
    text = json.dumps(check_stack(STACK, session=session, policy=no_sleep()).as_json())
    for number in (*PARTICIPANTS, FALL_BACK, "+12065550000"):
        assert number not in text
