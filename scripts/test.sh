#!/usr/bin/env bash
# Run the whole test suite: lint and type checks, then pytest on SQLite and, when
# PostgreSQL 15 binaries exist here, on a throwaway PostgreSQL cluster as well
# (tests/graphql runs with the GraphQL fast path on and off). pytest runs on
# NODION_TEST_WORKERS processes (default 2, one per core; 0 runs in this one)
# and ends with the 25 slowest tests. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
# NODION_VENV: run with another virtualenv (scripts/check-upgrades.sh makes one per
# combination of releases); by default .venv, created by bootstrap.sh.
venv="${NODION_VENV:-.venv}"
if [ -z "${NODION_VENV:-}" ]; then
  scripts/bootstrap.sh
fi

pg_dir=""
stop_postgres() {
  if [ -n "$pg_dir" ]; then
    runner=()
    [ "$(id -u)" = 0 ] && runner=(runuser -u postgres --)
    "${runner[@]}" /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
trap stop_postgres EXIT

if [ -z "${NODION_TEST_POSTGRES_URL:-}" ] && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
  pg_dir=$(mktemp -d /tmp/nodion-pg.XXXXXX)
  port=$("$venv"/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  NODION_TEST_POSTGRES_URL=$(scripts/start-test-postgres.sh "$port" "$pg_dir")
  export NODION_TEST_POSTGRES_URL
  echo "Throwaway PostgreSQL at $NODION_TEST_POSTGRES_URL"
fi

"$venv"/bin/ruff check app tests scripts
"$venv"/bin/ruff format --check --quiet app tests scripts
"$venv"/bin/lint-imports --no-cache >/dev/null || "$venv"/bin/lint-imports --no-cache  # layers: docs/architecture.md
"$venv"/bin/mypy  # app/, as [tool.mypy] in pyproject.toml says
# worksteal: the end-to-end tests take seconds each, the rest milliseconds, so an
# idle worker takes work from the other instead of waiting for its share.
"$venv"/bin/python -m pytest -n "${NODION_TEST_WORKERS:-2}" --dist worksteal --durations=25 "$@"
