"""Local emulator of the Amazon Chime SDK Voice REST API, for tests: proxy sessions, voice
connectors, and phone numbers (search, orders, the inventory, associations, the deletion queue).

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
- A voice connector a test adds (`add_voice_connector`, `--voice-connector`) is a us-east-1
  connector of account 123456789012, named after its id, with encryption required;
  CreateVoiceConnector makes one as asked, with a 22-character id of lower-case letters and
  digits. The voice connector and phone number operations and their choices are described in
  `vc_operations`, `number_operations`, `inventory` and `supply`. Other operations of the model
  answer 501 NotImplemented.
- End of support: AWS ended support for proxy sessions on 2026-04-07, and botocore's model marks
  the eight proxy operations deprecated (CreateProxySession, DeleteProxySession,
  GetProxySession, ListProxySessions, UpdateProxySession, GetVoiceConnectorProxy,
  PutVoiceConnectorProxy, DeleteVoiceConnectorProxy) without saying what a call answers now.
  `end_of_support()` (or `--end-of-support`) makes each of them answer HTTP 403
  ForbiddenException, "Amazon Chime SDK proxy sessions reached end of support on 2026-04-07;
  this operation is no longer available": every one of them models ForbiddenException, so
  boto3 raises `client.exceptions.ForbiddenException`, and a caller that handles a 403 handles
  it. (GoneException, HTTP 410, is what the model gives the Alexa skill operations that ended
  earlier; none of the proxy operations lists it.) The state is kept and every other operation
  (voice connectors, phone numbers) is served; the call records name the fault
  "end_of_support". Off by default; `reset()` ends it.
- Requests are checked in this order: SigV4 Authorization header present (401), operation
  routed (404 UnknownOperationException), a proxy operation after the end of support (403),
  forbidden operation (403), `throttle_next` (429), rate limit (429), `fail_next` (5xx), input
  validation (400), then the operation itself. Latency, resets and hangs apply before all of
  these.
- Validation messages follow the AWS format; values of sensitive members (phone numbers, session
  names) are left out of them, and the emulator never writes to stdout or stderr while serving.

Run `python -m harness.emulator --voice-connector ID [--end-of-support]` to serve it from a shell.

The modules, one job each: `model` (botocore's service model), `routing`, `validation`,
`faults`, `signing` (the SigV4 credential scope), `records` (what was received), the service
itself (`state`, `resources`: its records, `supply`: the numbers for sale, `inventory`: the
account's numbers and orders, `operations`, `vc_operations`, `number_operations`), `pipeline`
(one request end to end), `http` (the loopback HTTP server and `LoopbackService`, shared with
`harness.sts`), `service` (`ChimeVoiceEmulator`) and `cli`.
"""

from __future__ import annotations

from harness.emulator.cli import main
from harness.emulator.faults import FaultInjector, FaultKind
from harness.emulator.model import (
    END_OF_SUPPORT_DATE,
    END_OF_SUPPORT_ERROR,
    END_OF_SUPPORT_MESSAGE,
    ENDPOINT_ENV_VAR,
    SERVICE_NAME,
    SUPPORTED_OPERATIONS,
    end_of_support_operations,
    service_model,
)
from harness.emulator.records import CallRecord
from harness.emulator.service import ChimeVoiceEmulator

__all__ = [
    "ENDPOINT_ENV_VAR",
    "END_OF_SUPPORT_DATE",
    "END_OF_SUPPORT_ERROR",
    "END_OF_SUPPORT_MESSAGE",
    "SERVICE_NAME",
    "SUPPORTED_OPERATIONS",
    "CallRecord",
    "ChimeVoiceEmulator",
    "FaultInjector",
    "FaultKind",
    "end_of_support_operations",
    "main",
    "service_model",
]
