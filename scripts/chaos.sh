#!/usr/bin/env bash
# Fault run (not part of the test suite: it takes about a minute): load on a
# throwaway PostgreSQL 15, kill -9 of the service and a 10 s PostgreSQL outage
# mid-load. Prints requests, 503s, other 5xx, lost acknowledged writes,
# duplicates and recovery times; exits 1 on any 5xx other than 503, any
# "Unexpected error", any lost or duplicated write. Options go to scripts/chaos.py
# (--workers 8 --seconds 40 --outage 10).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

work=$(mktemp -d /tmp/nodion-chaos.XXXXXX)
pg_dir=$(mktemp -d /tmp/nodion-chaos-pg.XXXXXX)  # its own folder: the cluster's owner must enter it
stop_postgres() {
  runner=()
  [ "$(id -u)" = 0 ] && runner=(runuser -u postgres --)
  "${runner[@]}" /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"; [ -n "${CHAOS_KEEP:-}" ] || rm -rf "$work"
}
trap stop_postgres EXIT

port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
admin_url=$(scripts/start-test-postgres.sh "$port" "$pg_dir")
# The options start-test-postgres.sh started it with, to start it again after the outage.
options="-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
chmod a+rwx "$work"  # the cluster's owner writes its log there after the restart
.venv/bin/python scripts/chaos.py --admin-url "$admin_url" --pg-data "$pg_dir/data" \
  --pg-options "$options" --workdir "$work" "$@"
