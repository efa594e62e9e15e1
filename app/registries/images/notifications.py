"""Reading distribution's notification envelope
(`application/vnd.docker.distribution.events.v1+json`) into what the images
index keeps: manifest pushes to a tag, and manifest deletes. Pulls, blob
events and anything malformed are skipped (counted), never an error: the
registry retries a failed delivery forever, and an event we cannot use would
block every later one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.registries.references import TAG, is_repository_name

ENVELOPE_MEDIA_TYPE = "application/vnd.docker.distribution.events.v1+json"
MANIFEST_MEDIA_TYPES = frozenset(
    {
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    }
)
MAX_EVENT_ID = 100
MAX_TAG = 128


@dataclass(frozen=True)
class Push:
    event_id: str
    at: datetime
    repository: str
    tag: str
    digest: str
    media_type: str
    pushed_by: str | None
    size_bytes: int | None = None
    """Config plus layers, from the event's `references` (the registry sends
    them with `includereferences`); None: to be read from the manifest."""


@dataclass(frozen=True)
class Delete:
    event_id: str
    at: datetime
    repository: str
    digest: str


@dataclass
class Envelope:
    pushes: list[Push] = field(default_factory=list)
    deletes: list[Delete] = field(default_factory=list)
    ignored: int = 0

    @property
    def event_ids(self) -> list[str]:
        return [push.event_id for push in self.pushes] + [d.event_id for d in self.deletes]


def _text(value: Any, limit: int) -> str | None:
    # Printable: PostgreSQL stores no NUL and neither database a lone surrogate
    # (each was a 500, which the registry retries forever).
    if isinstance(value, str) and 0 < len(value) <= limit and value.isprintable():
        return value
    return None


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # distribution writes nanoseconds; Python reads at most microseconds.
    main, dot, rest = text.partition(".")
    if dot:
        digits = "".join(c for c in rest if c.isdigit())
        text = f"{main}.{digits[:6]}{rest[len(digits) :]}"
    try:
        parsed = datetime.fromisoformat(text)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # year 1 at +01:00 is before year 1 in UTC
        return None


def _digest(value: Any) -> str | None:
    text = _text(value, 100)
    if text is None or not text.startswith("sha256:"):
        return None
    hex_part = text.removeprefix("sha256:")
    return text if len(hex_part) == 64 and all(c in "0123456789abcdef" for c in hex_part) else None


def _event(raw: Any) -> Push | Delete | None:
    if not isinstance(raw, dict):
        return None
    target = raw.get("target")
    event_id = _text(raw.get("id"), MAX_EVENT_ID)
    at = _timestamp(raw.get("timestamp"))
    if not isinstance(target, dict) or event_id is None or at is None:
        return None
    repository = _text(target.get("repository"), 255)
    digest = _digest(target.get("digest"))
    if repository is None or digest is None or not is_repository_name(repository):
        return None
    action = raw.get("action")
    if action == "delete":
        return Delete(event_id, at, repository, digest)
    media_type = target.get("mediaType")
    tag = _text(target.get("tag"), MAX_TAG)
    if action != "push" or media_type not in MANIFEST_MEDIA_TYPES or not (tag and TAG.match(tag)):
        return None  # a pull, a blob, or a manifest pushed by digest only
    actor = raw.get("actor")
    pushed_by = _text(actor.get("name"), 255) if isinstance(actor, dict) else None
    assert tag is not None
    return Push(
        event_id,
        at,
        repository,
        tag,
        digest,
        media_type,
        pushed_by,
        _size(target.get("references")),
    )


def _size(references: Any) -> int | None:
    if not isinstance(references, list) or not references:
        return None
    sizes = [ref.get("size") if isinstance(ref, dict) else None for ref in references]
    if not all(isinstance(size, int) and 0 <= size < 2**62 for size in sizes):
        return None
    total: int = sum(sizes)  # type: ignore[arg-type]  # ints, checked above
    # The sum must fit the BIGINT column too: unknown (measured later) if not.
    return total if total < 2**62 else None


def read_envelope(body: Any) -> Envelope | None:
    """None: not an envelope at all (no `events` list)."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        return None
    envelope = Envelope()
    read_events_into(envelope, body["events"])
    return envelope


def read_events_into(envelope: Envelope, raws: list[Any]) -> None:
    for raw in raws:
        event = _event(raw)
        if isinstance(event, Push):
            envelope.pushes.append(event)
        elif isinstance(event, Delete):
            envelope.deletes.append(event)
        else:
            envelope.ignored += 1
