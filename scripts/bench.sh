#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the benchmark: the formula through Salt against the bare
# gluster CLI, on fresh local 3-node clusters (127.1.8.1-3). Writes bench/results.json and
# draws bench/growth.png (matplotlib, requirements-bench.txt, installed here into the venv).
# Arguments go to bench/bench.py, e.g. scripts/bench.sh --volumes 10 --parts local
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$PWD/.venv}"
bash scripts/setup.sh
if [ ! -e "$VENV/.bench-requirements-installed" ] \
   || [ requirements-bench.txt -nt "$VENV/.bench-requirements-installed" ]; then
    echo "==> pip install -r requirements-bench.txt into $VENV"
    "$VENV/bin/python" -m pip install --quiet -r requirements-bench.txt
    touch "$VENV/.bench-requirements-installed"
fi
exec "$VENV/bin/python" bench/bench.py "$@"
