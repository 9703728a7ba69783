"""Custom::ChimeProxySession's properties: parsed, validated, and turned into API requests.

ResourceProperties -> ``SessionSpec`` -> CreateProxySession / UpdateProxySession requests; a
ProxySession -> the response Data; the PhysicalResourceId both ways. Participant phone numbers
never reach a message, a repr or the Data, and neither does a user-given Name (the service model
marks Name sensitive): messages say what is wrong with them without showing them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import proxy_contract as contract
from cfn_properties import (
    InvalidPropertiesError,
    Location,
    check_names,
    parse_capabilities,
    parse_e164,
    parse_expiry_minutes,
    parse_location,
    parse_removal_policy,
    parse_voice_connector_id,
    reject_null,
    required,
)
from cfn_request import CfnRequest
from chime_calls import CallTarget
from proxy_session_dedup import OwnerKey, marker_name
from safe_text import echo

RESOURCE_TYPE: Final = contract.PROXY_SESSION_RESOURCE_TYPE
# Changing any of these creates a new session; the others are applied in place.
REPLACING_PROPERTIES: Final = tuple(
    name
    for name in contract.PROXY_SESSION_PROPERTIES
    if name not in contract.PROXY_SESSION_IN_PLACE_PROPERTIES
)
_NAME: Final = re.compile(contract.PROXY_SESSION_NAME_PATTERN)
_COUNTRY: Final = re.compile(contract.COUNTRY_CODE_PATTERN)
_AREA_CODE: Final = re.compile(contract.AREA_CODE_PATTERN)
_DYNAMIC_REFERENCE: Final = "{{resolve:"
_NOT_FOUND_ADVICE: Final = (
    "The session ended (it expired, or was deleted outside CloudFormation), so it cannot be "
    "updated in place; change its name (or another property that creates a new session) to "
    "create a new one."
)


@dataclass(frozen=True)
class SessionSpec:
    """The validated desired state of a created session; the participants never show in a repr."""

    voice_connector_id: str
    participants: tuple[str, str] = field(repr=False)
    capabilities: tuple[str, ...]
    expiry_minutes: int | None
    name: str | None = field(repr=False)
    number_selection_behavior: str | None
    geo_match_level: str | None
    geo_match_params: Mapping[str, str] | None
    removal_policy: str
    location: Location = field(default_factory=Location)

    def owner_key(self, request: CfnRequest, exclude: str | None) -> OwnerKey:
        """How this resource recognises its session: the name given, or the derived marker."""
        marker = marker_name(request.stack_id, request.logical_resource_id)
        return OwnerKey(
            name=self.name if self.name is not None else marker,
            participants=frozenset(self.participants),
            number_selection_behavior=self.number_selection_behavior,
            geo_match_level=self.geo_match_level,
            geo_match_params=self.geo_match_params,
            exclude=exclude,
            label="with the Name given" if self.name is not None else f"named {marker!r}",
        )

    def create_request(self, name: str) -> dict[str, Any]:
        """The keyword arguments of ``CreateProxySession``."""
        request: dict[str, Any] = {
            "VoiceConnectorId": self.voice_connector_id,
            "ParticipantPhoneNumbers": list(self.participants),
            "Capabilities": list(self.capabilities),
            "Name": name,
        }
        for key, value in (
            ("ExpiryMinutes", self.expiry_minutes),
            ("NumberSelectionBehavior", self.number_selection_behavior),
            ("GeoMatchLevel", self.geo_match_level),
            (
                "GeoMatchParams",
                None if self.geo_match_params is None else dict(self.geo_match_params),
            ),
        ):
            if value is not None:
                request[key] = value
        return request

    def update_request(self, session_id: str) -> dict[str, Any]:
        """The keyword arguments of ``UpdateProxySession`` that apply this state to a session."""
        request: dict[str, Any] = {
            "VoiceConnectorId": self.voice_connector_id,
            "ProxySessionId": session_id,
            "Capabilities": list(self.capabilities),
        }
        if self.expiry_minutes is not None:
            request["ExpiryMinutes"] = self.expiry_minutes
        return request

    def differs_from(self, session: Mapping[str, Any]) -> bool:
        """Whether the session's capabilities or expiry are not the declared ones."""
        if set(session.get("Capabilities") or []) != set(self.capabilities):
            return True
        expiry = session.get("ExpiryMinutes")
        return self.expiry_minutes is not None and expiry != self.expiry_minutes

    def call_target(self, subject: str) -> CallTarget:
        """What the calls act on, for Reasons."""
        return CallTarget(
            subject=subject,
            voice_connector_id=self.voice_connector_id,
            not_found_advice=_NOT_FOUND_ADVICE,
            region=self.location.region,
            role_arn=self.location.role_arn,
        )

    def describe(self) -> str:
        """A one-line, log-safe description: no participant and no user-given name."""
        expiry = (
            "the proxy's default" if self.expiry_minutes is None else f"{self.expiry_minutes} min"
        )
        return (
            f"voice connector {self.voice_connector_id}, capabilities "
            f"{','.join(self.capabilities)}, expiry {expiry}, removal policy "
            f"{self.removal_policy}, in {self.location.describe()}"
        )


