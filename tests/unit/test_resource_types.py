"""The descriptions (``resource_types``): against the contract, botocore's chime-sdk-voice model,
and the type modules, whose every call must be one their type declares for that handler (a run
that takes over from one that died included)."""

from __future__ import annotations

import importlib
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import StubResponseError
from botocore.model import ServiceModel
from botocore.stub import Stubber

import proxy_contract as contract
from cfn_lifecycle import serve
from cfn_request import CfnRequest, failed_create_physical_id
from chime_calls import RetryPolicy
from chime_clients import ClientFactory
from harness.dynamodb import DynamoDBServer
from resource_types import (
    BY_TYPE_NAME,
    PHONE_NUMBERS,
    PROXY_SESSION,
    RESOURCE_TYPES,
    SETTINGS,
    VOICE_CONNECTOR_PROXY,
    ResourceType,
)
from tests.claim_tables import ClaimTableInfo, create_claim_table
from tests.helpers import (
    ORDER_ID,
    SESSION_ID,
    VC_ID,
    claim_table,
    event,
    expect_update,
    left_claim,
    properties,
    session_response,
    stubbed_client,
)
from tests.phone_helpers import (
    FIRST,
    ORDER_2,
    SECOND,
    THIRD,
    dead_run_facts,
    expect_associate,
    expect_disassociate,
    expect_get_number,
    expect_order,
    expect_poll,
    expect_release,
    expect_search,
    held,
    record,
)
from tests.session_helpers import expect_create, expect_delete, expect_list, proxy_session
from tests.vc_proxy_helpers import expect_delete as expect_proxy_delete
from tests.vc_proxy_helpers import expect_get, expect_put, proxy_answer

BY_CONSTRUCT = {kind.construct: kind for kind in RESOURCE_TYPES}
# The operation each type's required properties are the required members of.
MAIN_OPERATION = {
    "ProxySessionSettings": "UpdateProxySession",
    "VoiceConnectorProxy": "PutVoiceConnectorProxy",
    "ProxySession": "CreateProxySession",
    "PhoneNumbers": "CreatePhoneNumberOrder",
}
# Required members of a main operation that no property gives as such: the property they come
# from (an order's numbers are the Count that the search finds).
FROM_PROPERTY = {"E164PhoneNumbers": "Count"}


@pytest.fixture(autouse=True)
def _claim_table(claim_table: ClaimTableInfo) -> ClaimTableInfo:
    """A claim table of the test's own, as the function has one."""
    return claim_table


@pytest.fixture(scope="module")
def model() -> ServiceModel:
    """botocore's chime-sdk-voice service model."""
    return botocore.session.get_session().get_service_model("chime-sdk-voice")


def test_the_types_are_the_contracts() -> None:
    assert tuple(BY_TYPE_NAME) == contract.SERVED_RESOURCE_TYPES
    assert [kind.type_name for kind in RESOURCE_TYPES] == list(contract.SERVED_RESOURCE_TYPES)
    assert SETTINGS.property_names == contract.SETTINGS_PROPERTIES
    assert VOICE_CONNECTOR_PROXY.property_names == contract.VOICE_CONNECTOR_PROXY_PROPERTIES
    assert PROXY_SESSION.property_names == contract.PROXY_SESSION_PROPERTIES
    assert SETTINGS.attributes == contract.SETTINGS_ATTRIBUTES
    assert VOICE_CONNECTOR_PROXY.attributes == contract.VOICE_CONNECTOR_PROXY_ATTRIBUTES
    assert PROXY_SESSION.attributes == contract.PROXY_SESSION_ATTRIBUTES
    assert PHONE_NUMBERS.property_names == contract.PHONE_NUMBERS_PROPERTIES
    assert PHONE_NUMBERS.attributes == contract.PHONE_NUMBERS_ATTRIBUTES


@pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_every_type_ends_with_the_policy_and_the_location(kind: ResourceType) -> None:
    assert kind.property_names[-4:] == (contract.REMOVAL_POLICY, *contract.LOCATION_PROPERTIES)
    assert kind.default_removal_policy in contract.REMOVAL_POLICIES


@pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_every_type_but_phone_numbers_acts_on_a_voice_connector_it_requires(
    kind: ResourceType,
) -> None:
    """Phone numbers may stay unassigned: their voice connector is optional and changes in
    place (the numbers move); every other type is of one voice connector for good."""
    item = kind.get(contract.VOICE_CONNECTOR_ID)
    assert (item.required, item.replaces) == (
        (False, False) if kind is PHONE_NUMBERS else (True, True)
    )


@pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_the_required_properties_are_the_models(kind: ResourceType, model: ServiceModel) -> None:
    """Each required member of the type's main operation is a required property, unless the
    property has a default (ProductType) or the member is made from another (FROM_PROPERTY)."""
    shape = model.operation_model(MAIN_OPERATION[kind.construct]).input_shape
    assert shape is not None
    defaulted = {item.name for item in kind.properties if item.default is not None}
    required = {item.name for item in kind.properties if item.required}
    assert required == {
        FROM_PROPERTY.get(member, member)
        for member in shape.required_members
        if member not in defaulted
    }


def test_get_finds_a_property_by_its_name() -> None:
    assert PROXY_SESSION.get("Name").prop == "name"
    with pytest.raises(KeyError):
        SETTINGS.get("Name")


def test_what_replaces_each_type() -> None:
    assert SETTINGS.replacing == ("VoiceConnectorId", "ProxySessionId")
    assert VOICE_CONNECTOR_PROXY.replacing == ("VoiceConnectorId", "Region")
    assert PROXY_SESSION.replacing == (
        "VoiceConnectorId",
        "ParticipantPhoneNumbers",
        "Name",
        "NumberSelectionBehavior",
        "GeoMatchLevel",
        "GeoMatchParams",
        "Region",
        "AssumeRoleArn",
        "ExternalId",
    )
    in_place = set(PROXY_SESSION.property_names) - set(PROXY_SESSION.replacing)
    assert in_place == set(contract.PROXY_SESSION_IN_PLACE_PROPERTIES)


def test_the_secret_properties() -> None:
    secret = {
        f"{kind.construct}.{item.name}"
        for kind in RESOURCE_TYPES
        for item in kind.properties
        if item.secret
    }
    assert secret == {
        "ProxySessionSettings.ExternalId",
        "VoiceConnectorProxy.FallBackPhoneNumber",
        "VoiceConnectorProxy.ExternalId",
        "ProxySession.ParticipantPhoneNumbers",
        "ProxySession.Name",
        "ProxySession.ExternalId",
        # The model marks an order's name sensitive, as it does a session's.
        "PhoneNumbers.Name",
        "PhoneNumbers.ExternalId",
    }


@pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_a_property_the_model_marks_sensitive_is_secret(
    kind: ResourceType, model: ServiceModel
) -> None:
    """Where a property goes into a request as a member of the same name, the service model says
    whether its value is sensitive: such a value is never shown (the External id is STS's)."""
    for item in kind.properties:
        for operation in kind.all_operations():
            shape = model.operation_model(operation).input_shape
            member = None if shape is None else shape.members.get(item.name)
            if member is None:
                continue
            inner = getattr(member, "member", member)  # a list's items
            sensitive = bool(member.metadata.get("sensitive") or inner.metadata.get("sensitive"))
            if sensitive:
                assert item.secret, f"{kind.construct}.{item.name} is sensitive in {operation}"


@pytest.mark.parametrize(
    ("construct", "delete", "actions"),
    [
        ("ProxySessionSettings", False, ("chime:UpdateProxySession",)),
        ("ProxySessionSettings", True, ("chime:UpdateProxySession", "chime:DeleteProxySession")),
        (
            "VoiceConnectorProxy",
            False,
            ("chime:GetVoiceConnectorProxy", "chime:PutVoiceConnectorProxy"),
        ),
        (
            "VoiceConnectorProxy",
            True,
            (
                "chime:GetVoiceConnectorProxy",
                "chime:PutVoiceConnectorProxy",
                "chime:DeleteVoiceConnectorProxy",
            ),
        ),
        *(
            (
                "ProxySession",
                delete,
                (
                    "chime:CreateProxySession",
                    "chime:ListProxySessions",
                    "chime:UpdateProxySession",
                    "chime:DeleteProxySession",
                ),
            )
            for delete in (False, True)
        ),
        # A Retain resource still releases what a failed Create bought: its create needs it all.
        *(
            (
                "PhoneNumbers",
                delete,
                (
                    "chime:SearchAvailablePhoneNumbers",
                    "chime:CreatePhoneNumberOrder",
                    "chime:GetPhoneNumberOrder",
                    "chime:GetPhoneNumber",
                    "chime:AssociatePhoneNumbersWithVoiceConnector",
                    "chime:DisassociatePhoneNumbersFromVoiceConnector",
                    "chime:DeletePhoneNumber",
                ),
            )
            for delete in (False, True)
        ),
    ],
)
def test_the_actions_each_once_in_the_order_declared(
    construct: str, delete: bool, actions: tuple[str, ...]
) -> None:
    """A Retain resource is not granted its type's delete action (unless its create needs it)."""
    assert BY_CONSTRUCT[construct].actions(delete=delete) == actions


@pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_every_operation_is_the_models_and_acts_on_a_voice_connector(
    kind: ResourceType, model: ServiceModel
) -> None:
    assert set(kind.operations) == {"create", "update", "delete"}
    assert kind.all_operations() == {op for ops in kind.operations.values() for op in ops}
    assert set(kind.account_operations) <= kind.all_operations()
    for operation in kind.all_operations():
        assert operation in model.operation_names, operation
        shape = model.operation_model(operation).input_shape
        assert shape is not None
        if operation in kind.account_operations:
            # Account-wide (the IAM action takes Resource "*"): the call names no voice connector.
            assert "VoiceConnectorId" not in shape.members, operation
        else:
            # The grant is scoped to the voice connector's ARN: every call names one.
            assert "VoiceConnectorId" in shape.required_members, operation


def test_only_phone_numbers_call_account_wide_operations() -> None:
    """Searching, ordering, reading and releasing numbers act on no voice connector."""
    assert {kind.construct: kind.account_operations for kind in RESOURCE_TYPES} == {
        "ProxySessionSettings": (),
        "VoiceConnectorProxy": (),
        "ProxySession": (),
        "PhoneNumbers": (
            "SearchAvailablePhoneNumbers",
            "CreatePhoneNumberOrder",
            "GetPhoneNumberOrder",
            "GetPhoneNumber",
            "DeletePhoneNumber",
        ),
    }


def test_the_types_that_make_something() -> None:
    """Their Creates claim their work in the claim table; the settings make nothing. Only phone
    numbers make something in an Update too (a larger Count orders), and undo a failed Create
    whatever the RemovalPolicy (numbers a failed Create bought are never kept); only they have
    a rule over several properties (the search the service accepts)."""
    assert [kind.construct for kind in RESOURCE_TYPES if kind.creates] == [
        "VoiceConnectorProxy",
        "ProxySession",
        "PhoneNumbers",
    ]
    assert [kind.construct for kind in RESOURCE_TYPES if kind.update_creates] == ["PhoneNumbers"]
    assert [kind.construct for kind in RESOURCE_TYPES if kind.undo_failed_create] == [
        "PhoneNumbers"
    ]
    assert [kind.construct for kind in RESOURCE_TYPES if kind.combination] == ["PhoneNumbers"]


@pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
def test_the_module_provides_its_handlers(kind: ResourceType) -> None:
    module = importlib.import_module(kind.module)
    handlers = ("create", "update", "delete", "kept")
    for handler in (*handlers, "made_by_lost_run") if kind.creates else handlers:
        assert callable(getattr(module, handler)), handler


def test_the_physical_ids_are_told_apart() -> None:
    prefixes = [kind.physical_id_prefix for kind in RESOURCE_TYPES]
    for prefix in prefixes:
        others = [other for other in [*prefixes, contract.FAILED_CREATE_PREFIX] if other != prefix]
        assert not any(other.startswith(prefix) for other in others), prefix
        assert prefix.endswith(":")


# Every call a type's module makes is one its type declares for that handler --------------------

Scenario = Callable[[Stubber], dict[str, Any]]


def _request(request_type: str, kind: ResourceType, **props: Any) -> dict[str, Any]:
    return event(
        request_type, "https://example.invalid/r", kind=kind, props=properties(kind, **props)
    )


def _after_a_dead_run(request: dict[str, Any], **facts: str) -> dict[str, Any]:
    """``request``, whose Create a run began and died in (its lease ran out), noting ``facts``."""
    kind = BY_TYPE_NAME[request["ResourceType"]]
    left_claim(kind, request["RequestId"], props=request["ResourceProperties"], facts=facts)
    return request


def _settings_create(stub: Stubber) -> dict[str, Any]:
    expect_update(stub, ["Voice"])
    return _request("Create", SETTINGS)


