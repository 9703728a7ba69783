"""Custom::ChimeVoiceConnectorProxy: a voice connector's proxy configuration.

Create and Update put every declared setting with PutVoiceConnectorProxy. Delete removes the
configuration with DeleteVoiceConnectorProxy unless RemovalPolicy is Retain, and never after a
failed Create. The PhysicalResourceId names the region and the voice connector, so changing either
replaces the resource: CloudFormation then sends Delete with the old properties, which name the old
configuration. Data flows one way: ResourceProperties -> ``ProxyConfiguration`` ->
PutVoiceConnectorProxy request -> response Data. The fall-back phone number goes to the API only:
never to Data, a log line or a Reason.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import proxy_contract as contract
from cfn_properties import (
    InvalidPropertiesError,
    Location,
    check_names,
    parse_e164,
    parse_expiry_minutes,
    parse_location,
    parse_removal_policy,
    parse_voice_connector_id,
    reject_null,
    removal_policy_of,
    required,
)
from cfn_request import CfnRequest, CfnResult, is_failed_create
from chime_calls import (
    CallTarget,
    RetryPolicy,
    call_or_fail,
    delete_or_gone,
)
from chime_clients import ClientFactory, client_for
from safe_text import echo

logger = logging.getLogger(__name__)

RESOURCE_TYPE = contract.VOICE_CONNECTOR_PROXY_RESOURCE_TYPE
_COUNTRY: Final = re.compile(contract.COUNTRY_CODE_PATTERN)
# CloudFormation sends a template's booleans as these strings; JSON booleans are accepted too.
_BOOLEAN_TEXT: Final = {"true": True, "false": False}
_NOT_FOUND_ADVICE = (
    "Check VoiceConnectorId and Region: the voice connector must exist in that region, in the "
    "account the function calls as."
)


@dataclass(frozen=True)
class ProxyConfiguration:
    """The validated desired proxy configuration of one voice connector."""

    voice_connector_id: str
    default_session_expiry_minutes: int
    phone_number_pool_countries: tuple[str, ...]
    # A phone number: kept out of the repr, and so out of any log line that shows this object.
    fall_back_phone_number: str | None = field(repr=False)
    disabled: bool
    removal_policy: str
    location: Location = field(default_factory=Location)

    def put_request(self) -> dict[str, Any]:
        """Return the keyword arguments of ``PutVoiceConnectorProxy``: every setting."""
        request: dict[str, Any] = {
            "VoiceConnectorId": self.voice_connector_id,
            "DefaultSessionExpiryMinutes": self.default_session_expiry_minutes,
            "PhoneNumberPoolCountries": list(self.phone_number_pool_countries),
            "Disabled": self.disabled,
        }
        if self.fall_back_phone_number is not None:
            request["FallBackPhoneNumber"] = self.fall_back_phone_number
        return request

    def delete_request(self) -> dict[str, str]:
        """Return the keyword arguments of ``DeleteVoiceConnectorProxy``."""
        return {"VoiceConnectorId": self.voice_connector_id}

    def call_target(self, region: str) -> CallTarget:
        """What the calls act on, for Reasons; ``region`` is the one the client calls."""
        return CallTarget(
            subject="the proxy configuration",
            voice_connector_id=self.voice_connector_id,
            not_found_advice=_NOT_FOUND_ADVICE,
            region=region,
            role_arn=self.location.role_arn,
        )

    def describe(self) -> str:
        """Return a one-line, log-safe description: settings and ids, never the phone number."""
        fall_back = "a fall-back number" if self.fall_back_phone_number else "no fall-back number"
        return (
            f"voice connector {self.voice_connector_id}, default session expiry "
            f"{self.default_session_expiry_minutes} min, countries "
            f"{','.join(self.phone_number_pool_countries)}, {fall_back}, "
            f"{'disabled' if self.disabled else 'enabled'}, removal policy "
            f"{self.removal_policy}, in {self.location.describe()}"
        )


def physical_resource_id(region: str, voice_connector_id: str) -> str:
    """Return the PhysicalResourceId: one per voice connector and region (its configuration)."""
    return f"{contract.VOICE_CONNECTOR_PROXY_PHYSICAL_ID_PREFIX}{region}:{voice_connector_id}"


def parse_countries(value: object) -> tuple[str, ...]:
    """Validate PhoneNumberPoolCountries: 1 to 100 distinct upper-case ISO 3166 alpha-2 codes."""
    name = contract.PHONE_NUMBER_POOL_COUNTRIES
    most = contract.PHONE_NUMBER_POOL_COUNTRIES_MAX
    if not isinstance(value, list):
        raise InvalidPropertiesError(
            f'{name} must be a list of country codes, got {echo(value)}. Use e.g. ["US", "CA"].'
        )
    if not value:
        raise InvalidPropertiesError(
            f"{name} must not be empty. List at least one ISO 3166 alpha-2 country code, e.g. US."
        )
    if len(value) > most:
        raise InvalidPropertiesError(
            f"{name} lists {len(value)} countries; the service accepts at most {most}."
        )
    seen: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not _COUNTRY.fullmatch(item):
            raise InvalidPropertiesError(
                f"{name}[{index}] is {echo(item)}; each entry must be an upper-case ISO 3166 "
                "alpha-2 country code such as US or GB."
            )
        if item in seen:
            raise InvalidPropertiesError(f"{name} lists {item!r} twice. List each country once.")
        seen.append(item)
    return tuple(seen)


def parse_disabled(value: object) -> bool:
    """Validate Disabled: "true" or "false" (as CloudFormation sends a boolean); absent is false."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in _BOOLEAN_TEXT:
        return _BOOLEAN_TEXT[value]
    raise InvalidPropertiesError(
        f'{contract.DISABLED} must be "true" or "false", got {echo(value)}. Omit it to keep the '
        "proxy enabled."
    )


