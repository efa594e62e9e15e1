"""Who may do what in a project: one rule, shared by every service."""

from __future__ import annotations

from app.accounts.models import User
from app.errors import NotFound, PermissionDenied
from app.projects.models import Project, ProjectMember, Role

ROLE_RANK = {Role.VIEWER: 0, Role.DEVELOPER: 1, Role.ADMIN: 2}


def allows(role: Role, required: Role) -> bool:
    return ROLE_RANK[role] >= ROLE_RANK[required]


async def role_in(user: User, project_id: int) -> Role | None:
    member = await ProjectMember.filter(user_id=user.id, project_id=project_id).first()
    return member.role if member else None


def check_role(role: Role | None, required: Role, *, what: str) -> None:
    """Non-members get NotFound (no leak that the object exists); members with a
    lower role get PermissionDenied, since they can already see it."""
    if role is None:
        raise NotFound(f"No {what} with this ID exists, or you are not a member of its project.")
    if not allows(role, required):
        raise PermissionDenied(
            f"This needs the {required.value} role in the project; you are {role.value}."
        )


async def project_for(user: User, project_id: int, required: Role) -> Project:
    member = (
        await ProjectMember.filter(user_id=user.id, project_id=project_id)
        .select_related("project")
        .first()
    )
    check_role(member.role if member else None, required, what="project")
    assert member is not None
    return member.project
