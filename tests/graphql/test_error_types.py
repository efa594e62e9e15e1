"""One source for errors: every domain failure has a GraphQL type in the
schema, the API docs (docs/api.md) name every error type, and a result union that lacks the
type of an error its resolver raised fails loudly instead of being guessed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pytest
import strawberry
from graphql import build_schema

from app.api.schema import schema
from app.errors import DomainError, NotFound
from app.graphql.core.errors import NotFoundError, ValidationError, graphql_type_for
from app.graphql.core.results import UndeclaredError, domain_result

API_DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _all_subclasses(klass: type) -> list[type]:
    found = []
    for sub in klass.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


def test_every_domain_error_has_its_own_graphql_type_in_the_schema():
    domain_errors = _all_subclasses(DomainError)
    assert len(domain_errors) >= 8  # the shared ones and the registries' own
    for error_class in domain_errors:
        graphql_type = graphql_type_for(error_class)
        assert graphql_type is not None, f"{error_class.__name__} has no GraphQL type"
        name = graphql_type.__strawberry_definition__.name
        assert schema.get_type_by_name(name) is not None, f"{name} is not in the schema"


def test_the_api_docs_list_every_error_type_of_the_schema():
    sdl = build_schema(schema.as_str())
    implementations = [t.name for t in sdl.get_implementations(sdl.get_type("Error")).objects]
    api_docs = API_DOCS.read_text()
    assert len(implementations) >= 8
    missing = [name for name in implementations if f"`{name}" not in api_docs]
    assert missing == [], f"docs/api.md does not list {missing}"


class Vanished(NotFound):
    """A subclass without a type of its own is shown as its nearest ancestor's."""


NarrowResult = Annotated[ValidationError, strawberry.union("NarrowResult")]
WideResult = Annotated[ValidationError | NotFoundError, strawberry.union("WideResult")]


async def test_a_subclass_is_shown_as_its_ancestor_when_the_union_lists_it():
    @domain_result
    async def resolver() -> WideResult:
        raise Vanished("gone")

    answer = await resolver()
    assert isinstance(answer, NotFoundError)
    assert answer.message == "gone"


async def test_an_error_missing_from_the_union_is_a_bug_not_a_guess():
    @domain_result
    async def resolver() -> NarrowResult:
        raise Vanished("gone")

    with pytest.raises(UndeclaredError, match="has no NotFoundError"):
        await resolver()
