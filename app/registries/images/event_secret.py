"""The per-region secret a managed registry sends with its notifications.

Derived from the token pepper (a key the service has anyway, generated in
development like the other keys, configured in production), so there is no
further secret to store or lose: `nodion admin registry-config` writes it into
the registry's config, and the events endpoint recomputes it to compare."""

from __future__ import annotations

import hashlib
import hmac

from app.settings import Settings

LABEL = b"nodion registry notifications:"


def event_secret(pepper: bytes, region_slug: str) -> str:
    return hmac.new(pepper, LABEL + region_slug.encode(), hashlib.sha256).hexdigest()


def region_of_secret(settings: Settings, pepper: bytes, presented: str) -> str | None:
    """The region whose secret `presented` is, compared in constant time against
    every region's (so the answer's timing tells nothing of which came close)."""
    found = None
    for region in settings.regions:
        if hmac.compare_digest(event_secret(pepper, region.slug).encode(), presented.encode()):
            found = region.slug
    return found
