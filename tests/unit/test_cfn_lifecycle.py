"""What every type's request goes through (``cfn_lifecycle``): the failed-Create and Retain
short-circuits, replace, in place or RemovalPolicy only, the step a type's module runs (under a
claim for a type that makes something), and the log line."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

import cfn_lifecycle
import claims
import proxy_contract as contract
from cfn_lifecycle import Job, describe, policy_only, replaces, serve
from cfn_properties import InvalidPropertiesError, parse_properties
from cfn_request import CfnRequest, CfnResult, failed_create_physical_id
from chime_calls import RetryPolicy
from chime_clients import ClientFactory
from claims import ClaimError, ClaimTable
from resource_types import (
    PHONE_NUMBERS,
    PROXY_SESSION,
    RESOURCE_TYPES,
    SETTINGS,
    VOICE_CONNECTOR_PROXY,
    ResourceType,
)
from tests.bad_input import ROLE_ARN
from tests.claim_tables import ClaimTableInfo
from tests.helpers import (
    PARTICIPANTS,
    PHONE_A,
    VC_ID,
    claim_key,
    claim_of,
    claim_table,
    event,
    no_client,
    properties,
    sample,
)

URL = "https://example.invalid/r"
TYPES = pytest.mark.parametrize("kind", RESOURCE_TYPES, ids=lambda kind: kind.construct)
MAKERS = pytest.mark.parametrize(
    "kind", [kind for kind in RESOURCE_TYPES if kind.creates], ids=lambda kind: kind.construct
)
INVOCATION = "lambda-request-1"
# A change of each type that its Update applies in place (not RemovalPolicy alone).
IN_PLACE: dict[str, dict[str, Any]] = {
    SETTINGS.type_name: {"Capabilities": ["Voice", "SMS"]},
    VOICE_CONNECTOR_PROXY.type_name: {"DefaultSessionExpiryMinutes": "90"},
    PROXY_SESSION.type_name: {"ExpiryMinutes": "30"},
    PHONE_NUMBERS.type_name: {"Count": "3"},
}
# A change of each type that replaces it (phone numbers move to another voice connector in place).
REPLACING: dict[str, dict[str, Any]] = {
    SETTINGS.type_name: {"VoiceConnectorId": "b" * 21},
    VOICE_CONNECTOR_PROXY.type_name: {"VoiceConnectorId": "b" * 21},
    PROXY_SESSION.type_name: {"VoiceConnectorId": "b" * 21},
    PHONE_NUMBERS.type_name: {"AreaCode": "425"},
}
KEPT_DATA = {"Kept": "yes"}


@dataclass
class Recorder:
    """Stands in for a type's module: records the step it ran and the job it got."""

    steps: list[tuple[str, Job]] = field(default_factory=list)

    def create(self, job: Job) -> CfnResult:
        self.steps.append(("create", job))
        return CfnResult(physical_resource_id="created-id", data={"Made": "yes"})

    def update(self, job: Job) -> CfnResult:
        self.steps.append(("update", job))
        return CfnResult(physical_resource_id="updated-id", data={})

    def delete(self, job: Job) -> None:
        self.steps.append(("delete", job))

    def kept(self, job: Job) -> Mapping[str, str]:
        self.steps.append(("kept", job))
        return KEPT_DATA

    def made_by_lost_run(self, job: Job) -> list[str]:
        self.steps.append(("made_by_lost_run", job))
        return []


