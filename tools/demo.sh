#!/usr/bin/env bash
# The main job on an embedded default, from a fresh checkout: set up the environment, then lint a
# shipped example model, extract its ADNN spec, verify its accuracy contract on the embedded MNIST
# subset (no network, no data of yours) and render the HTML accountability report.
#   bash tools/demo.sh [OUTPUT_DIR]      (default: out/demo)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-out/demo}
example=examples/paper_mnist1.py

if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
fi
# Installs only what is missing; a second run is quick.
.venv/bin/python -m pip install -q -e '.[runtime]'
lint=.venv/bin/adnn-lint
mkdir -p "$out"

echo "== 1/4 lint $example"
"$lint" check --no-cache "$example"
"$lint" check --no-cache --exit-zero --output-format json "$example" >"$out/findings.json"
"$lint" layers "$example"

echo "== 2/4 extract the ADNN spec"
"$lint" spec "$example" -o "$out"
spec=$(ls "$out"/*.adnn.toml | head -n 1)
"$lint" spec --check "$spec"

echo "== 3/4 verify the contract on the embedded MNIST subset"
# verify exits 0 PASS, 1 FAIL, 3 INCONCLUSIVE: each is a finished demo, so keep going to the report.
set +e
"$lint" verify "$spec" --data embedded --results "$out/results.json"
verdict=$?
set -e
if [ "$verdict" -eq 2 ] || [ "$verdict" -gt 3 ]; then
  echo "verify failed (exit $verdict)" >&2
  exit "$verdict"
fi

echo "== 4/4 render the report"
"$lint" report --findings "$out/findings.json" --spec "$spec" --results "$out/results.json" \
  -o "$out/report.html"
"$lint" report --findings "$out/findings.json" --spec "$spec" --results "$out/results.json" \
  --format markdown -o "$out/summary.md"
echo "report: $out/report.html (open it in any browser, offline); summary: $out/summary.md"
