from app.accounts.graphql import UserNode
from app.domain import Domain

DOMAIN = Domain(name="accounts", models="app.accounts.models", node_types=[UserNode])
