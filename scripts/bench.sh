#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the benchmark: the formula through Salt against the bare
# gluster CLI, on fresh local 3-node clusters (127.1.8.1-3). Writes bench/results.json.
# Arguments go to bench/bench.py, e.g. scripts/bench.sh --volumes 10 --parts local
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$PWD/.venv}"
bash scripts/setup.sh
exec "$VENV/bin/python" bench/bench.py "$@"
