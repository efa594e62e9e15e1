from __future__ import annotations

from pathlib import Path

from app.api.schema import schema

SNAPSHOT = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_graphql_matches_the_code():
    exported = schema.as_str() + "\n"

    assert SNAPSHOT.read_text() == exported, (
        "schema.graphql is out of date: run `nodion export-schema` and commit it"
    )
