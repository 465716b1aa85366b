#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the demo: pillar.example applied by one highstate to a real
# local 3-node GlusterFS cluster with a salt-master, three node minions and a client minion.
#   scripts/demo.sh        set up and run; leaves the cluster, daemons and mount running
#   scripts/demo.sh down   stop and remove everything the demo started
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$PWD/.venv}"
if [ "${1:-up}" = "down" ]; then
    exec "$VENV/bin/python" demo/run_demo.py down
fi
bash scripts/setup.sh
exec "$VENV/bin/python" demo/run_demo.py up
