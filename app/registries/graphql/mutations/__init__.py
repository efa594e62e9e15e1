"""Registry mutations, one per module (its input, payload and result union beside it)."""

from strawberry.tools import merge_types

from app.registries.graphql.mutations.add_registry import AddRegistry
from app.registries.graphql.mutations.create_registry_token import CreateRegistryToken
from app.registries.graphql.mutations.delete_image_tag import DeleteImageTag
from app.registries.graphql.mutations.generate_credentials import GenerateCredentials
from app.registries.graphql.mutations.remove_registry import RemoveRegistry
from app.registries.graphql.mutations.revoke_registry_token import RevokeRegistryToken
from app.registries.graphql.mutations.rotate_registry_token import RotateRegistryToken
from app.registries.graphql.mutations.set_retention_policy import SetRetentionPolicy
from app.registries.graphql.mutations.trusted_publishers import TrustedPublisherMutations
from app.registries.graphql.mutations.update_credentials import UpdateCredentials
from app.registries.graphql.mutations.verify_registry import VerifyRegistry

RegistryMutations = merge_types(
    "RegistryMutations",
    (
        AddRegistry,
        GenerateCredentials,
        UpdateCredentials,
        VerifyRegistry,
        RemoveRegistry,
        CreateRegistryToken,
        RotateRegistryToken,
        RevokeRegistryToken,
        TrustedPublisherMutations,
        DeleteImageTag,
        SetRetentionPolicy,
    ),
)
