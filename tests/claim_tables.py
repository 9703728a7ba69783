"""A claim table per handler test, on the harness's moto server (``harness.dynamodb``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import proxy_contract as contract
from harness.dynamodb import DynamoDBServer

# What the provider's AWS::DynamoDB::Table declares (tests/infra holds it to the template).
CLAIM_TABLE_PROPERTIES: dict[str, Any] = {
    "KeySchema": [
        {"AttributeName": contract.CLAIM_PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": contract.CLAIM_SORT_KEY, "KeyType": "RANGE"},
    ],
    "AttributeDefinitions": [
        {"AttributeName": contract.CLAIM_PARTITION_KEY, "AttributeType": "S"},
        {"AttributeName": contract.CLAIM_SORT_KEY, "AttributeType": "S"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
    "TimeToLiveSpecification": {"AttributeName": contract.CLAIM_TTL_ATTRIBUTE, "Enabled": True},
}


def create_claim_table(server: DynamoDBServer) -> str:
    """A new, empty claim table on ``server``; its name."""
    return server.create_table(CLAIM_TABLE_PROPERTIES, name=f"claims-{uuid.uuid4().hex[:12]}")


@dataclass(frozen=True)
class ClaimTableInfo:
    """A claim table of a test: its name and the server that holds it."""

    name: str
    server: DynamoDBServer

    def items(self) -> list[dict[str, Any]]:
        """Every item, as DynamoDB returns it."""
        return self.server.items(self.name, raw=True)