@pytest.fixture
def module(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """The type's module, recorded; a client is never made (nothing here calls the API)."""
    recorder = Recorder()
    monkeypatch.setattr(cfn_lifecycle, "module_of", lambda _kind: recorder)
    return recorder


@pytest.fixture
def untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a type's module is even loaded."""

    def refuse(kind: ResourceType) -> Any:
        raise AssertionError(f"{kind.module} was loaded")

    monkeypatch.setattr(cfn_lifecycle, "module_of", refuse)


@pytest.fixture(autouse=True)
def _claim_table(claim_table: ClaimTableInfo) -> ClaimTableInfo:
    """A claim table of the test's own, as the function has one."""
    return claim_table


def run(request: dict[str, Any], *, claims: ClaimTable | bool | None = True) -> CfnResult:
    """``serve`` with a client factory that fails the test if it is asked for a client, as the
    invocation ``INVOCATION`` with a minute left, and the function's claim table (``claims``
    True), another table, or none."""
    return serve(
        CfnRequest.from_event(request),
        ClientFactory(no_client),
        deadline=time.monotonic() + 60,
        policy=RetryPolicy(sleep=lambda _seconds: None),
        invocation=INVOCATION,
        lease=time.time() + 60,
        claims=lambda: claim_table() if claims is True else claims or None,
    )


def update(kind: ResourceType, old: dict[str, Any], new: dict[str, Any]) -> CfnRequest:
    return CfnRequest.from_event(event("Update", URL, kind=kind, props=new, old_props=old))


# The short-circuits -----------------------------------------------------------------------------


@TYPES
def test_a_delete_after_a_failed_create_makes_no_call(kind: ResourceType, module: Recorder) -> None:
    """The failed Create claimed nothing (or its claim says it made nothing): no client is made
    and the type's module deletes nothing."""
    marker = failed_create_physical_id("r-1")
    props = properties(kind, RemovalPolicy="Destroy")
    result = run(event("Delete", URL, kind=kind, props=props, physical_id=marker))
    assert result == CfnResult(physical_resource_id=marker, data={})
    assert module.steps == []


@TYPES
@pytest.mark.parametrize("answered", [True, False], ids=["failed", "never answered"])
def test_a_retain_delete_of_a_create_that_failed_undoes_it_only_for_a_type_that_does(
    kind: ResourceType, module: Recorder, answered: bool
) -> None:
    """Numbers a failed Create bought are never kept (``undo_failed_create``): the Delete that
    follows it ends what its claim says was made, whatever the RemovalPolicy. Every other type
    leaves it, as its Retain says, and marks the claim ended."""
    props = properties(kind, RemovalPolicy="Retain")
    table = claim_table()
    claim = table.start(
        claim_key(kind, "r-1"),
        owner="run-1",
        lease=time.time() + 60,
        fingerprint=claims.fingerprint(kind.type_name, props, kind.replacing),
    )
    assert claim is not None
    table.failed(claim, "it failed", physical_id=sample(kind).physical_id)
    physical_id = failed_create_physical_id("r-1") if answered else "FromACreateNeverAnswered"
    result = run(event("Delete", URL, kind=kind, props=props, physical_id=physical_id))
    assert result == CfnResult(physical_resource_id=physical_id, data={})
    deleted = [job.physical_id for step, job in module.steps if step == "delete"]
    assert deleted == ([sample(kind).physical_id] if kind.undo_failed_create else [])
    ended = claim_of(kind, "r-1")
    assert ended is not None
    assert ended.state == (claims.ENDED if kind.creates else claims.FAILED)


@TYPES
def test_a_delete_after_a_create_refused_for_its_properties_succeeds(
    kind: ResourceType, module: Recorder
) -> None:
    """The rollback Delete carries the properties the Create was refused for: it must succeed,
    or the stack is stuck in ROLLBACK_FAILED."""
    marker = failed_create_physical_id("r-1")
    props = properties(kind, RemovalPolicy="Destroy", VoiceConnectorId="not valid")
    result = run(event("Delete", URL, kind=kind, props=props, physical_id=marker))
    assert result == CfnResult(physical_resource_id=marker, data={})
    assert module.steps == []


@TYPES
@pytest.mark.usefixtures("untouched")
def test_a_retain_delete_makes_no_call_and_validates_nothing_else(kind: ResourceType) -> None:
    props = properties(kind, RemovalPolicy="Retain", VoiceConnectorId="not valid", Colour="x")
    physical_id = sample(kind).physical_id
    result = run(event("Delete", URL, kind=kind, props=props))
    assert result == CfnResult(physical_resource_id=physical_id, data={})


@TYPES
@pytest.mark.usefixtures("untouched")
def test_a_delete_with_the_default_policy_follows_the_type(kind: ResourceType) -> None:
    props = properties(kind, RemovalPolicy=None, VoiceConnectorId="not valid")
    request = event("Delete", URL, kind=kind, props=props)
    if kind.default_removal_policy == contract.RETAIN:
        assert run(request).physical_resource_id == sample(kind).physical_id
    else:
        with pytest.raises(InvalidPropertiesError, match="VoiceConnectorId"):
            run(request)


@TYPES
@pytest.mark.usefixtures("untouched")
def test_bad_properties_fail_before_the_module_is_loaded(kind: ResourceType) -> None:
    with pytest.raises(InvalidPropertiesError, match="Colour"):
        run(event("Create", URL, kind=kind, props=properties(kind, Colour="x")))


# The step a type's module runs ------------------------------------------------------------------


@TYPES
def test_each_request_runs_its_step_with_the_parsed_job(
    kind: ResourceType, module: Recorder
) -> None:
    created = run(event("Create", URL, kind=kind))
    assert created == CfnResult(physical_resource_id="created-id", data={"Made": "yes"})
    changed = properties(kind, **IN_PLACE[kind.type_name])
    assert run(event("Update", URL, kind=kind, props=changed)).physical_resource_id == "updated-id"
    kept = event("Update", URL, kind=kind, props=properties(kind, RemovalPolicy="Retain"))
    assert run(kept) == CfnResult(physical_resource_id=sample(kind).physical_id, data=KEPT_DATA)
    replacing = event("Update", URL, kind=kind, props=properties(kind, **REPLACING[kind.type_name]))
    assert run(replacing).physical_resource_id == "created-id"
    destroy = event("Delete", URL, kind=kind, props=properties(kind, RemovalPolicy="Destroy"))
    assert run(destroy) == CfnResult(physical_resource_id=sample(kind).physical_id, data={})
    steps = ["create", "update", "kept", "create", "delete"]
    assert [step for step, _ in module.steps] == steps
    job = module.steps[0][1]
    assert job.kind is kind
    assert job.properties == parse_properties(kind, properties(kind))
    assert job.physical_id == ""
    assert module.steps[4][1].physical_id == sample(kind).physical_id
    assert job.calls.allowed == kind.all_operations()
    assert job.calls.target.subject == kind.summary
    assert job.calls.target.voice_connector_id == VC_ID
    assert job.calls.target.not_found_advice == kind.not_found_advice
    assert job.calls.counts == {}
    assert job.invocation == INVOCATION
    assert job.lease > time.time()
    # Only a type that makes something gets the claim table (and loads the claims modules).
    assert (job.claims is not None) is kind.creates
    # An in-place Update runs under a claim only where it makes something (orders numbers).
    assert (module.steps[1][1].progress is not None) is kind.update_creates


@TYPES
def test_an_update_in_place_is_claimed_exactly_when_it_makes_something(
    kind: ResourceType, module: Recorder
) -> None:
    request = event("Update", URL, kind=kind, props=properties(kind, **IN_PLACE[kind.type_name]))
    run(request)
    claim = claim_of(kind, request["RequestId"])
    if not kind.update_creates:
        assert claim is None
        return
    assert claim is not None
    assert (claim.state, claim.physical_id) == (claims.MADE, "updated-id")
    # A repeated delivery answers the record: the module's step does not run again.
    again = run(request)
    assert again.physical_resource_id == "updated-id"
    assert [step for step, _ in module.steps] == ["update"]


@TYPES
def test_a_create_of_a_type_that_makes_something_runs_under_its_claim(
    kind: ResourceType, module: Recorder
) -> None:
    request = event("Create", URL, kind=kind)
    run(request)
    ((_step, job),) = module.steps
    claim = claim_of(kind, request["RequestId"])
    if not kind.creates:
        assert job.progress is None
        assert claim is None
        return
    assert job.progress is not None
    assert not job.progress.recovering
    assert claim is not None
    assert (claim.state, claim.owner, claim.physical_id, dict(claim.data)) == (
        claims.MADE,
        INVOCATION,
        "created-id",
        {"Made": "yes"},
    )


@MAKERS
def test_a_type_that_makes_something_needs_a_claim_table(
    kind: ResourceType, module: Recorder
) -> None:
    with pytest.raises(ClaimError) as raised:
        run(event("Create", URL, kind=kind), claims=None)
    assert f"lacks {contract.CLAIM_TABLE_VARIABLE}" in str(raised.value)
    assert "Nothing was created" in str(raised.value)
    assert module.steps == []


def test_settings_need_no_claim_table(module: Recorder) -> None:
    result = run(event("Create", URL, kind=SETTINGS), claims=None)
    assert result.physical_resource_id == "created-id"


def test_the_calls_go_where_the_properties_say(module: Recorder) -> None:
    props = properties(PROXY_SESSION, Region="us-west-2", AssumeRoleArn=ROLE_ARN)
    run(event("Create", URL, kind=PROXY_SESSION, props=props))
    target = module.steps[0][1].calls.target
    assert (target.region, target.role_arn) == ("us-west-2", ROLE_ARN)


# Replace, in place, or RemovalPolicy only ------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name"),
    [(kind, item.name) for kind in RESOURCE_TYPES for item in kind.properties],
    ids=lambda value: value if isinstance(value, str) else value.construct,
)
def test_a_change_replaces_exactly_when_its_property_does(kind: ResourceType, name: str) -> None:
    base = properties(kind)
    assert replaces(kind, update(kind, base, {**base, name: "changed"})) is kind.get(name).replaces
    given = {**base, name: "given"}
    left_out = {key: value for key, value in base.items() if key != name}
    assert replaces(kind, update(kind, given, left_out)) is kind.get(name).replaces


