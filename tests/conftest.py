"""Test-wide setup: fake AWS credentials and a region before anything imports boto3 or crhelper.

Nothing here reaches the network: the credentials are fake and every endpoint a test uses is local.
"""

from __future__ import annotations

import os
from pathlib import Path

_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "fake-session-token",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "CDK_DISABLE_CLI_TELEMETRY": "true",
}
for _key, _value in _FAKE_ENV.items():
    os.environ[_key] = _value
for _key in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
    os.environ.pop(_key, None)
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

# jsii spawns `node` from PATH: prefer the pinned Node.js 22 that `make setup` installs, so the
# machine's end-of-life Node.js never prints its banner into test output.
_NODE_BIN = Path(__file__).resolve().parents[1] / "node_modules" / ".bin"
if _NODE_BIN.is_dir():
    os.environ["PATH"] = f"{_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"

# Imported only now: the fake environment above must be in place before boto3 is configured.
import uuid  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from botocore.stub import Stubber  # noqa: E402

import proxy_contract as contract  # noqa: E402
from harness.dynamodb import DynamoDBServer  # noqa: E402
from harness.response_sink import ResponseSink  # noqa: E402
from tests.claim_tables import ClaimTableInfo, create_claim_table  # noqa: E402
from tests.helpers import Invoke, LambdaContext  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with a ``slow`` test first, each module's tests kept together and in order.

    pytest-xdist (``--dist loadfile --no-loadscope-reorder``) hands out whole modules in this
    order, so the CLI synths, the e2e runs and the quick benchmark start at once on both workers
    and the many quick modules fill in at the end, instead of one long module starting last.
    """
    slow_modules = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_modules)


# Handler fixtures, shared by tests/handler and tests/unit: the real index module, a
# Stubber on its real client, and an HTTPS sink standing in for the presigned ResponseURL.


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
    from chime_calls import RetryPolicy

    recorded: list[float] = []
    monkeypatch.setattr(index_module, "RetryPolicy", lambda: RetryPolicy(sleep=recorded.append))
    return recorded


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


@pytest.fixture
def api_calls(index_module: Any, stub: Stubber) -> Iterator[list[str]]:
    """The ChimeSDKVoice operations the handler attempted, while the empty Stubber is active."""
    attempted: list[str] = []
    events = index_module.client.meta.events

    def record(model: Any, **_: Any) -> None:
        attempted.append(model.name)

    events.register("provide-client-params.chime-sdk-voice", record)
    yield attempted
    events.unregister("provide-client-params.chime-sdk-voice", record)


# The claim table, for real: moto's DynamoDB in server mode, reached over HTTP by real boto3
# clients (the handler's own included) through AWS_ENDPOINT_URL_DYNAMODB.


@pytest.fixture(scope="session")
def dynamodb() -> Iterator[DynamoDBServer]:
    """moto's server on a free local port, one per test process."""
    with DynamoDBServer() as running:
        yield running


@pytest.fixture
def claim_table(dynamodb: DynamoDBServer, monkeypatch: pytest.MonkeyPatch) -> ClaimTableInfo:
    """A new, empty claim table, named in the function's environment as the provider names it."""
    name = create_claim_table(dynamodb)
    monkeypatch.setenv(contract.CLAIM_TABLE_VARIABLE, name)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb.endpoint_url)
    return ClaimTableInfo(name=name, server=dynamodb)
