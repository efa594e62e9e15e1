"""Transactions that tell "nothing was saved" apart from "we cannot know".

When the connection is lost while the body of a transaction runs, nothing was
saved, and a 503 that says so invites a safe retry. When it is lost during the
COMMIT itself, the server may have committed: the answer must not say "nothing
was changed", or a retrying client creates the thing twice.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from tortoise.transactions import in_transaction

from app.db_changes import note_local_commit
from app.outage import CommitOutcomeUnknown, caused_by_full_storage, is_database_unavailable

__all__ = ["CommitOutcomeUnknown", "atomic", "unless_storage_full"]

log = logging.getLogger(__name__)


@asynccontextmanager
async def atomic() -> AsyncIterator[Any]:
    body_done = False
    try:
        async with in_transaction() as connection:
            yield connection
            body_done = True  # what remains is the COMMIT in in_transaction's exit
    except Exception as error:
        # A full disk refusing the COMMIT is an answer, not a lost connection:
        # the database said it did not commit.
        if body_done and is_database_unavailable(error) and not caused_by_full_storage(error):
            note_local_commit()  # it may have committed
            raise CommitOutcomeUnknown("lost during COMMIT") from error
        raise
    else:
        # This worker's next request must see the commit at once; the database's
        # notification of it may be read from its socket only later.
        note_local_commit()


async def unless_storage_full(write: Callable[[], Awaitable[object]], what: str) -> None:
    """Run `write`, bookkeeping that a read makes on the side (a token's last
    use), in one transaction; when the data folder is full it is skipped, not
    failed, so reads keep working while nothing can be written."""
    try:
        # Not `atomic`: bookkeeping is not a change this worker's next request
        # must be shown at once (noting it would drop the kept registry logins
        # that the stamp's own caller has just updated).
        async with in_transaction():
            await write()
    except Exception as error:
        if not caused_by_full_storage(error):
            raise
        log.warning("Skipped %s: the data folder is full.", what)
