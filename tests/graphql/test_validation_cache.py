"""The validation cache hits: a document the service has seen is not validated again."""

from __future__ import annotations

import pytest

from app.graphql.core.document_cache import (
    MAX_CACHED_DOCUMENT_CHARS,
    MAX_RULE_SETS_PER_DOCUMENT,
    cached_documents,
)

QUERY = "{ viewer { email } projects(first: 3) { edges { node { id name } } } }"


@pytest.mark.fast_path_only  # it builds the limits' rule classes once (fast_path.compat)
async def test_a_repeated_document_is_parsed_and_validated_once(api):
    await api(QUERY)
    entry = cached_documents().get(QUERY)
    assert entry is not None
    assert list(entry.errors.values()) == [[]]  # its validation result is kept with it
    document = entry.document

    for _ in range(3):
        await api(QUERY)

    again = cached_documents().get(QUERY)
    assert again is entry
    assert again.document is document  # not parsed again


async def test_a_large_document_is_never_kept(api):
    large = "# " + "x" * MAX_CACHED_DOCUMENT_CHARS + "\n" + QUERY

    await api(large)

    assert cached_documents().get(large) is None
    assert cached_documents().used <= cached_documents().budget


async def test_the_limits_still_apply_to_cached_documents(api):
    path = ["projects", "edges", "node"] + ["registries", "project"] * 4
    too_deep = "{ " + " { ".join(path) + " { id }" + " }" * len(path)
    for _ in range(2):  # the second answer comes from the cache
        body = await api.raw(too_deep)
        assert "exceeds maximum operation depth" in body["errors"][0]["message"]


@pytest.mark.stock_path_only
async def test_with_the_stock_limiters_a_document_keeps_few_validation_results(api):
    """strawberry's own limiters make new rule classes per request, so each request
    validates again; what a cached document keeps of it stays bounded."""
    document = QUERY.replace("first: 3", "first: 4")
    for _ in range(3 * MAX_RULE_SETS_PER_DOCUMENT):
        await api(document)

    entry = cached_documents().get(document)
    assert entry is not None
    assert list(entry.errors.values()) == [[]] * MAX_RULE_SETS_PER_DOCUMENT
