"""Tables of the security layer: shared login-attempt counters and the
fingerprints of the keys that stored data depends on."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class LoginAttempt(Model):
    """Attempts of one throttle key in one time bucket (see app/security/throttle.py).
    Used on PostgreSQL, so every worker and host counts together."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=32)  # a digest: no address or username is stored
    bucket = fields.BigIntField()
    attempts = fields.IntField(default=0)

    class Meta:
        table = "login_attempts"
        unique_together = (("key", "bucket"),)


class KeyFingerprint(Model):
    """An HMAC of a fixed label under a key: tells whether a configured key is the
    one data was written with, without storing anything that reveals the key."""

    name = fields.CharField(max_length=64, primary_key=True)  # `pepper`, `encryption:<key id>`
    fingerprint = fields.CharField(max_length=64)
    recorded_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "key_fingerprints"
