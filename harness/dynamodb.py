"""DynamoDB on loopback for the function's claim table: moto in server mode, reached over HTTP.

`DynamoDBServer` runs moto's `ThreadedMotoServer` on 127.0.0.1 (a free port by default), so the
handler's unmodified boto3 client reaches it through ``AWS_ENDPOINT_URL_DYNAMODB`` and a test's
through `client()`: real requests, real DynamoDB semantics (conditional writes, TTL settings, key
schemas), no mocks. It creates the tables a synthesized template declares (`create_tables`), and
reads and writes items for tests (`items`, `put_item`, `update_item`: a test simulates a claim
edited by hand with them).

It never reaches the network: it binds loopback only, its clients sign with fixed fake
credentials for us-east-1 (never a profile, an environment variable or instance metadata) and use
no proxy, and `reset()` is a plain HTTP request to the server itself. It stays silent: no start
banner, no request log.

moto keeps its state per process: every moto server (and `mock_aws`) in one process shares it,
and `reset()` empties all of it. Tests run one at a time per process, so a reset at the start of
each test is enough.
"""

from __future__ import annotations

import http.client
import logging
import threading
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from moto.server import ThreadedMotoServer

from harness.cfn_template import REGION, TABLE_TYPE, Resolver, TemplateError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DYNAMODB_ENDPOINT_ENV_VAR: Final = "AWS_ENDPOINT_URL_DYNAMODB"
"""The environment variable that points boto3's DynamoDB clients at an endpoint."""

# moto answers every access key it did not issue as its default account, 123456789012.
_FAKE_ACCESS_KEY_ID: Final = "AKIAIOSFODNN7EXAMPLE"
_FAKE_SECRET_ACCESS_KEY: Final = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # noqa: S105 - fake
# One attempt per call (a test sees the server's first answer), and no proxy from the environment
# between the client and loopback.
_CLIENT_CONFIG: Final = Config(
    retries={"mode": "standard", "total_max_attempts": 1}, proxies={}, connect_timeout=5
)

# AWS::DynamoDB::Table properties that CreateTable takes as they are.
_CREATE_TABLE_PROPERTIES: Final = (
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "Tags",
    "DeletionProtectionEnabled",
)
# Properties that change nothing about items: accepted, not modeled.
_UNMODELED_PROPERTIES: Final = frozenset(
    {
        "ContributorInsightsSpecification",
        "KinesisStreamSpecification",
        "ResourcePolicy",
        "TableClass",
        "OnDemandThroughput",
        "WarmThroughput",
    }
)
# Properties turned into calls or parameters of their own below.
_OWN_PROPERTIES: Final = frozenset(
    {
        "TableName",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "StreamSpecification",
        "SSESpecification",
        "TimeToLiveSpecification",
        "PointInTimeRecoverySpecification",
    }
)
_INDEX_MEMBERS: Final = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")

_SERIALIZER: Final = TypeSerializer()
_DESERIALIZER: Final = TypeDeserializer()


class _MotoServer(ThreadedMotoServer):
    """moto's threaded server, which also closes its listening socket when it stops."""

    def stop(self) -> None:
        server = self._server
        super().stop()
        if server is not None:
            server.server_close()


