"""No document text, variable or query string reaches a log line (issue 10, case 4):
secrets sent through every path, with and without errors, then every line that
pytest captured and everything a real `nodion serve` (uvicorn) wrote is searched."""

from __future__ import annotations

import base64
import json
import logging
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.graphql_documents import ADD_REGISTRY
from tests.servers import running_service


def secret(path: str) -> str:
    return f"leak{path}{secrets.token_hex(8)}"


def _fill(template: Any, value: str) -> Any:
    """`template` with every "SECRET" replaced by `value`."""
    if isinstance(template, str):
        return template.replace("SECRET", value)
    if isinstance(template, bytes):
        return template.replace(b"SECRET", value.encode())
    if isinstance(template, dict):
        return {key: _fill(item, value) for key, item in template.items()}
    if isinstance(template, tuple):
        return tuple(_fill(item, value) for item in template)
    return template


def hostile_requests(project_id: str, token: str) -> list[tuple[str, dict]]:
    """(secret, httpx.request kwargs) for every way a secret can come in."""
    auth = {"Authorization": f"Bearer {token}"}
    requests: list[tuple[str, dict]] = []

    def add(path: str, **kwargs: Any) -> None:
        value = secret(path)
        requests.append((value, _fill(kwargs, value)))

    # An inline literal in a document that fails validation, parsing, or runs.
    add(
        "inlinevalidation",
        method="POST",
        url="/graphql",
        headers=auth,
        json={
            "query": "mutation { addRegistry(input: {projectId: "
            + json.dumps(project_id)
            + ', type: DOCKER_HUB, username: "me", token: "SECRET", verify: false, bogus: 1})'
            + " { __typename } }"
        },
    )
    add(
        "inlinesyntax",
        method="POST",
        url="/graphql",
        headers=auth,
        json={"query": '{ viewer { email } } "SECRET'},
    )
    add(
        "inlineresolver",
        method="POST",
        url="/graphql",
        headers=auth,
        json={"query": '{ project(id: "SECRET") { id } node(id: "SECRET") { id } }'},
    )
    add(
        "inlinecost",
        method="POST",
        url="/graphql",
        headers=auth,
        json={
            "query": "{ "
            + " ".join(
                f'a{n}: projects(first: 100, after: "SECRET") {{ edges {{ node {{ '
                "auditEvents(first: 100) { edges { cursor } } } } } }"
                for n in range(3)
            )
            + " }"
        },
    )
    # Variables: one that fails coercion, one that runs, one with a bad token.
    add(
        "variablecoercion",
        method="POST",
        url="/graphql",
        headers=auth,
        json={
            "query": ADD_REGISTRY,
            "variables": {"input": {"projectId": project_id, "type": "NOPE", "token": "SECRET"}},
        },
    )
    add(
        "variablestored",
        method="POST",
        url="/graphql",
        headers=auth,
        json={
            "query": ADD_REGISTRY,
            "variables": {
                "input": {
                    "projectId": project_id,
                    "type": "DOCKER_HUB",
                    "username": "me",
                    "token": "SECRET",
                    "verify": False,
                }
            },
        },
    )
    add(
        "variableemail",
        method="POST",
        url="/graphql",
        headers=auth,
        json={
            "query": "mutation($i: AddProjectMemberInput!) { addProjectMember(input: $i) "
            "{ __typename } }",
            "variables": {"i": {"projectId": project_id, "email": "SECRET\u0000", "role": "X"}},
        },
    )
    # An access-token mutation with an ID that names nothing.
    add(
        "tokenid",
        method="POST",
        url="/graphql",
        headers=auth,
        json={
            "query": "mutation($i: RotateRegistryTokenInput!) { rotateRegistryToken(input: $i) "
            "{ __typename } }",
            "variables": {"i": {"tokenId": "SECRET", "gracePeriod": 60}},
        },
    )
    # GET query strings: a refused mutation, a query with variables, a bad one.
    add(
        "getmutation",
        method="GET",
        url="/graphql",
        headers=auth,
        params={"query": 'mutation { createProject(input: {name: "SECRET"}) { __typename } }'},
    )
    add(
        "getvariables",
        method="GET",
        url="/graphql",
        headers=auth,
        params={
            "query": "query($id: ID!) { node(id: $id) { id } }",
            "variables": '{"id": "SECRET"}',
        },
    )
    add("getsyntax", method="GET", url="/graphql", params={"query": "{ SECRET"})
    # The token endpoint: Basic, the OAuth2 form, and its query string.
    add(
        "basic",
        method="GET",
        url="/registry/token",
        params={"service": "SECRET", "scope": "repository:SECRET/app:pull"},
        headers={"Authorization": "Basic " + base64.b64encode(b"SECRET:SECRET").decode()},
    )
    add(
        "form",
        method="POST",
        url="/registry/token",
        data={"grant_type": "password", "username": "SECRET", "password": "SECRET"},
    )
    add(
        "formgrant",
        method="POST",
        url="/registry/token",
        data={"grant_type": "SECRET", "password": "SECRET"},
    )
    # Headers and bodies that are refused before any work.
    add(
        "bearer",
        method="POST",
        url="/graphql",
        headers={"Authorization": "Bearer SECRET"},
        json={"query": "{ viewer { email } }"},
    )
    add(
        "badjson",
        method="POST",
        url="/graphql",
        headers={"Content-Type": "application/json"},
        content=b'{"query": "SECRET',
    )
    add(
        "notutf8",
        method="POST",
        url="/graphql",
        headers={"Content-Type": "application/json"},
        content=b'{"query": "SECRET\xff"}',
    )
    add("path", method="GET", url="/nowhere", params={"token": "SECRET"})
    # Trusted publishers: a JWT-shaped token at the exchange and as the
    # password of `oidc`, and a registry hostname nobody serves.
    add(
        "exchange",
        method="POST",
        url="/registry/oidc/exchange",
        json={"token": "eyJSECRET.eyJSECRET.SECRET", "registry": "SECRET", "namespace": "logs"},
    )
    add(
        "exchangehost",
        method="POST",
        url="/registry/oidc/exchange",
        json={"token": "SECRET", "registry": "registry.eu-central.nodion.net", "namespace": "logs"},
    )
    # A namespace that is none (a well-formed one is public, in every image name).
    add(
        "exchangenamespace",
        method="POST",
        url="/registry/oidc/exchange",
        json={
            "token": "eyJSECRET.eyJSECRET.SECRET",
            "registry": "registry.eu-central.nodion.net",
            "namespace": "SECRET/../x",
        },
    )
    add(
        "oidcpassword",
        method="GET",
        url="/registry/token",
        params={"service": "registry.eu-central.nodion.net", "scope": "repository:logs/a:push"},
        auth=("oidc", "eyJSECRET.eyJSECRET.SECRET"),
    )
    add(
        "oidcnamespace",
        method="GET",
        url="/registry/token",
        params={"service": "registry.eu-central.nodion.net"},
        auth=("oidc/SECRET!", "eyJSECRET.eyJSECRET.SECRET"),
    )
    return requests


