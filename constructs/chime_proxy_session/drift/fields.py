"""What the drift check knows per resource type, as data keyed by the type's description: which
field of the service's record each compared property is read from, and what to do when the thing
is gone. Property names come from the description (``proxy_contract``), never a second list.

A type's other properties are not compared: those whose change replaces the resource name what
the resource is (a voice connector, a session, the search of its numbers), and the rest
(``RemovalPolicy``, ``AdoptExisting``, an order's ``Name``) are not held by the service.
PhoneNumbers is compared number by number (``numbers``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..contract import contract, types
from .declared import Declared, NotCompared
from .report import Difference


@dataclass(frozen=True)
class Field:
    """Where the service holds a declared property.

    :param live: the field of the service's record (``Proxy``, ``ProxySession``).
    :param unordered: a list the service keeps in the order given but gives no meaning to (a set
        of capabilities, a pool of countries): only another set is drift.
    :param skip_absent: an absent property leaves the service's value as it is (a session's
        expiry), so there is nothing to compare.
    """

    live: str
    unordered: bool = False
    skip_absent: bool = False


_SESSION: Final = {
    contract.CAPABILITIES: Field("Capabilities", unordered=True),
    contract.EXPIRY_MINUTES: Field("ExpiryMinutes", skip_absent=True),
}

FIELDS: Final[Mapping[str, Mapping[str, Field]]] = {
    types.SETTINGS.type_name: _SESSION,
    types.PROXY_SESSION.type_name: _SESSION,
    types.VOICE_CONNECTOR_PROXY.type_name: {
        contract.DEFAULT_SESSION_EXPIRY_MINUTES: Field("DefaultSessionExpiryMinutes"),
        contract.PHONE_NUMBER_POOL_COUNTRIES: Field("PhoneNumberCountries", unordered=True),
        contract.FALL_BACK_PHONE_NUMBER: Field("FallBackPhoneNumber"),
        contract.DISABLED: Field("Disabled"),
    },
}
"""By resource type: each compared property and where the service holds it."""


def _replacing(kind: types.ResourceType) -> str:
    return ", ".join(kind.replacing)


DELETED_ADVICE: Final[Mapping[str, str]] = {
    types.SETTINGS.type_name: "The session it configures ended (it expired, or was deleted "
    "outside CloudFormation), and nothing brings a session back: point "
    f"{contract.PROXY_SESSION_ID} at a live session and deploy, or remove the resource.",
    types.VOICE_CONNECTOR_PROXY.type_name: "Deploy a replacement: remove the "
    f"{types.VOICE_CONNECTOR_PROXY.construct} from the app and deploy (its Delete finds nothing "
    "to remove), then add it back and deploy; or change a property that replaces it "
    f"({_replacing(types.VOICE_CONNECTOR_PROXY)}).",
    types.PROXY_SESSION.type_name: types.PROXY_SESSION.not_found_advice,
    types.PHONE_NUMBERS.type_name: "A released number stays in the service's deletion queue for "
    "7 days, and RestorePhoneNumber brings it back; otherwise deploy a change of a property that "
    f"replaces the resource ({_replacing(types.PHONE_NUMBERS)}), which orders new numbers.",
}
"""By resource type: what to do when the thing the resource manages is gone."""


def _same(declared: Any, live: Any, field: Field) -> bool:
    if isinstance(declared, tuple):
        declared = list(declared)
    if field.unordered and isinstance(declared, list) and isinstance(live, list):
        return sorted(map(str, declared)) == sorted(map(str, live))
    return bool(declared == live)


def compare(declared: Declared, record: Mapping[str, Any]) -> tuple[list[Difference], list[str]]:
    """The differences between the declared properties and the service's ``record``, and a note
    for each property that could not be compared."""
    differences: list[Difference] = []
    notes: list[str] = []
    for name, field in FIELDS[declared.kind.type_name].items():
        try:
            wanted = declared[name]
        except NotCompared as note:
            notes.append(str(note))
            continue
        if wanted is None and field.skip_absent:
            continue
        live = record.get(field.live)
        if not _same(wanted, live, field):
            differences.append(declared.difference(name, wanted, live))
    return differences, notes
