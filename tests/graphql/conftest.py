"""Every GraphQL test runs twice: with the fast path (app/graphql/core/fast_path/)
and with strawberry's stock execution it falls back to
(NODION_GRAPHQL_FAST_PATH=off), so the fallback is known to answer the same.
Tests marked `fast_path_only` or `stock_path_only` assert one path's own
behaviour and run on that one only."""

from __future__ import annotations

import pytest

PATHS = {"fast": "on", "stock": "off"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "graphql_path" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("fast_path_only"):
        paths = ["fast"]
    elif metafunc.definition.get_closest_marker("stock_path_only"):
        paths = ["stock"]
    else:
        paths = list(PATHS)
    metafunc.parametrize("graphql_path", paths, indirect=True)


@pytest.fixture(autouse=True)
def graphql_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    # Settings read NODION_* from the environment, and so does a served process.
    monkeypatch.setenv("NODION_GRAPHQL_FAST_PATH", PATHS[request.param])
    return str(request.param)
