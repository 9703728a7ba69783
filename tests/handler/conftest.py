"""Fixtures for handler tests: the real index module, a Stubber on its real client, an HTTPS sink."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from harness.response_sink import ResponseSink
from tests.helpers import LambdaContext


@pytest.fixture(scope="session")
def sink() -> Iterator[ResponseSink]:
    """A local HTTPS server standing in for the presigned ResponseURL."""
    with ResponseSink() as running:
        yield running


@pytest.fixture
def trust_sink(sink: ResponseSink, monkeypatch: pytest.MonkeyPatch) -> ResponseSink:
    """Make the handler's TLS context trust the sink's throwaway CA."""
    monkeypatch.setenv("SSL_CERT_FILE", sink.ca_file)
    return sink


@pytest.fixture
def index_module() -> Any:
    """The handler module, imported flat as the Lambda runtime does."""
    import index

    return index


@pytest.fixture
def stub(index_module: Any) -> Iterator[Stubber]:
    """A Stubber on the handler's own chime-sdk-voice client; fails if a stubbed call is left."""
    with Stubber(index_module.client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def sleeps(index_module: Any, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record retry sleeps instead of sleeping."""
    from proxy_session_calls import RetryPolicy

    recorded: list[float] = []
    monkeypatch.setattr(index_module, "RetryPolicy", lambda: RetryPolicy(sleep=recorded.append))
    return recorded


Invoke = Callable[..., dict[str, Any]]


@pytest.fixture
def invoke(trust_sink: ResponseSink, index_module: Any) -> Invoke:
    """Run ``index.handler`` on an event built by ``make(url)``; return the PUT body."""

    def run(make: Callable[[str], dict[str, Any]], timeout: float = 120.0) -> dict[str, Any]:
        key = uuid.uuid4().hex
        event = make(trust_sink.url_for(key))
        index_module.handler(event, LambdaContext(timeout_seconds=timeout))
        responses = trust_sink.responses(key)
        assert len(responses) == 1, f"expected exactly one response, got {len(responses)}"
        raw = trust_sink.raw(key)[0]
        assert len(raw) <= 4096
        body = dict(responses[0])
        body["_event"] = event
        body["_size"] = len(raw)
        return body

    return run
