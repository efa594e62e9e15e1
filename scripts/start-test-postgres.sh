#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15 cluster on 127.0.0.1 for the test suite and
# print the URL to put in NODION_TEST_POSTGRES_URL. Stop it with:
#   runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$DIR/data" stop
# initdb refuses to run as root, so as root the cluster belongs to `postgres`.
set -euo pipefail
PORT="${1:-55432}"
DIR="${2:-$(mktemp -d /tmp/nodion-pg.XXXXXX)}"
mkdir -p "$DIR"
BIN=/usr/lib/postgresql/15/bin
if [ ! -x "$BIN/initdb" ]; then
  echo "PostgreSQL 15 server binaries not found in $BIN (apt-get install postgresql-15)" >&2
  exit 1
fi
as_owner=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$DIR"
  as_owner=(runuser -u postgres --)
fi
"${as_owner[@]}" "$BIN/initdb" -D "$DIR/data" --auth=trust -U postgres >"$DIR/initdb.log" 2>&1
"${as_owner[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null
echo "postgres://postgres@127.0.0.1:$PORT/postgres"
