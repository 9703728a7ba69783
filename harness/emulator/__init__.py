"""Local emulator of the Amazon Chime SDK Voice proxy-session REST API, for tests.

`ChimeVoiceEmulator` serves the rest-json wire protocol of the `chime-sdk-voice` service on
loopback, so an unmodified boto3 client reaches it through `endpoint_url=emu.endpoint_url` or the
`AWS_ENDPOINT_URL_CHIME_SDK_VOICE` environment variable, and raises the modeled exceptions
(`client.exceptions.NotFoundException`, ...). Paths, methods, members, constraints, success codes
and error status codes are read from botocore's service model at runtime, so the emulator follows
the SDK the tests run with.

Choices where the real service's behaviour is not documented:

- DeleteProxySession removes the session; a second delete answers 404 NotFoundException.
- CreateProxySession needs the voice connector's proxy configuration (PutVoiceConnectorProxy, or
  `configure_proxy`) and answers 400 BadRequestException without it or when it is disabled.
- UpdateProxySession of a Closed session answers 400 BadRequestException.
- Sessions never expire on their own: `close_session` simulates the expiry.
- Requests are checked in this order: SigV4 Authorization header present (401), operation
  routed (404 UnknownOperationException), forbidden operation (403), `throttle_next` (429),
  rate limit (429), `fail_next` (5xx), input validation (400), then the operation itself. Latency,
  resets and hangs apply before all of these.
- Validation messages follow the AWS format; values of sensitive members (phone numbers, session
  names) are left out of them, and the emulator never writes to stdout or stderr while serving.

Run `python -m harness.emulator --voice-connector ID` to serve it from a shell.

The modules, one job each: `model` (botocore's service model), `routing`, `validation`,
`faults`, `signing` (the SigV4 credential scope), `records` (what was received), `state` and
`operations` (the service itself), `pipeline` (one request end to end), `http` (the loopback
HTTP server and `LoopbackService`, shared with `harness.sts`), `service` (`ChimeVoiceEmulator`)
and `cli`.
"""

from __future__ import annotations

from harness.emulator.cli import main
from harness.emulator.faults import FaultInjector, FaultKind
from harness.emulator.model import (
    ENDPOINT_ENV_VAR,
    SERVICE_NAME,
    SUPPORTED_OPERATIONS,
    service_model,
)
from harness.emulator.records import CallRecord
from harness.emulator.service import ChimeVoiceEmulator

__all__ = [
    "ENDPOINT_ENV_VAR",
    "SERVICE_NAME",
    "SUPPORTED_OPERATIONS",
    "CallRecord",
    "ChimeVoiceEmulator",
    "FaultInjector",
    "FaultKind",
    "main",
    "service_model",
]
