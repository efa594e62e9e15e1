from __future__ import annotations

import pytest

from app.applications.targets import create_target


@pytest.fixture
def make_target(database, settings, keys):
    """Registers a deploy target (as `nodion admin create-deploy-target` does);
    returns its bearer headers."""

    async def make(name: str, region: str = "eu-central") -> dict[str, str]:
        token = await create_target(name, region, settings, keys.token_pepper)
        return {"Authorization": f"Bearer {token}"}

    return make
