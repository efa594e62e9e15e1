"""The `Project` type, assembled from the projects domain's own fields and the
fields every other domain contributes (`Domain.project_fields`). Domains refer
to it lazily (`app.projects.project_type.ProjectType`), so none imports another
domain's GraphQL module to add a field to a project."""

from __future__ import annotations

import strawberry

from app.domains import DOMAINS
from app.projects.graphql.types import ProjectFields

_CONTRIBUTIONS = tuple(d.project_fields for d in DOMAINS if d.project_fields is not None)

Project = strawberry.type(
    type("Project", (ProjectFields, *_CONTRIBUTIONS), {"__module__": __name__}),
    name="Project",
    description="A project: its own namespace in every region.",
)
