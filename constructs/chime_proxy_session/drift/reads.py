"""The drift check's reads of the ChimeSDKVoice API for one resource.

Each read goes through the handler's retry policy (``chime_calls.call_with_retries``: throttling
and transient failures retried with backoff, within a budget). ``NotFoundException`` answers None
(the thing is gone); a denial stops the whole check with a message naming the action and the
resource (``DriftCheckError``); any other failure leaves this one resource not checked.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from .declared import NotChecked
from .handler import call_reasons, chime_calls
from .stack import CALL_BUDGET_SECONDS, DriftCheckError, denied, no_credentials

if TYPE_CHECKING:
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient


class ChimeReads:
    """Reads about one resource, on a client made on first use.

    :param connect: makes the client (for the resource's region, as the role it names).
    :param target: what the reads act on, for messages (its voice connector, region and role).
    :param policy: the handler's retry policy.
    """

    def __init__(
        self,
        connect: Callable[[], ChimeSDKVoiceClient],
        target: call_reasons.CallTarget,
        policy: chime_calls.RetryPolicy,
    ) -> None:
        self._connect = connect
        self._client: list[ChimeSDKVoiceClient] = []
        self.target = target
        self.policy = policy

    @property
    def client(self) -> ChimeSDKVoiceClient:
        """The client, made on the first read (an AssumeRole that fails leaves the resource not
        checked)."""
        if not self._client:
            try:
                self._client.append(self._connect())
            except chime_calls.ChimeCallError as error:
                raise NotChecked(str(error)) from None
        return self._client[0]

    def find(self, operation: str, **request: Any) -> dict[str, Any] | None:
        """The answer of ``operation``, or None when the service does not find the thing."""
        action = f"chime:{operation}"
        method = getattr(self.client, xform_name(operation))
        try:
            outcome = chime_calls.call_with_retries(
                action,
                partial(method, **request),
                deadline=self.policy.clock() + CALL_BUDGET_SECONDS,
                policy=self.policy,
            )
        except NoCredentialsError:
            raise no_credentials(action) from None
        except ClientError as error:
            code = chime_calls.error_code(error)
            if code == "NotFoundException":
                return None
            if code in chime_calls.ACCESS_DENIED_CODES:
                role = self.target.role_arn
                principal = "The caller" if role is None else f"The role {role}, assumed,"
                where = self.target.resource_hint(operation)
                raise DriftCheckError(denied(action, where, error, principal)) from None
            message = chime_calls.error_message(error)
            raise NotChecked(f"{action} failed ({code}: {message})") from None
        except (chime_calls.RetriesExhaustedError, BotoCoreError) as error:
            raise NotChecked(f"{action} failed: {error}") from None
        response: dict[str, Any] = outcome.response
        return response