@TYPES
def test_an_unchanged_or_cloudformation_only_change_is_in_place(kind: ResourceType) -> None:
    base = properties(kind)
    assert not replaces(kind, update(kind, base, dict(base)))
    assert not replaces(kind, update(kind, base, {**base, "ServiceTimeout": "1"}))


@TYPES
def test_old_properties_that_are_not_an_object_replace(kind: ResourceType) -> None:
    request = CfnRequest.from_event(event("Update", URL, kind=kind) | {"OldResourceProperties": []})
    assert replaces(kind, request)
    assert not policy_only(request)


@TYPES
def test_policy_only_ignores_removal_policy_and_cloudformations_own_properties(
    kind: ResourceType,
) -> None:
    base = properties(kind)
    for new in (
        dict(base),
        {**base, "RemovalPolicy": "Retain" if base["RemovalPolicy"] == "Destroy" else "Destroy"},
        {**base, "ServiceTimeout": "1"},
        {key: value for key, value in base.items() if key != "RemovalPolicy"},
        {key: value for key, value in base.items() if key != "ServiceToken"},
    ):
        assert policy_only(update(kind, base, new)), sorted(new)
    for name in kind.property_names:
        if name != contract.REMOVAL_POLICY:
            assert not policy_only(update(kind, base, {**base, name: "changed"})), name


