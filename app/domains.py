"""The one list of domains the app assembles itself from. Adding a domain is a
new folder with a `domain.py` that declares what it adds, plus one line here."""

from __future__ import annotations

from typing import Any

from app.accounts.domain import DOMAIN as ACCOUNTS
from app.applications.domain import DOMAIN as APPLICATIONS
from app.audit.domain import DOMAIN as AUDIT
from app.domain import Domain
from app.events import Hooks
from app.projects.domain import DOMAIN as PROJECTS
from app.registries.domain import DOMAIN as REGISTRIES

DOMAINS: list[Domain] = [ACCOUNTS, PROJECTS, REGISTRIES, APPLICATIONS, AUDIT]


# Tables of the security layer itself (login throttle, key fingerprints): no domain's.
SECURITY_MODELS = "app.security.models"


def model_modules() -> list[str]:
    return [domain.models for domain in DOMAINS if domain.models] + [SECURITY_MODELS]


def hooks() -> Hooks:
    handlers: dict[str, list[Any]] = {}
    for domain in DOMAINS:
        for event, found in domain.hooks.items():
            handlers.setdefault(event, []).extend(found)
    return Hooks(handlers)


def token_verifiers() -> dict[str, Any]:
    return {prefix: verify for d in DOMAINS for prefix, verify in d.token_verifiers.items()}


def project_page_loads() -> dict[str, Any]:
    return {name: load for d in DOMAINS for name, load in d.project_page_loads.items()}


def routes(settings: Any, keys: Any) -> list[Any]:
    return [route for d in DOMAINS if d.routes for route in d.routes(settings, keys)]


def __getattr__(name: str) -> Any:
    # `TORTOISE_ORM` is read by the `tortoise` command ([tool.tortoise] in
    # pyproject.toml); built on first access, so importing this module reads no
    # settings.
    if name == "TORTOISE_ORM":
        from app import db
        from app.settings import Settings

        return db.tortoise_config(Settings().resolved_database_url, model_modules())
    raise AttributeError(name)
