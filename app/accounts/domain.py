from app.accounts.graphql import UserNode
from app.accounts.models import API_TOKEN, ApiToken
from app.domain import Domain
from app.security.stored_secrets import TokenDigests

DOMAIN = Domain(
    name="accounts",
    models="app.accounts.models",
    node_types=[UserNode],
    token_kinds=[API_TOKEN],
    token_digests=[TokenDigests(ApiToken, "digest")],
    admin_commands={
        "create-user": "app.cli.accounts_admin:create_user_command",
        "create-token": "app.cli.accounts_admin:create_token_command",
    },
)
