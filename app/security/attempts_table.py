"""Failed-login counters in the database (PostgreSQL), shared by every worker
and host: one statement counts and reads the window back; a login that does
not fail only reads, and not even that while the database has not changed since
the same keys were read and had no failures (app/db_changes.py: counting a
failure notifies every worker, so the next login anywhere reads again).

Rows are locked in key order, so concurrent failures that share keys never
deadlock. Buckets older than the window are deleted now and then.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from tortoise import Tortoise

from app.db_changes import CHANNEL, ChangeWatch, Unwatched
from app.security.throttle import BUCKETS_PER_WINDOW, Counts

# The INSERT's RETURNING is the current bucket after this count (the row lock
# orders concurrent logins); the SELECT adds the other buckets of the window and
# the keys only read. A statement does not see its own CTE's writes, hence the
# exclusion of exactly the rows the INSERT returns.
ADD = """
WITH counted AS (
    INSERT INTO login_attempts (key, bucket, attempts)
    SELECT key, $2::bigint, 1 FROM unnest($1::text[]) AS key ORDER BY key
    ON CONFLICT (key, bucket) DO UPDATE SET attempts = login_attempts.attempts + 1
    RETURNING key, bucket, attempts
)
SELECT key, bucket, attempts FROM counted
UNION ALL
SELECT key, bucket, attempts FROM login_attempts
WHERE key = ANY($4::text[]) AND bucket >= $3
  AND NOT (bucket = $2 AND key = ANY($1::text[]))
"""

READ = (
    "SELECT key, bucket, attempts FROM login_attempts WHERE key = ANY($1::text[]) AND bucket >= $2"
)

PURGE = "DELETE FROM login_attempts WHERE bucket < $1"

NOTIFY = f"SELECT pg_notify('{CHANNEL}', 'login_attempts')"

MAX_CLEAN_KEYS = 100_000


class DatabaseAttempts:
    def __init__(self, watch: ChangeWatch | None = None, connection: str = "default") -> None:
        self.watch = watch or Unwatched()
        self.connection = connection
        self._purged_before: int | None = None
        # Keys read with no failures in the window, and the version they were read at
        # (a key only gets cleaner as time passes, so only a change can spoil this).
        self._clean: dict[str, Hashable] = {}

    async def add(
        self, keys: Sequence[str], bucket: int, oldest: int, read: Sequence[str] = ()
    ) -> Counts:
        client = Tortoise.get_connection(self.connection)
        # Well behind the window, so no attempt still being settled loses its row.
        expired = oldest - BUCKETS_PER_WINDOW
        if self._purged_before != expired:
            self._purged_before = expired
            await client.execute_query(PURGE, [expired])
        every = [*keys, *read]
        version = self.watch.version()
        if keys:
            for key in keys:
                self._clean.pop(key, None)
            rows = await client.execute_query_dict(ADD, [sorted(keys), bucket, oldest, every])
            await client.execute_query(NOTIFY)
        elif version is not None and all(self._clean.get(key) == version for key in read):
            return {key: [] for key in read}
        else:  # only reading: no write, no row lock
            rows = await client.execute_query_dict(READ, [every, oldest])
        counts: Counts = {key: [] for key in every}
        for row in rows:
            counts[row["key"]].append((row["bucket"], row["attempts"]))
        for key, buckets in counts.items():
            buckets.sort()
            if not buckets and version is not None and key not in keys:
                if len(self._clean) >= MAX_CLEAN_KEYS:
                    self._clean.clear()
                self._clean[key] = version
        return counts
