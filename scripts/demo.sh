#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the demo: a local 3-node GlusterFS cluster driven by Salt.
# Pass --keep to leave the cluster and its FUSE mount running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$PWD/.venv}"
bash scripts/setup.sh
exec "$VENV/bin/python" demo/run_demo.py "$@"
