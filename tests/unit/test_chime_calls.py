"""The retry loop: which errors it retries, backoff, and the deadline budget."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from chime_calls import (
    RetriesExhaustedError,
    RetryPolicy,
    call_with_retries,
    explain_failure,
)
from settings_resource import parse_properties
from tests.helpers import properties


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
    "code", ["ThrottledClientException", "ServiceUnavailableException", "ServiceFailureException"]
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
    "code", ["BadRequestException", "NotFoundException", "ForbiddenException", "Unknown"]
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
    settings = parse_properties(properties())
    last = client_error("ThrottledClientException", "Rate exceeded")
    error = RetriesExhaustedError("UpdateProxySession", last, attempts=7, elapsed=41.0)
    reason = explain_failure("UpdateProxySession", settings.call_target(), error)
    assert "ThrottledClientException" in reason
    assert "7 attempts over 41 s" in reason
    assert "deploy again later" in reason


def test_not_found_reason_names_session_and_connector() -> None:
    settings = parse_properties(properties())
    reason = explain_failure(
        "UpdateProxySession", settings.call_target(), client_error("NotFoundException")
    )
    assert settings.proxy_session_id in reason
    assert settings.voice_connector_id in reason


@pytest.mark.parametrize("code", ["ForbiddenException", "UnauthorizedClientException"])
def test_access_denied_reason_names_the_permission(code: str) -> None:
    settings = parse_properties(properties())
    reason = explain_failure("UpdateProxySession", settings.call_target(), client_error(code))
    assert "chime:UpdateProxySession" in reason
    assert f"vc/{settings.voice_connector_id}" in reason


def test_bad_request_reason_carries_the_service_message() -> None:
    settings = parse_properties(properties())
    error = client_error("BadRequestException", "Proxy sessions are no longer supported.")
    reason = explain_failure("UpdateProxySession", settings.call_target(), error)
    assert "Proxy sessions are no longer supported." in reason


def test_exhausted_connection_errors_point_at_the_network() -> None:
    settings = parse_properties(properties())
    last = EndpointConnectionError(endpoint_url="https://x")
    error = RetriesExhaustedError("UpdateProxySession", last, attempts=1, elapsed=13.0)
    reason = explain_failure("UpdateProxySession", settings.call_target(), error)
    assert "could not reach the ChimeSDKVoice endpoint (EndpointConnectionError)" in reason
    assert "after 1 attempt over 13 s" in reason


def test_delete_or_gone_counts_not_found_as_done() -> None:
    from chime_calls import ChimeCallError, delete_or_gone

    target = parse_properties(properties()).call_target()
    retry = policy(FakeClock())
    assert delete_or_gone("Op", flaky([]), target, deadline=100.0, policy=retry) is True
    gone = flaky([client_error("NotFoundException")])
    assert delete_or_gone("Op", gone, target, deadline=100.0, policy=retry) is False
    denied = flaky([client_error("ForbiddenException")])
    with pytest.raises(ChimeCallError, match="access denied"):
        delete_or_gone("Op", denied, target, deadline=100.0, policy=retry)
