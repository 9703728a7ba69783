"""The handler's own modules, for the drift check: its client factory, retry policy, property
parsing, claim records and in-place update code, never a copy of them.

They are loaded from the same handler folder as the constructs' shared modules, by the same loader
(``chime_proxy_session.contract``): each under its flat name, as the Lambda runtime imports them,
so the modules the constructs already loaded (``proxy_contract``, ``resource_types``, ...) are the
same objects here, and a module of that name from anywhere else is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ..contract import _load

# In the order they import each other: each finds those before it (and the constructs' shared
# modules) in sys.modules, so loading needs no change to sys.path.
MODULES: Final = (
    "call_reasons",
    "chime_calls",
    "cfn_request",
    "cfn_properties",
    "chime_clients",
    "claim_records",
    "claims",
    "once",
    "cfn_lifecycle",
    "settings_resource",
    "voice_connector_proxy_resource",
    "proxy_session_dedup",
    "proxy_session_resource",
    "phone_number_orders",
)

if TYPE_CHECKING:
    # mypy reads the same files through mypy_path (lambda/).
    import call_reasons
    import cfn_lifecycle
    import cfn_properties
    import cfn_request
    import chime_calls
    import chime_clients
    import claim_records
    import claims
    import once
    import phone_number_orders
    import proxy_session_dedup
    import proxy_session_resource
    import settings_resource
    import voice_connector_proxy_resource
else:
    (
        call_reasons,
        chime_calls,
        cfn_request,
        cfn_properties,
        chime_clients,
        claim_records,
        claims,
        once,
        cfn_lifecycle,
        settings_resource,
        voice_connector_proxy_resource,
        proxy_session_dedup,
        proxy_session_resource,
        phone_number_orders,
    ) = (_load(name) for name in MODULES)

__all__ = [
    "MODULES",
    "call_reasons",
    "cfn_lifecycle",
    "cfn_properties",
    "cfn_request",
    "chime_calls",
    "chime_clients",
    "claim_records",
    "claims",
    "once",
    "phone_number_orders",
    "proxy_session_dedup",
    "proxy_session_resource",
    "settings_resource",
    "voice_connector_proxy_resource",
]
