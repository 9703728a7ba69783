"""A stand-in for LambdaRunner that answers every request itself and records what it was sent."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from harness.lifecycle import Invocation

Answer = Callable[[dict[str, Any]], dict[str, Any]]
"""What the stand-in answers a request: Status, PhysicalResourceId, Data."""


class _Sink:
    def url_for(self, key: str) -> str:
        return f"https://127.0.0.1/{key}"


def succeed(request: dict[str, Any]) -> dict[str, Any]:
    """SUCCESS, a physical id after the logical id, and Data echoing the properties sent."""
    logical_id = request["LogicalResourceId"]
    properties = {k: v for k, v in request["ResourceProperties"].items() if k != "ServiceToken"}
    return {"Status": "SUCCESS", "PhysicalResourceId": f"pid-{logical_id}", "Data": properties}


class RecordingRunner:
    """Answers every request with ``answer`` (FAILED for the logical ids in ``failing``) and
    records, in order, the requests and each template the function was given."""

    def __init__(
        self,
        failing: frozenset[str] = frozenset(),
        *,
        answer: Answer = succeed,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.sink = _Sink()
        self.env = dict(env or {})
        self.tables: dict[str, str] = {}
        self.sent: list[tuple[str, str]] = []
        self.requests: list[dict[str, Any]] = []
        self.failing = failing
        self.answer = answer
        self._lock = threading.Lock()

    def use_template(self, template: dict[str, Any]) -> None:
        """Records that the function got ``template``'s environment."""
        with self._lock:
            self.sent.append(("Template", str(len(template["Resources"]))))

    def invoke(self, request: dict[str, Any], key: str) -> Invocation:
        """Answers the request as ``answer`` says, or FAILED for a logical id in ``failing``."""
        logical_id = request["LogicalResourceId"]
        with self._lock:
            self.sent.append((request["RequestType"], logical_id))
            self.requests.append(request)
        response = self.answer(request)
        if logical_id in self.failing:
            response = {**response, "Status": "FAILED", "Reason": "failing on purpose"}
        return Invocation(request=request, response=response, logs="", exit_code=0, seconds=0.0)

    def properties(self, request_type: str, logical_id: str) -> dict[str, Any]:
        """The ResourceProperties of the latest such request."""
        return next(
            r["ResourceProperties"]
            for r in reversed(self.requests)
            if (r["RequestType"], r["LogicalResourceId"]) == (request_type, logical_id)
        )
