"""The one list of domains the app assembles itself from. Adding a domain is a
new folder with a `domain.py` that declares what it adds, plus one line here.

Each function reads one kind of declaration; `of` is the domain list (the app's
unless a test assembles its own)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from starlette.routing import BaseRoute

from app.accounts.domain import DOMAIN as ACCOUNTS
from app.applications.domain import DOMAIN as APPLICATIONS
from app.audit.domain import DOMAIN as AUDIT
from app.db_changes import ChangeWatch
from app.domain import Domain, Serving, TokenVerifier
from app.events import Hooks
from app.projects.domain import DOMAIN as PROJECTS
from app.registries.domain import DOMAIN as REGISTRIES
from app.security.keys import ServiceKeys
from app.security.outbound import Outbound
from app.security.stored_secrets import EncryptedField, TokenDigests
from app.security.tokens import TokenKind
from app.settings import Section, Settings

# Registries come before any other domain with routes: their token endpoint
# answers every `docker pull`, and the router tries routes in order.
DOMAINS: list[Domain] = [ACCOUNTS, PROJECTS, REGISTRIES, APPLICATIONS, AUDIT]


# Tables of the security layer itself (login throttle, key fingerprints): no domain's.
SECURITY_MODELS = "app.security.models"
# The turns of the domains' periodic tasks (app/periodic.py): no domain's either.
PERIODIC_MODELS = "app.periodic"


def model_modules(of: Sequence[Domain] = DOMAINS) -> list[str]:
    return [domain.models for domain in of if domain.models] + [SECURITY_MODELS, PERIODIC_MODELS]


def hooks(of: Sequence[Domain] = DOMAINS) -> Hooks:
    """Every domain's hooks, refusing one for an event no domain runs (it would
    silently never be called)."""
    declared = {event for domain in of for event in domain.events}
    handlers: dict[str, list[Any]] = {}
    for domain in of:
        for event, found in domain.hooks.items():
            if event not in declared:
                raise ValueError(f"domain {domain.name!r} hooks {event!r}, which no domain runs")
            handlers.setdefault(event, []).extend(found)
    return Hooks(handlers)


def token_kinds(of: Sequence[Domain] = DOMAINS) -> dict[str, TokenKind]:
    """Every kind of token by prefix, refusing a prefix two domains claim."""
    kinds: dict[str, TokenKind] = {}
    for domain in of:
        for kind in domain.token_kinds:
            if kind.prefix in kinds:
                raise ValueError(f"token prefix {kind.prefix!r} is declared twice")
            kinds[kind.prefix] = kind
    return kinds


def token_verifiers(of: Sequence[Domain] = DOMAINS) -> dict[TokenKind, TokenVerifier]:
    """Every credential `docker login` accepts besides the registries' own, each
    of a declared kind."""
    kinds = token_kinds(of)
    verifiers: dict[TokenKind, TokenVerifier] = {}
    for domain in of:
        for kind, verify in domain.token_verifiers.items():
            if kinds.get(kind.prefix) != kind:
                raise ValueError(f"domain {domain.name!r} verifies undeclared tokens {kind}")
            verifiers[kind] = verify
    return verifiers


def encrypted(of: Sequence[Domain] = DOMAINS) -> list[EncryptedField]:
    return [secret for domain in of for secret in domain.encrypted]


def token_digests(of: Sequence[Domain] = DOMAINS) -> list[TokenDigests]:
    return [digests for domain in of for digests in domain.token_digests]


def project_page_loads(of: Sequence[Domain] = DOMAINS) -> dict[str, Any]:
    return {name: load for d in of for name, load in d.project_page_loads.items()}


def body_limits(of: Sequence[Domain] = DOMAINS) -> dict[str, int]:
    return {path: limit for domain in of for path, limit in domain.body_limits.items()}


def admin_commands(of: Sequence[Domain] = DOMAINS) -> dict[str, str]:
    """Every domain's `nodion admin` commands, refusing a name two declare."""
    commands: dict[str, str] = {}
    for domain in of:
        for name, function in domain.admin_commands.items():
            if name in commands:
                raise ValueError(f"admin command {name!r} is declared twice")
            commands[name] = function
    return commands


def settings(given: Settings | None = None, of: Sequence[Domain] = DOMAINS) -> Settings:
    """The app's settings (`given`, or read from the environment) with every
    domain's section read now: an invalid variable stops the start, not the
    first request that reads it."""
    settings = given or Settings()
    for domain in of:
        if domain.settings is not None:
            settings.section(domain.settings)
    return settings


def sections(of: Sequence[Domain] = DOMAINS) -> list[type[Section]]:
    return [domain.settings for domain in of if domain.settings is not None]


def metrics(of: Sequence[Domain] = DOMAINS) -> dict[str, Counter | Gauge | Histogram]:
    """Every domain's metrics by name, refusing a name two declare."""
    found: dict[str, Counter | Gauge | Histogram] = {}
    for domain in of:
        for metric in domain.metrics:
            # describe() is the public Collector API; its name is the family's.
            name = next(iter(metric.describe())).name
            if name in found:
                raise ValueError(f"metric {name!r} is declared twice")
            found[name] = metric
    return found


def routes(
    settings: Settings,
    keys: ServiceKeys,
    watch: ChangeWatch,
    of: Sequence[Domain] = DOMAINS,
    outbound: Outbound | None = None,
) -> list[BaseRoute]:
    serving = Serving(settings, keys, watch, token_verifiers(of), outbound, hooks(of))
    return [route for d in of if d.routes for route in d.routes(serving)]


def __getattr__(name: str) -> Any:
    # `TORTOISE_ORM` is read by the `tortoise` command ([tool.tortoise] in
    # pyproject.toml); built on first access, so importing this module reads no
    # settings.
    if name == "TORTOISE_ORM":
        from app import db

        return db.tortoise_config(Settings().resolved_database_url, model_modules())
    raise AttributeError(name)
