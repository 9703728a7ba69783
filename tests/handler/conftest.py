"""Every handler test runs with a claim table of its own, as the deployed function does."""

from __future__ import annotations

import pytest

from tests.claim_tables import ClaimTableInfo


@pytest.fixture(autouse=True)
def _claim_table(claim_table: ClaimTableInfo) -> ClaimTableInfo:
    return claim_table
