"""Claim tables for the handler's tests: moto's DynamoDB server, and a table per test."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

import boto3
from moto.server import ThreadedMotoServer

import proxy_contract as contract

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoDbServer:
    """moto in server mode on 127.0.0.1 (a free port): real DynamoDB requests over HTTP."""

    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint_url = ""

    def __enter__(self) -> DynamoDbServer:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.stop()

    def client(self) -> DynamoDBClient:
        """A client of the server."""
        return boto3.client("dynamodb", endpoint_url=self.endpoint_url, region_name="us-east-1")

    def create_claim_table(self) -> str:
        """A new claim table with the provider's key schema and TTL; its name."""
        name = f"claims-{uuid.uuid4().hex[:12]}"
        client = self.client()
        client.create_table(
            TableName=name,
            KeySchema=[
                {"AttributeName": contract.CLAIM_PARTITION_KEY, "KeyType": "HASH"},
                {"AttributeName": contract.CLAIM_SORT_KEY, "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": contract.CLAIM_PARTITION_KEY, "AttributeType": "S"},
                {"AttributeName": contract.CLAIM_SORT_KEY, "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={
                "Enabled": True,
                "AttributeName": contract.CLAIM_TTL_ATTRIBUTE,
            },
        )
        return name


@dataclass(frozen=True)
class ClaimTableInfo:
    """A claim table of a test: its name and the server that holds it."""

    name: str
    server: DynamoDbServer

    def items(self) -> list[dict[str, Any]]:
        """Every item, as DynamoDB returns it."""
        pages = self.server.client().get_paginator("scan").paginate(TableName=self.name)
        return [item for page in pages for item in page.get("Items", [])]
