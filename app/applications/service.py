"""The rules of applications and deployments. Knows nothing of GraphQL."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from app.accounts.models import User
from app.applications.images import DEFAULT_TAG, ImageRef, check_tag, parse_image
from app.applications.metrics import record_transition
from app.applications.models import Application, Deployment, DeploymentStatus, Strategy
from app.audit.service import record
from app.errors import Conflict, NotFound, ValidationFailed
from app.projects.access import check_role, project_for, role_in
from app.projects.models import Project, Role
from app.registries.models import Registry, RegistryType
from app.registries.providers import PROVIDERS
from app.registries.selection import default_registry
from app.settings import Settings
from app.transactions import atomic

APP_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\Z")
ACTIVE = (DeploymentStatus.PENDING, DeploymentStatus.CLAIMED)


@dataclass(frozen=True)
class NewApplication:
    name: str
    region: str
    strategy: Strategy
    registry_id: int | None = None
    image: str | None = None
    tag: str | None = None
    deploy_on_push: bool = False


@dataclass(frozen=True)
class ApplicationChange:
    registry_id: int | None = None
    image: str | None = None
    tag: str | None = None
    deploy_on_push: bool | None = None


def clean_app_name(name: str) -> str:
    if not APP_NAME.match(name):
        raise ValidationFailed(
            "name",
            "An application name is a DNS label: 1 to 63 lower-case letters, digits and "
            "'-', starting and ending with a letter or digit, e.g. web or api-2.",
        )
    return name


async def application_for(user: User, application_id: int, required: Role) -> Application:
    application = await Application.get_or_none(id=application_id).select_related("project")
    role = await role_in(user, application.project_id) if application else None
    check_role(role, required, what="application")
    assert application is not None
    return application


async def _chosen_registry(
    project: Project, region: str, registry_id: int | None, strategy: Strategy
) -> Registry:
    if strategy.builds:
        if registry_id is not None:
            raise ValidationFailed(
                "containerRegistryId",
                "Dockerfile and Buildpacks apps push to the region's Nodion registry; "
                "leave containerRegistryId empty.",
            )
    elif registry_id is not None:
        registry = await Registry.get_or_none(id=registry_id, project_id=project.id)
        if registry is None:
            raise NotFound("No registry with this ID exists in this project.")
        if registry.type is RegistryType.NODION and registry.region != region:
            raise ValidationFailed(
                "containerRegistryId",
                f"{registry.name} serves region {registry.region}; choose the Nodion "
                f"registry of {region}, or leave containerRegistryId empty.",
            )
        return registry
    registry = await default_registry(project.id, region)
    if registry is None:
        raise Conflict(
            f"This project has no Nodion registry in {region}; an operator must run "
            "`nodion admin provision-regions`."
        )
    return registry


def _image_in(registry: Registry, project: Project, image: ImageRef) -> ImageRef:
    """A Nodion registry holds the project's namespace only: `web` there means
    `<namespace>/web`."""
    if registry.type is RegistryType.NODION and not image.repository.startswith(
        f"{project.namespace}/"
    ):
        return ImageRef(f"{project.namespace}/{image.repository}", image.tag, image.digest)
    return image


def _image_for(
    strategy: Strategy,
    registry: Registry,
    project: Project,
    name: str,
    image: str | None,
    tag: str | None,
) -> ImageRef:
    if strategy.builds:
        if image:
            raise ValidationFailed(
                "image",
                "Nodion builds this app's image; leave image empty (it is named after the app).",
            )
        return ImageRef(f"{project.namespace}/{name}", check_tag(tag) if tag else DEFAULT_TAG, None)
    if not image:
        raise ValidationFailed("image", "A prebuilt-image app needs the image to pull, e.g. nginx.")
    return _image_in(registry, project, parse_image(image, tag))


async def create_application(
    actor: User, project_id: int, spec: NewApplication, settings: Settings
) -> Application:
    project = await project_for(actor, project_id, Role.DEVELOPER)
    name = clean_app_name(spec.name)
    if settings.region(spec.region) is None:
        known = ", ".join(region.slug for region in settings.regions)
        raise ValidationFailed(
            "region", f"Unknown region {spec.region[:63]!r}; choose one of: {known}."
        )
    registry = await _chosen_registry(project, spec.region, spec.registry_id, spec.strategy)
    image = _image_for(spec.strategy, registry, project, name, spec.image, spec.tag)
    try:
        async with atomic():
            application = await Application.create(
                project=project,
                name=name,
                region=spec.region,
                strategy=spec.strategy,
                registry=registry,
                image=image.repository,
                tag=image.tag,
                digest=image.digest,
                deploy_on_push=spec.deploy_on_push,
            )
            await _audit(actor, application, "application.created")
    except IntegrityError:
        raise ValidationFailed(
            "name", f"This project already has an application named {name}."
        ) from None
    application.project = project
    return application


async def update_application(
    actor: User, application_id: int, change: ApplicationChange
) -> Application:
    application = await application_for(actor, application_id, Role.DEVELOPER)
    project = application.project
    if application.strategy.builds:
        if change.registry_id is not None or change.image is not None:
            raise ValidationFailed(
                "image" if change.image is not None else "containerRegistryId",
                "A Dockerfile or Buildpacks app is built into the region's Nodion registry; "
                "only its tag can change.",
            )
        application.tag = check_tag(change.tag) if change.tag else application.tag
    else:
        registry = (
            await _chosen_registry(
                project, application.region, change.registry_id, application.strategy
            )
            if change.registry_id is not None
            else await Registry.get(id=application.registry_id)
        )
        if change.image is not None:
            image = parse_image(change.image, change.tag)
        else:
            current = ImageRef(application.image, application.tag, application.digest)
            if change.tag is not None:
                current = ImageRef(application.image, check_tag(change.tag), None)
            image = current
        image = _image_in(registry, project, image)
        application.registry = registry
        application.image, application.tag, application.digest = (
            image.repository,
            image.tag,
            image.digest,
        )
    if change.deploy_on_push is not None:
        application.deploy_on_push = change.deploy_on_push
    async with atomic():
        await application.save()
        await _audit(actor, application, "application.updated")
    return application


async def remove_application(actor: User, application_id: int) -> Application:
    application = await application_for(actor, application_id, Role.ADMIN)
    async with atomic():
        await application.delete()
        await _audit(actor, application, "application.removed")
    return application


def image_reference(application: Application, registry: Registry, tag: str | None) -> str:
    """What a deployment of `application` pulls, fully qualified."""
    provider = PROVIDERS[registry.type]
    image = ImageRef(application.image, application.tag, application.digest)
    if tag is not None:
        image = ImageRef(application.image, check_tag(tag), None)
    return image.reference(
        registry.hostname, provider.api_repository(registry.hostname, image.repository)
    )


async def deploy(actor: User, application_id: int, tag: str | None) -> Deployment:
    application = await application_for(actor, application_id, Role.DEVELOPER)
    registry = await Registry.get(id=application.registry_id)
    reference = image_reference(application, registry, tag)
    async with atomic():
        deployment = await Deployment.create(
            application=application,
            project_id=application.project_id,
            region=application.region,
            strategy=application.strategy,
            registry=registry,
            image_reference=reference,
            repository=application.image,
        )
        await _audit(actor, application, "deployment.created", f"deployment {deployment.id}")
    record_transition("created")
    return deployment


BUILDS = (Strategy.DOCKERFILE, Strategy.BUILDPACKS)


async def before_registry_removed(registry: Registry) -> None:
    """Hook. Builds follow the region's default Nodion registry, so rotating it
    (add a fresh one, remove the old) moves them along. A registry that
    prebuilt-image apps or running deployments pull from stays."""
    if registry.type is RegistryType.NODION and registry.region is not None:
        successor = await default_registry(
            registry.project_id, registry.region, besides=registry.id
        )
        if successor is not None:
            await Application.filter(registry_id=registry.id, strategy__in=BUILDS).update(
                registry_id=successor.id
            )
    names = (
        await Application.filter(registry_id=registry.id)
        .order_by("name")
        .values_list("name", flat=True)
    )
    if names:
        listed = ", ".join(str(name) for name in names[:10])
        raise Conflict(
            f"Applications use this registry: {listed}. Point them at another registry "
            "(updateApplication) or remove them first."
        )
    if await Deployment.filter(registry_id=registry.id, status__in=ACTIVE).exists():
        raise Conflict(
            "A deployment that pulls from this registry is still running; "
            "try again when it has finished."
        )


async def before_project_deleted(project: Project, force: bool) -> None:
    """Hook. A project with applications is deleted only when asked with `force`;
    then its deployments (and their minted credentials) and applications go here,
    before the database removes the registries they pull from (RESTRICT)."""
    names = (
        await Application.filter(project_id=project.id)
        .order_by("name")
        .values_list("name", flat=True)
    )
    if names and not force:
        listed = ", ".join(str(name) for name in names[:10])
        more = f" and {len(names) - 10} more" if len(names) > 10 else ""
        raise Conflict(
            f"The project has applications: {listed}{more}. Remove them first, or "
            "delete with force to remove them and their deployments too."
        )
    await Deployment.filter(project_id=project.id).delete()
    await Application.filter(project_id=project.id).delete()


async def _audit(
    actor: User | None, application: Application, action: str, detail: str | None = None
) -> None:
    await record(
        project_id=application.project_id,
        actor=actor,
        action=action,
        target_type="Application",
        target_id=application.id,
        target_name=application.name,
        detail=detail,
    )