def _settings_update_in_place(stub: Stubber) -> dict[str, Any]:
    expect_update(stub, ["Voice"], 30)
    return _request("Update", SETTINGS, ExpiryMinutes="30")


def _settings_update_replacing(stub: Stubber) -> dict[str, Any]:
    params = {"VoiceConnectorId": VC_ID, "ProxySessionId": "s-2", "Capabilities": ["Voice"]}
    stub.add_response("update_proxy_session", session_response(["Voice"]), params)
    return _request("Update", SETTINGS, ProxySessionId="s-2", ExpiryMinutes=None)


def _settings_delete(stub: Stubber) -> dict[str, Any]:
    expect = {"VoiceConnectorId": VC_ID, "ProxySessionId": SESSION_ID}
    stub.add_response("delete_proxy_session", {}, expect)
    return _request("Delete", SETTINGS, RemovalPolicy="Destroy")


def _proxy_create(stub: Stubber) -> dict[str, Any]:
    expect_get(stub)
    expect_put(stub)
    return _request("Create", VOICE_CONNECTOR_PROXY)


def _proxy_adopt(stub: Stubber) -> dict[str, Any]:
    expect_get(stub, proxy_answer(expiry=30))
    expect_put(stub)
    return _request("Create", VOICE_CONNECTOR_PROXY, AdoptExisting="true")


def _proxy_update_in_place(stub: Stubber) -> dict[str, Any]:
    expect_put(stub, expiry=90)
    return _request("Update", VOICE_CONNECTOR_PROXY, DefaultSessionExpiryMinutes="90")


def _proxy_update_replacing(stub: Stubber) -> dict[str, Any]:
    expect_get(stub, vc_id="klmnopqrst9876543210a")
    expect_put(stub, vc_id="klmnopqrst9876543210a")
    return _request("Update", VOICE_CONNECTOR_PROXY, VoiceConnectorId="klmnopqrst9876543210a")


def _proxy_delete(stub: Stubber) -> dict[str, Any]:
    expect_proxy_delete(stub)
    return _request("Delete", VOICE_CONNECTOR_PROXY)


def _proxy_rollback_of_a_dead_run(stub: Stubber) -> dict[str, Any]:
    """The rollback Delete of a Create whose run died after finding no configuration."""
    request_id = str(uuid.uuid4())
    _after_a_dead_run(
        {**_request("Create", VOICE_CONNECTOR_PROXY), "RequestId": request_id}, existing="false"
    )
    expect_proxy_delete(stub)
    return {
        **_request("Delete", VOICE_CONNECTOR_PROXY),
        "PhysicalResourceId": failed_create_physical_id(request_id),
    }


def _look(stub: Stubber, *sessions: dict[str, Any]) -> None:
    expect_list(stub, "Open", list(sessions))
    expect_list(stub, "InProgress", [])


def _session_fresh(request_type: str, **create: Any) -> Scenario:
    """A Create (or replacing Update) that makes the session with one call."""

    def scenario(stub: Stubber) -> dict[str, Any]:
        expect_create(stub, proxy_session("s-new"), **create)
        return _request(request_type, PROXY_SESSION, **create)

    return scenario


def _session_recovered(request_type: str, **create: Any) -> Scenario:
    """... taken over from a run that died: it finds the session that run made, with other
    capabilities, and a later duplicate: the first is adopted and updated, the other deleted."""

    def scenario(stub: Stubber) -> dict[str, Any]:
        first = proxy_session("s-1", capabilities=("Voice",), **create)
        _look(stub, first, proxy_session("s-2", seconds=1, **create))
        expect_delete(stub, "s-2")
        params = {
            "VoiceConnectorId": VC_ID,
            "ProxySessionId": "s-1",
            "Capabilities": ["Voice", "SMS"],
            "ExpiryMinutes": 60,
        }
        stub.add_response("update_proxy_session", {"ProxySession": proxy_session("s-1")}, params)
        return _after_a_dead_run(_request(request_type, PROXY_SESSION, **create))

    return scenario


def _session_update_in_place(stub: Stubber) -> dict[str, Any]:
    params = {
        "VoiceConnectorId": VC_ID,
        "ProxySessionId": "s-old",
        "Capabilities": ["Voice"],
        "ExpiryMinutes": 60,
    }
    stub.add_response("update_proxy_session", {"ProxySession": proxy_session("s-old")}, params)
    return _request("Update", PROXY_SESSION, Capabilities=["Voice"])


