"""How many objects an operation may make the service load: its cost.

Every list or connection field multiplies what is under it: a connection by its
`first` argument (or the default page size), a plain list by an estimate. The
cost is the sum over all such fields, so aliases add up and nesting multiplies:
`projects(first: 100) { auditEvents(first: 100) }` is 100 + 100 * 100. Depth and
alias limits alone let 30 aliases * 100 * 100 rows through; this does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)

from app.graphql.core.pagination import DEFAULT_PAGE

LIST_ESTIMATE = 10  # a plain list (registries of a project, members): rarely longer
PAGE_ARGUMENT = "first"
MAX_FRAGMENT_DEPTH = 20  # validation already refuses fragment cycles; this is a backstop


def _is_connection(field_type: GraphQLNamedType) -> bool:
    return (
        isinstance(field_type, GraphQLObjectType)
        and field_type.name.endswith("Connection")
        and "edges" in field_type.fields
    )


def _page_size(node: FieldNode, variables: Mapping[str, Any]) -> int:
    for argument in node.arguments or ():
        if argument.name.value != PAGE_ARGUMENT:
            continue
        value: Any = None
        if isinstance(argument.value, IntValueNode):
            value = int(argument.value.value)
        elif isinstance(argument.value, VariableNode):
            value = variables.get(argument.value.name.value)
        if isinstance(value, int) and not isinstance(value, bool):
            return max(value, 0)
    return DEFAULT_PAGE


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def cost(
        self, selections: SelectionSetNode | None, parent: GraphQLNamedType, times: int, depth: int
    ) -> int:
        if selections is None or depth > MAX_FRAGMENT_DEPTH:
            return 0
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent, times, depth)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.cost(selection.selection_set, inner or parent, times, depth + 1)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    inner = self.schema.get_type(fragment.type_condition.name.value)
                    total += self.cost(fragment.selection_set, inner or parent, times, depth + 1)
        return total

    def _field(self, node: FieldNode, parent: GraphQLNamedType, times: int, depth: int) -> int:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0  # only __typename can be asked of a union
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0  # introspection or a field validation already refused
        named = get_named_type(definition.type)
        if _is_connection(named):
            count = times * _page_size(node, self.variables)
        elif isinstance(get_nullable_type(definition.type), GraphQLList):
            if _is_connection(parent):  # a connection's `edges` is its page, already counted
                return self.cost(node.selection_set, named, times, depth)
            count = times * LIST_ESTIMATE
        else:
            return self.cost(node.selection_set, named, times, depth)
        return count + self.cost(node.selection_set, named, count, depth)


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    return _Walk(schema, fragments, variables).cost(operation.selection_set, root, 1, 0)
