"""Loading the secrets the service itself needs: the key ring and the token pepper.

Production refuses to start without them. Development generates them once into
the data folder (mode 0600) so that `nodion serve` works with zero set-up.

Key files are written whole or not at all (a temporary file, fsync, then a
link to the final name, and the folder fsynced): a crash or a full disk never
leaves a partial or empty key file behind, and a key file that is there but
cannot be read stops start-up with one line naming it and what to do.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from app.security.crypto import KeyRing, KeyRingError, generate_key_entry
from app.security.signing import TokenSigner
from app.settings import Settings

log = logging.getLogger(__name__)

DEV_KEYS_FILE = "dev-keys.json"
DEV_SIGNING_KEY_FILE = "token-signing-key.pem"
DEV_SIGNING_CERT_FILE = "token-signing-cert.pem"
MIN_PEPPER_BYTES = 32


class ConfigurationError(SystemExit):
    """Stops start-up with a message that names the setting to fix. `command` is
    a `nodion` command line (without the program) that produces the missing
    value; the CLI prints it with the path that runs `nodion` there."""

    def __init__(self, message: str, *, command: str | None = None) -> None:
        self.message = message
        self.command = command
        hint = f"; run: nodion {command}" if command else ""
        super().__init__(f"configuration error: {message}{hint}")


@dataclass(frozen=True)
class ServiceKeys:
    keyring: KeyRing
    token_pepper: bytes = field(repr=False)
    signer: TokenSigner = field(repr=False)


def load_keys(settings: Settings) -> ServiceKeys:
    keys_spec = _secret(settings.encryption_keys)
    pepper_spec = _secret(settings.token_pepper)
    if keys_spec is None or pepper_spec is None:
        if settings.is_production:
            missing = [
                name
                for name, value in (
                    ("NODION_ENCRYPTION_KEYS", keys_spec),
                    ("NODION_TOKEN_PEPPER", pepper_spec),
                )
                if value is None
            ]
            raise ConfigurationError(
                f"{' and '.join(missing)} must be set in production",
                command="admin generate-key key1",
            )
        dev = _dev_keys(settings.data_dir, settings.resolved_database_url)
        keys_spec = keys_spec or dev["encryption_keys"]
        pepper_spec = pepper_spec or dev["token_pepper"]
    try:
        keyring = KeyRing.parse(keys_spec)
    except KeyRingError as error:
        raise ConfigurationError(f"NODION_ENCRYPTION_KEYS is malformed: {error}") from None
    return ServiceKeys(
        keyring=keyring, token_pepper=_parse_pepper(pepper_spec), signer=load_signer(settings)
    )


def load_signer(settings: Settings) -> TokenSigner:
    key_file, cert_file = settings.token_signing_key_file, settings.token_signing_cert_file
    if key_file is None or cert_file is None:
        if settings.is_production:
            raise ConfigurationError(
                "NODION_TOKEN_SIGNING_KEY_FILE and NODION_TOKEN_SIGNING_CERT_FILE must be set "
                "in production (an EC P-256 key and its certificate, PEM)",
                command="admin generate-signing-key nodion-keys",
            )
        key_file = settings.data_dir / DEV_SIGNING_KEY_FILE
        cert_file = settings.data_dir / DEV_SIGNING_CERT_FILE
        if not key_file.exists():
            if cert_file.exists():
                # Registries trust this certificate: a new key would make them
                # reject every token, so never replace half of the pair.
                raise ConfigurationError(
                    f"{key_file} is missing but its certificate {cert_file} exists; restore "
                    "the key, or delete the certificate too to generate a new pair (then give "
                    "every registry the new certificate bundle)"
                )
            signer = TokenSigner.generate()
            write_private(key_file, signer.private_key_pem())
            try:
                _write_new(cert_file, signer.certificate_pem())
            except ConfigurationError:
                key_file.unlink()  # no registry trusts it yet: never half a pair
                raise
            log.warning("Generated a development token signing key in %s.", key_file.absolute())
            return signer
        what = "delete both files to generate a new pair (then give every registry the new "
        what += "certificate bundle), or restore them from a backup"
    else:
        what = "check NODION_TOKEN_SIGNING_KEY_FILE and NODION_TOKEN_SIGNING_CERT_FILE"
    key_pem, cert_pem = _read_key_file(key_file, what), _read_key_file(cert_file, what)
    try:
        return TokenSigner.from_pem(key_pem, cert_pem)
    except ValueError as error:
        raise ConfigurationError(
            f"the token signing key {key_file} or its certificate {cert_file} cannot be "
            f"read ({error}); {what}"
        ) from None


def _read_key_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigurationError(
            f"the key file {path} cannot be read ({error.strerror or error}); {what}"
        ) from None


def write_private(path: Path, content: bytes) -> None:
    """Create `path` readable by its owner only; never silently replace it."""
    _write_new(path, content, mode=0o600)


def _write_new(path: Path, content: bytes, mode: int = 0o644) -> None:
    """Create `path` holding `content`, whole or not at all; fails rather than
    replace a file that is already there. A full disk (or any other failure to
    write) is one line naming the file, and leaves nothing behind."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, content, mode)
    except FileExistsError:
        raise
    except OSError as error:
        reason = error.strerror or str(error)
        hint = (
            "free space in the data folder (NODION_DATA_DIR), then start again"
            if error.errno in (errno.ENOSPC, errno.EDQUOT)
            else "check the data folder (NODION_DATA_DIR)"
        )
        raise ConfigurationError(f"cannot write the key file {path}: {reason}; {hint}") from None


