from __future__ import annotations

import re
import secrets

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from app.accounts.models import User
from app.audit.service import record
from app.errors import Conflict, NotFound, ValidationFailed
from app.events import PROJECT_CREATED, Hooks
from app.projects.access import project_for
from app.projects.models import Project, ProjectMember, Role
from app.settings import Settings

NAME_MAX_LENGTH = 100
NAMESPACE_BASE_MAX_LENGTH = 40
NAMESPACE_ATTEMPTS = 5


def clean_name(name: str, *, field: str = "name", what: str = "Name") -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed(field, f"{what} must not be empty.")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationFailed(field, f"{what} must be at most {NAME_MAX_LENGTH} characters.")
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise ValidationFailed(field, f"{what} must not contain control characters.")
    return name


def namespace_base(name: str) -> str:
    """A DNS-label-safe slug that is also a valid repository path component."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:NAMESPACE_BASE_MAX_LENGTH].strip("-") or "project"


async def create_project(actor: User, name: str, settings: Settings, hooks: Hooks) -> Project:
    """`hooks` let other domains add to the new project in the same transaction
    (registries provision one default Nodion registry per region)."""
    name = clean_name(name)
    base = namespace_base(name)
    for attempt in range(NAMESPACE_ATTEMPTS):
        namespace = base if attempt == 0 else f"{base}-{secrets.token_hex(3)}"
        if await Project.exists(namespace=namespace):
            continue
        try:
            async with in_transaction():
                project = await Project.create(name=name, namespace=namespace)
                await ProjectMember.create(project=project, user=actor, role=Role.ADMIN)
                await hooks.run(PROJECT_CREATED, project, settings)
                await record(
                    project_id=project.id,
                    actor=actor,
                    action="project.created",
                    target_type="Project",
                    target_id=project.id,
                    target_name=name,
                )
            return project
        except IntegrityError:
            continue  # another request took the namespace in between; try a new suffix
    raise Conflict("Could not find a free namespace for this project name; try another name.")


async def set_member(actor: User, project_id: int, email: str, role: Role) -> Project:
    """Add a member, or change the role of an existing one (ADMIN only)."""
    project = await project_for(actor, project_id, Role.ADMIN)
    user = await User.get_or_none(email=email.strip().lower())
    if user is None:
        raise NotFound(f"No user with email {email.strip()!r}; they must sign up first.")
    async with in_transaction():
        member = await ProjectMember.get_or_none(project=project, user=user)
        if member is None:
            await ProjectMember.create(project=project, user=user, role=role)
        elif member.role != role:
            if member.role == Role.ADMIN:
                await _ensure_another_admin(project, user)
            member.role = role
            await member.save(update_fields=["role"])
        await record(
            project_id=project.id,
            actor=actor,
            action=f"member.set.{role.value.lower()}",
            target_type="User",
            target_id=user.id,
            target_name=user.email,
        )
    return project


async def remove_member(actor: User, project_id: int, email: str) -> Project:
    project = await project_for(actor, project_id, Role.ADMIN)
    member = (
        await ProjectMember.filter(project=project, user__email=email.strip().lower())
        .select_related("user")
        .first()
    )
    if member is None:
        raise NotFound(f"{email.strip()!r} is not a member of this project.")
    async with in_transaction():
        if member.role == Role.ADMIN:
            await _ensure_another_admin(project, member.user)
        await member.delete()
        await record(
            project_id=project.id,
            actor=actor,
            action="member.removed",
            target_type="User",
            target_id=member.user.id,
            target_name=member.user.email,
        )
    return project


async def _ensure_another_admin(project: Project, leaving: User) -> None:
    """Runs inside the caller's transaction. Locking the ADMIN rows makes two
    admins who remove each other at once wait for one another (PostgreSQL);
    SQLite serialises write transactions anyway."""
    admins = await ProjectMember.filter(project=project, role=Role.ADMIN).select_for_update()
    if not any(admin.user_id != leaving.id for admin in admins):
        raise Conflict("A project needs at least one ADMIN; make someone else ADMIN first.")
