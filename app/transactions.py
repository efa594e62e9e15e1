"""Transactions that tell "nothing was saved" apart from "we cannot know".

When the connection is lost while the body of a transaction runs, nothing was
saved, and a 503 that says so invites a safe retry. When it is lost during the
COMMIT itself, the server may have committed: the answer must not say "nothing
was changed", or a retrying client creates the thing twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise.transactions import in_transaction

from app.db_changes import note_local_commit
from app.outage import CommitOutcomeUnknown, is_database_unavailable

__all__ = ["CommitOutcomeUnknown", "atomic"]


@asynccontextmanager
async def atomic() -> AsyncIterator[Any]:
    body_done = False
    try:
        async with in_transaction() as connection:
            yield connection
            body_done = True  # what remains is the COMMIT in in_transaction's exit
    except Exception as error:
        if body_done and is_database_unavailable(error):
            note_local_commit()  # it may have committed
            raise CommitOutcomeUnknown("lost during COMMIT") from error
        raise
    else:
        # This worker's next request must see the commit at once; the database's
        # notification of it may be read from its socket only later.
        note_local_commit()
