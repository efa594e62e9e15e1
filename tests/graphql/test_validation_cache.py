"""The validation cache hits: a document the service has seen is not validated again."""

from __future__ import annotations

from strawberry.extensions import ValidationCache

from app.graphql.schema import CACHE_SIZE

QUERY = "{ viewer { email } projects(first: 3) { edges { node { id name } } } }"


async def test_a_repeated_document_is_validated_once(api):
    # ValidationCache shares one LRU per maxsize across requests; its key includes
    # the validation rule classes, so those must be the same objects every request.
    cache_info = ValidationCache(maxsize=CACHE_SIZE).cached_validate_document.cache_info
    await api(QUERY)
    before = cache_info()

    for _ in range(3):
        await api(QUERY)

    after = cache_info()
    assert after.misses == before.misses
    assert after.hits == before.hits + 3


async def test_the_limits_still_apply_to_cached_documents(api):
    path = ["projects", "edges", "node"] + ["registries", "project"] * 4
    too_deep = "{ " + " { ".join(path) + " { id }" + " }" * len(path)
    for _ in range(2):  # the second answer comes from the cache
        body = await api.raw(too_deep)
        assert "exceeds maximum operation depth" in body["errors"][0]["message"]
