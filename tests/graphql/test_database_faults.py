"""With the database unreachable the API answers clearly, and says so when asked."""

from __future__ import annotations

import httpx

from app import storage
from app.accounts.models import API_TOKEN
from app.main import create_app
from app.settings import Settings
from tests.servers import free_port


async def test_database_down_gives_503_with_a_clear_message(tmp_path, keys, outbound):
    unreachable = f"postgres://postgres@127.0.0.1:{free_port()}/nodion"  # nothing listens
    await storage.connect(unreachable)
    app = create_app(
        Settings(data_dir=tmp_path, database_url=unreachable),
        keys,
        outbound=outbound,
        manage_database=False,
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            api = await http.post(
                "/graphql",
                json={"query": "{ viewer { email } }"},
                headers={"Authorization": f"Bearer {API_TOKEN.new()}"},
            )
            ready = await http.get("/readyz")
            alive = await http.get("/healthz")
    finally:
        await storage.disconnect()

    assert api.status_code == 503
    assert api.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "database is unavailable; nothing was changed" in api.json()["errors"][0]["message"]
    assert api.headers["retry-after"] == "5"
    assert ready.status_code == 503
    assert alive.status_code == 200


async def test_readyz_with_a_database(client):
    response = await client.get("/readyz")

    assert response.json() == {"status": "ready"}
