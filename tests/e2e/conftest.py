"""Fixtures of the end-to-end tests: the service under uvicorn and a real
registry (CNCF distribution) for eu-central that authenticates at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_or_skip
from tests.servers import Service, e2e_tools_missing, running_registry, running_service


@pytest.fixture(autouse=True)
def _tools() -> None:
    if reason := e2e_tools_missing():
        require_or_skip("NODION_REQUIRE_E2E", reason)


@pytest.fixture
def service(tmp_path: Path, database_url: str) -> Iterator[Service]:
    with running_service(tmp_path / "service", database_url) as running:
        yield running


@pytest.fixture
def eu_registry(service: Service, tmp_path: Path) -> Iterator[str]:
    with running_registry(service, "eu-central", tmp_path / "eu") as address:
        yield address
