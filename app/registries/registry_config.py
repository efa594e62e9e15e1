"""The configuration of a managed registry (CNCF distribution) for one region."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from app.registries.settings import RegistriesSettings
from app.settings import Region, Settings


def distribution_config(
    settings: Settings,
    region: Region,
    *,
    realm: str,
    listen: str,
    storage: Path,
    cert_bundle: Path,
    events_url: str,
    events_secret: str,
) -> str:
    """A complete `config.yml` delegating authentication to our token endpoint
    and notifying our events endpoint of every push and delete (with the
    region's secret). Values are JSON strings, which YAML reads as they are."""

    def q(value: object) -> str:
        return json.dumps(str(value))

    return f"""\
# Managed registry for region {region.slug} ({region.name}), written by
# `nodion admin registry-config`. Start it with: docker-registry serve <this file>
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: {q(storage.resolve())}
  delete:
    enabled: true
http:
  addr: {q(listen)}
  secret: {q(secrets.token_hex(32))}
auth:
  token:
    realm: {q(realm)}
    service: {q(settings.registry_hostname(region.slug))}
    issuer: {q(RegistriesSettings.of(settings).token_issuer)}
    rootcertbundle: {q(cert_bundle.resolve())}
notifications:
  events:
    includereferences: true
  endpoints:
    - name: nodion
      url: {q(events_url)}
      headers:
        Authorization: [{q("Bearer " + events_secret)}]
      timeout: 5s
      threshold: 3
      backoff: 2s
      ignoredmediatypes:
        - application/octet-stream
      ignore:
        actions:
          - pull
"""
