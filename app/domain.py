"""What a domain declares to the app that assembles itself from `app.domains`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.events import Handler


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
    hooks: Mapping[str, Sequence[Handler]] = field(default_factory=dict)
    token_verifiers: Mapping[str, Callable[..., Awaitable[Any]]] = field(default_factory=dict)
    """More credentials `docker login` accepts, by token prefix (see registries.token_auth)."""
    routes: Callable[..., Sequence[Any]] | None = None
    """`(settings, keys) -> [Route]`: plain HTTP endpoints of the domain."""
    extra_types: Sequence[Any] = ()
