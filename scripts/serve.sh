#!/usr/bin/env bash
# Run the service for development: SQLite in ./var, dev keys generated, GraphiQL
# at http://127.0.0.1:8000/graphql. Arguments go to `nodion serve` (--host, --port).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/nodion serve "$@"