def parse_properties(properties: object) -> ProxyConfiguration:
    """Parse and validate ResourceProperties; raise InvalidPropertiesError naming the property."""
    checked = check_names(properties, RESOURCE_TYPE, contract.VOICE_CONNECTOR_PROXY_PROPERTIES)
    reject_null(
        checked,
        contract.FALL_BACK_PHONE_NUMBER,
        "give an E.164 number (a '+' and the digits, country code first), or omit it for no "
        "fall-back number",
    )
    reject_null(checked, contract.DISABLED, 'set "true" or "false", or omit it for "false"')
    reject_null(
        checked,
        contract.REMOVAL_POLICY,
        f"set {contract.RETAIN!r} or {contract.DESTROY!r}, or omit it for "
        f"{contract.CREATED_DEFAULT_REMOVAL_POLICY!r}",
    )
    expiry_name = contract.DEFAULT_SESSION_EXPIRY_MINUTES
    fall_back = checked.get(contract.FALL_BACK_PHONE_NUMBER)
    return ProxyConfiguration(
        voice_connector_id=parse_voice_connector_id(required(checked, contract.VOICE_CONNECTOR_ID)),
        default_session_expiry_minutes=_required_minutes(required(checked, expiry_name)),
        phone_number_pool_countries=parse_countries(
            required(checked, contract.PHONE_NUMBER_POOL_COUNTRIES)
        ),
        fall_back_phone_number=(
            None if fall_back is None else parse_e164(contract.FALL_BACK_PHONE_NUMBER, fall_back)
        ),
        disabled=parse_disabled(checked.get(contract.DISABLED)),
        removal_policy=parse_removal_policy(
            checked.get(contract.REMOVAL_POLICY), contract.CREATED_DEFAULT_REMOVAL_POLICY
        ),
        location=parse_location(checked),
    )


def _required_minutes(value: object) -> int:
    name = contract.DEFAULT_SESSION_EXPIRY_MINUTES
    minutes = parse_expiry_minutes(value, name)
    if minutes is None:
        raise InvalidPropertiesError(
            f'{name} is null; give a whole number of minutes such as "60".'
        )
    return minutes


def response_data(proxy: Mapping[str, Any]) -> dict[str, str]:
    """Shape the custom resource's Data (its GetAtt attributes) from the service's Proxy.

    Only the expiry, the countries and Disabled leave the function: FallBackPhoneNumber is a
    phone number and is never copied. A value the service leaves out is an empty string.
    """
    expiry = proxy.get("DefaultSessionExpiryMinutes")
    countries = proxy.get("PhoneNumberCountries") or []
    disabled = proxy.get("Disabled")
    return {
        contract.ATTR_DEFAULT_SESSION_EXPIRY_MINUTES: "" if expiry is None else str(expiry),
        contract.ATTR_PHONE_NUMBER_COUNTRIES: ",".join(str(item) for item in countries),
        contract.ATTR_DISABLED: "" if disabled is None else str(bool(disabled)).lower(),
    }


def apply(
    request: CfnRequest, clients: ClientFactory, *, deadline: float, policy: RetryPolicy
) -> CfnResult:
    """Create and Update: put every setting with PutVoiceConnectorProxy."""
    config = parse_properties(request.properties)
    logger.info("%s: putting %s", request.request_type, config.describe())
    client = client_for(request, config.location, clients, deadline=deadline, policy=policy)
    region = client.meta.region_name
    call = config.put_request()
    outcome = call_or_fail(
        "PutVoiceConnectorProxy",
        lambda: client.put_voice_connector_proxy(**call),
        config.call_target(region),
        deadline=deadline,
        policy=policy,
    )
    return CfnResult(
        physical_resource_id=physical_resource_id(region, config.voice_connector_id),
        data=response_data(outcome.response.get("Proxy") or {}),
    )


def remove(
    request: CfnRequest, clients: ClientFactory, *, deadline: float, policy: RetryPolicy
) -> CfnResult:
    """Delete: remove the configuration unless RemovalPolicy is Retain; never after a failed
    Create. The properties are the ones the configuration was put with (the old ones, after a
    replacement), so the old region and voice connector are the ones cleaned up."""
    physical_id = request.physical_resource_id or ""
    keep = CfnResult(physical_resource_id=physical_id, data={})
    if is_failed_create(physical_id):
        logger.info("Delete after a failed Create: nothing was put, no API call")
        return keep
    if (
        removal_policy_of(request.properties, contract.CREATED_DEFAULT_REMOVAL_POLICY)
        != contract.DESTROY
    ):
        logger.info("Delete with RemovalPolicy Retain: the proxy configuration is left as it is")
        return keep
    config = parse_properties(request.properties)
    logger.info("Delete with RemovalPolicy Destroy: removing %s", config.describe())
    client = client_for(request, config.location, clients, deadline=deadline, policy=policy)
    target = config.call_target(client.meta.region_name)
    call = config.delete_request()
    delete_or_gone(
        "DeleteVoiceConnectorProxy",
        lambda: client.delete_voice_connector_proxy(**call),
        target,
        deadline=deadline,
        policy=policy,
    )
    return keep
