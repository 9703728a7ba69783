"""Rules over several properties of a resource type, applied after each property's own rule:
at synth to literals (a token counts as given but ``UNKNOWN``) and in the handler to every value.
Standard library only: the construct library loads this same file (``contract.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import proxy_contract as contract
from property_rules import RuleError


class _Unknown:
    """A value known at deploy time only (a CDK token at synth): given, but not comparable."""

    def __repr__(self) -> str:
        return "UNKNOWN"


# What the constructs pass to a combination rule for a token.
UNKNOWN: Final = _Unknown()


def phone_number_search(names: Mapping[str, str], values: Mapping[str, Any]) -> None:
    """The combinations SearchAvailablePhoneNumbers and CreatePhoneNumberOrder accept: at most one
    of area code, state and toll-free prefix; a city only with its state; a toll-free prefix only
    for toll-free numbers, an area code, state or city only for local ones; narrowing in the US
    only; numbers outside the US only for SIP media applications, which no voice connector takes.
    ``names`` maps each property to the name a message uses for it; a value that is ``UNKNOWN``
    counts as given, and a rule that needs its value is left to deploy time."""

    def given(key: str) -> bool:
        return values.get(key) is not None

    def known(key: str, default: object = None) -> Any:
        value = values.get(key)
        return None if value is UNKNOWN else (default if value is None else value)

    criteria = [key for key in contract.SEARCH_CRITERIA if given(key)]
    if len(criteria) > 1:
        shown = " and ".join(names[key] for key in criteria)
        raise RuleError(f"Give at most one of {shown}: a search takes one of them.")
    if given(contract.CITY) and not given(contract.STATE):
        raise RuleError(
            f"{names[contract.CITY]} needs {names[contract.STATE]}: a search by city is within "
            "a state."
        )
    number_type = known(contract.PHONE_NUMBER_TYPE, contract.LOCAL)
    local_only = [key for key in (contract.AREA_CODE, contract.STATE, contract.CITY) if given(key)]
    if number_type == contract.TOLL_FREE and local_only:
        raise RuleError(
            f"{names[local_only[0]]} narrows a search of local numbers; toll-free numbers are "
            f"searched by {names[contract.TOLL_FREE_PREFIX]}. Remove one of them."
        )
    if given(contract.TOLL_FREE_PREFIX) and number_type == contract.LOCAL:
        raise RuleError(
            f"{names[contract.TOLL_FREE_PREFIX]} is for toll-free numbers: set "
            f"{names[contract.PHONE_NUMBER_TYPE]} to {contract.TOLL_FREE} too."
        )
    country = known(contract.COUNTRY, "US")
    narrowed = [key for key in (*contract.SEARCH_CRITERIA, contract.CITY) if given(key)]
    if country not in (None, "US") and narrowed:
        raise RuleError(
            f"{names[narrowed[0]]} narrows a search in the US only; for {country} give "
            f"{names[contract.PHONE_NUMBER_TYPE]} alone."
        )
    product = known(contract.PRODUCT_TYPE, contract.PRODUCT_VOICE_CONNECTOR)
    if country not in (None, "US") and product == contract.PRODUCT_VOICE_CONNECTOR:
        raise RuleError(
            f"{contract.PRODUCT_VOICE_CONNECTOR} numbers are ordered in the US only; numbers of "
            f"{country} are ordered as {contract.PRODUCT_SIP_MEDIA_APPLICATION_DIAL_IN} "
            f"({names[contract.PRODUCT_TYPE]})."
        )
    if product == contract.PRODUCT_SIP_MEDIA_APPLICATION_DIAL_IN and given(
        contract.VOICE_CONNECTOR_ID
    ):
        raise RuleError(
            f"{names[contract.PRODUCT_TYPE]} {contract.PRODUCT_SIP_MEDIA_APPLICATION_DIAL_IN} "
            f"numbers are for SIP media applications, not voice connectors: remove "
            f"{names[contract.VOICE_CONNECTOR_ID]}, or order {contract.PRODUCT_VOICE_CONNECTOR} "
            "numbers."
        )
