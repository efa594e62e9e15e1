from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # for type checkers only; import-linter skips these imports
    from app.accounts.models import User


class Role(StrEnum):
    ADMIN = "ADMIN"
    DEVELOPER = "DEVELOPER"
    VIEWER = "VIEWER"


class Project(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    # DNS-label-safe; every managed registry grants access under `<namespace>/` only.
    namespace = fields.CharField(max_length=63, unique=True)
    # Who created it, and its name as compared for uniqueness (app/projects/
    # namespaces.py name_key): the unique index makes two racing creates of the
    # same name by one user fail in the database, not only in the service's check.
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "nodion.User", related_name="owned_projects", on_delete=fields.SET_NULL, null=True
    )
    name_key = fields.CharField(max_length=400, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    owner_id: int | None

    class Meta:
        table = "projects"
        unique_together = (("owner", "name_key"),)


class ProjectMember(Model):
    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "nodion.Project", related_name="members", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "nodion.User", related_name="memberships", on_delete=fields.CASCADE
    )
    role = fields.CharEnumField(Role, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    project_id: int
    user_id: int

    class Meta:
        table = "project_members"
        unique_together = (("project", "user"),)
        # A user's projects (the projects list) without reading every membership.
        indexes = (("user_id", "project_id"),)


class NamespaceQuarantine(Model):
    """The namespace of a deleted project, not given to a new project until
    `QUARANTINE` has passed: the registries may still hold images under
    `<namespace>/`, and a pull by the old name must not reach a stranger's."""

    namespace = fields.CharField(max_length=63, primary_key=True)
    deleted_at = fields.DatetimeField()

    class Meta:
        table = "namespace_quarantine"
