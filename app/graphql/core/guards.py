"""Checks of the operation about to run that depend on the request, not only the
document (so they are not cached with it): which operation was asked for, and
how much it may cost with these variables."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import strawberry
from graphql import (
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
)
from strawberry.extensions import SchemaExtension

from app.graphql.core import outcome
from app.graphql.core.cost import operation_cost
from app.graphql.core.errors import PublicGraphQLError


@cache
def _type_system(schema: strawberry.Schema) -> GraphQLSchema:
    """The schema's types as graphql-core sees them, built from its public SDL."""
    return build_schema(schema.as_str())


class OperationGuards(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        current = outcome.current()
        if current is not None:
            current.operation_type = context.operation_type.value
        if len(operations) > 1 and current is not None and not current.operation_name_given:
            # The GraphQL spec: with several operations, the request must name one.
            raise PublicGraphQLError(
                f"The document has {len(operations)} operations; "
                "say which to run with `operationName`.",
                "BAD_USER_INPUT",
            )
        operation = next(
            (op for op in operations if op.name and op.name.value == context.operation_name),
            operations[0],
        )
        limit: int = context.context.settings.max_query_cost
        cost = operation_cost(
            _type_system(context.schema), operation, fragments, context.variables or {}
        )
        if cost > limit:
            raise PublicGraphQLError(
                f"This operation could load up to {cost} objects; the limit "
                f"(max_query_cost, NODION_MAX_QUERY_COST) is {limit}. Ask for smaller "
                "pages with `first`, fewer nested lists or fewer aliases.",
                "QUERY_TOO_COSTLY",
            )
        yield
