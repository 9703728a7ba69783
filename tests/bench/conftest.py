"""Fixtures for the benchmark's unit tests."""

from __future__ import annotations

import pytest

from bench.report import Results
from tests.bench.fabricated import fabricated_results


@pytest.fixture
def fabricated() -> Results:
    """A fabricated run with every target met (see tests/bench/fabricated.py)."""
    return fabricated_results()
