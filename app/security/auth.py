"""API authentication: `Authorization: Bearer <personal API token>`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.accounts.models import ApiToken, User
from app.security.tokens import API_TOKEN_PREFIX, is_well_formed, token_digest

# Recording every request as a write would make reads expensive; a minute is
# precise enough to answer "is this token still in use?".
LAST_USED_RESOLUTION = timedelta(minutes=1)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


async def authenticate(authorization: str | None, pepper: bytes) -> User | None:
    token = bearer_token(authorization)
    if token is None or not is_well_formed(token, API_TOKEN_PREFIX):
        return None
    api_token = (
        await ApiToken.filter(digest=token_digest(token, pepper)).select_related("user").first()
    )
    if api_token is None:
        return None
    now = datetime.now(UTC)
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
        await ApiToken.filter(id=api_token.id).update(last_used_at=now)
    return api_token.user
