"""The numbers the service has to sell: a fixed catalogue, and what of it is available now.

The catalogue is deterministic and plentiful: 1,000 numbers per block, in this order:
US local numbers in 12 area codes (with their state and city), US toll-free numbers under each
prefix the model allows (800, 833, 844, 855, 866, 877, 888), CA local (416 Toronto, 604
Vancouver, 514 Montreal) and toll-free (800, 888), GB local (London 20 7946, Manchester
161 496) and toll-free (808 157). Search answers numbers in catalogue order.

A number leaves the supply when an order takes it, and when a test withholds it
(`Supply.limit`); it comes back when it leaves the account's deletion queue for good. A number
an order failed to acquire does not come back (someone else took it).

SearchAvailablePhoneNumbers' rules, from the Amazon Chime API reference ("For US numbers, provide
at least one of AreaCode, City, State, or TollFreePrefix. If you provide City, you must also
provide State. Numbers outside the US only support the PhoneNumberType filter, which you must
use."; Country defaults to US). Where it says nothing, the emulator chooses, answering 400
BadRequestException: at most one of AreaCode, State (with its City) and TollFreePrefix;
TollFreePrefix only with PhoneNumberType TollFree (or none), AreaCode, State and City only with
Local (or none); a US search without PhoneNumberType searches toll-free numbers when it names a
TollFreePrefix, local ones otherwise; a country outside the catalogue is refused.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from harness.emulator.model import ApiError

_BLOCK: Final = 1000
_US_LOCAL: Final = (
    ("206", "WA", "Seattle"),
    ("425", "WA", "Bellevue"),
    ("360", "WA", "Olympia"),
    ("212", "NY", "New York"),
    ("646", "NY", "New York"),
    ("718", "NY", "Brooklyn"),
    ("312", "IL", "Chicago"),
    ("415", "CA", "San Francisco"),
    ("213", "CA", "Los Angeles"),
    ("512", "TX", "Austin"),
    ("617", "MA", "Boston"),
    ("305", "FL", "Miami"),
)
_US_TOLL_FREE: Final = ("800", "833", "844", "855", "866", "877", "888")
_CA_LOCAL: Final = (("416", "ON", "Toronto"), ("604", "BC", "Vancouver"), ("514", "QC", "Montreal"))
_CA_TOLL_FREE: Final = ("800", "888")
# Ofcom's numbers for drama: London 020 7946 0xxx, Manchester 0161 496 0xxx, 0808 157 0xxx.
_GB_LOCAL: Final = ("+44207946", "+44161496")
_GB_TOLL_FREE: Final = ("+44808157",)
LOCAL: Final = "Local"
TOLL_FREE: Final = "TollFree"


@dataclass(frozen=True, slots=True)
class Available:
    """One number of the catalogue, with what a search can filter it by."""

    e164: str
    country: str
    type: str
    area_code: str | None = None
    state: str | None = None
    city: str | None = None
    toll_free_prefix: str | None = None


@dataclass(frozen=True, slots=True)
class Criteria:
    """What a search (or a test's `limit_available`) selects; None matches anything."""

    country: str | None = None
    type: str | None = None
    area_code: str | None = None
    state: str | None = None
    city: str | None = None
    toll_free_prefix: str | None = None

    def matches(self, number: Available) -> bool:
        """Whether `number` meets every criterion given."""

        def same(wanted: str | None, actual: str | None) -> bool:
            return wanted is None or (actual is not None and wanted.casefold() == actual.casefold())

        return (
            same(self.country, number.country)
            and same(self.type, number.type)
            and same(self.area_code, number.area_code)
            and same(self.state, number.state)
            and same(self.city, number.city)
            and same(self.toll_free_prefix, number.toll_free_prefix)
        )


def _nanp(country: str, code: str, exchange: str, **where: str) -> Iterator[Available]:
    kind = TOLL_FREE if "toll_free_prefix" in where else LOCAL
    for line in range(_BLOCK):
        yield Available(f"+1{code}{exchange}{line:04d}", country, kind, **where)


@functools.cache
def catalogue() -> tuple[Available, ...]:
    """Every number the emulator can sell, in the order searches answer them."""
    numbers: list[Available] = []
    for code, state, city in _US_LOCAL:
        numbers += _nanp("US", code, "555", area_code=code, state=state, city=city)
    for prefix in _US_TOLL_FREE:
        numbers += _nanp("US", prefix, "555", toll_free_prefix=prefix)
    for code, state, city in _CA_LOCAL:
        numbers += _nanp("CA", code, "555", area_code=code, state=state, city=city)
    for prefix in _CA_TOLL_FREE:
        numbers += _nanp("CA", prefix, "556", toll_free_prefix=prefix)
    for kind, stems in ((LOCAL, _GB_LOCAL), (TOLL_FREE, _GB_TOLL_FREE)):
        numbers += [
            Available(f"{stem}{line:04d}", "GB", kind) for stem in stems for line in range(_BLOCK)
        ]
    return tuple(numbers)


@functools.cache
def _positions() -> dict[str, int]:
    return {number.e164: index for index, number in enumerate(catalogue())}


@functools.cache
def countries() -> frozenset[str]:
    """The countries the catalogue has numbers of."""
    return frozenset(number.country for number in catalogue())


def find(e164: str) -> Available | None:
    """The catalogue's entry for a number, or None when the emulator never sells it."""
    index = _positions().get(e164)
    return None if index is None else catalogue()[index]


def _bad(message: str) -> ApiError:
    return ApiError("BadRequestException", message)


def search_criteria(params: Mapping[str, Any]) -> Criteria:
    """The criteria of a SearchAvailablePhoneNumbers request; ApiError (400) for a combination
    the service refuses (see the module docstring)."""
    country = str(params.get("Country") or "US")
    kind = params.get("PhoneNumberType")
    area_code, state, city = params.get("AreaCode"), params.get("State"), params.get("City")
    prefix = params.get("TollFreePrefix")
    if country not in countries():
        raise _bad(
            f"Country {country} is not supported for phone number search: "
            f"use one of {sorted(countries())}"
        )
    if country != "US":
        if any(value is not None for value in (area_code, state, city, prefix)):
            raise _bad(
                f"Numbers outside the US ({country}) only support the PhoneNumberType filter: "
                "drop AreaCode, State, City and TollFreePrefix"
            )
        if kind is None:
            raise _bad(f"PhoneNumberType is required to search numbers of {country}")
        return Criteria(country=country, type=str(kind))
    if city is not None and state is None:
        raise _bad("City needs State: pass the State the City is in")
    given = [
        name
        for name, value in (("AreaCode", area_code), ("State", state), ("TollFreePrefix", prefix))
        if value is not None
    ]
    if not given:
        raise _bad(
            "A search of US numbers needs one of AreaCode, State (with an optional City) or "
            "TollFreePrefix"
        )
    if len(given) > 1:
        raise _bad(f"Search by one of AreaCode, State or TollFreePrefix, not {' and '.join(given)}")
    if prefix is not None and kind == LOCAL:
        raise _bad("TollFreePrefix searches toll-free numbers: use PhoneNumberType TollFree")
    if prefix is None and kind == TOLL_FREE:
        raise _bad(
            "AreaCode, State and City search local numbers: use PhoneNumberType Local, or "
            "TollFreePrefix for toll-free numbers"
        )
    return Criteria(
        country=country,
        type=str(kind or (TOLL_FREE if prefix is not None else LOCAL)),
        area_code=area_code,
        state=state,
        city=city,
        toll_free_prefix=prefix,
    )


def _token(e164: str) -> str:
    return base64.urlsafe_b64encode(e164.encode()).decode()


def _after(token: str) -> int:
    try:
        return _positions()[base64.urlsafe_b64decode(token.encode()).decode()]
    except (ValueError, binascii.Error, KeyError):
        raise _bad(
            "Invalid NextToken: pass the NextToken of an earlier SearchAvailablePhoneNumbers "
            "response"
        ) from None


class Supply:
    """What of the catalogue is available now; guarded by the store's lock."""

    def __init__(self) -> None:
        """Start with the whole catalogue available."""
        self._gone: set[str] = set()

    def is_available(self, e164: str) -> bool:
        """Whether the number can be ordered now."""
        return e164 not in self._gone and find(e164) is not None

    def take(self, e164: str) -> bool:
        """Take the number out of the supply; whether it was available."""
        if not self.is_available(e164):
            return False
        self._gone.add(e164)
        return True

    def give_back(self, e164: str) -> None:
        """Make the number available again (a number released for good)."""
        self._gone.discard(e164)

    def available(self, criteria: Criteria) -> Iterator[Available]:
        """The available numbers that meet `criteria`, in catalogue order."""
        return (n for n in catalogue() if n.e164 not in self._gone and criteria.matches(n))

    def search(
        self, criteria: Criteria, limit: int, token: str | None
    ) -> tuple[list[str], str | None]:
        """One page of available numbers after `token`, and the NextToken when more remain."""
        start = _after(token) + 1 if token else 0
        page: list[str] = []
        for number in catalogue()[start:]:
            if number.e164 in self._gone or not criteria.matches(number):
                continue
            if len(page) == limit:
                return page, _token(page[-1])
            page.append(number.e164)
        return page, None

    def limit(self, count: int, criteria: Criteria) -> int:
        """Keep the first `count` available numbers meeting `criteria`, withhold the rest;
        returns how many were withheld."""
        surplus = [number.e164 for number in self.available(criteria)][count:]
        self._gone.update(surplus)
        return len(surplus)

    def restock(self, held: Iterable[str]) -> None:
        """Make the whole catalogue available again, but for the numbers still `held`."""
        self._gone = set(held)
