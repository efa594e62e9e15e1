"""Per-request context: the viewer, settings, keys and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from strawberry.dataloader import DataLoader

from app.accounts.models import User
from app.projects.loaders import load_members, load_projects, load_roles
from app.projects.models import Project, ProjectMember, Role
from app.registries.loaders import load_registries, load_registries_by_project
from app.registries.models import Registry
from app.security.keys import ServiceKeys
from app.security.outbound import Outbound
from app.settings import Settings


class Loaders:
    """Created for every request, so no cached row outlives it (the service is
    stateless; another worker may change anything between two requests)."""

    def __init__(self, viewer: User | None) -> None:
        self.project: DataLoader[int, Project | None] = DataLoader(load_projects)
        self.role: DataLoader[int, Role | None] = DataLoader(
            partial(load_roles, viewer) if viewer else _nobody
        )
        self.members: DataLoader[int, list[ProjectMember]] = DataLoader(load_members)
        self.registry: DataLoader[int, Registry | None] = DataLoader(load_registries)
        self.registries_by_project: DataLoader[int, list[Registry]] = DataLoader(
            load_registries_by_project
        )


async def _nobody(project_ids: list[int]) -> list[Role | None]:
    return [None for _ in project_ids]


@dataclass
class Context:
    request: Request
    response: Response
    settings: Settings
    keys: ServiceKeys
    outbound: Outbound
    viewer: User | None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.viewer)

    @property
    def user(self) -> User:
        """The viewer, in resolvers guarded by IsAuthenticated."""
        assert self.viewer is not None
        return self.viewer
