"""The phone number operations: search, orders, the inventory, associations, the deletion queue.

Choices where the service's behaviour is not documented (the rest follows the API reference and
the Amazon Chime SDK administrator guide):

- PhoneNumberId: the E.164 number. Answers carry it URL-encoded ("%2B12065550100"), as AWS's
  examples show; a request may name a number either way.
- A number an order is acquiring is not in the inventory (GetPhoneNumber answers 404) until the
  order ends.
- AssociatePhoneNumbersWithVoiceConnector answers, per number, PhoneNumberErrors: NotFound (not
  in the inventory), BadRequest (in the deletion queue, or not a VoiceConnector number),
  PhoneNumberAssociationsExist (associated with another voice connector, unless ForceAssociate,
  which moves it). A number already on this voice connector is no error.
- DisassociatePhoneNumbersFromVoiceConnector answers NotFound for a number not in the inventory
  or not associated with that voice connector.
- DeletePhoneNumber answers 400 BadRequestException for an Assigned number ("must be
  disassociated ... before it can be deleted"; the message names PhoneNumberAssociationsExist,
  the error code BatchDeletePhoneNumber would give) and for a number already in the deletion
  queue. RestorePhoneNumber answers 400 for a number not in the queue.
- ListPhoneNumbers lists the deletion queue too (Status DeleteInProgress); FilterName and
  FilterValue go together.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from harness.emulator.inventory import ASSIGNED, DELETE_IN_PROGRESS, UNASSIGNED
from harness.emulator.model import ApiError
from harness.emulator.resources import VOICE_CONNECTOR_ASSOCIATION, phone_number_id
from harness.emulator.state import ProxySessionStore
from harness.emulator.supply import search_criteria

_SEARCH_DEFAULT: Final = 100
_LIST_DEFAULT: Final = 100


def _page(
    items: Sequence[dict[str, Any]], params: Mapping[str, Any], key: str, operation: str
) -> dict[str, Any]:
    """One page of `items` under `key`, with an opaque NextToken when more remain."""
    limit = int(params.get("MaxResults") or _LIST_DEFAULT)
    offset = 0
    if params.get("NextToken"):
        try:
            offset = int(base64.urlsafe_b64decode(str(params["NextToken"]).encode()).decode())
        except (ValueError, binascii.Error):
            raise ApiError(
                "BadRequestException",
                f"Invalid NextToken: pass the NextToken of an earlier {operation} response",
            ) from None
    result: dict[str, Any] = {key: list(items[offset : offset + limit])}
    if offset + limit < len(items):
        result["NextToken"] = base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
    return result


def _error(number: str, code: str, message: str) -> dict[str, str]:
    return {"PhoneNumberId": phone_number_id(number), "ErrorCode": code, "ErrorMessage": message}


class PhoneNumberOperations:
    """The phone number operations, over the store's state."""

    def __init__(self, store: ProxySessionStore) -> None:
        """Serve the operations from `store`."""
        self._store = store

    def table(self) -> dict[str, Callable[[Mapping[str, Any]], dict[str, Any] | None]]:
        """The operations by name."""
        return {
            "SearchAvailablePhoneNumbers": self.search_available_phone_numbers,
            "CreatePhoneNumberOrder": self.create_phone_number_order,
            "GetPhoneNumberOrder": self.get_phone_number_order,
            "ListPhoneNumberOrders": self.list_phone_number_orders,
            "GetPhoneNumber": self.get_phone_number,
            "ListPhoneNumbers": self.list_phone_numbers,
            "AssociatePhoneNumbersWithVoiceConnector": self.associate,
            "DisassociatePhoneNumbersFromVoiceConnector": self.disassociate,
            "DeletePhoneNumber": self.delete_phone_number,
            "RestorePhoneNumber": self.restore_phone_number,
        }

    def search_available_phone_numbers(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """SearchAvailablePhoneNumbers: available numbers in catalogue order (see `supply`)."""
        criteria = search_criteria(params)
        limit = int(params.get("MaxResults") or _SEARCH_DEFAULT)
        with self._store.transaction() as tables:
            tables.phone.settle(self._store.now())
            page, token = tables.phone.supply.search(criteria, limit, params.get("NextToken"))
        result: dict[str, Any] = {"E164PhoneNumbers": page}
        if token is not None:
            result["NextToken"] = token
        return result

    def create_phone_number_order(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """CreatePhoneNumberOrder: Processing until it ends (see `inventory`)."""
        now = self._store.now()
        with self._store.transaction() as tables:
            order = tables.phone.place(
                str(params["ProductType"]),
                [str(number) for number in params["E164PhoneNumbers"]],
                params.get("Name"),
                now,
            )
            return {"PhoneNumberOrder": order.to_api(wire=True)}

    def get_phone_number_order(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """GetPhoneNumberOrder: each call counts as a poll towards the order's end."""
        now = self._store.now()
        with self._store.transaction() as tables:
            order = tables.phone.require_order(str(params["PhoneNumberOrderId"]))
            order.polls += 1
            tables.phone.settle(now)
            return {"PhoneNumberOrder": order.to_api(wire=True)}

    def list_phone_number_orders(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """ListPhoneNumberOrders, oldest first."""
        with self._store.transaction() as tables:
            tables.phone.settle(self._store.now())
            orders = sorted(tables.phone.orders.values(), key=lambda o: (o.created, o.order_id))
            items = [order.to_api(wire=True) for order in orders]
        return _page(items, params, "PhoneNumberOrders", "ListPhoneNumberOrders")

    def get_phone_number(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """GetPhoneNumber: a number of the inventory or the deletion queue."""
        with self._store.transaction() as tables:
            tables.phone.settle(self._store.now())
            found = tables.phone.require(str(params["PhoneNumberId"]))
            return {"PhoneNumber": found.to_api(wire=True)}

    def list_phone_numbers(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """ListPhoneNumbers, filtered by Status, ProductType and FilterName/FilterValue."""
        filter_name, filter_value = params.get("FilterName"), params.get("FilterValue")
        if (filter_name is None) != (filter_value is None):
            raise ApiError(
                "BadRequestException", "FilterName and FilterValue must be given together"
            )
        with self._store.transaction() as tables:
            tables.phone.settle(self._store.now())
            numbers = sorted(tables.phone.numbers.values(), key=lambda n: (n.created, n.e164))
            items = [
                number.to_api(wire=True)
                for number in numbers
                if params.get("Status") in (None, number.status)
                and params.get("ProductType") in (None, number.product_type)
                and (
                    filter_name is None
                    or any(
                        (name, value) == (filter_name, filter_value)
                        for name, value, _ in number.associations
                    )
                )
            ]
        return _page(items, params, "PhoneNumbers", "ListPhoneNumbers")

    def associate(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """AssociatePhoneNumbersWithVoiceConnector: per-number PhoneNumberErrors."""
        voice_connector_id = str(params["VoiceConnectorId"])
        force = bool(params.get("ForceAssociate"))
        now = self._store.now()
        errors: list[dict[str, str]] = []
        with self._store.transaction() as tables:
            tables.require_voice_connector(voice_connector_id)
            tables.phone.settle(now)
            for e164 in (str(item) for item in params["E164PhoneNumbers"]):
                number = tables.phone.numbers.get(e164)
                current = None if number is None else number.voice_connector_id
                if number is None:
                    errors.append(_error(e164, "NotFound", "Not in the account's inventory"))
                elif number.status == DELETE_IN_PROGRESS:
                    message = "In the deletion queue: RestorePhoneNumber first"
                    errors.append(_error(e164, "BadRequest", message))
                elif number.product_type != "VoiceConnector":
                    errors.append(
                        _error(
                            e164,
                            "BadRequest",
                            f"A {number.product_type} number cannot be associated with a voice "
                            "connector: order it with ProductType VoiceConnector",
                        )
                    )
                elif current not in (None, voice_connector_id) and not force:
                    errors.append(
                        _error(
                            e164,
                            "PhoneNumberAssociationsExist",
                            f"Associated with voice connector {current}: disassociate it, or "
                            "pass ForceAssociate",
                        )
                    )
                elif current != voice_connector_id:
                    number.associations = [(VOICE_CONNECTOR_ASSOCIATION, voice_connector_id, now)]
                    number.status, number.updated = ASSIGNED, now
        return {"PhoneNumberErrors": errors}

    def disassociate(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """DisassociatePhoneNumbersFromVoiceConnector: per-number PhoneNumberErrors."""
        voice_connector_id = str(params["VoiceConnectorId"])
        now = self._store.now()
        errors: list[dict[str, str]] = []
        with self._store.transaction() as tables:
            tables.require_voice_connector(voice_connector_id)
            tables.phone.settle(now)
            for e164 in (str(item) for item in params["E164PhoneNumbers"]):
                number = tables.phone.numbers.get(e164)
                if number is None:
                    errors.append(_error(e164, "NotFound", "Not in the account's inventory"))
                elif number.voice_connector_id != voice_connector_id:
                    errors.append(
                        _error(
                            e164,
                            "NotFound",
                            f"Not associated with voice connector {voice_connector_id}",
                        )
                    )
                else:
                    number.associations = []
                    number.status, number.updated = UNASSIGNED, now
        return {"PhoneNumberErrors": errors}

    def delete_phone_number(self, params: Mapping[str, Any]) -> None:
        """DeletePhoneNumber: an Unassigned number goes to the deletion queue for 7 days."""
        now = self._store.now()
        with self._store.transaction() as tables:
            tables.phone.settle(now)
            number = tables.phone.require(str(params["PhoneNumberId"]))
            if number.status == DELETE_IN_PROGRESS:
                raise ApiError(
                    "BadRequestException",
                    "The phone number is already in the deletion queue (DeleteInProgress)",
                )
            if number.associations:
                raise ApiError(
                    "BadRequestException",
                    "PhoneNumberAssociationsExist: the phone number is associated with voice "
                    f"connector {number.voice_connector_id}; disassociate it "
                    "(DisassociatePhoneNumbersFromVoiceConnector) before deleting it",
                )
            number.status, number.deleted, number.updated = DELETE_IN_PROGRESS, now, now

    def restore_phone_number(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """RestorePhoneNumber: a number of the deletion queue back to the inventory, Unassigned."""
        now = self._store.now()
        with self._store.transaction() as tables:
            tables.phone.settle(now)
            number = tables.phone.require(str(params["PhoneNumberId"]))
            if number.status != DELETE_IN_PROGRESS:
                raise ApiError(
                    "BadRequestException",
                    f"The phone number is {number.status}, not in the deletion queue: only a "
                    "deleted number can be restored",
                )
            number.status, number.deleted, number.updated = UNASSIGNED, None, now
            return {"PhoneNumber": number.to_api(wire=True)}
