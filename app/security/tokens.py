"""Secret token format and digests.

A token is `<prefix><body><checksum>`: the prefix lets secret scanners find
leaked tokens, the body carries 32 random bytes in base62, and the checksum
(CRC32 of the body, base62) rejects typos without a database round trip.
Tokens are looked up by an HMAC-SHA256 digest keyed with a server-side pepper,
so a copy of the database alone does not let anyone verify guesses offline.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import zlib

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BODY_LENGTH = 43  # 62**43 > 2**256
CHECKSUM_LENGTH = 6  # 62**6 > 2**32

REGISTRY_TOKEN_PREFIX = "nrt_"  # noqa: S105 - a public prefix, not a secret
API_TOKEN_PREFIX = "nat_"  # noqa: S105
DEPLOY_TARGET_TOKEN_PREFIX = "ndt_"  # noqa: S105
DEPLOY_CREDENTIAL_PREFIX = "ndc_"


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(BASE62[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), CHECKSUM_LENGTH)


def new_token(prefix: str) -> str:
    body = _base62(int.from_bytes(secrets.token_bytes(32), "big"), BODY_LENGTH)
    return f"{prefix}{body}{_checksum(body)}"


def _shape(prefix: str) -> re.Pattern[str]:
    return re.compile(
        rf"^{re.escape(prefix)}([0-9A-Za-z]{{{BODY_LENGTH}}})([0-9A-Za-z]{{{CHECKSUM_LENGTH}}})$"
    )


_SHAPES = {
    prefix: _shape(prefix)
    for prefix in (
        REGISTRY_TOKEN_PREFIX,
        API_TOKEN_PREFIX,
        DEPLOY_TARGET_TOKEN_PREFIX,
        DEPLOY_CREDENTIAL_PREFIX,
    )
}


def is_well_formed(token: str, prefix: str) -> bool:
    """Shape and checksum; cheap enough to run before touching the database."""
    match = _SHAPES[prefix].match(token)
    return bool(match) and hmac.compare_digest(_checksum(match.group(1)), match.group(2))


def token_digest(token: str, pepper: bytes) -> str:
    return hmac.new(pepper, token.encode(), hashlib.sha256).hexdigest()


def token_hint(token: str) -> str:
    """The last four characters, shown so users can tell tokens apart."""
    return token[-4:]
