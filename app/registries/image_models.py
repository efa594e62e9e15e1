"""The images index: what the managed (Nodion) registries hold, as their
notifications (app/registries/images/notifications.py) and reconciles
(app/registries/images/sync.py) report it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # for type checkers only; import-linter skips these imports
    from app.projects.models import Project
    from app.registries.models import Registry


class ImageRepository(Model):
    """A repository in a region's managed registry, named as docker names it
    (`shop/web`), of the project whose namespace it is under. Kept per region,
    not per registry row: every Nodion registry of a project in a region (a
    rotation adds a fresh one) is the same store."""

    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "nodion.Project", related_name="image_repositories", on_delete=fields.CASCADE
    )
    region = fields.CharField(max_length=63)
    name = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)
    # What the images tab shows of it, kept by every write of its tags
    # (app/registries/images/stats.py), so a page reads them with the row
    # instead of summing a busy repository's thousands of tags per request.
    tag_count = fields.IntField(default=0, db_default=0)
    last_pushed_at = fields.DatetimeField(null=True)
    # Of its distinct manifests; NULL while one is not measured yet (or no tags).
    size_bytes = fields.BigIntField(null=True)

    project_id: int

    class Meta:
        table = "image_repositories"
        unique_together = (("region", "name"),)
        # Pages per project (and region), newest first (app/graphql/core/pagination.py).
        indexes = (("project_id", "region", "id"), ("project_id", "id"))


class ImageTag(Model):
    """A tag and the manifest it points at. A push to a tag replaces its row, so
    ids order tags by their last push (the pages read newest first by id)."""

    id = fields.IntField(primary_key=True)
    repository: fields.ForeignKeyRelation[ImageRepository] = fields.ForeignKeyField(
        "nodion.ImageRepository", related_name="tags", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=128)
    digest = fields.CharField(max_length=100)  # sha256:…
    media_type = fields.CharField(max_length=255)
    # The manifest's config plus layers, as pulled (compressed); NULL until
    # measured (app/registries/images/sizes.py): notifications do not say.
    size_bytes = fields.BigIntField(null=True)
    # When it counts as pushed: the registry's timestamp, but never later than
    # its arrival (app/registries/images/index.py); `reported_at` is what the
    # registry said, which orders pushes that arrived together (NULL: indexed
    # before it was kept, or by a sync).
    pushed_at = fields.DatetimeField()
    reported_at = fields.DatetimeField(null=True)
    pushed_by = fields.CharField(max_length=255, null=True)  # the event's actor.name

    repository_id: int

    class Meta:
        table = "image_tags"
        unique_together = (("repository", "name"),)
        indexes = (("repository_id", "id"), ("repository_id", "digest"))


class ImageTagPush(Model):
    """One push to a tag as its registry reported it: the tag's short history
    (the newest `TAG_HISTORY_KEPT` per tag, app/registries/images/history.py),
    kept so a user can see what a tag named before and who moved it. Keyed by
    the tag's name, not its row: a push replaces the tag's row."""

    id = fields.IntField(primary_key=True)
    repository: fields.ForeignKeyRelation[ImageRepository] = fields.ForeignKeyField(
        "nodion.ImageRepository", related_name="tag_pushes", on_delete=fields.CASCADE
    )
    tag = fields.CharField(max_length=128)
    digest = fields.CharField(max_length=100)
    # When it counts as pushed: the registry's timestamp, or the time it was
    # received when the registry's clock put it later than that.
    pushed_at = fields.DatetimeField()
    reported_at = fields.DatetimeField()  # the registry's own timestamp, as sent
    received_at = fields.DatetimeField()
    pushed_by = fields.CharField(max_length=255, null=True)

    repository_id: int

    class Meta:
        table = "image_tag_pushes"
        indexes = (("repository_id", "tag", "pushed_at"),)


class ImageEvent(Model):
    """A notification already applied: distribution delivers at least once and
    retries, so an event id seen before changes nothing."""

    id = fields.IntField(primary_key=True)
    region = fields.CharField(max_length=63)
    event_id = fields.CharField(max_length=100)
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "image_events"
        unique_together = (("region", "event_id"),)
        indexes = (("received_at",),)


class RetentionPolicy(Model):
    """Which tags of a Nodion registry `nodion admin apply-retention` deletes."""

    id = fields.IntField(primary_key=True)
    registry: fields.OneToOneRelation[Registry] = fields.OneToOneField(
        "nodion.Registry", related_name="retention_policy", on_delete=fields.CASCADE
    )
    # Keep each repository's newest `keep_last` tags; delete older ones only if
    # also pushed more than `older_than_days` ago (either may be unset).
    keep_last = fields.IntField(null=True)
    older_than_days = fields.IntField(null=True)
    # Globs over repository names (`shop/*`); empty: every repository.
    repositories: fields.Field[list[str]] = fields.JSONField(default=list)
    updated_at = fields.DatetimeField(auto_now=True)
    # When a run last took this policy: every worker of `nodion serve` runs the
    # periodic retention, and the one whose conditional update stamps this first
    # applies the policy (app/registries/images/retention.py, `_take_turn`).
    applied_at = fields.DatetimeField(null=True)

    registry_id: int

    class Meta:
        table = "retention_policies"