async def _project_and_token(api) -> str:
    data = await api(
        'mutation { createProject(input: {name: "Logs"}) { '
        "... on CreateProjectSuccess { project { id } } } }"
    )
    return data["createProject"]["project"]["id"]


async def test_no_secret_in_any_captured_log_line(api, client, caplog):
    caplog.set_level(logging.DEBUG)
    project_id = await _project_and_token(api)
    sent = hostile_requests(project_id, api.token)

    statuses = []
    for _, request in sent:
        statuses.append((await client.request(**request)).status_code)

    assert all(status < 500 for status in statuses), statuses
    # httpx logs the URLs this test's own client requests (the service's outbound
    # checks make no request here); every other line is the service's.
    records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    text = "\n".join(record.getMessage() for record in records)
    text += "\n".join(str(record.exc_info) for record in records if record.exc_info)
    assert "Refused request" in text and "document" in text  # errors were logged, safely
    leaked = [value for value, _ in sent if value in text]
    assert leaked == [], f"secrets in the log: {leaked}"


@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_secret_in_a_real_uvicorn_log(tmp_path: Path, database_url: str, log_format: str):
    with running_service(tmp_path / "data", database_url, NODION_LOG_FORMAT=log_format) as service:
        with httpx.Client(base_url=service.url, timeout=10) as http:
            created = http.post(
                "/graphql",
                json={
                    "query": 'mutation { createProject(input: {name: "Logs"}) { '
                    "... on CreateProjectSuccess { project { id } } } }"
                },
                headers={"Authorization": f"Bearer {service.demo_token}"},
            ).json()
            project_id = created["data"]["createProject"]["project"]["id"]
            sent = hostile_requests(project_id, service.demo_token)
            statuses = [http.request(**request).status_code for _, request in sent]
        output = service.stop_and_read_output()

    assert all(status < 500 for status in statuses), statuses
    if log_format == "json":
        _assert_every_line_is_json(output)
    # The access log is there, without query strings.
    messages = _messages(output) if log_format == "json" else output
    assert '"GET /graphql" 400' in messages or '"GET /graphql" 200' in messages, output
    assert '"POST /registry/token" 401' in messages, output
    assert "?" not in "".join(line for line in messages.splitlines() if "app.access" in line)
    assert "uvicorn.access" not in output
    leaked = [value for value, _ in sent if value in output]
    assert leaked == [], f"secrets in the uvicorn output: {leaked}"
    if log_format == "json":
        # The text banner shows the demo token once on the terminal; JSON goes to a pipeline.
        assert service.demo_token not in output


def _messages(output: str) -> str:
    """A JSON run's lines as `logger: message`, to search as the text lines are."""
    return "\n".join(
        f"{line['logger']}: {line['message']}" for line in map(json.loads, output.splitlines())
    )


def _assert_every_line_is_json(output: str) -> None:
    """Every line, uvicorn's start-up and shutdown included, is one JSON object
    with the agreed keys; the access log's fields are keys of their own."""
    lines = [json.loads(line) for line in output.splitlines()]  # fails on any other line
    assert all(isinstance(line, dict) for line in lines)
    assert all(
        {"time", "level", "logger", "message", "request_id"} <= line.keys() for line in lines
    )
    loggers = {line["logger"] for line in lines}
    assert {"app.serve", "uvicorn.error", "app.access"} <= loggers, loggers
    assert any(line["message"].startswith("Application startup complete") for line in lines)
    access = [line for line in lines if line["logger"] == "app.access"]
    refused = next(
        line for line in access if line["path"] == "/registry/token" and line["method"] == "POST"
    )
    assert refused["status"] == 401
    assert isinstance(refused["duration_ms"], float)
    assert len(refused["request_id"]) == 16
    assert all("?" not in line["path"] for line in access)