def _session_delete(stub: Stubber) -> dict[str, Any]:
    expect_delete(stub, "s-old")
    return _request("Delete", PROXY_SESSION)


def _session_rollback_of_a_dead_run(stub: Stubber) -> dict[str, Any]:
    """The rollback Delete of a Create whose run died: it looks for the session that run made
    and ends it."""
    request_id = str(uuid.uuid4())
    _after_a_dead_run({**_request("Create", PROXY_SESSION), "RequestId": request_id})
    _look(stub, proxy_session("s-1"))
    expect_delete(stub, "s-1")
    return {
        **_request("Delete", PROXY_SESSION),
        "PhysicalResourceId": failed_create_physical_id(request_id),
    }


def _numbers_create(stub: Stubber) -> dict[str, Any]:
    expect_search(stub, [FIRST, SECOND])
    expect_order(stub, [FIRST, SECOND])
    expect_poll(stub, [FIRST, SECOND])
    expect_associate(stub, [FIRST, SECOND])
    return _request("Create", PHONE_NUMBERS)


def _numbers_partial(stub: Stubber) -> dict[str, Any]:
    """An order that ends Partial: what it acquired is released, and the Create fails."""
    expect_search(stub, [FIRST, SECOND])
    expect_order(stub, [FIRST, SECOND])
    expect_poll(stub, [FIRST, SECOND], "Partial", acquired=[FIRST])
    expect_release(stub, FIRST)
    return _request("Create", PHONE_NUMBERS)


def _numbers_refused_in_part(stub: Stubber) -> dict[str, Any]:
    """The association takes one number and refuses the other: it comes off the voice connector
    (the service deletes only unassigned numbers), then both are released."""
    expect_search(stub, [FIRST, SECOND])
    expect_order(stub, [FIRST, SECOND])
    expect_poll(stub, [FIRST, SECOND])
    expect_associate(stub, [FIRST, SECOND], refused=[SECOND])
    expect_disassociate(stub, [FIRST])
    expect_release(stub, FIRST, SECOND)
    return _request("Create", PHONE_NUMBERS)


def _numbers_recovered(request_type: str) -> Scenario:
    """... taken over from a run that died after choosing its numbers: the order it placed is
    found by the first of them, and waited for."""

    def scenario(stub: Stubber) -> dict[str, Any]:
        if request_type == "Update":
            record(held(FIRST, SECOND))
        expect_get_number(stub, THIRD, ORDER_2)
        expect_poll(stub, [THIRD], order_id=ORDER_2)
        expect_associate(stub, [THIRD])
        count = "1" if request_type == "Create" else "3"
        return _after_a_dead_run(
            _request(request_type, PHONE_NUMBERS, Count=count), **dead_run_facts([THIRD])
        )

    return scenario


def _numbers_count_up(stub: Stubber) -> dict[str, Any]:
    record(held(FIRST, SECOND))
    expect_search(stub, [THIRD])
    expect_order(stub, [THIRD], ORDER_2)
    expect_poll(stub, [THIRD], order_id=ORDER_2)
    expect_associate(stub, [THIRD])
    return _request("Update", PHONE_NUMBERS, Count="3")


def _numbers_count_down(stub: Stubber) -> dict[str, Any]:
    record(held(FIRST, SECOND))
    expect_disassociate(stub, [SECOND])
    expect_release(stub, SECOND)
    return _request("Update", PHONE_NUMBERS, Count="1")


def _numbers_replacing(stub: Stubber) -> dict[str, Any]:
    expect_search(stub, [THIRD, FIRST], AreaCode="425")
    expect_order(stub, [THIRD, FIRST], ORDER_2)
    expect_poll(stub, [THIRD, FIRST], order_id=ORDER_2)
    expect_associate(stub, [THIRD, FIRST])
    return _request("Update", PHONE_NUMBERS, AreaCode="425")


def _numbers_delete(stub: Stubber) -> dict[str, Any]:
    record(held(FIRST, SECOND))
    expect_disassociate(stub, [FIRST, SECOND])
    expect_release(stub, FIRST, SECOND)
    return _request("Delete", PHONE_NUMBERS)


