"""GraphQL types of the images index: repositories and tags of the managed
registries, resolved straight from their rows."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.graphql.core.pagination import Page, to_connection
from app.projects.nodes import ProjectScopedNode
from app.registries.image_models import ImageRepository, ImageTag, ImageTagPush
from app.registries.images.history import TAG_HISTORY_KEPT
from app.registries.images.loaders import REPOSITORY, TAG_HISTORY, TAG_PAGES


@strawberry.type(
    name="TagPush",
    description="A push to a tag, as its registry reported it: one entry of a tag's history.",
)
class TagPushType:
    digest: str = strawberry.field(description="The manifest the push made the tag name.")
    pushed_at: datetime = strawberry.field(
        description="When it counts as pushed: the registry's timestamp, or `receivedAt` when "
        "that timestamp was later than the event's arrival (a registry clock ahead)."
    )
    reported_at: datetime = strawberry.field(
        description="The registry's own timestamp of the push, as it sent it."
    )
    received_at: datetime = strawberry.field(description="When the service received the event.")
    pushed_by: str | None = strawberry.field(
        description="Who pushed: the username of the credential the registry saw."
    )


@strawberry.type(name="Tag", description="A tag in a Nodion registry and the manifest it names.")
class TagType:
    name: str
    digest: str = strawberry.field(description="The manifest's digest, `sha256:…`.")
    media_type: str = strawberry.field(description="The manifest's media type.")
    pushed_at: datetime = strawberry.field(description="When it was last pushed.")
    pushed_by: str | None = strawberry.field(
        description="Who pushed it: the username of the credential the registry saw."
    )

    @strawberry.field(
        description="Compressed size of the image (config plus layers) as pulled; null "
        "until the service has read the manifest. Float: images pass 2 GiB."
    )
    def size_bytes(self) -> float | None:
        # `self` is an ImageTag row, whose column of this name is an int.
        value = getattr(self, "size_bytes")  # noqa: B009 - the row's column, not this method
        return float(value) if value is not None else None

    @strawberry.field(
        description=f"The tag's latest pushes, newest first (at most {TAG_HISTORY_KEPT} are "
        "kept): which digest it named, when and by whom. A push delivered late, or dated by "
        "a registry clock ahead of ours, shows here even when it did not move the tag."
    )
    async def history(self, info: Info) -> list[TagPushType]:
        row = cast(ImageTag, self)  # resolvers return rows
        pushes: list[ImageTagPush] = await info.context.loaders[TAG_HISTORY].load(
            (row.repository_id, row.name)
        )
        return pushes  # type: ignore[return-value]  # strawberry reads the same fields


@strawberry.type(name="TagEdge")
class TagEdge:
    cursor: str
    node: TagType


@strawberry.type(name="TagConnection", description="Tags, most recently pushed first.")
class TagConnection:
    edges: list[TagEdge]
    page_info: relay.PageInfo


@strawberry.type(name="Repository", description="A repository in a Nodion registry, with its tags.")
class RepositoryType(ProjectScopedNode):
    """Resolved straight from `ImageRepository` rows."""

    model = ImageRepository
    loader = REPOSITORY

    id: relay.NodeID[int]
    name: str = strawberry.field(description="The full path as docker names it, e.g. `shop/web`.")
    region: str
    project_id: strawberry.Private[int]

    # Kept on the row by every write of its tags (app/registries/images/stats.py).
    tag_count: int = strawberry.field(description="How many tags it holds.")
    last_pushed_at: datetime | None = strawberry.field(
        description="The latest push to any of its tags."
    )

    @strawberry.field(
        description="Sum of its tagged manifests' sizes (each manifest once); null while "
        "one is not measured yet."
    )
    def size_bytes(self) -> float | None:
        size = cast(ImageRepository, self).size_bytes  # resolvers return rows
        return float(size) if size is not None else None

    @strawberry.field(description="Its tags, most recently pushed first.")
    async def tags(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> TagConnection:
        page = Page.of(first, after)
        rows = await info.context.loaders[TAG_PAGES].load((self.id, page))
        # A Connection of rows: strawberry reads the same fields off it.
        return to_connection(rows, page, lambda row: row)  # type: ignore[return-value]
