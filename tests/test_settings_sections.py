"""Settings in sections: the shared ones in app/settings.py, each domain's in its
own `Section` (declared in its `Domain(settings=...)`), all read from the same
`NODION_*` variables as when they were one class, and all listed in the
settings table of docs/operating.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import AliasChoices, ValidationError

from app import domains
from app.applications.settings import ApplicationsSettings
from app.audit.settings import AuditSettings
from app.registries.settings import RegistriesSettings
from app.settings import Section, Settings

ROOT = Path(__file__).resolve().parents[1]

# Every variable the one settings class read before the sections (issue 31):
# none may change its name or stop being read.
VARIABLES_BEFORE_THE_SECTIONS = {
    f"NODION_{name.upper()}"
    for name in [
        "allowed_registry_networks",
        "allowed_outbound_networks",
        "audit_retention_days",
        "auth_failure_window",
        "auth_max_failures_per_address",
        "auth_max_failures_per_address_and_username",
        "auth_max_failures_per_username",
        "auth_max_pending_logins_per_address",
        "auth_username_failure_delay",
        "data_dir",
        "database_url",
        "deploy_credential_ttl",
        "deploy_lease",
        "encryption_keys",
        "environment",
        "github_oidc_issuer",
        "graphiql",
        "graphql_fast_path",
        "image_retention_interval",
        "log_format",
        "log_level",
        "max_body_bytes",
        "max_header_bytes",
        "max_query_cost",
        "metrics_token",
        "oidc_credential_ttl",
        "outbound_max_response_bytes",
        "outbound_timeout",
        "regions",
        "registry_domain",
        "registry_token_min_expires_in",
        "registry_token_ttl",
        "token_issuer",
        "token_pepper",
        "token_signing_cert_file",
        "token_signing_key_file",
        "trusted_proxies",
    ]
}


def variables(kind: type[Settings] | type[Section]) -> set[str]:
    found = set()
    for name, field in kind.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            found |= {choice for choice in alias.choices if str(choice).startswith("NODION_")}
        else:
            found.add(f"NODION_{name.upper()}")
    return {str(variable) for variable in found}


def every_variable() -> set[str]:
    found = variables(Settings)
    for section in domains.sections():
        found |= variables(section)
    return found


def test_every_variable_read_before_the_sections_is_read_still():
    assert every_variable() == VARIABLES_BEFORE_THE_SECTIONS


def test_the_settings_table_lists_every_variable():
    page = (ROOT / "docs/operating.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| `NODION_")]
    listed = {name for row in rows for name in re.findall(r"`(NODION_[A-Z_]+)`", row.split("|")[1])}

    assert sorted(every_variable() - listed) == []


def test_a_section_reads_its_variables_from_the_environment(monkeypatch):
    monkeypatch.setenv("NODION_DEPLOY_LEASE", "42")
    monkeypatch.setenv("NODION_AUDIT_RETENTION_DAYS", "7")

    settings = domains.settings(Settings())

    assert ApplicationsSettings.of(settings).deploy_lease == 42
    assert AuditSettings.of(settings).audit_retention_days == 7


def test_an_invalid_section_variable_stops_the_start_naming_it(monkeypatch):
    monkeypatch.setenv("NODION_REGISTRY_TOKEN_TTL", "10")

    with pytest.raises(ValidationError, match="registry_token_ttl"):
        domains.settings(Settings())


def test_a_section_given_in_code_replaces_the_environments(monkeypatch):
    monkeypatch.setenv("NODION_GITHUB_OIDC_ISSUER", "https://env.example")
    given = RegistriesSettings(github_oidc_issuer="https://given.example")

    settings = Settings().with_sections(given)

    assert RegistriesSettings.of(settings) is given
    assert RegistriesSettings.of(Settings()).github_oidc_issuer == "https://env.example"
