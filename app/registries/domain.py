from app.domain import Domain
from app.events import PROJECT_CREATED
from app.registries.graphql.mutations import RegistryMutations
from app.registries.graphql.project_fields import RegistryProjectFields
from app.registries.graphql.queries import RegistryQueries
from app.registries.graphql.types import RegistryNode
from app.registries.loaders import REGISTRIES_BY_PROJECT
from app.registries.provisioning import provision_default_registries

DOMAIN = Domain(
    name="registries",
    models="app.registries.models",
    node_types=[RegistryNode],
    query=RegistryQueries,
    mutation=RegistryMutations,
    project_fields=RegistryProjectFields,
    project_page_loads={
        "registries": REGISTRIES_BY_PROJECT,
        "defaultRegistry": REGISTRIES_BY_PROJECT,
    },
    hooks={PROJECT_CREATED: [provision_default_registries]},
)
