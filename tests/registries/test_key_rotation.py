from __future__ import annotations

import dataclasses

import pytest

from app.graphql.core.ids import decode_id
from app.registries.domain import DOMAIN
from app.registries.models import (
    ACCESS_TOKEN_CIPHERTEXT,
    TOKEN_CIPHERTEXT,
    Registry,
    RegistryToken,
)
from app.security.crypto import DecryptionError, KeyRing, generate_key_entry
from app.security.stored_secrets import reencrypt
from tests.graphql_documents import (
    GENERATE_CREDENTIALS,
    add_unverified,
    create_project,
    default_registry,
)


async def store_secrets(api) -> dict[int, str]:
    """Stores a Nodion token and three third-party tokens; returns row id → plaintext."""
    project = await create_project(api)
    registry_id = default_registry(project)["id"]
    generated = await api(GENERATE_CREDENTIALS, {"id": registry_id})
    plain = {registry_id: generated["generateCredentials"]["credentials"]["token"]}
    for number in range(3):
        added = await add_unverified(
            api,
            project["id"],
            "CUSTOM",
            hostname=f"r{number}.example.com",
            username="ci",
            token=f"third-party-secret-{number}",
        )
        plain[added["registry"]["id"]] = f"third-party-secret-{number}"
    return {decode_id(global_id, "Registry"): token for global_id, token in plain.items()}


async def test_rotate_keys_then_drop_the_old_key(api, keys):
    secrets_by_row = await store_secrets(api)
    old_entry = keys.keyring  # the ring the secrets were written with
    new_entry = generate_key_entry("test2")
    both = dataclasses.replace(
        keys, keyring=KeyRing([KeyRing.parse(new_entry).active, old_entry.active])
    )

    first = await reencrypt(DOMAIN.encrypted, both)
    again = await reencrypt(DOMAIN.encrypted, both)

    assert (first.changed, again.changed) == (4, 0)
    assert first.unreadable == again.unreadable == []
    only_new = KeyRing.parse(new_entry)
    # The Nodion registry's token lives in its access-token row.
    (token,) = await RegistryToken.all()
    assert token.ciphertext is not None
    context = ACCESS_TOKEN_CIPHERTEXT.context_of(token.id)
    assert only_new.decrypt(token.ciphertext, context=context) == secrets_by_row[token.registry_id]
    for row in await Registry.filter(token_ciphertext__isnull=False):
        assert only_new.key_id_of(row.token_ciphertext) == "test2"
        assert (
            only_new.decrypt(row.token_ciphertext, context=row.encryption_context)
            == (secrets_by_row[row.id])
        )
        with pytest.raises(DecryptionError):
            old_entry.decrypt(row.token_ciphertext, context=row.encryption_context)


async def test_a_value_copied_into_another_row_does_not_decrypt(api, keys):
    await store_secrets(api)
    source, target = await Registry.filter(token_ciphertext__isnull=False).order_by("id").limit(2)

    await Registry.filter(id=target.id).update(token_ciphertext=source.token_ciphertext)
    copied = await Registry.get(id=target.id)

    with pytest.raises(DecryptionError, match=f"registry:{target.id}:token"):
        keys.keyring.decrypt(copied.token_ciphertext, context=copied.encryption_context)


async def test_rotation_without_the_old_key_reports_and_keeps_the_rows(api, keys):
    await store_secrets(api)
    before = {row.id: row.token_ciphertext for row in await Registry.all()}
    only_new = dataclasses.replace(keys, keyring=KeyRing.parse(generate_key_entry("test2")))

    result = await reencrypt([TOKEN_CIPHERTEXT], only_new)

    assert result.changed == 0
    assert sorted(result.unreadable) == sorted(
        ("registry", i, "test1") for i, c in before.items() if c is not None
    )
    assert {row.id: row.token_ciphertext for row in await Registry.all()} == before
