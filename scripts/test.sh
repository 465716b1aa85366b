#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole test suite: unit, functional, integration.
# Extra arguments go to pytest, e.g. scripts/test.sh tests/unit -x
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$PWD/.venv}"
bash scripts/setup.sh
if [ "$#" -eq 0 ]; then
    set -- tests
fi
# pytest exits 5 when it ran no test: that is a failure here like any other non-zero code
# --durations: the slowest tests, to keep the suite's time in view
# -n: GLUSTER_TEST_WORKERS pytest-xdist workers (default 2; 0 runs everything in this process).
#   a worker takes a whole group of tests at a time, so that no two tests that share a cluster run
#   at once (tests/support/groups.py); --no-loadscope-reorder hands the groups out in collection
#   order, the long shared-pool group (tests/functional) first, the unit modules last
exec "$VENV/bin/python" -m pytest -p no:cacheprovider -ra --durations=25 \
    -n "${GLUSTER_TEST_WORKERS:-2}" --dist loadscope --no-loadscope-reorder "$@"
