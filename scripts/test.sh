#!/usr/bin/env bash
# Run the whole test suite: lint and type checks, then pytest on SQLite and, when
# PostgreSQL 15 binaries exist here, on a throwaway PostgreSQL cluster as well;
# with no arguments, tests/graphql once more with the GraphQL fast path off.
# Arguments go to pytest.
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
"$venv"/bin/python -m pytest "$@"
if [ "$#" -eq 0 ]; then
  # The whole run: the GraphQL suite once more with the fast path off, so the
  # stock path it falls back to (NODION_GRAPHQL_FAST_PATH=off) is known to work.
  echo "tests/graphql again with NODION_GRAPHQL_FAST_PATH=off"
  NODION_GRAPHQL_FAST_PATH=off "$venv"/bin/python -m pytest -q tests/graphql
fi
