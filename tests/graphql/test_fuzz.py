"""schemathesis over every GraphQL operation (issue 10): no 5xx, no "Unexpected error".

Documents are generated from the exported schema with a fixed seed and a bound
per operation, then sent in-process to the app, whose outbound resolver answers
only for localhost: a fuzzed `addRegistry` or `checkImage` never reaches the
network. Runs on SQLite and PostgreSQL (where a random 10-digit ID used to hit
the int4 column range).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import schemathesis
from graphql import build_schema
from hypothesis import HealthCheck, given, settings

from app.api.schema import UNEXPECTED_ERROR
from tests import databases
from tests.graphql_documents import create_project

SCHEMA_FILE = Path(__file__).parents[2] / "schema.graphql"
EXAMPLES_PER_OPERATION = 40


@cache
def fuzzed_documents() -> tuple[tuple[str, str], ...]:
    """(operation label, document) pairs; the same ones on every run. Generating
    them takes most of this test's time, so the first worker of a run writes
    them to the run's folder and the others read them."""
    text = SCHEMA_FILE.read_text()
    saved = databases.run_dir() / f"fuzz-{hashlib.sha256(text.encode()).hexdigest()[:16]}.json"
    with databases.file_lock(saved.with_suffix(".lock")):
        if not saved.exists():
            saved.write_text(json.dumps(generate_documents(text)))
    return tuple((label, document) for label, document in json.loads(saved.read_text()))


def generate_documents(schema_text: str) -> list[tuple[str, str]]:
    schema = schemathesis.graphql.from_file(schema_text)
    documents: list[tuple[str, str]] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(operation.as_strategy())
        def collect(case) -> None:
            documents.append((case.operation.label, case.body))

        collect()
    return documents


async def test_every_operation_survives_fuzzing(api, make_api):
    await create_project(api)
    documents = fuzzed_documents()
    types = build_schema(SCHEMA_FILE.read_text())
    every_operation = {
        f"{root.name}.{name}"
        for root in (types.query_type, types.mutation_type)
        if root is not None
        for name in root.fields
    }
    assert {label for label, _ in documents} == every_operation

    failures = []
    for label, document in documents:
        response = await api.http.post(
            "/graphql",
            json={"query": document},
            headers={"Authorization": f"Bearer {api.token}"},
        )
        if response.status_code >= 500 or UNEXPECTED_ERROR in response.text:
            failures.append((label, response.status_code, document[:300], response.text[:300]))

    assert failures == [], failures
