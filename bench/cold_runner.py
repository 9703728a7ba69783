"""The cold runner: the synthesized function in a fresh process per invocation, with its template's
environment (``LambdaRunner.for_assembly``: the claim table created in moto, the function pointed
at it)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.common import Synthesized
    from harness.dynamodb import DynamoDBServer
    from harness.lifecycle import LambdaRunner
    from harness.response_sink import ResponseSink


@contextlib.contextmanager
def cold_runner(
    synthesized: Synthesized,
    *,
    endpoint_url: str,
    sink: ResponseSink,
    dynamodb: DynamoDBServer,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[LambdaRunner]:
    """The lifecycle driver's LambdaRunner for ``synthesized``, with the environment its
    template gives the function (``LambdaRunner.for_assembly``); its folders go on exit."""
    from harness.lifecycle import LambdaRunner

    runner = LambdaRunner.for_assembly(
        synthesized.assembly(),
        endpoint_url=endpoint_url,
        sink=sink,
        dynamodb=dynamodb,
        extra_env=extra_env,
    )
    try:
        yield runner
    finally:
        shutil.rmtree(runner.runtime_dir, ignore_errors=True)
        shutil.rmtree(runner.client_dir, ignore_errors=True)
