"""`ChimeVoiceEmulator`: the emulator's public face (state set-up, observation; lifecycle from
`LoopbackService`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from harness.emulator.faults import FaultInjector
from harness.emulator.http import LoopbackService
from harness.emulator.inventory import DELETE_IN_PROGRESS
from harness.emulator.model import utc_now
from harness.emulator.operations import Operations
from harness.emulator.pipeline import RequestPipeline
from harness.emulator.records import CallRecord, Journal
from harness.emulator.routing import routes
from harness.emulator.state import ProxySessionStore
from harness.emulator.supply import LOCAL, Criteria


class ChimeVoiceEmulator(LoopbackService):
    """An in-memory Amazon Chime SDK Voice service on a local HTTP port: proxy sessions, voice
    connectors, phone numbers and their orders.

    Use it as a context manager, or call `start()` and `stop()`. Point boto3 at `endpoint_url`.
    All methods are thread-safe and may be called while the emulator serves.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        require_auth: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Configure the emulator; nothing listens until `start()`.

        Args:
            host: The address to bind (loopback by default).
            port: The port to bind; 0 picks a free ephemeral port.
            require_auth: Answer 401 UnauthorizedClientException to requests without a SigV4
                Authorization header (boto3 always signs when it has credentials).
            clock: Source of timestamps (timezone-aware datetimes); defaults to the wall clock.
        """
        clock = clock or utc_now
        self._store = ProxySessionStore(clock)
        self._journal = Journal[CallRecord]()
        self._pipeline = RequestPipeline(
            Operations(self._store),
            self._journal,
            clock,
            faults=FaultInjector(),
            require_auth=require_auth,
        )
        super().__init__(
            host,
            port,
            self._pipeline.respond,
            name="chime-emulator",
            description="emulator",
            on_error=self._journal.note_internal_error,
        )
        routes()

    @property
    def faults(self) -> FaultInjector:
        """The faults injected into the requests served."""
        return self._pipeline.faults

    @faults.setter
    def faults(self, faults: FaultInjector) -> None:
        self._pipeline.faults = faults

    @property
    def require_auth(self) -> bool:
        """Whether requests without a SigV4 Authorization header answer 401."""
        return self._pipeline.require_auth

    @require_auth.setter
    def require_auth(self, required: bool) -> None:
        self._pipeline.require_auth = required

    # State set-up (bypasses the API) -----------------------------------------------------

    def add_voice_connector(self, voice_connector_id: str) -> None:
        """Make a voice connector exist (idempotent); ids must match the service's pattern."""
        self._store.add_voice_connector(voice_connector_id)

    def configure_proxy(
        self,
        voice_connector_id: str,
        *,
        default_session_expiry_minutes: int = 60,
        countries: Sequence[str] = ("US",),
        disabled: bool = False,
    ) -> None:
        """Set the voice connector's proxy configuration, as PutVoiceConnectorProxy would.

        Adds the voice connector if it does not exist.
        """
        self._store.configure_proxy(
            voice_connector_id,
            default_session_expiry_minutes=default_session_expiry_minutes,
            countries=countries,
            disabled=disabled,
        )

    def seed_session(
        self,
        voice_connector_id: str,
        capabilities: Sequence[str] = ("Voice",),
        expiry_minutes: int = 60,
        status: str = "Open",
        participants: tuple[str, str] = ("+12065550100", "+12065550101"),
        session_id: str | None = None,
        *,
        name: str | None = None,
    ) -> str:
        """Create a proxy session directly (no proxy configuration needed); returns its id.

        Adds the voice connector if it does not exist. A Closed session gets an EndedTimestamp.
        """
        return self._store.seed_session(
            voice_connector_id,
            capabilities=capabilities,
            expiry_minutes=expiry_minutes,
            status=status,
            participants=participants,
            session_id=session_id,
            name=name,
        )

    def session(self, voice_connector_id: str, session_id: str) -> dict[str, Any] | None:
        """A snapshot of the session as boto3 returns it (datetimes in UTC), or None."""
        return self._store.session(voice_connector_id, session_id)

    def sessions(self, voice_connector_id: str) -> list[dict[str, Any]]:
        """Snapshots of every session on the voice connector, any status, oldest first."""
        return self._store.sessions(voice_connector_id)

    def proxy(self, voice_connector_id: str) -> dict[str, Any] | None:
        """The voice connector's proxy configuration, or None when it has none."""
        return self._store.proxy(voice_connector_id)

    def close_session(self, voice_connector_id: str, session_id: str) -> None:
        """Mark the session Closed (as expiry does); KeyError when it does not exist."""
        self._store.close_session(voice_connector_id, session_id)

    def remove_session(self, voice_connector_id: str, session_id: str) -> bool:
        """Delete the session; returns whether it existed."""
        return self._store.remove_session(voice_connector_id, session_id)

    def end_of_support(self, ended: bool = True) -> None:
        """Refuse every proxy operation from now on (or, with False, serve them again).

        Simulates a real account after AWS's end of support for proxy sessions (2026-04-07):
        each proxy operation answers 403 ForbiddenException (see the package docstring); the
        state is kept and every other operation is served. `reset()` and `faults.clear()` end
        the mode; `faults.end_of_support` tells whether it is on.
        """
        self.faults.end_of_support = ended

    # Phone numbers (set-up and observation bypass the API) ----------------------------------

    def available_numbers(
        self,
        *,
        country: str | None = None,
        phone_number_type: str | None = None,
        area_code: str | None = None,
        state: str | None = None,
        city: str | None = None,
        toll_free_prefix: str | None = None,
    ) -> list[str]:
        """The numbers SearchAvailablePhoneNumbers could answer now that meet every criterion
        given (any when none is), in the order it answers them."""
        criteria = Criteria(country, phone_number_type, area_code, state, city, toll_free_prefix)
        with self._store.transaction() as tables:
            tables.phone.settle(self._store.now())
            return [number.e164 for number in tables.phone.supply.available(criteria)]

    def limit_available(
        self,
        count: int,
        *,
        country: str | None = None,
        phone_number_type: str | None = None,
        area_code: str | None = None,
        state: str | None = None,
        city: str | None = None,
        toll_free_prefix: str | None = None,
    ) -> int:
        """Leave only the first `count` available numbers that meet the criteria (0 empties the
        supply of them), so that a search finds too few; returns how many were withheld.

        E.g. `limit_available(1, area_code="206")`. Withheld numbers stay out of every search
        until `restock()` or `reset()`; a number ordered is never available again.
        """
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count!r}")
        criteria = Criteria(country, phone_number_type, area_code, state, city, toll_free_prefix)
        with self._store.transaction() as tables:
            return tables.phone.supply.limit(count, criteria)

    def restock(self) -> None:
        """Make every catalogue number available again, but for the account's numbers and those
        of orders still under way."""
        with self._store.transaction() as tables:
            tables.phone.restock()

    def order_behaviour(
        self,
        *,
        polls_until_done: int = 1,
        seconds_until_done: float = 0.0,
        outcome: str = "Successful",
        failed_numbers: Sequence[str] = (),
    ) -> None:
        """Set how the phone number orders placed from now on end (the defaults restore the
        default: Successful at the first GetPhoneNumberOrder).

        An order ends once it has been polled `polls_until_done` times (GetPhoneNumberOrder; 0:
        no poll needed) and `seconds_until_done` have passed on the emulator's clock. `outcome`
        "Failed" fails every number, "Partial" the `failed_numbers` (or, without them, the
        order's last number); a number unavailable when ordered always fails. The order's status
        follows: Successful, Partial or Failed.
        """
        with self._store.transaction() as tables:
            tables.phone.configure(
                polls_until_done=polls_until_done,
                seconds_until_done=seconds_until_done,
                outcome=outcome,
                failed_numbers=failed_numbers,
            )

    def seed_phone_number(
        self,
        e164: str | None = None,
        *,
        product_type: str = "VoiceConnector",
        voice_connector_id: str | None = None,
        name: str | None = None,
        country: str = "US",
        phone_number_type: str = LOCAL,
        area_code: str | None = None,
    ) -> str:
        """Put a number straight into the account's inventory, as if an order had acquired it;
        returns it. Without `e164`, the first available number of the country, type and area
        code. With `voice_connector_id` (added if need be) it is Assigned to it."""
        if voice_connector_id is not None:
            self.add_voice_connector(voice_connector_id)
        criteria = Criteria(country, phone_number_type, area_code)
        with self._store.transaction() as tables:
            return tables.phone.seed(
                e164,
                criteria,
                product_type=product_type,
                voice_connector_id=voice_connector_id,
                name=name,
                now=self._store.now(),
            )

    def phone_number(self, e164: str) -> dict[str, Any] | None:
        """The account's number as GetPhoneNumber answers it (datetimes in UTC), or None."""
        with self._store.transaction() as tables:
            tables.phone.settle(self._store.now())
            found = tables.phone.numbers.get(e164)
            return None if found is None else found.to_api(wire=False)

    def phone_numbers(self) -> list[dict[str, Any]]:
        """Every number of the account's inventory and deletion queue, oldest first."""
        with self._store.transaction() as tables:
            tables.phone.settle(self._store.now())
            found = sorted(tables.phone.numbers.values(), key=lambda n: (n.created, n.e164))
            return [number.to_api(wire=False) for number in found]

    def phone_number_orders(self) -> list[dict[str, Any]]:
        """Every phone number order as GetPhoneNumberOrder answers it, oldest first (reading
        them is no poll)."""
        with self._store.transaction() as tables:
            tables.phone.settle(self._store.now())
            found = sorted(tables.phone.orders.values(), key=lambda o: (o.created, o.order_id))
            return [order.to_api(wire=False) for order in found]

    def release_deleted_numbers(self) -> list[str]:
        """Empty the deletion queue now, as its 7 days ending would: the numbers leave the
        account for good (RestorePhoneNumber answers 404) and return to the supply."""
        with self._store.transaction() as tables:
            queued = [
                e164
                for e164, number in tables.phone.numbers.items()
                if number.status == DELETE_IN_PROGRESS
            ]
            for e164 in queued:
                tables.phone.release(e164)
            return queued

    def voice_connector(self, voice_connector_id: str) -> dict[str, Any] | None:
        """The voice connector as GetVoiceConnector answers it, or None when it does not exist."""
        with self._store.transaction() as tables:
            found = tables.voice_connectors.get(voice_connector_id)
            return None if found is None else found.to_api(wire=False)

    def reset(self) -> None:
        """Forget all voice connectors, proxies, sessions, phone numbers, orders, calls, internal
        errors and faults (the end-of-support mode included); restock the numbers and restore
        the default order behaviour."""
        self._store.clear()
        self._journal.clear()
        self.faults.clear()

    # Observation ---------------------------------------------------------------------------

    @property
    def calls(self) -> list[CallRecord]:
        """Every request received so far, oldest first (a copy)."""
        return self._journal.calls

    def calls_for(self, operation: str) -> list[CallRecord]:
        """The requests routed to `operation`, oldest first."""
        return [call for call in self._journal.calls if call.operation == operation]

    def reset_calls(self) -> None:
        """Forget the recorded requests."""
        self._journal.clear_calls()

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of emulator bugs (answered as 500 ServiceFailureException); a copy."""
        return self._journal.internal_errors
