"""Image references as users write them: `nginx`, `team/app:1.4`,
`team/app@sha256:…`, with the OCI distribution grammar."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors import ValidationFailed
from app.registries.references import TAG, is_repository_name

SHA256_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}\Z")
MAX_IMAGE_INPUT = 512
DEFAULT_TAG = "latest"


@dataclass(frozen=True)
class ImageRef:
    repository: str
    tag: str | None
    digest: str | None

    def reference(self, host: str, repository: str | None = None) -> str:
        """Fully qualified: `host/path@digest` when pinned, else `host/path:tag`."""
        path = f"{host}/{repository or self.repository}"
        return f"{path}@{self.digest}" if self.digest else f"{path}:{self.tag or DEFAULT_TAG}"


def check_tag(tag: str, field: str = "tag") -> str:
    if not TAG.match(tag):
        raise ValidationFailed(
            field,
            "A tag is 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'.",
        )
    return tag


def parse_image(image: str, tag: str | None) -> ImageRef:
    """`image` may carry a tag or a `@sha256:` digest inline; `tag` may come apart
    (both at once must agree). Without either the tag is `latest`."""
    text = image.strip()
    if not text:
        raise ValidationFailed("image", "Enter an image name, e.g. nginx or team/app:1.4.")
    if len(text) > MAX_IMAGE_INPUT:
        raise ValidationFailed("image", f"An image name is at most {MAX_IMAGE_INPUT} characters.")
    name, _, digest = text.partition("@")
    if digest and not SHA256_DIGEST.match(digest):
        raise ValidationFailed("image", "A digest is sha256: followed by 64 lower-case hex digits.")
    repository, inline_tag = name, None
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        repository, inline_tag = name.rsplit(":", 1)
        check_tag(inline_tag, "image")
    first = repository.split("/", 1)[0]
    if "/" in repository and ("." in first or ":" in first or first == "localhost"):
        raise ValidationFailed(
            "image",
            f"Leave the registry hostname ({first}) out of the image name; choose the "
            "registry with containerRegistryId.",
        )
    if not is_repository_name(repository):
        raise ValidationFailed(
            "image",
            "Image names are lower-case path components of letters, digits and '.', '_' "
            "or '-' separators, e.g. nginx or team/app.",
        )
    if tag is not None:
        check_tag(tag)
        if inline_tag is not None and inline_tag != tag:
            raise ValidationFailed(
                "tag", f"The image says tag {inline_tag!r} and tag says {tag!r}; give one."
            )
    chosen = tag if tag is not None else inline_tag
    return ImageRef(repository, chosen if chosen or digest else DEFAULT_TAG, digest or None)