def _plain(value: Any) -> Any:
    """A deserialized value with DynamoDB's numbers as int (whole) or float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, set):
        return {_plain(item) for item in value}
    return value


def _dynamo(value: Any) -> Any:
    """A plain value ready for the serializer (floats as Decimal, which it requires)."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, Mapping):
        return {key: _dynamo(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_dynamo(item) for item in value]
    return value


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    """A plain item (str, int, float, bool, None, bytes, lists, dicts, sets) as AttributeValues."""
    return {name: _SERIALIZER.serialize(_dynamo(value)) for name, value in item.items()}


def deserialize(item: Mapping[str, Any]) -> dict[str, Any]:
    """AttributeValues as a plain item (numbers as int when whole, float otherwise)."""
    return {name: _plain(_DESERIALIZER.deserialize(value)) for name, value in item.items()}


class DynamoDBServer:
    """moto's DynamoDB on a local HTTP port, with helpers for templates and items.

    Use it as a context manager, or call `start()` and `stop()` (both idempotent). Point boto3 at
    `endpoint_url`, or set `DYNAMODB_ENDPOINT_ENV_VAR` to it in a process's environment.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Configure the server; nothing listens until `start()`.

        Args:
            host: The address to bind (loopback by default).
            port: The port to bind; 0 picks a free ephemeral port.
        """
        self.host = host
        self._requested_port = port
        self._lifecycle = threading.Lock()
        self._server: _MotoServer | None = None
        self._port = 0
        self._client: DynamoDBClient | None = None

    # Lifecycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind and serve in a daemon thread; a no-op when already running. Returns self."""
        with self._lifecycle:
            if self._server is not None:
                return self
            # werkzeug logs each request at INFO, adding its own stderr handler when the root
            # logger has none; an explicit level keeps it from doing either.
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            server = _MotoServer(self.host, self._requested_port, verbose=False)
            server.start()
            self._server, self._port = server, server.get_host_and_port()[1]
            return self

    def stop(self) -> None:
        """Stop serving and close the listening socket; idempotent. The state stays in moto."""
        with self._lifecycle:
            server, self._server, self._client = self._server, None, None
            if server is not None:
                server.stop()

    def __enter__(self) -> Self:
        """Start serving."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop serving."""
        self.stop()

    @property
    def running(self) -> bool:
        """Whether it is serving."""
        return self._server is not None

    @property
    def port(self) -> int:
        """The bound port; raises RuntimeError when not running."""
        if self._server is None:
            raise RuntimeError(
                "The DynamoDB server is not running: call start() (or use it as a context manager)"
            )
        return self._port

    @property
    def endpoint_url(self) -> str:
        """The URL for boto3's `endpoint_url=` or AWS_ENDPOINT_URL_DYNAMODB."""
        return f"http://{self.host}:{self.port}"

    def reset(self) -> None:
        """Forget every table and item (moto's reset API: all of moto's state in this process)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request("POST", "/moto-api/reset")
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        if response.status != 200:
            raise RuntimeError(f"moto's reset answered HTTP {response.status}: {body[:200]!r}")

    def client(self) -> DynamoDBClient:
        """A DynamoDB client of this server: fake credentials, us-east-1, one attempt per call."""
        if self._client is None:
            self._client = boto3.client(
                "dynamodb",
                endpoint_url=self.endpoint_url,
                region_name=REGION,
                config=_CLIENT_CONFIG,
                aws_access_key_id=_FAKE_ACCESS_KEY_ID,
                aws_secret_access_key=_FAKE_SECRET_ACCESS_KEY,
                aws_session_token="fake-session-token",  # noqa: S106 - fake
            )
        return self._client

    # Tables from a template ---------------------------------------------------------------

    def create_tables(
        self,
        template: Mapping[str, Any],
        *,
        stack_name: str = "ChimeProxySessionDemo",
        existing: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """Create the AWS::DynamoDB::Table resources of ``template``; {logical id: table name}.

        A table is named as CloudFormation names it: its TableName, or
        ``<stack>-<logical id>-<random suffix>``, so each call makes new tables (a new stack).
        ``existing`` holds the tables the stack already has (by logical id), as a stack update
        keeps them: those are not created again, and are returned with the new ones.
        """
        resolver = Resolver(template, stack_name=stack_name)
        tables = dict(existing or {})
        for logical_id, resource in template.get("Resources", {}).items():
            if resource.get("Type") == TABLE_TYPE and logical_id not in tables:
                tables[logical_id] = self.create_table(
                    resource.get("Properties", {}),
                    name=self._name(resource, stack_name, logical_id),
                    where=f"{logical_id} ({TABLE_TYPE})",
                    resolver=resolver,
                )
        return tables

    def create_table(
        self,
        properties: Mapping[str, Any],
        *,
        name: str,
        where: str = TABLE_TYPE,
        resolver: Resolver | None = None,
    ) -> str:
        """Create the table an AWS::DynamoDB::Table's ``properties`` declare, as ``name``.

        CreateTable gets the key schema, attribute definitions, billing mode, throughput, indexes,
        stream, encryption (a customer managed key as the harness's stand-in ARN), tags and
        deletion protection; then UpdateTimeToLive sets the TTL
        attribute and UpdateContinuousBackups point-in-time recovery, when declared. Properties
        that change nothing about items (contributor insights, Kinesis streams, the table class,
        resource policies, throughput limits) are accepted and not modeled; any other property
        is refused, so that nothing the template declares is silently lost. Returns ``name``.
        """
        resolved: dict[str, Any] = (resolver or Resolver({}, stack_name="")).resolve(
            dict(properties), where
        )
        modeled = _OWN_PROPERTIES | _UNMODELED_PROPERTIES | set(_CREATE_TABLE_PROPERTIES)
        unknown = sorted(set(resolved) - modeled)
        if unknown:
            raise TemplateError(
                f"{where}: the harness does not model {unknown}; add them to harness/dynamodb.py"
            )
        request: dict[str, Any] = {
            key: resolved[key] for key in _CREATE_TABLE_PROPERTIES if key in resolved
        }
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if key in resolved:
                request[key] = [
                    {member: index[member] for member in _INDEX_MEMBERS if member in index}
                    for index in resolved[key]
                ]
        if "StreamSpecification" in resolved:
            view = resolved["StreamSpecification"]["StreamViewType"]
            request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
        if "SSESpecification" in resolved:
            # CloudFormation's SSEEnabled is the API's Enabled; the other members are the same.
            encryption = dict(resolved["SSESpecification"])
            request["SSESpecification"] = {
                "Enabled": bool(encryption.pop("SSEEnabled")),
                **encryption,
            }
        client = self.client()
        client.create_table(TableName=name, **request)
        if "TimeToLiveSpecification" in resolved:
            ttl = resolved["TimeToLiveSpecification"]
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={
                    "AttributeName": ttl["AttributeName"],
                    "Enabled": bool(ttl["Enabled"]),
                },
            )
        if "PointInTimeRecoverySpecification" in resolved:
            client.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification=resolved["PointInTimeRecoverySpecification"],
            )
        return name

    @staticmethod
    def _name(resource: Mapping[str, Any], stack_name: str, logical_id: str) -> str:
        declared = resource.get("Properties", {}).get("TableName")
        if declared is not None:
            if not isinstance(declared, str):
                raise TemplateError(
                    f"{logical_id}: TableName {declared!r:.200} is not a literal name"
                )
            return declared
        return f"{stack_name}-{logical_id}-{uuid.uuid4().hex[:12].upper()}"[:255]

    # Items --------------------------------------------------------------------------------

    def items(self, table: str, *, raw: bool = False) -> list[dict[str, Any]]:
        """Every item of ``table``, ordered by key; plain values (`deserialize`) unless ``raw``,
        then AttributeValues as DynamoDB returns them."""
        client = self.client()
        schema = client.describe_table(TableName=table)["Table"]["KeySchema"]
        key = [part["AttributeName"] for part in schema]
        pages = client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
        found = [dict(item) for page in pages for item in page.get("Items", [])]
        found.sort(key=lambda item: [str(deserialize(item).get(part)) for part in key])
        return found if raw else [deserialize(item) for item in found]

    def put_item(self, table: str, item: Mapping[str, Any], *, raw: bool = False) -> None:
        """Write ``item`` (plain values, or AttributeValues if ``raw``) over whatever is there."""
        self.client().put_item(TableName=table, Item=dict(item) if raw else serialize(item))

    def update_item(
        self,
        table: str,
        key: Mapping[str, Any],
        *,
        set_attributes: Mapping[str, Any] | None = None,
        remove_attributes: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Set and remove attributes of the item at ``key`` (plain values); the item after.

        Creates the item when none has that key, as UpdateItem does.
        """
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets: list[str] = []
        for index, (name, value) in enumerate((set_attributes or {}).items()):
            names[f"#s{index}"] = name
            values[f":s{index}"] = value
            sets.append(f"#s{index} = :s{index}")
        removes: list[str] = []
        for index, name in enumerate(remove_attributes):
            names[f"#r{index}"] = name
            removes.append(f"#r{index}")
        expression = " ".join(
            f"{verb} {', '.join(parts)}"
            for verb, parts in (("SET", sets), ("REMOVE", removes))
            if parts
        )
        if not expression:
            raise ValueError("update_item needs set_attributes or remove_attributes")
        request: dict[str, Any] = {
            "TableName": table,
            "Key": serialize(key),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ReturnValues": "ALL_NEW",
        }
        if values:
            request["ExpressionAttributeValues"] = serialize(values)
        return deserialize(self.client().update_item(**request).get("Attributes", {}))
