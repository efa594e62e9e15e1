"""How every domain names the assembled `Project` GraphQL type (see
app/api/project.py): a lazy annotation, resolved when the schema is built,
so no domain imports another domain's GraphQL module to refer to a project."""

from typing import TYPE_CHECKING, Annotated

import strawberry

if TYPE_CHECKING:  # for type checkers only; import-linter skips these imports
    from app.api.project import Project

ProjectType = Annotated["Project", strawberry.lazy("app.api.project")]
