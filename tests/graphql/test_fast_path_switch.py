"""NODION_GRAPHQL_FAST_PATH=off answers exactly what the fast path answers.

Two apps over one database, one with the fast path and one with strawberry's
stock execution; the dashboard's queries and a set of refusals are sent to both,
and the whole JSON bodies (data and errors) must be equal."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationType, get_operation_ast, parse

from app.main import create_app
from app.operations import document, operation_names
from app.security.keys import ServiceKeys
from app.security.outbound import Outbound
from app.settings import Settings
from tests.conftest import Api
from tests.graphql_documents import (
    GENERATE_CREDENTIALS,
    add_unverified,
    create_application,
    create_project,
    default_registry,
    deploy_application,
)

# Requests that are refused, fail in part or find nothing, with a piece of what
# the answer must say: the errors must be the same too.
EDGE_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("{ project(id: $id) { id } }", {}, "not defined"),
    ("{ viewer { id nope } }", {}, "Cannot query field 'nope'"),
    ('{ node(id: "not a global id") { id } }', {}, "'node': None"),
    ("query A { viewer { id } } query B { viewer { email } }", {}, "operationName"),
    ("{ " + " ".join(f"a{n}: viewer {{ id }}" for n in range(31)) + " }", {}, "aliases"),
    (
        "{ projects { edges { node { registries { project { registries { project { "
        "registries { project { registries { project { id } } } } } } } } } } } }",
        {},
        "exceeds maximum operation depth",
    ),
    (
        'mutation { createProject(input: {name: ""}) { __typename '
        "... on Error { message } ... on ValidationError { field } } }",
        {},
        "ValidationError",
    ),
    (
        "query($first: Int) { projects(first: $first) { edges { node { id } } } }",
        {"first": -1},
        "first",
    ),
]


@pytest.fixture
async def both(
    database: str, tmp_path: Path, database_url: str, keys: ServiceKeys, outbound: Outbound
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with AsyncExitStack() as stack:
        clients = []
        for on in (True, False):
            settings = Settings(data_dir=tmp_path, database_url=database_url, graphql_fast_path=on)
            app = create_app(settings, keys, outbound=outbound, manage_database=False)
            await stack.enter_async_context(app.router.lifespan_context(app))
            http = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver"
            )
            clients.append(await stack.enter_async_context(http))
        yield clients[0], clients[1]


async def seeded(make_api: Any) -> tuple[Api, dict[str, Any]]:
    """A user with what the dashboard shows: projects, registries, credentials,
    an application with a deployment, audit events; and another user's project."""
    alice = await make_api("alice@example.com")
    shop = await create_project(alice, "Shop")
    await create_project(alice, "Blog")
    await create_project(await make_api("bob@example.com"), "Bob's")
    registry = default_registry(shop)
    await alice(GENERATE_CREDENTIALS, {"id": registry["id"]})
    await add_unverified(alice, shop["id"], "DOCKER_HUB")
    application = await create_application(
        alice, shop["id"], name="web", region="eu-central", strategy="DOCKERFILE"
    )
    await deploy_application(alice, application["id"])
    return alice, {
        "project": shop["id"],
        "application": application["id"],
        "registry": registry["id"],
    }


def client_queries() -> dict[str, str]:
    """Every query the CLI and the dashboard send (app/operations)."""
    documents = {name: document(name) for name in operation_names()}
    return {
        name: text
        for name, text in documents.items()
        if get_operation_ast(parse(text)).operation == OperationType.QUERY
    }


def variables_for(name: str, document: str, ids: dict[str, str]) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    if "$id" in document:
        variables["id"] = ids["application" if name == "ApplicationDeployments" else "project"]
    if name == "CheckImage":  # a Nodion registry: checked on loopback, never reached
        variables.update(id=ids["registry"], image="shop/web", tag="1")
    return variables


async def answer(http: httpx.AsyncClient, token: str, query: str, variables: dict) -> Any:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status_code, response.json()


async def test_the_clients_queries_get_the_same_answers_both_ways(both, make_api):
    fast, stock = both
    alice, ids = await seeded(make_api)
    queries = client_queries()
    assert len(queries) >= 10, queries
    for name, text in queries.items():
        variables = variables_for(name, text, ids)
        on = await answer(fast, alice.token, text, variables)
        off = await answer(stock, alice.token, text, variables)
        assert on == off, name
        assert on[0] == 200 and "errors" not in on[1], (name, on)


@pytest.mark.parametrize("query, variables, expected", EDGE_CASES)
async def test_refusals_and_edge_cases_are_the_same_both_ways(
    both, make_api, query, variables, expected
):
    fast, stock = both
    alice = await make_api("alice@example.com")
    await create_project(alice, "Shop")
    on = await answer(fast, alice.token, query, variables)
    off = await answer(stock, alice.token, query, variables)
    assert on == off
    assert expected in str(on[1]), on


def test_off_imports_none_of_the_fast_path(tmp_path: Path):
    """The switch is the way out when a strawberry release breaks an internal: with
    it off, serving never imports the module that reaches into internals."""
    code = (
        "import os, sys\n"
        "os.environ['NODION_GRAPHQL_FAST_PATH'] = 'off'\n"
        "from app.main import create_app\n"
        "from app.settings import Settings\n"
        "from app.security.keys import ServiceKeys\n"
        "from app.security.crypto import KeyRing, generate_key_entry\n"
        "from app.security.signing import TokenSigner\n"
        "keys = ServiceKeys(keyring=KeyRing.parse(generate_key_entry('k')),"
        " token_pepper=os.urandom(32), signer=TokenSigner.generate())\n"
        "create_app(Settings(data_dir=sys.argv[1]), keys)\n"
        "print(sorted(m for m in sys.modules if m.startswith('app.graphql.core.fast_path')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    imported = result.stdout.strip()
    assert imported == "['app.graphql.core.fast_path', 'app.graphql.core.fast_path.twins']"