def physical_resource_id(voice_connector_id: str, proxy_session_id: str) -> str:
    """The PhysicalResourceId of a created session: the voice connector's id and the session's."""
    return f"{contract.PROXY_SESSION_PHYSICAL_ID_PREFIX}{voice_connector_id}:{proxy_session_id}"


def parse_physical_id(physical_id: object) -> tuple[str, str] | None:
    """(voice connector id, session id) from a PhysicalResourceId this type issued, else None."""
    prefix = contract.PROXY_SESSION_PHYSICAL_ID_PREFIX
    if not isinstance(physical_id, str) or not physical_id.startswith(prefix):
        return None
    voice_connector_id, _, session_id = physical_id[len(prefix) :].partition(":")
    if not voice_connector_id or not session_id:
        return None
    return voice_connector_id, session_id


def _parse_participants(value: object) -> tuple[str, str]:
    name = contract.PARTICIPANT_PHONE_NUMBERS
    count = contract.PARTICIPANT_COUNT
    if not isinstance(value, list) or len(value) != count:
        if isinstance(value, list):
            shape = f"{len(value)} item(s)"
        else:
            shape = "null" if value is None else f"a {type(value).__name__}"
        raise InvalidPropertiesError(
            f"{name} must be a list of exactly {count} phone numbers in E.164 ('+' and 2 to 15 "
            f"digits), got {shape} (values not shown)."
        )
    phones: list[str] = []
    for index, item in enumerate(value):
        if isinstance(item, str) and item.startswith(_DYNAMIC_REFERENCE):
            raise InvalidPropertiesError(
                f"{name}[{index}] is a dynamic reference that CloudFormation did not resolve (not "
                "shown). CloudFormation resolves {{resolve:secretsmanager:...}} references in any "
                "resource property and does not persist the value; it does not resolve ssm-secure "
                "references in custom resources. Use a secretsmanager reference."
            )
        phones.append(parse_e164(f"{name}[{index}]", item))
    if phones[0] == phones[1]:
        raise InvalidPropertiesError(
            f"{name} lists the same phone number twice (not shown); give the two participants."
        )
    return phones[0], phones[1]


def _parse_name(value: object) -> str | None:
    name = contract.NAME
    if value is None:
        return None
    limit = contract.PROXY_SESSION_NAME_MAX_LENGTH
    if not isinstance(value, str) or not value.strip() or not _NAME.fullmatch(value):
        kind = f"{len(value)} characters" if isinstance(value, str) else f"a {type(value).__name__}"
        raise InvalidPropertiesError(
            f"{name} must be 1 to {limit} letters, digits and spaces, not blank; got {kind} (the "
            "value is not shown). Omit it to let the resource name the session."
        )
    return value


