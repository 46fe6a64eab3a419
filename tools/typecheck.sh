#!/usr/bin/env bash
# mypy cannot follow setuptools' package-dir mapping (rules/ -> adnn_lint.rules, ...), so type-check
# a staged view of the installed package layout built from symlinks to the real sources.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/adnn_lint"
for entry in "$root"/adnn_lint/*; do ln -s "$entry" "$stage/adnn_lint/$(basename "$entry")"; done
ln -s "$root/rules" "$stage/adnn_lint/rules"
ln -s "$root/runtime" "$stage/adnn_lint/runtime"
ln -s "$root/reports" "$stage/adnn_lint/reports"
cd "$stage"
"${PYTHON:-$root/.venv/bin/python}" -m mypy --config-file "$root/pyproject.toml" -p adnn_lint "$@"
# benchmark-only modules that tests import (they ship outside the wheel)
MYPYPATH="$stage" "${PYTHON:-$root/.venv/bin/python}" -m mypy --config-file "$root/pyproject.toml" \
  "$root/benchmarks/lsuv.py" "$root/benchmarks/stacked_reference.py" "$@"