def _numbers_rollback(*, ordered: bool) -> Scenario:
    """The rollback Delete (RemovalPolicy Retain) of a Create whose run died after choosing its
    numbers: with its order recorded, it waits for the order and releases what it acquired;
    without, it looks for the order (here: none was placed)."""

    def scenario(stub: Stubber) -> dict[str, Any]:
        request_id = str(uuid.uuid4())
        facts = dead_run_facts([FIRST, SECOND], ORDER_ID if ordered else None)
        _after_a_dead_run({**_request("Create", PHONE_NUMBERS), "RequestId": request_id}, **facts)
        if ordered:
            expect_poll(stub, [FIRST, SECOND])
            expect_release(stub, FIRST, SECOND)
        else:
            expect_get_number(stub, FIRST, None)
        return {
            **_request("Delete", PHONE_NUMBERS, RemovalPolicy="Retain"),
            "PhysicalResourceId": failed_create_physical_id(request_id),
        }

    scenario.__name__ = f"_numbers_rollback(ordered={ordered})"
    return scenario


SCENARIOS: dict[tuple[str, str], list[Scenario]] = {
    ("ProxySessionSettings", "create"): [_settings_create],
    ("ProxySessionSettings", "update"): [_settings_update_in_place, _settings_update_replacing],
    ("ProxySessionSettings", "delete"): [_settings_delete],
    ("VoiceConnectorProxy", "create"): [_proxy_create, _proxy_adopt],
    ("VoiceConnectorProxy", "update"): [_proxy_update_in_place, _proxy_update_replacing],
    ("VoiceConnectorProxy", "delete"): [_proxy_delete, _proxy_rollback_of_a_dead_run],
    ("ProxySession", "create"): [_session_fresh("Create"), _session_recovered("Create")],
    ("ProxySession", "update"): [
        _session_update_in_place,
        _session_fresh("Update", GeoMatchLevel="Country"),
        _session_recovered("Update", GeoMatchLevel="Country"),
    ],
    ("ProxySession", "delete"): [_session_delete, _session_rollback_of_a_dead_run],
    ("PhoneNumbers", "create"): [
        _numbers_create,
        _numbers_partial,
        _numbers_refused_in_part,
        _numbers_recovered("Create"),
    ],
    ("PhoneNumbers", "update"): [
        _numbers_count_up,
        _numbers_count_down,
        _numbers_recovered("Update"),
        _numbers_replacing,
    ],
    ("PhoneNumbers", "delete"): [
        _numbers_delete,
        _numbers_rollback(ordered=True),
        _numbers_rollback(ordered=False),
    ],
}


def called(scenario: Scenario) -> Iterator[str]:
    """Serve the scenario's request on a stubbed client; yield each operation it called. A
    request may fail (a scenario of a failed Create), but not by a call the Stubber did not
    expect."""
    attempted: list[str] = []

    def record(model: Any, **_: Any) -> None:
        attempted.append(model.name)

    with stubbed_client() as stub:
        client: Any = stub.client  # a chime-sdk-voice client; botocore types it BaseClient
        client.meta.events.register("provide-client-params.chime-sdk-voice", record)
        request = CfnRequest.from_event(scenario(stub))
        try:
            serve(
                request,
                ClientFactory(lambda: client),
                deadline=time.monotonic() + 60,
                policy=RetryPolicy(sleep=lambda _seconds: None),
                invocation=str(uuid.uuid4()),
                lease=time.time() + 60,
                claims=claim_table,
            )
        except StubResponseError:
            raise
        except Exception:  # noqa: S110 - the failure is the scenario's; its calls count
            pass
    yield from attempted


@pytest.mark.parametrize(
    ("construct", "handler"), list(SCENARIOS), ids=[f"{c}-{h}" for c, h in SCENARIOS]
)
def test_a_handler_calls_exactly_what_its_type_declares(
    construct: str, handler: str, dynamodb: DynamoDBServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    declared = set(BY_CONSTRUCT[construct].operations[handler])
    made: set[str] = set()
    for scenario in SCENARIOS[(construct, handler)]:
        # Each scenario with a claim table of its own: one's records are not another's past.
        monkeypatch.setenv(contract.CLAIM_TABLE_VARIABLE, create_claim_table(dynamodb))
        calls = set(called(scenario))
        assert calls <= declared, f"{scenario.__name__} called {calls - declared}"
        made |= calls
    assert made == declared, f"declared but never called: {declared - made}"
