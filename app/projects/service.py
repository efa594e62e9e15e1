from __future__ import annotations

import re
import secrets
import unicodedata

from tortoise.exceptions import IntegrityError

from app.accounts.models import User
from app.accounts.service import member_email
from app.audit.service import record
from app.errors import Conflict, NotFound, ValidationFailed
from app.events import Hooks
from app.projects.access import project_for
from app.projects.events import PROJECT_CREATED
from app.projects.models import Project, ProjectMember, Role
from app.projects.quarantine import namespace_in_quarantine
from app.settings import Settings
from app.transactions import atomic

NAME_MAX_LENGTH = 100
NAMESPACE_BASE_MAX_LENGTH = 40
NAMESPACE_ATTEMPTS = 5
# Control, format (bidi overrides, zero-width), line/paragraph separators, surrogates.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def clean_name(name: str, *, field: str = "name", what: str = "Name") -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed(field, f"{what} must not be empty.")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationFailed(field, f"{what} must be at most {NAME_MAX_LENGTH} characters.")
    if any(unicodedata.category(char) in INVISIBLE_CATEGORIES for char in name):
        # Cf holds the bidirectional overrides (U+202E shows text reversed) and
        # the zero-width characters that make two names look identical.
        raise ValidationFailed(
            field,
            f"{what} must not contain control, bidirectional-override or zero-width characters.",
        )
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
        if await namespace_in_quarantine(namespace):  # a deleted project's, for 30 days
            continue
        try:
            async with atomic():
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
    email = member_email(email)
    user = await User.get_or_none(email=email)
    if user is None:
        raise NotFound(f"No user with email {email!r}; they must sign up first.")
    async with atomic():
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
    email = member_email(email)
    project = await project_for(actor, project_id, Role.ADMIN)
    member = (
        await ProjectMember.filter(project=project, user__email=email)
        .select_related("user")
        .first()
    )
    if member is None:
        raise NotFound(f"{email!r} is not a member of this project.")
    async with atomic():
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
