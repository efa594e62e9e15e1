"""Application mutations, one per module (its input, payload and result union beside it)."""

from strawberry.tools import merge_types

from app.applications.graphql.mutations.create_application import CreateApplication
from app.applications.graphql.mutations.deploy_application import DeployApplication
from app.applications.graphql.mutations.remove_application import RemoveApplication
from app.applications.graphql.mutations.update_application import UpdateApplication

ApplicationMutations = merge_types(
    "ApplicationMutations",
    (CreateApplication, UpdateApplication, RemoveApplication, DeployApplication),
)
