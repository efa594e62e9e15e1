"""AES-256-GCM encryption at rest with a key ring.

Stored value: version (1 byte) ‖ key-id length (1 byte) ‖ key id ‖ nonce (12 bytes)
‖ ciphertext+tag. The caller's `context` (e.g. ``registry:42:token``) is the
associated data, so a value copied into another row or column fails to decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = 1
NONCE_BYTES = 12
KEY_BYTES = 32
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}\Z")


class KeyRingError(ValueError):
    """The configured key ring is malformed. Messages never contain key material."""


class DecryptionError(Exception):
    """A stored value could not be decrypted (wrong key, wrong row, or tampered)."""


@dataclass(frozen=True)
class EncryptionKey:
    key_id: str
    material: bytes = field(repr=False)


class KeyRing:
    """The first key encrypts; every key decrypts."""

    def __init__(self, keys: list[EncryptionKey]) -> None:
        if not keys:
            raise KeyRingError("the key ring is empty")
        ids = [key.key_id for key in keys]
        if len(set(ids)) != len(ids):
            raise KeyRingError("key ids in the key ring must be unique")
        self._keys = {key.key_id: key for key in keys}
        self.active = keys[0]

    @property
    def keys(self) -> list[EncryptionKey]:
        return list(self._keys.values())

    def __repr__(self) -> str:
        return f"KeyRing(key_ids={list(self._keys)!r}, active={self.active.key_id!r})"

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        """Parse `id:base64key,id2:base64key2` (the format of NODION_ENCRYPTION_KEYS)."""
        keys = []
        for position, entry in enumerate(part.strip() for part in spec.split(",")):
            key_id, sep, encoded = entry.partition(":")
            if not sep or not KEY_ID_PATTERN.match(key_id):
                raise KeyRingError(
                    f"entry {position + 1} must look like `key-id:base64key` "
                    "(key id: 1-32 letters, digits, '-' or '_')"
                )
            try:
                material = base64.b64decode(encoded, validate=True)
            except binascii.Error:
                raise KeyRingError(f"key {key_id!r} is not valid base64") from None
            if len(material) != KEY_BYTES:
                raise KeyRingError(f"key {key_id!r} must decode to {KEY_BYTES} bytes")
            keys.append(EncryptionKey(key_id, material))
        return cls(keys)

    def encrypt(self, plaintext: str, *, context: str) -> bytes:
        key = self.active
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key.material).encrypt(nonce, plaintext.encode(), context.encode())
        key_id = key.key_id.encode()
        return bytes([FORMAT_VERSION, len(key_id)]) + key_id + nonce + sealed

    def decrypt(self, stored: bytes, *, context: str) -> str:
        key_id, nonce, sealed = self._split(stored)
        key = self._keys.get(key_id)
        if key is None:
            raise DecryptionError(f"value is encrypted with key {key_id!r}, not in the key ring")
        try:
            return AESGCM(key.material).decrypt(nonce, sealed, context.encode()).decode()
        except InvalidTag:
            raise DecryptionError(
                f"value does not decrypt for {context!r} (tampered or copied from another row)"
            ) from None

    def key_id_of(self, stored: bytes) -> str:
        return self._split(stored)[0]

    def reencrypt(self, stored: bytes, *, context: str) -> bytes | None:
        """The value under the active key, or None when it already is. Always
        decrypts first: a key regenerated under an old id must not pass as rotated."""
        plaintext = self.decrypt(stored, context=context)
        if self.key_id_of(stored) == self.active.key_id:
            return None
        return self.encrypt(plaintext, context=context)

    @staticmethod
    def _split(stored: bytes) -> tuple[str, bytes, bytes]:
        if len(stored) < 2 or stored[0] != FORMAT_VERSION:
            raise DecryptionError("value is not in a known encrypted format")
        id_end = 2 + stored[1]
        key_id = stored[2:id_end].decode("ascii", errors="replace")
        nonce = stored[id_end : id_end + NONCE_BYTES]
        sealed = stored[id_end + NONCE_BYTES :]
        if len(nonce) != NONCE_BYTES or not sealed:
            raise DecryptionError("value is truncated")
        return key_id, nonce, sealed


def generate_key_entry(key_id: str) -> str:
    """A new `key-id:base64key` entry for NODION_ENCRYPTION_KEYS."""
    if not KEY_ID_PATTERN.match(key_id):
        raise KeyRingError("key id must be 1-32 letters, digits, '-' or '_'")
    return f"{key_id}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"
