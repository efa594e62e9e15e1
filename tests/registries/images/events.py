"""Distribution's notification envelopes, written as a registry writes them."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

ENVELOPE_TYPE = "application/vnd.docker.distribution.events.v1+json"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def digest_of(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def registry_timestamp(at: datetime) -> str:
    """As distribution writes it: UTC, nanoseconds, `Z`."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{at.microsecond:06d}789Z"


def push(
    repository: str,
    tag: str,
    digest: str,
    *,
    at: datetime | None = None,
    sizes: tuple[int, ...] = (100, 2000),
    actor: str | None = "shop-ci",
    event_id: str | None = None,
    media_type: str = MANIFEST_TYPE,
) -> dict[str, Any]:
    return {
        "id": event_id or str(uuid.uuid4()),
        "timestamp": registry_timestamp(at or T0),
        "action": "push",
        "target": {
            "mediaType": media_type,
            "size": 418,
            "digest": digest,
            "length": 418,
            "repository": repository,
            "url": f"http://registry/v2/{repository}/manifests/{digest}",
            "tag": tag,
            "references": [
                {"mediaType": "application/octet-stream", "size": size, "digest": digest_of(str(i))}
                for i, size in enumerate(sizes)
            ],
        },
        "request": {"id": "r", "addr": "127.0.0.1:1", "method": "PUT", "useragent": "skopeo"},
        "actor": {"name": actor} if actor else {},
        "source": {"addr": "vm:5000", "instanceID": "i"},
    }


def delete(repository: str, digest: str, *, at: datetime | None = None) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "timestamp": (at or T0 + timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
        "action": "delete",
        "target": {"digest": digest, "repository": repository},
        "actor": {},
    }


def pull(repository: str, tag: str, digest: str) -> dict[str, Any]:
    event = push(repository, tag, digest)
    event["action"] = "pull"
    return event


def blob_push(repository: str) -> dict[str, Any]:
    event = push(repository, "x", digest_of(repository), media_type="application/octet-stream")
    del event["target"]["tag"]
    return event


def envelope(*events: dict[str, Any]) -> dict[str, Any]:
    return {"events": list(events)}
