"""ChimeSDKVoice calls (``chime_calls``): the client's settings, the retry loop (which errors it
retries, backoff, the deadline budget), Reasons, and the one call path of a request (``Calls``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.stub import Stubber

import chime_calls
import proxy_contract as contract
from chime_calls import (
    CallTarget,
    ChimeCallError,
    RetriesExhaustedError,
    RetryPolicy,
    call_with_retries,
    delete_or_gone,
    explain_failure,
)
from resource_types import SETTINGS, VOICE_CONNECTOR_PROXY
from tests.helpers import SESSION_ID, VC_ID, calls, stubbed_client

TARGET = CallTarget(
    subject=f"proxy session {SESSION_ID!r}",
    voice_connector_id=VC_ID,
    not_found_advice=SETTINGS.not_found_advice,
)


class FakeClock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def client_error(code: str, message: str = "nope") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "UpdateProxySession")


def policy(clock: FakeClock) -> RetryPolicy:
    return RetryPolicy(sleep=clock.sleep, clock=clock, jitter=lambda low, high: high)


def flaky(errors: list[Exception]) -> Any:
    calls = {"n": 0}

    def call() -> dict[str, Any]:
        calls["n"] += 1
        if errors:
            raise errors.pop(0)
        return {"ok": True}

    call.calls = calls  # type: ignore[attr-defined]
    return call


@pytest.mark.parametrize(
    "code",
    [
        "ThrottledClientException",
        "ServiceUnavailableException",
        "ServiceFailureException",
        # DynamoDB's, for the claim table
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
    ],
)
def test_transient_errors_are_retried_until_success(code: str) -> None:
    clock = FakeClock()
    call = flaky([client_error(code), client_error(code), client_error(code)])
    outcome = call_with_retries("Op", call, deadline=100.0, policy=policy(clock))
    assert outcome.attempts == 4
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_connection_errors_are_retried() -> None:
    clock = FakeClock()
    call = flaky([EndpointConnectionError(endpoint_url="http://x")])
    assert call_with_retries("Op", call, deadline=100.0, policy=policy(clock)).attempts == 2


@pytest.mark.parametrize(
    "code",
    [
        "BadRequestException",
        "NotFoundException",
        "ForbiddenException",
        "Unknown",
        "ConditionalCheckFailedException",
        "ResourceNotFoundException",
        "AccessDeniedException",
    ],
)
def test_other_errors_fail_at_once(code: str) -> None:
    clock = FakeClock()
    call = flaky([client_error(code)])
    with pytest.raises(ClientError):
        call_with_retries("Op", call, deadline=100.0, policy=policy(clock))
    assert call.calls["n"] == 1
    assert clock.sleeps == []


def test_backoff_is_capped() -> None:
    retry = RetryPolicy(jitter=lambda low, high: high)
    assert [retry.delay(n) for n in (1, 2, 3, 4, 5, 6, 7)] == [0.5, 1, 2, 4, 8, 8, 8]


def test_jitter_stays_within_the_ceiling() -> None:
    retry = RetryPolicy()
    for attempt in range(1, 8):
        assert 0.0 <= retry.delay(attempt) <= min(8.0, 0.5 * 2 ** (attempt - 1))


def test_budget_stops_before_the_deadline() -> None:
    clock = FakeClock()
    errors: list[Exception] = [client_error("ThrottledClientException") for _ in range(1000)]
    call = flaky(errors)
    deadline = 60.0
    with pytest.raises(RetriesExhaustedError) as caught:
        call_with_retries("Op", call, deadline=deadline, policy=policy(clock))
    exhausted = caught.value
    assert exhausted.attempts == call.calls["n"] > 3
    assert exhausted.elapsed == clock.now
    assert isinstance(exhausted.last_error, ClientError)
    assert exhausted.operation == "Op"
    # No attempt started that could not finish (13 s worst case) before the deadline.
    assert clock.now + 13.0 <= deadline


def test_exhausted_throttling_reason_is_actionable() -> None:
    last = client_error("ThrottledClientException", "Rate exceeded")
    error = RetriesExhaustedError("UpdateProxySession", last, attempts=7, elapsed=41.0)
    reason = explain_failure("UpdateProxySession", TARGET, error)
    assert "ThrottledClientException" in reason
    assert f"for proxy session {SESSION_ID!r}" in reason
    assert "7 attempts over 41 s" in reason
    assert "deploy again later" in reason


def test_not_found_reason_names_session_and_connector_and_says_what_to_do() -> None:
    reason = explain_failure("UpdateProxySession", TARGET, client_error("NotFoundException"))
    assert f"proxy session {SESSION_ID!r} was not found on voice connector {VC_ID}" in reason
    assert reason.endswith(SETTINGS.not_found_advice)


@pytest.mark.parametrize("code", ["ForbiddenException", "UnauthorizedClientException"])
def test_access_denied_reason_names_the_permission(code: str) -> None:
    reason = explain_failure("UpdateProxySession", TARGET, client_error(code))
    assert "The function's role needs chime:UpdateProxySession" in reason
    assert f"arn:<partition>:chime:<region>:<account>:vc/{VC_ID}" in reason
    role = "arn:aws:iam::123456789012:role/Chime"
    assumed = CallTarget("x", VC_ID, ".", region="eu-west-2", role_arn=role)
    reason = explain_failure("UpdateProxySession", assumed, client_error(code))
    assert f"The role {role} needs chime:UpdateProxySession" in reason
    assert f"arn:<partition>:chime:eu-west-2:<account>:vc/{VC_ID}" in reason


def test_bad_request_reason_carries_the_service_message() -> None:
    error = client_error("BadRequestException", "Proxy sessions are no longer supported.")
    reason = explain_failure("UpdateProxySession", TARGET, error)
    assert "Proxy sessions are no longer supported." in reason


def test_exhausted_connection_errors_point_at_the_network() -> None:
    last = EndpointConnectionError(endpoint_url="https://x")
    error = RetriesExhaustedError("UpdateProxySession", last, attempts=1, elapsed=13.0)
    reason = explain_failure("UpdateProxySession", TARGET, error)
    assert "could not reach the ChimeSDKVoice endpoint (EndpointConnectionError)" in reason
    assert "after 1 attempt over 13 s" in reason


def test_delete_or_gone_counts_not_found_as_done() -> None:
    target = TARGET
    retry = policy(FakeClock())
    assert delete_or_gone("Op", flaky([]), target, deadline=100.0, policy=retry) is True
    gone = flaky([client_error("NotFoundException")])
    assert delete_or_gone("Op", gone, target, deadline=100.0, policy=retry) is False
    denied = flaky([client_error("ForbiddenException")])
    with pytest.raises(ChimeCallError, match="access denied"):
        delete_or_gone("Op", denied, target, deadline=100.0, policy=retry)


def test_the_client_config_leaves_retries_to_this_module() -> None:
    config: Any = chime_calls.client_config()  # botocore's Config declares no attributes
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert (config.connect_timeout, config.read_timeout) == (3.0, 10.0)
    assert config.user_agent_extra == "cdk-chime-proxy-session"
    assert RetryPolicy().attempt_cost == config.connect_timeout + config.read_timeout
    client = chime_calls.new_client(region_name="eu-west-2")
    assert client.meta.region_name == "eu-west-2"
    built: Any = client.meta.config
    assert built.retries == config.retries


# The one call path ------------------------------------------------------------------------------


@pytest.fixture
def stub() -> Iterator[Stubber]:
    """A Stubber on a chime-sdk-voice client of its own."""
    with stubbed_client() as stubber:
        yield stubber


def put_request() -> dict[str, Any]:
    return {
        "VoiceConnectorId": VC_ID,
        "DefaultSessionExpiryMinutes": 60,
        "PhoneNumberPoolCountries": ["US"],
    }


def test_calls_refuse_an_operation_the_type_did_not_declare() -> None:
    path = calls(SETTINGS)  # a client made would fail the test: the refusal comes first
    with pytest.raises(RuntimeError) as raised:
        path.call("PutVoiceConnectorProxy", **put_request())
    message = str(raised.value)
    assert message.startswith("PutVoiceConnectorProxy is not among the operations")
    assert "(DeleteProxySession, UpdateProxySession)" in message
    assert "declare it in resource_types.py" in message
    for refused in (path.attempt, path.delete):
        with pytest.raises(RuntimeError):
            refused("DeleteVoiceConnectorProxy", VoiceConnectorId=VC_ID)
    assert path.counts == {}


def test_calls_count_each_operation_on_one_client_made_on_first_use(stub: Stubber) -> None:
    made: list[object] = []

    def connect() -> Any:
        made.append(stub.client)
        return stub.client

    path = calls(VOICE_CONNECTOR_PROXY, connect)
    assert path.summary() == "none"
    assert made == []
    stub.add_response("put_voice_connector_proxy", {"Proxy": {}}, put_request())
    stub.add_response("put_voice_connector_proxy", {"Proxy": {}}, put_request())
    stub.add_response("delete_voice_connector_proxy", {}, {"VoiceConnectorId": VC_ID})
    assert path.call("PutVoiceConnectorProxy", **put_request()) == {"Proxy": {}}
    about = path.about("the other subject")
    about.call("PutVoiceConnectorProxy", **put_request())
    assert about.delete("DeleteVoiceConnectorProxy", VoiceConnectorId=VC_ID) is True
    assert path.counts == {"PutVoiceConnectorProxy": 2, "DeleteVoiceConnectorProxy": 1}
    assert path.summary() == "DeleteVoiceConnectorProxy 1, PutVoiceConnectorProxy 2"
    assert len(made) == 1
    assert path.region == "us-east-1"


def test_a_failure_is_a_reason_about_the_subject_in_the_clients_region(stub: Stubber) -> None:
    path = calls(SETTINGS, lambda: stub.client).about("proxy session 's-1'")
    stub.add_client_error("update_proxy_session", "ForbiddenException", "denied", 403)
    stub.add_client_error("update_proxy_session", "NotFoundException", "gone", 404)
    request = {"VoiceConnectorId": VC_ID, "ProxySessionId": "s-1", "Capabilities": ["Voice"]}
    with pytest.raises(ChimeCallError) as denied:
        path.call("UpdateProxySession", **request)
    assert f"arn:<partition>:chime:us-east-1:<account>:vc/{VC_ID}" in str(denied.value)
    with pytest.raises(ChimeCallError) as missing:
        path.call("UpdateProxySession", **request)
    assert "proxy session 's-1' was not found" in str(missing.value)
    assert path.counts == {"UpdateProxySession": 2}


def test_attempt_raises_the_services_error_and_delete_counts_gone_as_done(stub: Stubber) -> None:
    path = calls(SETTINGS, lambda: stub.client)
    stub.add_client_error("delete_proxy_session", "NotFoundException", "gone", 404)
    stub.add_client_error("delete_proxy_session", "NotFoundException", "gone", 404)
    request = {"VoiceConnectorId": VC_ID, "ProxySessionId": "s-1"}
    assert path.delete("DeleteProxySession", **request) is False
    with pytest.raises(ClientError, match="NotFoundException"):
        path.attempt("DeleteProxySession", **request)
    assert path.counts == {"DeleteProxySession": 2}


def test_find_answers_the_response_or_none_when_it_is_not_there(stub: Stubber) -> None:
    path = calls(VOICE_CONNECTOR_PROXY, lambda: stub.client)
    proxy = {"Proxy": {"DefaultSessionExpiryMinutes": 60, "PhoneNumberCountries": ["US"]}}
    stub.add_response("get_voice_connector_proxy", proxy, {"VoiceConnectorId": VC_ID})
    stub.add_client_error("get_voice_connector_proxy", "NotFoundException", "none", 404)
    assert path.find("GetVoiceConnectorProxy", VoiceConnectorId=VC_ID) == proxy
    assert path.find("GetVoiceConnectorProxy", VoiceConnectorId=VC_ID) is None
    assert path.counts == {"GetVoiceConnectorProxy": 2}


def test_find_retries_and_turns_other_failures_into_reasons(stub: Stubber) -> None:
    path = calls(VOICE_CONNECTOR_PROXY, lambda: stub.client)
    stub.add_client_error("get_voice_connector_proxy", "ThrottledClientException", "slow", 429)
    stub.add_client_error("get_voice_connector_proxy", "ForbiddenException", "denied", 403)
    with pytest.raises(ChimeCallError) as denied:
        path.find("GetVoiceConnectorProxy", VoiceConnectorId=VC_ID)
    assert "chime:GetVoiceConnectorProxy" in str(denied.value)
    assert path.counts == {"GetVoiceConnectorProxy": 1}  # one call, retried once
    with pytest.raises(RuntimeError, match="not among the operations"):
        calls(SETTINGS).find("GetVoiceConnectorProxy", VoiceConnectorId=VC_ID)


@pytest.mark.parametrize("code", ["ForbiddenException", "BadRequestException"])
def test_a_refused_proxy_operation_points_to_the_end_of_support(code: str) -> None:
    reason = explain_failure("CreateProxySession", TARGET, client_error(code))
    assert "After the end of support" in reason
    assert contract.END_OF_SUPPORT_DATE in reason


def test_a_refused_operation_that_outlives_proxy_sessions_does_not() -> None:
    reason = explain_failure(
        "AssociatePhoneNumbersWithVoiceConnector", TARGET, client_error("ForbiddenException")
    )
    assert "end of support" not in reason.lower()