# The log line -----------------------------------------------------------------------------------


def test_the_log_line_shows_values_and_never_a_secret() -> None:
    props = properties(PROXY_SESSION, Name="Help line 7", AssumeRoleArn=ROLE_ARN)
    props["ExternalId"] = "shared-secret-1"
    line = describe(PROXY_SESSION, parse_properties(PROXY_SESSION, props))
    assert line == (
        f"VoiceConnectorId {VC_ID}, ParticipantPhoneNumbers given (not shown), Capabilities "
        "Voice,SMS, ExpiryMinutes 60, Name given (not shown), RemovalPolicy Destroy; in the "
        f"function's region, as role {ROLE_ARN} with an external id"
    )
    for secret in ("Help line 7", "shared-secret-1", *(p.lstrip("+") for p in PARTICIPANTS)):
        assert secret not in line


def test_the_fall_back_number_is_given_not_shown() -> None:
    line = describe(
        VOICE_CONNECTOR_PROXY,
        parse_properties(VOICE_CONNECTOR_PROXY, properties(VOICE_CONNECTOR_PROXY)),
    )
    assert "FallBackPhoneNumber given (not shown)" in line
    assert PHONE_A[1:] not in line


def test_serve_logs_the_step_and_the_calls(
    module: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cfn_lifecycle")
    for changed in ({"Name": "Line"}, {"ExpiryMinutes": "9"}, {"RemovalPolicy": "Retain"}):
        run(event("Update", URL, kind=PROXY_SESSION, props=properties(PROXY_SESSION, **changed)))
    messages = [record.getMessage() for record in caplog.records if record.name == "cfn_lifecycle"]
    assert messages[0].startswith("Update ProxySession (replacement): VoiceConnectorId ")
    assert messages[1] == "API calls: none"
    assert messages[2].startswith("Update ProxySession (in place): ")
    assert messages[4].startswith("Update ProxySession (RemovalPolicy only): ")
    assert len(messages) == 6
