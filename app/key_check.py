"""Before serving: are the configured keys the ones the stored data was written with?

Losing a key (a deleted dev-keys.json, a mistyped setting) used to go unnoticed
until every token and stored secret failed one by one. Now the service refuses
to start with one message naming what is missing:

- The pepper: long-lived tokens are stored only as HMAC digests keyed with it
  (the columns domains declare in `Domain.token_digests`), so under another
  pepper none of them matches. Its fingerprint (an HMAC of a fixed label, which
  reveals nothing of the key) is recorded; a different pepper is refused while
  any token exists.
- Encryption keys: every stored secret names the key id it was encrypted with
  (app/security/crypto.py). The fingerprint of each configured key is recorded
  too. When the ring does not match the records (or nothing is recorded yet), the
  stored secrets (`Domain.encrypted`) are read to find which key ids they need:
  a missing one, or one
  whose material differs from the recorded key, is refused. A recorded key that
  no secret uses any more is forgotten.

A normal start costs one query. Records change only when keys do. `rotate`
is what `nodion admin rotate-keys` does. Every function reads the declarations of
`app.domains` (`of`: another domain list, for tests).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence

from app import domains
from app.domain import Domain
from app.outage import caused_by_read_only_database
from app.security.keys import ServiceKeys
from app.security.models import KeyFingerprint
from app.security.stored_secrets import UNKNOWN_FORMAT, Reencryption, key_ids_in_use, reencrypt

log = logging.getLogger(__name__)

FINGERPRINT_LABEL = b"nodion key fingerprint v1"
PEPPER = "pepper"
ENCRYPTION = "encryption:"
RESTORE_HINT = (
    "Restore the keys the data was written with (NODION_ENCRYPTION_KEYS, "
    "NODION_TOKEN_PEPPER; in development the dev-keys.json of NODION_DATA_DIR)."
)


class KeyMismatch(Exception):
    """Stored data needs keys that are not configured. Names keys, never material."""


def fingerprint(material: bytes) -> str:
    return hmac.new(material, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


async def _pepper_problem(
    keys: ServiceKeys, recorded: str | None, of: Sequence[Domain]
) -> str | None:
    if recorded is None or recorded == fingerprint(keys.token_pepper):
        return None
    tokens = sum([await digests.count() for digests in domains.token_digests(of)])
    if not tokens:
        return None
    return (
        f"NODION_TOKEN_PEPPER is not the pepper {_plural(tokens, 'stored token')} "
        f"were issued under (recorded fingerprint {recorded[:8]}, configured "
        f"{fingerprint(keys.token_pepper)[:8]})"
    )


async def _encryption_problems(
    keys: ServiceKeys, recorded: dict[str, str], of: Sequence[Domain]
) -> list[str]:
    configured = {key.key_id: fingerprint(key.material) for key in keys.keyring.keys}
    if recorded and all(configured.get(key_id) == fp for key_id, fp in recorded.items()):
        return []  # the usual start: the ring is what was recorded
    problems = []
    in_use = await key_ids_in_use(domains.encrypted(of), keys)
    for key_id, count in sorted(in_use.items()):
        secrets = _plural(count, "stored secret")
        if key_id == UNKNOWN_FORMAT:
            continue  # damaged rows name no key: rotate-keys reports them
        if key_id not in configured:
            problems.append(
                f"encryption key {key_id!r} is not in NODION_ENCRYPTION_KEYS "
                f"({secrets} are encrypted with it)"
            )
        elif recorded.get(key_id, configured[key_id]) != configured[key_id]:
            problems.append(
                f"encryption key {key_id!r} in NODION_ENCRYPTION_KEYS is not the key "
                f"{secrets} were encrypted with"
            )
    return problems


async def verify_keys(keys: ServiceKeys, of: Sequence[Domain] = domains.DOMAINS) -> None:
    """Raise KeyMismatch when stored data needs keys that are not configured;
    otherwise record the configured keys as the ones data may now depend on."""
    recorded = {row.name: row.fingerprint for row in await KeyFingerprint.all()}
    encryption = {
        name.removeprefix(ENCRYPTION): fp
        for name, fp in recorded.items()
        if name.startswith(ENCRYPTION)
    }
    problems = await _encryption_problems(keys, encryption, of)
    if pepper := await _pepper_problem(keys, recorded.get(PEPPER), of):
        problems.append(pepper)
    if problems:
        raise KeyMismatch(
            "stored data needs keys that are not configured: "
            + "; ".join(problems)
            + ". "
            + RESTORE_HINT
        )
    try:
        await _record(keys, recorded)
    except Exception as error:
        # Nothing can be written with a new key while nothing can be written:
        # the record waits for the next start on a writable database.
        if not caused_by_read_only_database(error):
            raise
        log.warning("The database is read-only: the configured keys are recorded later")


async def rotate(keys: ServiceKeys, of: Sequence[Domain] = domains.DOMAINS) -> Reencryption:
    """Move every stored secret to the first key of the ring. When all of them
    decrypted, no secret needs a key outside the ring any more, and the ring is
    recorded as the keys data depends on."""
    result = await reencrypt(domains.encrypted(of), keys)
    if not result.unreadable:
        await KeyFingerprint.filter(name__startswith=ENCRYPTION).delete()
        await _record(keys, {})
    return result


async def _record(keys: ServiceKeys, recorded: dict[str, str]) -> None:
    wanted = {PEPPER: fingerprint(keys.token_pepper)} | {
        ENCRYPTION + key.key_id: fingerprint(key.material) for key in keys.keyring.keys
    }
    stale = [name for name in recorded if name.startswith(ENCRYPTION) and name not in wanted] + [
        name for name, fp in wanted.items() if recorded.get(name) not in (None, fp)
    ]
    if stale:
        await KeyFingerprint.filter(name__in=stale).delete()
    missing = [name for name in wanted if recorded.get(name) != wanted[name]]
    if missing:
        # Workers starting together may record the same key: the first one wins.
        await KeyFingerprint.bulk_create(
            [KeyFingerprint(name=name, fingerprint=wanted[name]) for name in missing],
            ignore_conflicts=True,
        )
