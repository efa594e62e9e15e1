from __future__ import annotations

import stat

import pytest

from app.security.crypto import generate_key_entry
from app.security.keys import ConfigurationError, load_keys, new_pepper
from app.security.signing import TokenSigner
from app.settings import Settings


def test_development_generates_keys_once_with_private_permissions(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", environment="development")

    first = load_keys(settings)
    second = load_keys(settings)

    key_file = tmp_path / "data" / "dev-keys.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.keyring.active.material == second.keyring.active.material
    assert first.token_pepper == second.token_pepper


def test_production_without_keys_stops_naming_the_settings(tmp_path):
    settings = Settings(data_dir=tmp_path, environment="production")

    with pytest.raises(ConfigurationError) as stopped:
        load_keys(settings)

    assert "NODION_ENCRYPTION_KEYS and NODION_TOKEN_PEPPER must be set" in str(stopped.value)
    assert not (tmp_path / "dev-keys.json").exists()


@pytest.mark.parametrize(
    ("keys", "pepper", "message"),
    [
        ("k1:short", None, "NODION_ENCRYPTION_KEYS is malformed"),
        (None, "c2hvcnQ=", "NODION_TOKEN_PEPPER must decode to at least 32 bytes"),
        (None, "***", "NODION_TOKEN_PEPPER must be base64"),
    ],
)
def test_production_with_malformed_keys_stops(tmp_path, keys, pepper, message):
    settings = Settings(
        data_dir=tmp_path,
        environment="production",
        encryption_keys=keys or generate_key_entry("k1"),
        token_pepper=pepper or new_pepper(),
    )

    with pytest.raises(ConfigurationError, match=message):
        load_keys(settings)


def test_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NODION_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NODION_REGIONS", '[{"slug": "ap-south", "name": "AP South"}]')
    monkeypatch.setenv("NODION_REGISTRY_DOMAIN", "example.net")

    settings = Settings()

    assert settings.registry_hostname("ap-south") == "registry.ap-south.example.net"
    assert settings.resolved_database_url == f"sqlite://{tmp_path.resolve()}/nodion.sqlite3"
    assert [r.slug for r in settings.regions] == ["ap-south"]


def test_production_without_a_signing_key_stops(tmp_path):
    settings = Settings(
        data_dir=tmp_path,
        environment="production",
        encryption_keys=generate_key_entry("k1"),
        token_pepper=new_pepper(),
    )

    with pytest.raises(ConfigurationError, match="NODION_TOKEN_SIGNING_KEY_FILE"):
        load_keys(settings)


def test_signing_key_and_certificate_must_match(tmp_path):
    one, other = TokenSigner.generate(), TokenSigner.generate()
    (tmp_path / "key.pem").write_bytes(one.private_key_pem())
    (tmp_path / "cert.pem").write_bytes(other.certificate_pem())
    settings = Settings(
        data_dir=tmp_path,
        environment="production",
        encryption_keys=generate_key_entry("k1"),
        token_pepper=new_pepper(),
        token_signing_key_file=tmp_path / "key.pem",
        token_signing_cert_file=tmp_path / "cert.pem",
    )

    with pytest.raises(ConfigurationError, match="does not belong to the signing key"):
        load_keys(settings)
    (tmp_path / "cert.pem").write_bytes(one.certificate_pem())
    assert load_keys(settings).signer.key_id == one.key_id


def test_development_never_reuses_a_key_id_when_it_generates_keys_again(tmp_path):
    settings = Settings(data_dir=tmp_path, environment="development")
    first = load_keys(settings).keyring.active.key_id
    (tmp_path / "dev-keys.json").unlink()

    second = load_keys(settings).keyring.active.key_id

    assert first != second
    assert "dev1" not in (first, second)


def test_development_never_overwrites_a_certificate_whose_key_is_gone(tmp_path):
    settings = Settings(data_dir=tmp_path, environment="development")
    load_keys(settings)
    certificate = (tmp_path / "token-signing-cert.pem").read_bytes()
    (tmp_path / "token-signing-key.pem").unlink()

    with pytest.raises(ConfigurationError, match=r"token-signing-key\.pem is missing"):
        load_keys(settings)

    assert (tmp_path / "token-signing-cert.pem").read_bytes() == certificate
    assert not (tmp_path / "token-signing-key.pem").exists()


def test_development_never_replaces_a_signing_key_whose_certificate_is_gone(tmp_path):
    settings = Settings(data_dir=tmp_path, environment="development")
    load_keys(settings)
    key = (tmp_path / "token-signing-key.pem").read_bytes()
    (tmp_path / "token-signing-cert.pem").unlink()

    with pytest.raises(ConfigurationError, match=r"token-signing-cert\.pem"):
        load_keys(settings)

    assert (tmp_path / "token-signing-key.pem").read_bytes() == key
