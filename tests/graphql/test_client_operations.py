"""Every GraphQL document a client sends (app/operations/, for the CLI, the
dashboard and the tests) against schema.graphql, so an API change that would
break the CLI or the dashboard fails here, naming the operation and the field.
schema.graphql itself is held to the code by test_schema_snapshot.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    parse,
    print_ast,
    validate,
)

from app.cli import operations as cli_operations
from app.operations import FRAGMENTS, HERE, document, fragment_names, operation_names
from tests.graphql_documents import TEST_ONLY_DOCUMENTS

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
DASHBOARD_NAMES = Path(__file__).resolve().parents[2] / "app/web/dashboard/documents.js"
DASHBOARD_EXPORT = re.compile(r'^export const ([A-Z_]+) = "([A-Za-z]+)";$', re.MULTILINE)


def all_documents() -> dict[str, str]:
    """Name -> sendable text (fragments included) of every document there is."""
    return {name: document(name) for name in operation_names()} | TEST_ONLY_DOCUMENTS


def problems(schema: GraphQLSchema) -> list[str]:
    """`Operation: message` for every validation error of every document."""
    return [
        f"{name}: {error.message}"
        for name, text in all_documents().items()
        for error in validate(schema, parse(text))
    ]


def cli_names() -> set[str]:
    return {
        value
        for attribute, value in vars(cli_operations).items()
        if attribute.isupper() and isinstance(value, str)
    }


def dashboard_names() -> set[str]:
    source = DASHBOARD_NAMES.read_text()
    exports = DASHBOARD_EXPORT.findall(source)
    # Every export has the form the pattern reads, so none escapes this check.
    assert len(exports) == source.count("export "), (
        'documents.js: one `export const X = "Name";` a line'
    )
    return {name for _, name in exports}


def test_every_document_is_valid_against_schema_graphql():
    found = problems(build_schema(SCHEMA_FILE.read_text()))
    assert not found, "\n".join(["operations that schema.graphql breaks:", *found])


def test_a_schema_change_that_breaks_a_client_is_named():
    """The check above does catch breakage: the same schema with one field
    renamed fails, naming the operations that select it and the field."""
    sdl = SCHEMA_FILE.read_text()
    renamed = re.sub(r"(type ImageCheck \{[^}]*?\n  )digest:", r"\1imageDigest:", sdl)
    assert renamed != sdl

    found = problems(build_schema(renamed))

    assert found == ["CheckImage: Cannot query field 'digest' on type 'ImageCheck'."]


@pytest.mark.parametrize("name", operation_names())
def test_an_operation_file_holds_one_operation_named_as_the_file(name: str):
    parsed = parse((HERE / f"{name}.graphql").read_text())
    [definition] = parsed.definitions
    assert isinstance(definition, OperationDefinitionNode)
    assert definition.name is not None and definition.name.value == name


@pytest.mark.parametrize("name", fragment_names())
def test_a_fragment_file_holds_one_fragment_named_as_the_file(name: str):
    [definition] = parse((FRAGMENTS / f"{name}.graphql").read_text()).definitions
    assert isinstance(definition, FragmentDefinitionNode) and definition.name.value == name


def test_every_fragment_is_used():
    """An unused fragment would never be validated."""
    used = {
        definition.name.value
        for text in all_documents().values()
        for definition in parse(text).definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    assert used == set(fragment_names())


def test_the_clients_name_only_operations_that_exist_and_every_operation_has_a_client():
    cli, dashboard = cli_names(), dashboard_names()

    assert len(cli) >= 16 and len(dashboard) >= 14
    assert cli - set(operation_names()) == set()
    assert dashboard - set(operation_names()) == set()
    # An operation no client sends belongs with the tests (TEST_ONLY_DOCUMENTS).
    assert set(operation_names()) - cli - dashboard == set()
    assert set(TEST_ONLY_DOCUMENTS) & set(operation_names()) == set()


def test_no_document_exists_twice():
    """Two operations that differ only in their names are one operation."""

    def without_name(parsed: DocumentNode) -> str:
        operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
        return print_ast(parsed).replace(f" {operation.name.value}", " ", 1)  # type: ignore[union-attr]

    bodies: dict[str, str] = {}
    for name, text in all_documents().items():
        body = without_name(parse(text))
        assert body not in bodies, f"{name} is the same document as {bodies.get(body)}"
        bodies[body] = name
