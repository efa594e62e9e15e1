"""Loading the secrets the service itself needs: the key ring and the token pepper.

Production refuses to start without them. Development generates them once into
the data folder (mode 0600) so that `nodion serve` works with zero set-up.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from app.security.crypto import KeyRing, KeyRingError, generate_key_entry
from app.settings import Settings

log = logging.getLogger(__name__)

DEV_KEYS_FILE = "dev-keys.json"
MIN_PEPPER_BYTES = 32


class ConfigurationError(SystemExit):
    """Stops start-up with a message that names the setting to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(f"configuration error: {message}")


@dataclass(frozen=True)
class ServiceKeys:
    keyring: KeyRing
    token_pepper: bytes = field(repr=False)


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
                f"{' and '.join(missing)} must be set in production "
                "(generate values with `nodion admin generate-key`)"
            )
        dev = _dev_keys(settings.data_dir)
        keys_spec = keys_spec or dev["encryption_keys"]
        pepper_spec = pepper_spec or dev["token_pepper"]
    try:
        keyring = KeyRing.parse(keys_spec)
    except KeyRingError as error:
        raise ConfigurationError(f"NODION_ENCRYPTION_KEYS is malformed: {error}") from None
    return ServiceKeys(keyring=keyring, token_pepper=_parse_pepper(pepper_spec))


def _secret(value: object) -> str | None:
    text = value.get_secret_value().strip() if value is not None else ""  # type: ignore[attr-defined]
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


def _dev_keys(data_dir: Path) -> dict[str, str]:
    path = data_dir / DEV_KEYS_FILE
    if path.exists():
        return json.loads(path.read_text())
    data_dir.mkdir(parents=True, exist_ok=True)
    generated = {"encryption_keys": generate_key_entry("dev1"), "token_pepper": new_pepper()}
    # O_EXCL + 0600: never readable by others, never silently replaced.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(generated, handle)
    log.warning(
        "Generated development keys in %s. Set NODION_ENCRYPTION_KEYS and "
        "NODION_TOKEN_PEPPER in production.",
        path,
    )
    return generated
