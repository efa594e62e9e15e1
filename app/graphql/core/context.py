"""Per-request context: the viewer, what the service was configured with, and
fresh DataLoaders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.events import Hooks
from app.graphql.core.loaders import BatchLoad, Loaders
from app.security.keys import ServiceKeys
from app.security.outbound import Outbound
from app.settings import Settings


@dataclass
class Context:
    request: Request
    response: Response
    settings: Settings
    keys: ServiceKeys
    outbound: Outbound
    hooks: Hooks
    viewer: Any | None
    project_page_loads: Mapping[str, BatchLoad[Any, Any]] = field(default_factory=dict)
    """See `Domain.project_page_loads`."""
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.viewer, peek=self.settings.graphql_fast_path)

    @property
    def user(self) -> Any:
        """The viewer, in resolvers guarded by IsAuthenticated."""
        assert self.viewer is not None
        return self.viewer
