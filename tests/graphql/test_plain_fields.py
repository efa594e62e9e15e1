"""Plain leaf fields (attributes, Relay ids) are read straight from their row
(app/graphql/core/fast_path/): same answers and errors as strawberry's own
path, and the dashboard's list sends none of its leaves down the slow path.
Per-project resolvers with a direct twin skip strawberry's wrapper."""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import pytest
import strawberry
from strawberry import relay
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.fields.resolver import StrawberryResolver

from app.api.schema import schema
from app.graphql.core.fast_path.execution import FastExecutionContext
from tests.graphql.test_list_awaits import DEFAULT_REGISTRIES
from tests.graphql.test_query_count import DASHBOARD_LIST
from tests.graphql_documents import create_project


class Colour(enum.Enum):
    RED = "red"


class Row:
    """What a resolver returns: not an instance of the strawberry type."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


class Shout(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return next_(source, info, **kwargs).upper()


class RowNode(relay.Node):
    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, cls | Row)


@strawberry.type
class Thing(RowNode):
    id: relay.NodeID[int]
    name: str
    nickname: str | None
    colour: Colour
    loud: str = strawberry.field(extensions=[Shout()])


@strawberry.type
class OwnId(RowNode):
    id: relay.NodeID[int]

    @classmethod
    def resolve_id(cls, root: Any, *, info: Any) -> str:
        return f"own-{root.id}"


@strawberry.type
class Mixed(RowNode):
    """Plain fields around ones graphql-core answers (a resolver, an async one)."""

    id: relay.NodeID[int]
    name: str

    @strawberry.field
    def parts(self) -> list[Thing]:
        return self.parts  # type: ignore[attr-defined, no-any-return]

    @strawberry.field
    async def later(self) -> str:
        return f"later {self.name}"

    @strawberry.field
    def broken(self) -> str:
        raise ValueError("broken field")


def thing(number: int, **values: Any) -> Row:
    fields = {"name": f"thing {number}", "nickname": None, "colour": Colour.RED, "loud": "x"}
    return Row(id=number, **{**fields, **values})


class Stranger:
    """Has every field Thing selects, but is_type_of does not accept it."""

    id = 9
    name = "stranger"


@strawberry.type
class Query:
    @strawberry.field
    def mixed(self) -> list[Mixed]:
        return [
            Row(id=1, name="plain parts", parts=[thing(11), thing(12)]),  # type: ignore[list-item]
            Row(id=2, name="no parts", parts=[]),  # type: ignore[list-item]
        ]

    @strawberry.field
    def bad_parts(self) -> list[Mixed | None]:
        return [
            Row(id=3, name="a null part", parts=[thing(31), None]),  # type: ignore[list-item]
            Row(id=4, name="a stranger", parts=[thing(41), Stranger()]),  # type: ignore[list-item]
            Row(id=5, name="a null name", parts=[thing(51, name=None)]),  # type: ignore[list-item]
        ]

    @strawberry.field
    def things(self) -> list[Thing | None]:
        return [
            Row(id=1, name="one", nickname=None, colour=Colour.RED, loud="a"),
            Row(id=2, name=None, nickname="n", colour=Colour.RED, loud="b"),  # null name
            Row(id=3, name="three", nickname="t", colour="mauve", loud="c"),  # not an enum
            Row(id=None, name="four", nickname="f", colour=Colour.RED, loud="d"),  # no id
        ]

    @strawberry.field
    def own(self) -> OwnId:
        return Row(id=7)  # type: ignore[return-value]


THINGS = "{ things { id name nickname colour loud } own { id } }"


MIXED = """{
  mixed { name parts { id name } later alias: name id parts2: parts { colour id } }
  badParts { id parts { name id } name }
  again: badParts { broken name }
}"""


def run(
    context_class: type, extensions: list[Any] | None = None, query: str = THINGS
) -> tuple[Any, list[Any]]:
    built = strawberry.Schema(
        query=Query, execution_context_class=context_class, extensions=extensions or []
    )
    result = built.execute_sync(query) if query == THINGS else asyncio.run(built.execute(query))
    return result.data, sorted((e.message, e.path) for e in result.errors or [])


def test_answers_and_errors_are_strawberrys_own():
    plain = run(FastExecutionContext)
    assert plain == run(StrawberryGraphQLCoreExecutionContext)
    data, errors = plain
    # an overridden resolve_id is kept
    assert data["own"] == {"id": str(relay.GlobalID("OwnId", "own-7"))}
    assert sorted(e[1] for e in errors) == [
        ["things", 1, "name"],
        ["things", 2, "colour"],
        ["things", 3, "id"],
    ]
    # The null propagates to the list item, as before.
    assert data["things"] == [
        {
            "id": str(relay.GlobalID("Thing", "1")),
            "name": "one",
            "nickname": None,
            "colour": "RED",
            "loud": "A",
        },
        None,
        None,
        None,
    ]


def test_objects_and_lists_answered_in_one_loop_give_strawberrys_answers():
    plain = run(FastExecutionContext, query=MIXED)
    assert plain == run(StrawberryGraphQLCoreExecutionContext, query=MIXED)
    data, errors = plain
    first = data["mixed"][0]
    # The query's order, aliases included, around fields graphql-core answered.
    assert list(first) == ["name", "parts", "later", "alias", "id", "parts2"]
    assert first["parts"] == [
        {"id": str(relay.GlobalID("Thing", "11")), "name": "thing 11"},
        {"id": str(relay.GlobalID("Thing", "12")), "name": "thing 12"},
    ]
    assert first["later"] == "later plain parts"
    assert first["parts2"][1] == {"colour": "RED", "id": str(relay.GlobalID("Thing", "12"))}
    assert data["mixed"][1]["parts"] == []
    # A null item, an object is_type_of refuses, a null in a non-null field: each
    # is the normal path's located error, and nulls the project that holds it.
    assert data["badParts"] == [None, None, None]
    assert sorted(path for _, path in errors) == [
        ["again", 0, "broken"],
        ["again", 1, "broken"],
        ["again", 2, "broken"],
        ["badParts", 0, "parts", 1],
        ["badParts", 1, "parts", 1],
        ["badParts", 2, "parts", 0, "name"],
    ]
    assert data["again"] == [None, None, None]


def test_a_schema_extension_that_resolves_sees_every_field():
    seen: list[str] = []

    class Watch(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(info.field_name)
            return _next(root, info, *args, **kwargs)

    run(FastExecutionContext, [Watch])

    assert seen.count("id") == 5  # four things (the last fails, its other fields go unasked), own
    assert seen.count("name") == 3


def test_the_service_schema_has_no_exception_handlers():
    # They would change how strawberry answers a basic field; the plain path
    # would not know.
    assert not schema.exception_handlers


@pytest.fixture
def slow_path_fields(monkeypatch) -> list[str]:
    """The fields graphql-core's own execute_field runs (the plain path skips it)."""
    names: list[str] = []
    normal = StrawberryGraphQLCoreExecutionContext.execute_field

    def counting(self, parent_type, source, field_details_list, *args):
        names.append(f"{parent_type.name}.{field_details_list[0].node.name.value}")
        return normal(self, parent_type, source, field_details_list, *args)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_field", counting)
    return names


