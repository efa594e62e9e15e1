"""Keys fail closed: stored data written under keys that are not configured
stops the service with one message naming the key, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import os

import pytest

from app.applications.targets import create_target
from app.key_check import KeyMismatch, rotate, verify_keys
from app.main import create_app
from app.registries.models import RegistryToken
from app.security.crypto import KeyRing, generate_key_entry
from app.security.keys import ServiceKeys
from tests.graphql_documents import GENERATE_CREDENTIALS, create_project, default_registry


async def store_a_secret(api) -> int:
    """A registry access token (ciphertext + digest); `api` also holds an API token
    digest. Returns the access token's id."""
    project = await create_project(api)
    await api(GENERATE_CREDENTIALS, {"id": default_registry(project)["id"]})
    row = await RegistryToken.get(ciphertext__isnull=False)
    return row.id


def with_ring(keys: ServiceKeys, spec: str) -> ServiceKeys:
    return dataclasses.replace(keys, keyring=KeyRing.parse(spec))


async def test_the_keys_data_was_written_with_pass_and_are_recorded(database, api, keys):
    await verify_keys(keys)  # a first start records the fingerprints
    await store_a_secret(api)

    await verify_keys(keys)  # and every later start with the same keys passes


async def test_a_missing_encryption_key_is_named(database, api, keys):
    await verify_keys(keys)
    await store_a_secret(api)

    with pytest.raises(KeyMismatch) as stopped:
        await verify_keys(with_ring(keys, generate_key_entry("test2")))

    assert "encryption key 'test1' is not in NODION_ENCRYPTION_KEYS" in str(stopped.value)
    assert "1 stored secret" in str(stopped.value)


async def test_a_different_key_under_the_same_id_is_named(database, api, keys):
    """What a regenerated `dev1` looked like: same id, other key material."""
    await verify_keys(keys)
    await store_a_secret(api)

    with pytest.raises(KeyMismatch, match=r"encryption key 'test1' .* is not the key"):
        await verify_keys(with_ring(keys, generate_key_entry("test1")))


async def test_data_written_before_any_record_is_checked_on_the_first_start(database, api, keys):
    await store_a_secret(api)  # e.g. written by a version without the check

    with pytest.raises(KeyMismatch, match="'test1' is not in NODION_ENCRYPTION_KEYS"):
        await verify_keys(with_ring(keys, generate_key_entry("test2")))


async def test_a_changed_pepper_is_named_while_tokens_exist(database, api, keys, settings):
    await verify_keys(keys)
    await store_a_secret(api)
    await create_target("runner-1", "eu-central", settings, keys.token_pepper)

    with pytest.raises(KeyMismatch) as stopped:
        await verify_keys(dataclasses.replace(keys, token_pepper=os.urandom(32)))

    assert "NODION_TOKEN_PEPPER" in str(stopped.value)
    # The API token, the registry token and the deploy target's token.
    assert "3 stored tokens" in str(stopped.value)


async def test_new_keys_are_fine_while_no_data_depends_on_the_old_ones(database, keys):
    await verify_keys(keys)
    other = ServiceKeys(
        keyring=KeyRing.parse(generate_key_entry("test2")),
        token_pepper=os.urandom(32),
        signer=keys.signer,
    )

    await verify_keys(other)
    await verify_keys(other)


async def test_after_rotation_the_old_key_may_leave_the_ring(database, api, keys):
    await verify_keys(keys)
    await store_a_secret(api)
    new_entry = generate_key_entry("test2")
    both = with_ring(keys, new_entry)
    both = dataclasses.replace(keys, keyring=KeyRing([both.keyring.active, keys.keyring.active]))
    await verify_keys(both)

    assert (await rotate(both)).unreadable == []

    await verify_keys(with_ring(keys, new_entry))


async def test_rotation_checks_secrets_already_under_the_active_key_id(database, api, keys):
    """A regenerated key with the old id: rotate-keys used to skip those rows as
    already rotated and report success."""
    row_id = await store_a_secret(api)

    result = await rotate(with_ring(keys, generate_key_entry("test1")))

    assert result.changed == 0
    assert result.unreadable == [("registry token", row_id, "test1")]


async def test_the_app_itself_refuses_to_start_serving(database, api, keys, settings, outbound):
    """Also when run by another ASGI server than `nodion serve`."""
    await store_a_secret(api)
    app = create_app(settings, with_ring(keys, generate_key_entry("test2")), outbound=outbound)

    with pytest.raises(KeyMismatch, match="'test1' is not in NODION_ENCRYPTION_KEYS"):
        async with app.router.lifespan_context(app):
            pass
