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
from dataclasses import dataclass, field

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BODY_LENGTH = 43  # 62**43 > 2**256
CHECKSUM_LENGTH = 6  # 62**6 > 2**32

# Three lower-case letters and an underscore: the token endpoint tells the kinds
# apart by a token's first four characters, and scanners by the whole prefix.
PREFIX_PATTERN = re.compile(r"^[a-z]{3}_\Z")


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(BASE62[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), CHECKSUM_LENGTH)


@dataclass(frozen=True)
class TokenKind:
    """One kind of token, named by its prefix (e.g. `nat_`). The domain that issues
    it declares it (`Domain.token_kinds`); `app.domains` refuses two kinds with one
    prefix."""

    prefix: str
    _shape: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not PREFIX_PATTERN.match(self.prefix):
            raise ValueError(
                f"token prefix {self.prefix!r} must be three lower-case letters and '_'"
            )
        shape = re.compile(
            rf"^{re.escape(self.prefix)}"
            rf"([0-9A-Za-z]{{{BODY_LENGTH}}})([0-9A-Za-z]{{{CHECKSUM_LENGTH}}})\Z"
        )
        object.__setattr__(self, "_shape", shape)

    def new(self) -> str:
        body = _base62(int.from_bytes(secrets.token_bytes(32), "big"), BODY_LENGTH)
        return f"{self.prefix}{body}{_checksum(body)}"

    def is_well_formed(self, token: str) -> bool:
        """Shape and checksum; cheap enough to run before touching the database."""
        match = self._shape.match(token)
        if match is None:
            return False
        return hmac.compare_digest(_checksum(match.group(1)), match.group(2))


def token_digest(token: str, pepper: bytes) -> str:
    return hmac.new(pepper, token.encode(), hashlib.sha256).hexdigest()


def token_hint(token: str) -> str:
    """The last four characters, shown so users can tell tokens apart."""
    return token[-4:]