def _write_atomically(path: Path, content: bytes, mode: int) -> None:
    # The temporary name is private to this process; linking it to the final
    # name publishes the whole file at once and, unlike a rename, fails if a
    # file of that name appeared meanwhile (another process made its keys).
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the new name survives a crash too
    finally:
        os.close(folder)


# Development key files generated while a database already recorded keys.
_UNSAVED: dict[Path, bytes] = {}


def save_unsaved_keys() -> None:
    """Write the development keys that were held back (see `_dev_keys`) once the
    stored data has been checked against them (app/key_check.py)."""
    while _UNSAVED:
        path, content = _UNSAVED.popitem()
        write_private(path, content)
        log.warning("Generated development keys in %s.", path.absolute())


def _sqlite_records_keys(database_url: str) -> bool:
    """May this database record keys its data depends on (app/key_check.py)?
    SQLite is read here (read-only): a database with no such record (new, or only
    migrated) does not. PostgreSQL is only asked once connected."""
    import sqlite3

    if not database_url.startswith("sqlite://"):
        return True  # PostgreSQL may: kept unsaved until app/key_check.py has looked
    path = Path(database_url.removeprefix("sqlite://").split("?", 1)[0])
    if not path.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
            return db.execute("SELECT 1 FROM key_fingerprints LIMIT 1").fetchone() is not None
    except sqlite3.Error:  # no such table yet, or unreadable: key_check decides later
        return False


def _is_empty(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size == 0
    except OSError:
        return False  # reading it says why


def _secret(value: SecretStr | None) -> str | None:
    text = value.get_secret_value().strip() if value is not None else ""
    return text or None


def _parse_pepper(spec: str) -> bytes:
    try:
        pepper = base64.b64decode(spec, validate=True)
    except binascii.Error:
        raise ConfigurationError("NODION_TOKEN_PEPPER must be base64") from None
    if len(pepper) < MIN_PEPPER_BYTES:
        raise ConfigurationError(
            f"NODION_TOKEN_PEPPER must decode to at least {MIN_PEPPER_BYTES} bytes"
        )
    return pepper


def new_pepper() -> str:
    return base64.b64encode(secrets.token_bytes(MIN_PEPPER_BYTES)).decode()


def _read_dev_keys(path: Path) -> dict[str, str]:
    what = (
        "restore it from a backup, or set NODION_ENCRYPTION_KEYS and NODION_TOKEN_PEPPER; "
        "deleting it generates new keys, and what was encrypted with the old ones is lost"
    )
    try:
        keys = json.loads(_read_key_file(path, what))
    except ValueError:
        keys = None
    if not (
        isinstance(keys, dict)
        and all(isinstance(keys.get(name), str) for name in ("encryption_keys", "token_pepper"))
    ):
        raise ConfigurationError(f"the development key file {path} is damaged; {what}")
    return keys


def _dev_keys(data_dir: Path, database_url: str) -> dict[str, str]:
    path = data_dir / DEV_KEYS_FILE
    # Empty: left by a write that failed before keys were written atomically
    # (issue 30), so it never held a key: generated again, as if missing.
    if path.exists() and not _is_empty(path):
        return _read_dev_keys(path)
    path.unlink(missing_ok=True)
    # A fresh id every time: data written under an earlier development key then
    # names that key when it is missing, instead of failing to decrypt under its name.
    key_id = f"dev-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"
    generated = {"encryption_keys": generate_key_entry(key_id), "token_pepper": new_pepper()}
    if _sqlite_records_keys(database_url):
        # The file was lost, not never made: the new keys stay in memory, so that
        # app/key_check.py names what the stored data needs and refuses, and no new
        # file is left behind to hide the loss. (Kept only if the check passes:
        # `save_unsaved_keys`.)
        _UNSAVED[path] = json.dumps(generated).encode()
        return generated
    write_private(path, json.dumps(generated).encode())
    log.warning(
        "Generated development keys in %s. Set NODION_ENCRYPTION_KEYS and "
        "NODION_TOKEN_PEPPER in production.",
        path.absolute(),
    )
    return generated
