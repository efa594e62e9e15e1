"""Plain leaf fields (attributes, Relay ids) are read straight from their row
(app/graphql/core/plain_fields.py): same answers and errors as strawberry's own
path, and the dashboard's list sends none of its leaves down the slow path.
Per-project resolvers with a direct twin skip strawberry's wrapper."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import strawberry
from strawberry import relay
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.fields.resolver import StrawberryResolver

from app.graphql.core.plain_fields import PlainLeavesRead
from app.graphql.schema import schema
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
class Query:
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


def run(context_class: type, extensions: list[Any] | None = None) -> tuple[Any, list[Any]]:
    built = strawberry.Schema(
        query=Query, execution_context_class=context_class, extensions=extensions or []
    )
    result = built.execute_sync(THINGS)
    return result.data, sorted((e.message, e.path) for e in result.errors or [])


def test_answers_and_errors_are_strawberrys_own():
    plain = run(PlainLeavesRead)
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


def test_a_schema_extension_that_resolves_sees_every_field():
    seen: list[str] = []

    class Watch(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(info.field_name)
            return _next(root, info, *args, **kwargs)

    run(PlainLeavesRead, [Watch])

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
