#!/usr/bin/env bash
# Create .venv (once) and install the project with its test tools into it.
# pip's output (setuptools' "editable installation" banner among it) is kept in
# .venv/install.log and shown only when the installation fails.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -e "$stamp" ]; then
  echo "Installing Nodion and its dependencies into .venv (once; about a minute)..." >&2
  if ! { .venv/bin/pip install --quiet --upgrade pip &&
         .venv/bin/pip install --quiet -e '.[test]'; } >.venv/install.log 2>&1; then
    cat .venv/install.log >&2
    echo "error: installing into .venv failed (log above, also in .venv/install.log)" >&2
    exit 1
  fi
  touch "$stamp"
fi
