"""What one GraphQL request did so far, for the parts that answer it at the end.

A context variable holding one mutable object: resolvers run in tasks that copy
the context, so they change the object, never the variable.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class Outcome:
    operation_name_given: bool
    operation_type: str | None = None  # "query", "mutation" (strawberry's and graphql-core's value)
    # A mutation body returned normally, so its transaction committed.
    changes_committed: bool = False
    # A resolver answered with a typed error (for nodion_graphql_operations_total).
    typed_error: bool = False
    operation_name: str | None = None
    # Frees what the request loaded, once its result is processed.
    release: Callable[[], None] | None = None

    @property
    def committed_mutation(self) -> bool:
        return self.operation_type == "mutation" and self.changes_committed


_outcome: ContextVar[Outcome | None] = ContextVar("graphql_outcome", default=None)


def begin(*, operation_name_given: bool) -> Outcome:
    outcome = Outcome(operation_name_given=operation_name_given)
    _outcome.set(outcome)
    return outcome


def current() -> Outcome | None:
    return _outcome.get()


def note_typed_error() -> None:
    outcome = _outcome.get()
    if outcome is not None:
        outcome.typed_error = True


def note_committed() -> None:
    outcome = _outcome.get()
    if outcome is not None:
        outcome.changes_committed = True
