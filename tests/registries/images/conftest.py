"""Fixtures of the images index tests: a registry API that answers nothing
(a closed loopback port) and a registry's notifications."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.registries.images.event_secret import event_secret
from app.settings import Region, Settings
from tests.registries.images.events import ENVELOPE_TYPE

EVENTS = "/registry/v1/events"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # The registry API on a closed loopback port: a size the events leave out is
    # looked up there and not found; no test reaches beyond 127.0.0.1.
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        regions=[
            Region(slug="eu-central", name="EU Central", api_url="http://127.0.0.1:9"),
            Region(slug="us-east", name="US East", api_url="http://127.0.0.1:9"),
        ],
    )


@pytest.fixture
def notify(client, keys):
    async def send(body, region: str = "eu-central", secret: str | None = None, **headers):
        token = secret if secret is not None else event_secret(keys.token_pepper, region)
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return await client.post(
            EVENTS,
            content=content,
            headers={"Content-Type": ENVELOPE_TYPE, "Authorization": f"Bearer {token}", **headers},
        )

    return send