@pytest.mark.fast_path_only
async def test_the_dashboard_list_reads_every_leaf_plainly(api, slow_path_fields):
    for number in range(3):
        await create_project(api, f"project {number}")
    slow_path_fields.clear()

    data = await api(DASHBOARD_LIST)

    assert len(data["projects"]["edges"]) == 3
    assert sorted(set(slow_path_fields)) == [
        "Project.registries",
        "ProjectConnection.edges",
        "ProjectEdge.node",
        "Query.projects",
    ]


@pytest.mark.fast_path_only
async def test_the_dashboard_list_completes_no_registry_one_by_one(api, monkeypatch):
    completed: list[str] = []
    normal = StrawberryGraphQLCoreExecutionContext.complete_object_value

    def counting(self, return_type, *args):
        completed.append(return_type.name)
        return normal(self, return_type, *args)

    for number in range(3):
        await create_project(api, f"project {number}")
    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "complete_object_value", counting)

    data = await api(DASHBOARD_LIST)

    assert all(edge["node"]["registries"] for edge in data["projects"]["edges"])
    # Each project's registries are answered as one list, in one loop.
    assert sorted(completed) == ["Project"] * 3 + ["ProjectConnection"] + ["ProjectEdge"] * 3


@pytest.mark.fast_path_only
async def test_strawberrys_resolver_wrapper_runs_once_per_list_not_per_project(api, monkeypatch):
    # Project.registries and defaultRegistry have direct twins (direct_resolvers):
    # only the root field `projects` goes through strawberry's wrapper.
    calls: list[str] = []
    wrapped = StrawberryResolver.__call__

    def counting(self, *args, **kwargs):
        calls.append(self.name)
        return wrapped(self, *args, **kwargs)

    for number in range(3):
        await create_project(api, f"project {number}")
    monkeypatch.setattr(StrawberryResolver, "__call__", counting)

    data = await api(DASHBOARD_LIST)
    defaults = await api(DEFAULT_REGISTRIES)

    assert len(data["projects"]["edges"]) == len(defaults["projects"]["edges"]) == 3
    assert all(edge["node"]["registries"] for edge in data["projects"]["edges"])
    assert all(edge["node"]["defaultRegistry"] for edge in defaults["projects"]["edges"])
    assert calls == ["projects", "projects"]
