"""Fixtures of the drift check's unit tests: a session of Stubbers and a retry policy that never
sleeps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.drift.stubs import StubSession


@pytest.fixture
def session() -> Iterator[StubSession]:
    """A session whose every client is under a Stubber; each queued answer must be asked for."""
    stubbed = StubSession()
    yield stubbed
    stubbed.assert_done()


@pytest.fixture
def sleeps() -> list[float]:
    """The retry sleeps of the policy ``no_sleep(sleeps)`` records."""
    return []
