"""In production, only signed-in callers may introspect the schema.

The schema is not secret (schema.graphql is in the repository), but an open
introspection endpoint hands scanners a map of every mutation; the dashboard
and the CLI always send a token, so refusing anonymous introspection costs
users nothing."""

from __future__ import annotations

from collections.abc import Iterator

from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension


class AnonymousIntrospectionGuard(SchemaExtension):
    """Adds graphql-core's NoSchemaIntrospectionCustomRule for anonymous
    requests in production. The rule becomes part of the validation rules, by which
    DocumentCache (app/graphql/core/document_cache.py) keys the results it keeps, so
    a result of a signed-in request is never reused for an anonymous one."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if context.settings.is_production and context.viewer is None:
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules,
                NoSchemaIntrospectionCustomRule,
            )
        yield
