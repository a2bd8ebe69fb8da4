#!/usr/bin/env bash
# taskscope against Dask on this machine, in one run: the tutorial's normalization and
# the scheduling cost per task. Installs dask[array] into a virtualenv on first use.
#   bash benches/vs_dask.sh            # DASK_VENV=/tmp/dask-venv by default
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${DASK_VENV:-/tmp/dask-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import dask.array" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "dask[array]"
fi
cargo build --release -q
out=$(mktemp)
trap 'rm -f "$out"' EXIT
./target/release/taskscope bench --repeat 7 --format json > "$out"
"$venv/bin/python" benches/dask_bench.py "$out" --repeat 7
