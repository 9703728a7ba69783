"""crhelper 2.0.12, set up for production: every place this project reaches past its public API.

crhelper stays the dispatcher (``helper.create``/``update``/``delete`` and ``helper(event,
context)``). Its defaults do not suit production, so ``ProductionCfnResource`` changes exactly
these, each by overriding or patching a crhelper internal that ``tests/handler/test_crhelper_
adapter.py`` pins (the version, and the signature and behaviour of each):

- ``__init__``: INFO logging (its DEBUG default logs the presigned ResponseURL), no 120-second
  sleep on Delete, and no boto3 clients at import (crhelper builds lambda/events/logs clients for
  its polling mode, which this handler never uses; they cost cold-start time and, without a
  region, fail every request). Patches the module's ``boto3`` for the duration of ``__init__``.
- ``serve``: one function serves Create, Update and Delete and returns the physical id and the
  Data together (``cfn_request.CfnResult``); crhelper's module-wide ``Data`` is not used.
- ``_cfn_response``: crhelper's own physical-id fallbacks (the event's id, else a random one) are
  skipped: ``cfn_response.Responder`` has the one fallback (the event's id, else the failed-Create
  marker, so the rollback Delete that follows knows there is nothing to undo).
- ``_send``: every answer goes through ``cfn_response.Responder``, the one response path, which
  answers at most once per request.
- ``_set_timeout``: crhelper's own timer answers FAILED "Execution timed out" 0.5 s before the
  deadline, whatever else is answering; here the safety-net timer answers through the same
  Responder, so it can never be a second answer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, Final

from crhelper import CfnResource, resource_helper

from cfn_request import CfnResult, remaining_seconds
from cfn_response import Responder

logger = logging.getLogger(__name__)

CRHELPER_VERSION: Final = "2.0.12"
# The safety net answers this long before the deadline if nothing has answered by then. The
# handler's own budget (index.RESPONSE_RESERVE_SECONDS) answers well before it.
SAFETY_NET_SECONDS: Final = 2.0
OUT_OF_TIME_REASON: Final = (
    "The function ran out of time before it could answer; nothing further was done. "
    "Check the function's log, then deploy again."
)


class _NoClients:
    """Stands in for boto3 while crhelper initialises: its polling clients are never used."""

    @staticmethod
    def client(*_args: object, **_kwargs: object) -> None:
        return None


class ProductionCfnResource(CfnResource):
    """crhelper's CfnResource with the production settings described in this module's docstring."""

    # Set by crhelper's __init__ and __call__; its generated stubs do not declare them.
    _event: Mapping[str, Any]
    _context: Any
    _timer: threading.Timer | None

    def __init__(self) -> None:
        # Typed Any: crhelper's stubs do not declare the module's boto3 import.
        helper_module: Any = resource_helper
        real_boto3 = helper_module.boto3
        helper_module.boto3 = _NoClients
        try:
            super().__init__(
                json_logging=False,
                log_level="INFO",
                boto_level="WARNING",
                sleep_on_delete=0,
            )
        finally:
            helper_module.boto3 = real_boto3
        self._responder: Responder | None = None
        self._result: CfnResult | None = None

    def serve(
        self, run: Callable[[Mapping[str, Any], Any], CfnResult]
    ) -> Callable[[Mapping[str, Any], Any], CfnResult]:
        """Register ``run`` for Create, Update and Delete; its result is the answer."""

        def wrapped(event: Mapping[str, Any], context: Any) -> str:
            self._result = run(event, context)
            return self._result.physical_resource_id

        self.create(wrapped)
        self.update(wrapped)
        self.delete(wrapped)
        return run

    def __call__(self, event: Mapping[str, Any], context: Any) -> None:
        """Dispatch one request, with a fresh Responder that answers it exactly once."""
        self._responder = Responder(event, context)
        self._result = None
        try:
            super().__call__(event, context)
        finally:
            self._responder = None
            self._result = None

    def _cfn_response(self, event: Mapping[str, Any]) -> None:
        self._send()

    def _send(
        self,
        status: str | None = None,
        reason: str = "",
        send_response: object = None,
    ) -> None:
        responder = self._responder
        if responder is None:  # pragma: no cover - crhelper only sends inside __call__
            logger.error("crhelper tried to answer outside a request; nothing was sent")
            return
        final_status = status or self.Status
        result = self._result
        responder.answer(
            status=final_status,
            reason=reason if status else str(self.Reason),
            physical_resource_id=None if result is None else result.physical_resource_id,
            data={} if result is None else result.data,
            no_echo=bool(self.NoEcho),
            by="handler",
        )

    def _set_timeout(self) -> None:
        responder = self._responder
        if responder is None:  # pragma: no cover - crhelper only arms it inside __call__
            return
        delay = max(0.0, remaining_seconds(self._context) - SAFETY_NET_SECONDS)
        timer = threading.Timer(delay, self._out_of_time, args=(responder,))
        timer.daemon = True
        self._timer = timer
        timer.start()

    def _out_of_time(self, responder: Responder) -> None:
        if responder.answered:
            return
        logger.error("Out of time with no answer sent: answering FAILED")
        responder.answer(
            status="FAILED",
            reason=OUT_OF_TIME_REASON,
            physical_resource_id=None,
            data={},
            by="safety-net timer",
        )
