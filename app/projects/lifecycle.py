"""Renaming and deleting a project (ADMIN only).

Deletion is one transaction: other domains remove what they own through the
PROJECT_DELETING hook, the database removes the rest with the project row
(members, registries: ON DELETE CASCADE), and the audit trail stays with the
project's namespace written on it. Every credential of the project lives in
those rows (registry access tokens, deployments' minted credentials), so once
the transaction commits none of them works: the token endpoint keeps a verified
login only while the database has not changed (app/db_changes.py)."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.audit.service import events_of_namespace, record
from app.errors import NotFound
from app.events import Hooks
from app.projects.access import project_for
from app.projects.events import PROJECT_DELETING
from app.projects.models import Project, Role
from app.projects.namespaces import name_key
from app.projects.quarantine import quarantine_namespace
from app.projects.service import clean_name, refuse_same_name
from app.transactions import atomic


async def rename_project(actor: User, project_id: int, name: str) -> Project:
    """A new display name; the namespace (and so every image path and login)
    never changes."""
    project = await project_for(actor, project_id, Role.ADMIN)
    name = clean_name(name)
    if name == project.name:
        return project
    key = name_key(name)
    if key != name_key(project.name):
        # One user's projects have different names, as on create (`--project Shop`).
        await refuse_same_name(actor, key)
    async with atomic():
        try:
            await Project.filter(id=project.id).update(name=name, name_key=key)
        except IntegrityError:  # a racing create or rename took the name meanwhile
            await refuse_same_name(actor, key)
            raise
        await record(
            project_id=project.id,
            actor=actor,
            action="project.renamed",
            target_type="Project",
            target_id=project.id,
            target_name=name,
        )
    project.name = name
    return project


async def delete_project(actor: User, project_id: int, *, force: bool, hooks: Hooks) -> int:
    """Delete the project and everything in it; returns its id."""
    await project_for(actor, project_id, Role.ADMIN)
    async with atomic():
        # Locked: an application created meanwhile waits, then finds no project.
        project = await Project.filter(id=project_id).select_for_update().first()
        if project is None:  # deleted by another request since the check above
            raise NotFound("No project with this ID exists, or you are not a member of it.")
        await hooks.run(PROJECT_DELETING, project, force)
        await record(
            project_id=project.id,
            actor=actor,
            action="project.deleted",
            target_type="Project",
            target_id=project.id,
            target_name=project.name,
            detail="forced" if force else None,
        )
        # The events outlive the project (their FK is SET NULL), found by namespace.
        await AuditEvent.filter(project_id=project.id).update(project_namespace=project.namespace)
        await quarantine_namespace(project.namespace)
        await project.delete()
    return project_id


async def audit_trail(namespace: str, *, limit: int) -> list[AuditEvent]:
    """For operators: what happened under a namespace, also after its project
    was deleted (`nodion admin audit --project-namespace`)."""
    live = await Project.get_or_none(namespace=namespace)
    return await events_of_namespace(namespace, live.id if live else None, limit=limit)
