"""How applications react to the images index of the managed registries: a
push deploys the applications that follow its tag, and a tag in use is not
deleted without force."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from app.applications.images import ImageRef
from app.applications.metrics import record_transition
from app.applications.models import Application, Deployment, Strategy
from app.audit.service import record
from app.errors import Conflict
from app.registries.image_models import ImageRepository, ImageTag
from app.registries.models import Registry, RegistryType
from app.registries.providers import PROVIDERS
from app.transactions import atomic

RECENT = timedelta(hours=24)


def pinned_reference(registry: Registry, repository: str, digest: str) -> str:
    provider = PROVIDERS[registry.type]
    return ImageRef(repository, None, digest).reference(
        registry.hostname, provider.api_repository(registry.hostname, repository)
    )


async def deploy_on_push(moved: Sequence[Any]) -> None:
    """Hook (IMAGE_TAGS_MOVED): for each tag that now names another digest, one
    deployment pinned to it for every application that follows the tag with
    deploy on push (prebuilt-image apps in that Nodion registry's region; for
    Dockerfile and Buildpacks apps the build's push to `<namespace>/<app>`).
    The index reports a tag as moved once, so a digest pushed again, or an
    event delivered twice, deploys nothing."""
    if not moved:
        return
    project_ids = sorted({m.project_id for m in moved})
    following = await Application.filter(
        project_id__in=project_ids,
        deploy_on_push=True,
        digest__isnull=True,
        image__in=sorted({m.repository for m in moved}),
    ).select_related("registry")
    by_tag = {(m.project_id, m.region, m.repository, m.tag): m for m in moved}
    for application in following:
        registry: Registry = application.registry
        push = by_tag.get(
            (application.project_id, application.region, application.image, application.tag or "")
        )
        if (
            push is None
            or registry.type is not RegistryType.NODION
            or registry.region != push.region
            or await _pushed_by_its_own_build(application, push.pushed_by)
        ):
            continue
        async with atomic():
            deployment = await Deployment.create(
                application=application,
                project_id=application.project_id,
                region=application.region,
                # The digest is built already: the deployment runs it. (One that
                # built again would push again, and deploy itself forever.)
                strategy=Strategy.PREBUILT_IMAGE,
                registry=registry,
                image_reference=pinned_reference(registry, push.repository, push.digest),
                repository=application.image,
            )
            source = (
                "the build's push"
                if application.strategy is not Strategy.PREBUILT_IMAGE
                else "a push"
            )
            await record(
                project_id=application.project_id,
                actor=None,
                actor_email=f"push:{(push.pushed_by or 'unknown')[:200]}",
                action="deployment.created",
                target_type="Application",
                target_id=application.id,
                target_name=application.name,
                # The audit's detail is short: the credential is the actor,
                # the tag is the application's own.
                detail=f"deployment {deployment.id} from {source} ({push.digest[:19]})"[:64],
            )
        record_transition("created")


async def _pushed_by_its_own_build(application: Application, pushed_by: str | None) -> bool:
    """A build deployment pushes what it built with its own credential
    (`deployment-<id>`, targets.credential_username) and runs it: that push is
    deployed already."""
    if not application.strategy.builds or not pushed_by or not pushed_by.startswith("deployment-"):
        return False
    number = pushed_by.removeprefix("deployment-")
    return (
        number.isdigit()
        and await Deployment.filter(id=int(number), application_id=application.id).exists()
    )


async def refuse_deleting_used_digest(
    project_id: int, region: str, repository: str, digest: str
) -> None:
    """Hook (IMAGE_DELETING): a digest that a prebuilt-image application pulls
    (by the tag that names it, or pinned), or that a deployment of the last 24
    hours pulled, is not deleted without force."""
    names = await used_by(project_id, region, repository, digest)
    if names:
        raise Conflict(
            f"{repository}@{digest[:19]}… is in use by application {', '.join(names[:10])}; "
            "delete with force to delete it anyway."
        )


async def used_by(
    project_id: int, region: str, repository: str, digest: str, tags: Sequence[str] = ()
) -> list[str]:
    """Names of the applications using the digest (`tags`: the tags naming it)."""
    if not tags:
        row = await ImageRepository.get_or_none(
            project_id=project_id, region=region, name=repository
        )
        tags = (
            [
                str(t)
                for t in await ImageTag.filter(repository_id=row.id, digest=digest).values_list(
                    "name", flat=True
                )
            ]
            if row
            else []
        )
    names: set[str] = set()
    apps = await Application.filter(
        project_id=project_id, region=region, image=repository, strategy=Strategy.PREBUILT_IMAGE
    ).select_related("registry")
    for app in apps:
        if app.registry.type is not RegistryType.NODION:
            continue
        if app.digest == digest or (app.digest is None and app.tag in tags):
            names.add(app.name)
    since = datetime.now(UTC) - RECENT
    references = (f"@{digest}", *(f":{tag}" for tag in tags))
    recent = await Deployment.filter(
        project_id=project_id, region=region, repository=repository, created_at__gte=since
    ).select_related("application")
    for deployment in recent:
        if deployment.image_reference.endswith(references):
            names.add(deployment.application.name)
    return sorted(names)
