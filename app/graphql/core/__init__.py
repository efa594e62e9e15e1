"""Shared GraphQL building blocks: the Error interface and result helper, global
IDs, pagination, permissions, per-request loaders and context. Imports no domain."""
