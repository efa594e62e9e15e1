#!/usr/bin/env bash
# Does the suite (and so the GraphQL fast path, which builds on internals of
# strawberry-graphql and graphql-core) pass on other releases of what we depend on?
#
# One throwaway virtualenv per combination (scripts/check_upgrades.py lists them:
# the oldest allowed strawberry-graphql and graphql-core; the newest release of
# each strawberry line the pin allows; the newest allowed; and every direct
# dependency at its newest release with the pins ignored, which is what the next
# strawberry line would bring), the suite run in each with scripts/test.sh, and
# one verdict line per combination. Arguments go to pytest (e.g. tests/graphql
# for a quick look, run with the fast path on and off); none runs the whole suite,
# which includes tests/graphql both ways. Not part of the default
# test run: it installs from the package index and takes minutes per combination.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
work=$(mktemp -d /tmp/nodion-upgrades.XXXXXX)
logs="$work/logs"
mkdir -p "$logs"
trap 'rm -rf "$work"/venv-*' EXIT

mapfile -t combinations < <(.venv/bin/python scripts/check_upgrades.py)
verdicts=()
number=0
for line in "${combinations[@]}"; do
  IFS=$'\t' read -ra fields <<<"$line"
  label=${fields[0]}
  requirements=("${fields[@]:1}")
  number=$((number + 1))
  venv="$work/venv-$number"
  log="$logs/$number.log"
  echo "[$number/${#combinations[@]}] $label: installing..." >&2
  python3 -m venv "$venv"
  {
    "$venv/bin/pip" install --quiet --upgrade pip
    if [[ $label == *"pins ignored"* ]]; then
      "$venv/bin/pip" install --quiet --no-deps -e .
      "$venv/bin/pip" install --quiet "${requirements[@]}"
    else
      "$venv/bin/pip" install --quiet --upgrade --upgrade-strategy eager -e '.[test]' \
        "${requirements[@]}"
    fi
  } >"$log" 2>&1 || {
    verdicts+=("INSTALL FAILED  $label (log: $log)")
    continue
  }
  installed=$("$venv/bin/python" -c 'from importlib.metadata import version
print(", ".join(f"{name} {version(name)}" for name in ("strawberry-graphql", "graphql-core")))')
  echo "[$number/${#combinations[@]}] $label ($installed): running the suite..." >&2
  start=$SECONDS
  outcome=PASS
  NODION_VENV="$venv" scripts/test.sh "$@" >>"$log" 2>&1 || outcome=FAIL
  if [ "$#" -gt 0 ]; then  # test.sh runs the fast-path-off pass only for the whole suite
    NODION_GRAPHQL_FAST_PATH=off NODION_VENV="$venv" scripts/test.sh "$@" >>"$log" 2>&1 ||
      outcome=FAIL
  fi
  # pytest's closing lines: the main run, then (whole suite) the fast-path-off run.
  summary=$(grep -E '^=*.* (passed|failed|error).* in [0-9.]+s' "$log" | sed -E 's/^=+ //; s/ =+$//' |
    paste -sd ";" - || true)
  verdicts+=("$outcome  $label: $installed: ${summary:-no pytest summary} ($((SECONDS - start)) s; log: $log)")
done

echo
printf '%s\n' "${verdicts[@]}"
! printf '%s\n' "${verdicts[@]}" | grep -qv '^PASS'
