from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from app.security.tokens import TokenKind

API_TOKEN = TokenKind("nat_")
"""A personal API token (`Authorization: Bearer`), stored as `ApiToken.digest`."""


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "users"


class ApiToken(Model):
    """A personal API token. Only its keyed digest is stored."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "nodion.User", related_name="api_tokens", on_delete=fields.CASCADE
    )
    digest = fields.CharField(max_length=64, unique=True)
    hint = fields.CharField(max_length=4)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)

    user_id: int

    class Meta:
        table = "api_tokens"
