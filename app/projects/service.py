from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from app.accounts.models import User
from app.accounts.service import member_email
from app.audit.service import record
from app.errors import Conflict, NotFound, ValidationFailed
from app.events import Hooks
from app.projects.access import project_for
from app.projects.events import PROJECT_CREATED
from app.projects.models import Project, ProjectMember, Role
from app.projects.namespaces import (
    RESERVED,
    chosen_namespace,
    derived_base,
    name_key,
    with_suffix,
)
from app.projects.quarantine import namespace_in_quarantine
from app.settings import Settings
from app.transactions import atomic

NAME_MAX_LENGTH = 100
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


@dataclass(frozen=True)
class CreatedProject:
    project: Project
    notice: str | None = None
    """Said to the user when the namespace is not what they would guess."""


async def create_project(
    actor: User,
    name: str,
    settings: Settings,
    hooks: Hooks,
    *,
    namespace: str | None = None,
) -> CreatedProject:
    """`hooks` let other domains add to the new project in the same transaction
    (registries provision one default Nodion registry per region)."""
    name = clean_name(name)
    key = name_key(name)
    await refuse_same_name(actor, key)
    if namespace is not None:
        chosen = chosen_namespace(namespace)
        if await Project.exists(namespace=chosen):
            raise ValidationFailed(
                "namespace", f"The namespace {chosen!r} is taken; choose another one."
            )
        if await namespace_in_quarantine(chosen):
            raise ValidationFailed(
                "namespace",
                f"The namespace {chosen!r} belonged to a project deleted less than 30 days "
                "ago (its registries may still hold images); choose another one.",
            )
        candidates = [chosen]
        notice = None
    else:
        base, fell_back = derived_base(name)
        if base in RESERVED:
            base = with_suffix(base)
        candidates = [base, *(with_suffix(base) for _ in range(NAMESPACE_ATTEMPTS - 1))]
        notice = (
            f"{name!r} has no letters that spell out in Latin script, so its namespace is "
            f"{{namespace}}; choose one with `namespace` if you prefer."
            if fell_back
            else None
        )
    for candidate in candidates:
        if await Project.exists(namespace=candidate):
            continue
        if await namespace_in_quarantine(candidate):  # a deleted project's, for 30 days
            continue
        try:
            project = await _insert(actor, name, key, candidate, settings, hooks)
        except IntegrityError:
            await refuse_same_name(actor, key)  # a racing create of the same name won
            continue  # another request took the namespace in between; try a new suffix
        return CreatedProject(project, notice.format(namespace=candidate) if notice else None)
    if namespace is not None:
        raise ValidationFailed(
            "namespace", f"The namespace {namespace!r} is taken; choose another."
        )
    raise Conflict("Could not find a free namespace for this project name; try another name.")


async def refuse_same_name(actor: User, key: str) -> None:
    """One user's projects have different names: `--project Shop` must mean one."""
    same = await Project.filter(members__user_id=actor.id, name_key=key).first()
    if same is None:
        same = await Project.filter(owner_id=actor.id, name_key=key).first()
    if same is not None:
        raise ValidationFailed(
            "name",
            f"You already have a project named {same.name!r} (namespace {same.namespace}); "
            "choose another name.",
        )


async def _insert(
    actor: User, name: str, key: str, namespace: str, settings: Settings, hooks: Hooks
) -> Project:
    async with atomic():
        project = await Project.create(name=name, name_key=key, namespace=namespace, owner=actor)
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
