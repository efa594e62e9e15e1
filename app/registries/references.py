"""The OCI distribution grammar for repository names, tags and digests."""

from __future__ import annotations

import re

PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REPOSITORY_NAME = re.compile(rf"^{PATH_COMPONENT}(?:/{PATH_COMPONENT})*\Z")
MAX_REPOSITORY_NAME = 255
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\Z")
DIGEST = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}\Z")


def is_repository_name(name: str) -> bool:
    return len(name) <= MAX_REPOSITORY_NAME and bool(REPOSITORY_NAME.match(name))


def is_reference(reference: str) -> bool:
    """A tag or a digest."""
    return bool(TAG.match(reference) or DIGEST.match(reference))
