"""The validation cache hits: a document the service has seen is not validated again."""

from __future__ import annotations

from app.graphql.core.document_cache import (
    MAX_CACHED_DOCUMENT_CHARS,
    cached_documents,
)

QUERY = "{ viewer { email } projects(first: 3) { edges { node { id name } } } }"


async def test_a_repeated_document_is_parsed_and_validated_once(api):
    """With the fast path on and off: the limits' rules are built once, so the
    validation result kept with the document matches every request's rules."""
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
    assert list(again.errors.values()) == [[]]  # nor validated again: one rule set


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
