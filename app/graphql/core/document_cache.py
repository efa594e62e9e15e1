"""Parse and validation results of small documents, kept across requests.

Bounded by bytes, not only by entries: a document longer than
MAX_CACHED_DOCUMENT_CHARS is parsed and validated afresh every time and never
kept, and the texts kept add up to at most CACHE_BUDGET_CHARS (least recently
used go first). So a flood of large unique documents cannot pin memory; the
dashboard's own queries, a few hundred characters each, stay cached.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension

MAX_CACHED_DOCUMENT_CHARS = 4096
CACHE_BUDGET_CHARS = 262_144
# Validation results kept per document: one per set of rules it was checked with
# (the limits' rules are built once, app/graphql/core/limits.py; an anonymous
# caller in production also gets the no-introspection rule). Bounded all the same,
# so an extension that builds rules per request cannot grow an entry without end.
MAX_RULE_SETS_PER_DOCUMENT = 4


@dataclass
class _Entry:
    document: DocumentNode
    # Validation results by the rules they were checked with: the rules differ per
    # request (anonymous callers in production also get the no-introspection rule).
    errors: dict[tuple[Any, ...], list[GraphQLError]] = field(default_factory=dict)


class CharBudgetLRU:
    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self.entries: OrderedDict[str, _Entry] = OrderedDict()

    def get(self, key: str) -> _Entry | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key: str, entry: _Entry) -> None:
        if key in self.entries:
            return
        self.entries[key] = entry
        self.used += len(key)
        while self.used > self.budget:
            evicted, _ = self.entries.popitem(last=False)
            self.used -= len(evicted)


_cache = CharBudgetLRU(CACHE_BUDGET_CHARS)


def cached_documents() -> CharBudgetLRU:
    """The shared cache (tests look at its size)."""
    return _cache


class DocumentCache(SchemaExtension):
    def _key(self) -> str | None:
        query = self.execution_context.query
        return query if query and len(query) <= MAX_CACHED_DOCUMENT_CHARS else None

    def on_parse(self) -> Iterator[None]:
        key = self._key()
        entry = _cache.get(key) if key else None
        if entry is not None:
            self.execution_context.graphql_document = entry.document
        yield
        document = self.execution_context.graphql_document
        if key and entry is None and document is not None:
            _cache.put(key, _Entry(document))

    def on_validate(self) -> Iterator[None]:
        key = self._key()
        entry = _cache.get(key) if key else None
        if entry is not None and entry.document is not self.execution_context.graphql_document:
            entry = None
        rules = tuple(self.execution_context.validation_rules)
        known = entry.errors.get(rules) if entry is not None else None
        if known is not None:
            self.execution_context.pre_execution_errors = list(known)
        yield
        if entry is not None and known is None:
            if len(entry.errors) >= MAX_RULE_SETS_PER_DOCUMENT:
                del entry.errors[next(iter(entry.errors))]  # the oldest
            entry.errors[rules] = list(self.execution_context.pre_execution_errors or [])
