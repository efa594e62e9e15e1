"""What a domain declares to the app that assembles itself from `app.domains`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from starlette.routing import BaseRoute

from app.db_changes import ChangeWatch
from app.events import Handler, Hooks
from app.security.keys import ServiceKeys
from app.security.outbound import Outbound
from app.security.stored_secrets import EncryptedField, TokenDigests
from app.security.tokens import TokenKind
from app.settings import Section, Settings

TokenVerifier = Callable[..., Awaitable[Any]]
"""`(username, token, service, pepper) -> Access, LoginRefused or None` (see
registries.token_auth): a refusal with a reason is returned, never passed aside."""


@dataclass(frozen=True)
class Serving:
    """What a domain's routes are built with, once per app."""

    settings: Settings
    keys: ServiceKeys
    watch: ChangeWatch
    """Tells when what was read from the database may be kept (app/db_changes.py)."""
    token_verifiers: Mapping[TokenKind, TokenVerifier]
    """Every domain's `token_verifiers`: the credentials `docker login` accepts."""
    outbound: Outbound | None = None
    """How user-named hosts (OIDC issuers) are reached; None: from the settings."""
    hooks: Hooks = field(default_factory=Hooks)
    """Every domain's hooks, for routes that change what other domains react to."""


@dataclass(frozen=True)
class Running:
    """What a domain's background work runs with, once per serving process."""

    settings: Settings
    keys: ServiceKeys
    hooks: Hooks


Work = Callable[[Running], Awaitable[object]]


# A periodic turn (a task's, or one retention policy's) is due when the last one
# was taken at least this share of the interval ago: every worker sleeps the
# same interval, so one whose timer fires a little early still finds it due.
TURN_SHARE = 0.9


@dataclass(frozen=True)
class PeriodicTask:
    """Work `nodion serve` does every `every(settings)` seconds (None or 0: not at
    all), once across all its workers and hosts: each wakes on the same interval,
    and the one that takes the task's turn in the database runs it (app/periodic.py)."""

    name: str
    """Unique across domains: it names the task's turn (`periodic_turns`)."""
    every: Callable[[Settings], float | None]
    run: Work
    at_start: bool = False
    """Also run once when serving starts, before the first interval."""


@dataclass(frozen=True)
class Domain:
    name: str
    models: str | None = None
    """Module of its Tortoise models, e.g. `app.registries.models`."""
    node_types: Sequence[type] = ()
    """Relay node types reachable through `node(id)`, by GraphQL type name."""
    query: type | None = None
    mutation: type | None = None
    project_fields: type | None = None
    """A strawberry type whose fields this domain adds to `Project`."""
    project_page_loads: Mapping[str, Any] = field(default_factory=dict)
    """Project field name -> the BatchLoad by project id that answers it: a list of
    projects loads those once for its page when the query selects the field."""
    events: Sequence[str] = ()
    """Names of the events it runs hooks for (`Hooks.run`); other domains' `hooks`
    may listen only to declared events."""
    hooks: Mapping[str, Sequence[Handler]] = field(default_factory=dict)
    token_kinds: Sequence[TokenKind] = ()
    """The tokens it issues, by prefix: their shape and checksum."""
    token_verifiers: Mapping[TokenKind, TokenVerifier] = field(default_factory=dict)
    """More credentials `docker login` accepts, by kind (see registries.token_auth)."""
    encrypted: Sequence[EncryptedField] = ()
    """Columns of ciphertext: the key check finds the keys they need, and
    `nodion admin rotate-keys` moves them to the newest key."""
    token_digests: Sequence[TokenDigests] = ()
    """Columns of long-lived token digests: the key check refuses another pepper
    while any is stored."""
    routes: Callable[[Serving], Sequence[BaseRoute]] | None = None
    """Plain HTTP endpoints of the domain, in the order the router tries them. The
    app tries the domains' routes, in domain order, before its own."""
    body_limits: Mapping[str, int] = field(default_factory=dict)
    """Path -> the largest request body it takes, for routes that need more than
    NODION_MAX_BODY_BYTES (app/http/limits.py)."""
    extra_types: Sequence[Any] = ()
    periodic: Sequence[PeriodicTask] = ()
    """Background work `nodion serve` runs while it serves a database."""
    on_start: Sequence[Work] = ()
    """Run, in domain order, when serving starts (after the key check)."""
    on_stop: Sequence[Work] = ()
    """Run, in reverse domain order, when serving stops (before disconnecting)."""
    settings: type[Section] | None = None
    """Its own settings (`NODION_*` variables), read with `TheSection.of(settings)`;
    every field is listed in docs/operating.md (a test checks)."""
    admin_commands: Mapping[str, str] = field(default_factory=dict)
    """`nodion admin <name>` -> `"module:function"`, a typer command function.
    Named, not imported: the `nodion` command imports it only when `admin` runs,
    so the user commands start without loading the service."""
    metrics: Sequence[Counter | Gauge | Histogram] = ()
    """Its Prometheus metrics (named `nodion_…`); two domains may not declare one name."""
