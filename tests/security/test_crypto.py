from __future__ import annotations

import pytest

from app.security.crypto import DecryptionError, KeyRing, KeyRingError, generate_key_entry


def test_round_trip_binds_ciphertext_to_its_context():
    ring = KeyRing.parse(generate_key_entry("k1"))

    stored = ring.encrypt("hunter2-token", context="registry:1:token")

    assert b"hunter2-token" not in stored
    assert ring.decrypt(stored, context="registry:1:token") == "hunter2-token"
    with pytest.raises(DecryptionError, match="copied from another row"):
        ring.decrypt(stored, context="registry:2:token")


def test_nonces_differ_so_equal_secrets_do_not_look_equal():
    ring = KeyRing.parse(generate_key_entry("k1"))

    assert ring.encrypt("same", context="c") != ring.encrypt("same", context="c")


def test_tampering_is_detected():
    ring = KeyRing.parse(generate_key_entry("k1"))
    stored = bytearray(ring.encrypt("secret", context="c"))
    stored[-1] ^= 1

    with pytest.raises(DecryptionError):
        ring.decrypt(bytes(stored), context="c")


def test_first_key_encrypts_and_every_key_decrypts():
    old_entry, new_entry = generate_key_entry("old"), generate_key_entry("new")
    old_ring = KeyRing.parse(old_entry)
    stored_under_old = old_ring.encrypt("secret", context="c")

    both = KeyRing.parse(f"{new_entry},{old_entry}")

    assert both.decrypt(stored_under_old, context="c") == "secret"
    assert both.key_id_of(both.encrypt("secret", context="c")) == "new"
    moved = both.reencrypt(stored_under_old, context="c")
    assert moved is not None and both.key_id_of(moved) == "new"
    assert both.reencrypt(moved, context="c") is None
    with pytest.raises(DecryptionError, match="'new', not in the key ring"):
        old_ring.decrypt(moved, context="c")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "entry 1 must look like"),
        ("nokey", "entry 1 must look like"),
        ("k1:not base64!", "not valid base64"),
        ("k1:c2hvcnQ=", "must decode to 32 bytes"),
        ("bad id:" + "A" * 44, "entry 1 must look like"),
    ],
)
def test_malformed_key_rings_say_what_is_wrong_without_echoing_keys(spec, message):
    with pytest.raises(KeyRingError, match=message) as raised:
        KeyRing.parse(spec)
    secret_part = spec.partition(":")[2]
    if secret_part:
        assert secret_part not in str(raised.value)


def test_duplicate_key_ids_are_refused():
    with pytest.raises(KeyRingError, match="unique"):
        KeyRing.parse(f"{generate_key_entry('a')},{generate_key_entry('a')}")


def test_repr_shows_no_key_material():
    entry = generate_key_entry("k1")
    ring = KeyRing.parse(entry)

    assert entry.partition(":")[2] not in repr(ring)
    assert entry.partition(":")[2] not in repr(ring.active)
