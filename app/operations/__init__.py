"""The GraphQL operations the clients send, each once: the `nodion` CLI, the
dashboard (through /dashboard/operations.json) and the tests read the same
files, and tests/graphql/test_client_operations.py validates every one against
schema.graphql, so an API change that breaks a client fails a test.

One operation per `<Name>.graphql` file, named as its file; the fragments they
spread live in fragments/`<Name>.graphql`, and a document is an operation
followed by the fragments it needs. Files are read on first use only (the CLI
starts without reading any it does not send), and this module imports nothing
heavier than `re`, so importing it costs the CLI nothing."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
FRAGMENTS = HERE / "fragments"
# `...Name`, not `... on Type`; comments (`#` to the end of a line) are ignored.
FRAGMENT_SPREAD = re.compile(r"\.\.\.\s*(?!on\b)([_A-Za-z][_0-9A-Za-z]*)")
COMMENT = re.compile(r"#[^\n]*")


class UnknownOperation(LookupError):
    pass


@cache
def document(name: str) -> str:
    """The operation `name` with the fragments it spreads, ready to send."""
    path = HERE / f"{name}.graphql"
    if not name.isidentifier() or not path.is_file():
        raise UnknownOperation(f"no GraphQL operation {name!r} in {HERE}")
    return with_fragments(path.read_text(encoding="utf-8"))


def with_fragments(text: str) -> str:
    """`text` followed by every fragment it spreads, directly or through
    another fragment, each once."""
    needed: list[str] = []
    pending = _spreads(text)
    while pending:
        name = pending.pop(0)
        if name not in needed:
            needed.append(name)
            pending.extend(_spreads(_fragment(name)))
    return "\n".join([text.rstrip("\n"), *(_fragment(name).rstrip("\n") for name in needed)]) + "\n"


def operation_names() -> list[str]:
    """Every operation there is, sorted."""
    return sorted(path.stem for path in HERE.glob("*.graphql"))


def fragment_names() -> list[str]:
    return sorted(path.stem for path in FRAGMENTS.glob("*.graphql"))


@cache
def _fragment(name: str) -> str:
    path = FRAGMENTS / f"{name}.graphql"
    if not name.isidentifier() or not path.is_file():
        raise UnknownOperation(f"no GraphQL fragment {name!r} in {FRAGMENTS}")
    return path.read_text(encoding="utf-8")


def _spreads(text: str) -> list[str]:
    return FRAGMENT_SPREAD.findall(COMMENT.sub("", text))
