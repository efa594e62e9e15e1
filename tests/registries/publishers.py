"""GraphQL documents and helpers shared by the trusted-publisher tests."""

from __future__ import annotations

from typing import Any

ADD_TRUSTED_PUBLISHER = """
mutation($input: AddTrustedPublisherInput!) {
  addTrustedPublisher(input: $input) {
    __typename
    ... on AddTrustedPublisherSuccess {
      publisher { id provider issuer audience repositories createdBy lastUsedAt registry { id }
                  conditions { claim value } }
    }
    ... on ValidationError { field message }
    ... on Error { message }
  }
}"""

REMOVE_TRUSTED_PUBLISHER = """
mutation($id: ID!) {
  removeTrustedPublisher(publisherId: $id) {
    __typename
    ... on RemoveTrustedPublisherSuccess { removedPublisherId registry { id } }
    ... on Error { message }
  }
}"""

TRUSTED_PUBLISHERS = """
query($id: ID!) {
  node(id: $id) { ... on Registry { trustedPublishers { id provider lastUsedAt
    conditions { claim value } repositories problem } } }
}"""


async def add_publisher(api: Any, registry_id: str, provider: str, **fields: Any) -> dict:
    variables = {"input": {"registryId": registry_id, "provider": provider, **fields}}
    return (await api(ADD_TRUSTED_PUBLISHER, variables))["addTrustedPublisher"]


async def remove_publisher(api: Any, publisher_id: str) -> dict:
    return (await api(REMOVE_TRUSTED_PUBLISHER, {"id": publisher_id}))["removeTrustedPublisher"]
