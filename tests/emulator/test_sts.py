"""The STS stand-in, driven through real boto3 STS clients over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from harness.emulator import ChimeVoiceEmulator
from harness.sts import STS_ENDPOINT_ENV_VAR, StsEmulator, issued_access_key_id
from tests.emulator.helpers import NO_RETRY, make_client

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
ROLE = "arn:aws:iam::111122223333:role/chime/ProxySessions"
OTHER_ROLE = "arn:aws:iam::444455556666:role/ProxySessions"
CALLER = "AKIDCALLEREXAMPLE001"


@pytest.fixture(scope="module")
def sts() -> Iterator[StsEmulator]:
    with StsEmulator(clock=lambda: NOW) as running:
        yield running
    assert not running.running


@pytest.fixture(autouse=True)
def _fresh_sts(sts: StsEmulator) -> Iterator[None]:
    yield
    assert sts.internal_errors == []
    sts.reset()


def sts_client(
    endpoint_url: str,
    *,
    access_key_id: str = CALLER,
    region: str = "us-west-2",
    config: Config | None = None,
) -> Any:
    """A boto3 STS client signing as `access_key_id` (fake secret) that makes one attempt."""
    return boto3.client(
        "sts",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=f"{access_key_id}-fake-secret",
        config=NO_RETRY if config is None else NO_RETRY.merge(config),
    )


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    """The HTTP status, error type and error code of a ClientError."""
    response: Any = raised.value.response
    error = response["Error"]
    return response["ResponseMetadata"]["HTTPStatusCode"], error.get("Type"), error["Code"]


def test_assume_role_issues_credentials_that_sign_as_the_role(
    sts: StsEmulator, emu: ChimeVoiceEmulator, vc: str
) -> None:
    issued = sts.allow_role(ROLE, external_id="cdk-proxy-sessions")
    other = sts.allow_role(OTHER_ROLE)
    client = sts_client(sts.endpoint_url)

    response = client.assume_role(
        RoleArn=ROLE,
        RoleSessionName="cdk-proxy-session",
        ExternalId="cdk-proxy-sessions",
        DurationSeconds=900,
    )

    credentials = response["Credentials"]
    assert credentials["AccessKeyId"] == issued == issued_access_key_id(ROLE)
    assert issued.startswith("ASIA")
    assert len(issued) == 20
    assert other != issued
    assert credentials["SecretAccessKey"]
    assert credentials["SessionToken"]
    assert credentials["Expiration"] == NOW + timedelta(seconds=900)
    assert response["AssumedRoleUser"]["Arn"] == (
        "arn:aws:sts::111122223333:assumed-role/ProxySessions/cdk-proxy-session"
    )
    assert response["AssumedRoleUser"]["AssumedRoleId"].endswith(":cdk-proxy-session")

    # The credentials work as any: a chime-sdk-voice client signs with them.
    assumed = make_client(
        emu.endpoint_url,
        region_name="eu-central-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    assumed.list_proxy_sessions(VoiceConnectorId=vc)
    assert (emu.calls[-1].access_key_id, emu.calls[-1].region) == (issued, "eu-central-1")

    second = client.assume_role(RoleArn=OTHER_ROLE, RoleSessionName="second")
    assert second["Credentials"]["AccessKeyId"] == other
    assert second["Credentials"]["Expiration"] == NOW + timedelta(seconds=3600)


def test_calls_record_each_request(sts: StsEmulator) -> None:
    sts.allow_role(ROLE, external_id="cdk-proxy-sessions")
    client = sts_client(sts.endpoint_url, region="eu-west-1")

    client.assume_role(
        RoleArn=ROLE,
        RoleSessionName="recorded",
        ExternalId="cdk-proxy-sessions",
        DurationSeconds=1800,
    )
    with pytest.raises(ClientError):
        client.assume_role(RoleArn=ROLE, RoleSessionName="recorded", ExternalId="wrong-id")

    ok, denied = sts.calls
    assert (ok.action, ok.role_arn, ok.role_session_name) == ("AssumeRole", ROLE, "recorded")
    assert (ok.external_id, ok.external_id_matched, ok.duration_seconds) == (
        "cdk-proxy-sessions",
        True,
        1800,
    )
    assert (ok.access_key_id, ok.region, ok.status, ok.error_code) == (
        CALLER,
        "eu-west-1",
        200,
        None,
    )
    assert ok.issued_access_key_id == issued_access_key_id(ROLE)
    assert ok.timestamp == NOW
    assert (denied.external_id, denied.external_id_matched, denied.duration_seconds) == (
        "wrong-id",
        False,
        None,
    )
    assert (denied.status, denied.error_code, denied.issued_access_key_id) == (
        403,
        "AccessDenied",
        None,
    )
    sts.reset_calls()
    assert sts.calls == []


def test_a_role_not_allowed_is_access_denied(sts: StsEmulator) -> None:
    sts.allow_role(OTHER_ROLE)
    client = sts_client(sts.endpoint_url)

    with pytest.raises(ClientError) as raised:
        client.assume_role(RoleArn=ROLE, RoleSessionName="not-allowed")

    assert error_of(raised) == (403, "Sender", "AccessDenied")
    assert ROLE in raised.value.response["Error"]["Message"]
    assert sts.calls[-1].external_id_matched is False


@pytest.mark.parametrize("external_id", ["wrong-external-id", None], ids=["wrong", "missing"])
def test_a_wrong_or_missing_external_id_is_access_denied(
    sts: StsEmulator, external_id: str | None
) -> None:
    sts.allow_role(ROLE, external_id="cdk-proxy-sessions")
    client = sts_client(sts.endpoint_url)
    extra = {} if external_id is None else {"ExternalId": external_id}

    with pytest.raises(ClientError) as raised:
        client.assume_role(RoleArn=ROLE, RoleSessionName="external", **extra)

    assert error_of(raised) == (403, "Sender", "AccessDenied")
    assert "cdk-proxy-sessions" not in raised.value.response["Error"]["Message"]
    assert (sts.calls[-1].external_id, sts.calls[-1].external_id_matched) == (external_id, False)


@pytest.mark.parametrize(
    ("name", "constraint"),
    [
        ("has space", r"Member must satisfy regular expression pattern: [\w+=,.@-]*"),
        ("slash/name", r"Member must satisfy regular expression pattern: [\w+=,.@-]*"),
        ("n" * 65, "Member must have length less than or equal to 64"),
        ("n", "Member must have length greater than or equal to 2"),
    ],
    ids=["space", "slash", "65 characters", "1 character"],
)
def test_role_session_name_is_validated(sts: StsEmulator, name: str, constraint: str) -> None:
    sts.allow_role(ROLE)
    # botocore checks the minimum length itself; this client sends what it is given.
    client = sts_client(sts.endpoint_url, config=Config(parameter_validation=False))

    with pytest.raises(ClientError) as raised:
        client.assume_role(RoleArn=ROLE, RoleSessionName=name)

    assert error_of(raised) == (400, "Sender", "ValidationError")
    assert raised.value.response["Error"]["Message"] == (
        f"1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy "
        f"constraint: {constraint}"
    )
    assert sts.calls[-1].issued_access_key_id is None


def test_session_names_sts_accepts_pass(sts: StsEmulator) -> None:
    sts.allow_role(ROLE)
    client = sts_client(sts.endpoint_url)

    for name in ("ab", "n" * 64, "cdk+proxy=session,v1.2@example-x_y"):
        client.assume_role(RoleArn=ROLE, RoleSessionName=name)

    assert [call.status for call in sts.calls] == [200, 200, 200]


def test_duration_beyond_the_role_maximum_is_a_validation_error(sts: StsEmulator) -> None:
    sts.allow_role(ROLE, max_session_seconds=3600)
    client = sts_client(sts.endpoint_url)

    with pytest.raises(ClientError) as raised:
        client.assume_role(RoleArn=ROLE, RoleSessionName="long", DurationSeconds=3601)

    assert error_of(raised) == (400, "Sender", "ValidationError")
    assert "MaxSessionDuration" in raised.value.response["Error"]["Message"]
    with pytest.raises(ValueError, match="max_session_seconds"):
        sts.allow_role(ROLE, max_session_seconds=899)


def test_throttle_next_answers_throttling_then_recovers(sts: StsEmulator) -> None:
    sts.allow_role(ROLE)
    client = sts_client(sts.endpoint_url)
    sts.throttle_next(2)

    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            client.assume_role(RoleArn=ROLE, RoleSessionName="throttled")
        assert error_of(raised) == (400, "Sender", "Throttling")
    client.assume_role(RoleArn=ROLE, RoleSessionName="throttled")

    assert [call.error_code for call in sts.calls] == ["Throttling", "Throttling", None]


def test_env_var_points_an_unchanged_client_at_the_stand_in(
    sts: StsEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STS_ENDPOINT_ENV_VAR, sts.endpoint_url)
    issued = sts.allow_role(ROLE)
    plain = boto3.session.Session().client("sts", config=NO_RETRY)

    response = plain.assume_role(RoleArn=ROLE, RoleSessionName="from-env")

    assert plain.meta.endpoint_url == sts.endpoint_url
    assert response["Credentials"]["AccessKeyId"] == issued
    assert sts.calls[-1].access_key_id == "AKIAIOSFODNN7EXAMPLE"  # tests/conftest.py's


def test_unsigned_requests_and_other_actions_are_refused(sts: StsEmulator) -> None:
    sts.allow_role(ROLE)
    unsigned = sts_client(sts.endpoint_url, config=Config(signature_version=UNSIGNED))
    with pytest.raises(ClientError) as raised:
        unsigned.assume_role(RoleArn=ROLE, RoleSessionName="unsigned")
    assert error_of(raised) == (403, "Sender", "MissingAuthenticationToken")

    with pytest.raises(ClientError) as other:
        sts_client(sts.endpoint_url).get_caller_identity()
    assert error_of(other) == (400, "Sender", "InvalidAction")
    assert [call.issued_access_key_id for call in sts.calls] == [None, None]


def test_allow_role_takes_role_arns_only(sts: StsEmulator) -> None:
    with pytest.raises(ValueError, match="not an IAM role ARN"):
        sts.allow_role("arn:aws:iam::111122223333:user/someone")
    stopped = StsEmulator()
    with pytest.raises(RuntimeError, match="STS emulator is not running"):
        _ = stopped.endpoint_url
