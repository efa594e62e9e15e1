"""`nodion admin registry-config` makes the registry notify the service of
pushes and deletes, with the region's secret, and lets it delete manifests."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from app.registries.images.event_secret import event_secret
from app.security.crypto import generate_key_entry
from app.security.keys import new_pepper
from tests.servers import run_cli


def config(tmp_path: Path, pepper: str, region: str, *extra: str) -> str:
    """The printed config.yml (values are JSON strings, so they are matched as text)."""
    env = {
        **os.environ,
        "NODION_DATA_DIR": str(tmp_path),
        "NODION_ENCRYPTION_KEYS": generate_key_entry("k"),
        "NODION_TOKEN_PEPPER": pepper,
    }
    result = run_cli(
        env,
        "admin",
        "registry-config",
        "--region",
        region,
        "--realm",
        "https://nodion.example:8443/registry/token?x=1",
        "--listen",
        "127.0.0.1:5000",
        "--storage",
        str(tmp_path / "s"),
        "--cert-bundle",
        str(tmp_path / "b.pem"),
        *extra,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_registry_notifies_the_realm_s_origin_with_the_region_s_secret(tmp_path):
    pepper = new_pepper()
    eu = config(tmp_path, pepper, "eu-central")
    us = config(tmp_path, pepper, "us-east")

    secret = event_secret(base64.b64decode(pepper), "eu-central")
    assert '      url: "https://nodion.example:8443/registry/v1/events"\n' in eu
    assert f'        Authorization: ["Bearer {secret}"]\n' in eu
    assert secret not in us and "Authorization" in us
    assert "  events:\n    includereferences: true\n" in eu
    assert "  delete:\n    enabled: true\n" in eu


def test_events_url_overrides_the_realm_s_origin(tmp_path):
    eu = config(
        tmp_path, new_pepper(), "eu-central", "--events-url", "http://10.0.0.5/registry/v1/events"
    )
    assert '      url: "http://10.0.0.5/registry/v1/events"\n' in eu
