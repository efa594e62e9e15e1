"""How every domain names the assembled `Project` GraphQL type (see
app/api/project.py): a lazy annotation, resolved when the schema is built,
so no domain imports another domain's GraphQL module to refer to a project."""

from typing import TYPE_CHECKING, Annotated

import strawberry

if TYPE_CHECKING:
    # The assembled type exists only at run time; a type checker sees the
    # projects domain's part of it, the base every contribution extends.
    from app.projects.graphql.types import ProjectFields as Project

ProjectType = Annotated["Project", strawberry.lazy("app.api.project")]
