from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

ACTION_MAX_LENGTH = 64

if TYPE_CHECKING:  # for type checkers only; import-linter skips these imports
    from app.accounts.models import User
    from app.projects.models import Project


class AuditEvent(Model):
    """Who did what to which object. Never holds a secret."""

    id = fields.IntField(primary_key=True)
    # SET NULL, not CASCADE: the trail of a deleted project (its deletion
    # included) outlives it, found by `project_namespace` (`nodion admin audit`).
    project: fields.ForeignKeyNullableRelation[Project] = fields.ForeignKeyField(
        "nodion.Project", related_name="audit_events", null=True, on_delete=fields.SET_NULL
    )
    # Written when the project is deleted (one UPDATE in the deletion's
    # transaction); while it exists its namespace is read from the project.
    project_namespace = fields.CharField(max_length=63, null=True)
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "nodion.User", related_name="audit_events", null=True, on_delete=fields.SET_NULL
    )
    # Kept as text so the event outlives the user or the object it names.
    actor_email = fields.CharField(max_length=254, null=True)
    action = fields.CharField(max_length=ACTION_MAX_LENGTH)
    target_type = fields.CharField(max_length=32)
    target_id = fields.IntField()
    target_name = fields.CharField(max_length=261)
    # A short outcome, e.g. a verification status; never a secret.
    detail = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    project_id: int | None
    actor_id: int | None

    class Meta:
        table = "audit_events"
        # Newest first per project; per project and action for the filtered list.
        # A deleted project's events by its namespace (`nodion admin audit`).
        indexes = (
            ("project_id", "id"),
            ("project_id", "action", "id"),
            ("project_namespace", "id"),
        )