def _parse_choice(name: str, value: object, allowed: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise InvalidPropertiesError(
            f"{name} must be one of {', '.join(allowed)}, got {echo(value)}."
        )
    return value


def _parse_geo_params(value: object) -> dict[str, str] | None:
    name, country, area = (
        contract.GEO_MATCH_PARAMS,
        contract.GEO_MATCH_COUNTRY,
        contract.GEO_MATCH_AREA_CODE,
    )
    if value is None:
        return None
    example = f'{{"{country}": "US", "{area}": "206"}}'
    if not isinstance(value, Mapping) or set(value) != {country, area}:
        raise InvalidPropertiesError(
            f"{name} must be an object with exactly {country} and {area}, got {echo(value)}. "
            f"Use e.g. {example}."
        )
    if not isinstance(value[country], str) or not _COUNTRY.fullmatch(value[country]):
        raise InvalidPropertiesError(
            f"{name}.{country} must be two capital letters (ISO 3166), got {echo(value[country])}."
        )
    if not isinstance(value[area], str) or not _AREA_CODE.fullmatch(value[area]):
        raise InvalidPropertiesError(
            f"{name}.{area} must be three digits, got {echo(value[area])}."
        )
    return {country: value[country], area: value[area]}


def parse_properties(properties: object) -> SessionSpec:
    """Parse and validate ResourceProperties; raise InvalidPropertiesError naming the property."""
    checked = check_names(properties, RESOURCE_TYPE, contract.PROXY_SESSION_PROPERTIES)
    for optional in (
        contract.EXPIRY_MINUTES,
        contract.NAME,
        contract.NUMBER_SELECTION_BEHAVIOR,
        contract.GEO_MATCH_LEVEL,
        contract.GEO_MATCH_PARAMS,
        contract.REMOVAL_POLICY,
    ):
        reject_null(checked, optional, "omit it instead for its default")
    return SessionSpec(
        voice_connector_id=parse_voice_connector_id(required(checked, contract.VOICE_CONNECTOR_ID)),
        participants=_parse_participants(required(checked, contract.PARTICIPANT_PHONE_NUMBERS)),
        capabilities=parse_capabilities(required(checked, contract.CAPABILITIES)),
        expiry_minutes=parse_expiry_minutes(checked.get(contract.EXPIRY_MINUTES)),
        name=_parse_name(checked.get(contract.NAME)),
        number_selection_behavior=_parse_choice(
            contract.NUMBER_SELECTION_BEHAVIOR,
            checked.get(contract.NUMBER_SELECTION_BEHAVIOR),
            contract.NUMBER_SELECTION_BEHAVIORS,
        ),
        geo_match_level=_parse_choice(
            contract.GEO_MATCH_LEVEL,
            checked.get(contract.GEO_MATCH_LEVEL),
            contract.GEO_MATCH_LEVELS,
        ),
        geo_match_params=_parse_geo_params(checked.get(contract.GEO_MATCH_PARAMS)),
        removal_policy=parse_removal_policy(
            checked.get(contract.REMOVAL_POLICY), contract.CREATED_DEFAULT_REMOVAL_POLICY
        ),
        location=parse_location(checked),
    )


def response_data(session: Mapping[str, Any]) -> dict[str, str]:
    """The Data (GetAtt attributes) of a ProxySession: never a participant's own number.

    ``ProxyPhoneNumbers`` lists the proxy numbers the service assigned (the company's numbers),
    each once, comma-joined.
    """
    expiry = session.get("ExpiryMinutes")
    proxies: list[str] = []
    for participant in session.get("Participants") or []:
        proxy = participant.get("ProxyPhoneNumber")
        if proxy and proxy not in proxies:
            proxies.append(str(proxy))
    return {
        contract.ATTR_PROXY_SESSION_ID: str(session.get("ProxySessionId") or ""),
        contract.ATTR_STATUS: str(session.get("Status") or ""),
        contract.ATTR_EXPIRY_MINUTES: "" if expiry is None else str(expiry),
        contract.ATTR_CAPABILITIES: ",".join(
            str(item) for item in session.get("Capabilities") or []
        ),
        contract.ATTR_PROXY_PHONE_NUMBERS: ",".join(proxies),
    }


def replaces(request: CfnRequest) -> bool:
    """Whether an Update changes a property that needs a new session (or the old ones are not
    an object, so nothing can be compared)."""
    new, old = request.properties, request.old_properties
    if not isinstance(new, Mapping) or not isinstance(old, Mapping):
        return True
    return any(new.get(name) != old.get(name) for name in REPLACING_PROPERTIES)
