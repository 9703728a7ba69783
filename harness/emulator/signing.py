"""What a request's SigV4 Authorization header says about its signer.

`AWS4-HMAC-SHA256 Credential=AKID/20261202/us-west-2/chime/aws4_request, SignedHeaders=...,
Signature=...` names the access key id and the credential scope (date, region, service). The
signature itself is not verified: the local stand-ins do not know the secret keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

ALGORITHM: Final = "AWS4-HMAC-SHA256"
"""The SigV4 algorithm name that starts a signed request's Authorization header."""


@dataclass(frozen=True, slots=True)
class SigningCredential:
    """The Credential of a SigV4 Authorization header.

    Attributes:
        access_key_id: The signer's access key id.
        date: The scope's date (YYYYMMDD).
        region: The region the request was signed for.
        service: The signing name of the service (e.g. "chime", "sts").
    """

    access_key_id: str
    date: str
    region: str
    service: str


def is_sigv4(authorization: str | None) -> bool:
    """Whether the Authorization header value claims a SigV4 signature."""
    return authorization is not None and authorization.startswith(f"{ALGORITHM} ")


def signing_credential(authorization: str | None) -> SigningCredential | None:
    """The Credential of a SigV4 Authorization header, or None when absent or malformed."""
    if authorization is None or not is_sigv4(authorization):
        return None
    for part in authorization[len(ALGORITHM) + 1 :].split(","):
        key, _, value = part.strip().partition("=")
        if key != "Credential":
            continue
        fields = value.split("/")
        if len(fields) != 5 or fields[4] != "aws4_request" or not all(fields[:4]):
            return None
        return SigningCredential(*fields[:4])
    return None
