from app.domain import Domain
from app.projects.events import PROJECT_CREATED
from app.registries import token_endpoint
from app.registries.events import IMAGE_DELETING, IMAGE_TAGS_MOVED, REGISTRY_REMOVING
from app.registries.graphql.images import RepositoryType
from app.registries.graphql.mutations import RegistryMutations
from app.registries.graphql.project_fields import RegistryProjectFields
from app.registries.graphql.queries import RegistryQueries
from app.registries.graphql.types import RegistryNode, RegistryTokenNode, TrustedPublisherNode
from app.registries.images import events_endpoint
from app.registries.images.retention import IMAGE_RETENTION
from app.registries.loaders import REGISTRIES_BY_PROJECT
from app.registries.metrics import METRICS
from app.registries.models import (
    ACCESS_TOKEN_CIPHERTEXT,
    MOVED_TOKEN_CIPHERTEXT,
    PUBLISHER_CREDENTIAL,
    REGISTRY_TOKEN,
    TOKEN_CIPHERTEXT,
    Registry,
    RegistryToken,
)
from app.registries.provisioning import provision_default_registries
from app.registries.settings import RegistriesSettings
from app.security.stored_secrets import TokenDigests

DOMAIN = Domain(
    name="registries",
    models="app.registries.models",
    node_types=[RegistryNode, RegistryTokenNode, TrustedPublisherNode, RepositoryType],
    query=RegistryQueries,
    mutation=RegistryMutations,
    project_fields=RegistryProjectFields,
    project_page_loads={
        "registries": REGISTRIES_BY_PROJECT,
        "defaultRegistry": REGISTRIES_BY_PROJECT,
    },
    events=[REGISTRY_REMOVING, IMAGE_TAGS_MOVED, IMAGE_DELETING],
    hooks={PROJECT_CREATED: [provision_default_registries]},
    # Minted publisher credentials are left out of the pepper check: they
    # lapse within the hour anyway.
    token_kinds=[REGISTRY_TOKEN, PUBLISHER_CREDENTIAL],
    encrypted=[TOKEN_CIPHERTEXT, ACCESS_TOKEN_CIPHERTEXT, MOVED_TOKEN_CIPHERTEXT],
    token_digests=[TokenDigests(Registry, "token_digest"), TokenDigests(RegistryToken, "digest")],
    # The token endpoint (its GET first): every `docker login` and pull asks it.
    routes=lambda serving: [*token_endpoint.routes(serving), *events_endpoint.routes(serving)],
    # A notification envelope holds up to a thousand events.
    body_limits={events_endpoint.EVENTS_PATH: events_endpoint.MAX_EVENTS_BODY_BYTES},
    periodic=[IMAGE_RETENTION],
    settings=RegistriesSettings,
    metrics=METRICS,
    admin_commands={
        "provision-regions": "app.cli.registries_admin:provision_regions_command",
        "registry-config": "app.cli.registries_admin:registry_config_command",
        "sync-images": "app.cli.images_admin:sync_images_command",
        "apply-retention": "app.cli.images_admin:apply_retention_command",
    },
)
