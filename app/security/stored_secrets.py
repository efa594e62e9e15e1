"""The secrets domains store, as they declare them (`Domain.encrypted`,
`Domain.token_digests`), and the one module that decrypts any of them.

Every caller of `reveal` names why it needs the plaintext; the other decryptions
here only move values to the newest key (`reencrypt`) and never hand the
plaintext out. The key check (app/key_check.py) and `nodion admin rotate-keys`
read the declarations from `app.domains`, so a domain storing a new secret
changes no shared module.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.models import Model

from app.security.crypto import DecryptionError
from app.security.keys import ServiceKeys

log = logging.getLogger(__name__)

UNKNOWN_FORMAT = "?"  # a stored value not even in our format: reported, never guessed at


@dataclass(frozen=True)
class EncryptedField:
    """A column of AES-GCM ciphertext (app/security/crypto.py). `context` is the
    associated data with the row's id in it (e.g. `registry:{id}:token`), so a
    value copied into another row or column does not decrypt; `label` names a
    row in messages (`registry 42`)."""

    model: type[Model]
    field: str
    context: str
    label: str

    def __post_init__(self) -> None:
        if "{id}" not in self.context:
            raise ValueError(f"context {self.context!r} must bind the value to its row: {{id}}")

    def context_of(self, row_id: int) -> str:
        return self.context.format(id=row_id)

    def rows_holding_one(self) -> Any:
        """The rows holding a value (a NULL is no secret)."""
        return self.model.filter(**{f"{self.field}__isnull": False})


@dataclass(frozen=True)
class TokenDigests:
    """A column of keyed token digests (app/security/tokens.py): under another
    pepper none of them matches any more."""

    model: type[Model]
    field: str

    async def count(self) -> int:
        return await self.model.filter(**{f"{self.field}__isnull": False}).count()


def reveal(secret: EncryptedField, row: Model, keys: ServiceKeys, *, why: str) -> str:
    """The plaintext of `row`'s `secret`, decrypted because of `why` (logged with
    the row when it fails; the error names the key id, never material). Raises
    DecryptionError."""
    try:
        return keys.keyring.decrypt(getattr(row, secret.field), context=secret.context_of(row.pk))
    except DecryptionError as error:
        log.warning("%s %s (for %s): %s", secret.label, row.pk, why, error)
        raise


@dataclass(frozen=True)
class Reencryption:
    changed: int
    # (label, row id, key id the value names) of each value no key of the ring decrypts
    unreadable: list[tuple[str, int, str]]


def _key_id(keys: ServiceKeys, stored: bytes) -> str:
    try:
        return keys.keyring.key_id_of(stored)
    except DecryptionError:
        return UNKNOWN_FORMAT


async def reencrypt(secrets: Sequence[EncryptedField], keys: ServiceKeys) -> Reencryption:
    """Move every stored value to the newest key, after decrypting each one (also
    those already under its id). A row that no key decrypts is left exactly as it
    is and reported, so a missing key loses no data."""
    changed, unreadable = 0, []
    for secret in secrets:
        for row in await secret.rows_holding_one():
            row_id, stored = row.pk, getattr(row, secret.field)
            try:
                fresh = keys.keyring.reencrypt(stored, context=secret.context_of(row_id))
            except DecryptionError:
                unreadable.append((secret.label, row_id, _key_id(keys, stored)))
                continue
            if fresh is not None:
                # Conditional on the old value: a concurrent update wins, not this rewrite.
                changed += await secret.model.filter(**{"pk": row_id, secret.field: stored}).update(
                    **{secret.field: fresh}
                )
    return Reencryption(changed, unreadable)


async def key_ids_in_use(secrets: Sequence[EncryptedField], keys: ServiceKeys) -> Counter[str]:
    """How many stored values name each key id (read from the values, not decrypted)."""
    found: Counter[str] = Counter()
    for secret in secrets:
        values = await secret.rows_holding_one().values_list(secret.field, flat=True)
        found.update(_key_id(keys, value) for value in values)
    return found
