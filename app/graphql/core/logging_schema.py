"""A schema that logs failed operations without anything a secret could hide in.

strawberry's default `process_errors` logs every error with the document text
and the exception's message; a token written inline in a document, a variable
quoted by a database error or a megabyte of input would end up in the log. This
one logs the operation name, a hash of the document (to find the same request
again), the error path and code, and the classes of the exception chain.
"""

from __future__ import annotations

import hashlib
import logging

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from app.outage import is_database_unavailable
from app.request_id import current_request_id
from app.safe_logging import error_summary

log = logging.getLogger("app.graphql")
MAX_NAME_CHARS = 100


def document_hash(query: str | None) -> str:
    return hashlib.sha256((query or "").encode("utf-8", "replace")).hexdigest()[:16]


def _operation_name(execution_context: ExecutionContext | None) -> str:
    try:
        name = execution_context.operation_name if execution_context else None
    except RuntimeError:  # no operation could be picked from the document
        name = None
    return (name or "-")[:MAX_NAME_CHARS]


class LoggingSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        query = execution_context.query if execution_context else None
        where = (
            f"request {current_request_id()} operation {_operation_name(execution_context)} "
            f"document {document_hash(query)}"
        )
        for error in errors:
            original = error.original_error
            path = ".".join(str(part) for part in error.path or []) or "-"
            if original is None or isinstance(original, GraphQLError):
                code = (error.extensions or {}).get("code", "GRAPHQL_VALIDATION_FAILED")
                log.info("Refused %s: %s at %s", where, str(code)[:MAX_NAME_CHARS], path)
            elif is_database_unavailable(original):
                summary = error_summary(original)
                log.warning("Database unavailable in %s at %s: %s", where, path, summary)
            else:
                log.error(
                    "Unexpected error in %s at %s: %s",
                    where,
                    path,
                    error_summary(original, with_stack=True),
                )
