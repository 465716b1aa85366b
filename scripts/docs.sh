#!/usr/bin/env bash
# Set up (scripts/setup.sh) and build the reference from the docstrings: docs/_build/html.
# sphinx-build -W: a warning fails the build (CI builds it the same way: tests/unit/test_docs.py).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$PWD/.venv}"
bash scripts/setup.sh
"$VENV/bin/python" -m sphinx -W --keep-going -b html docs docs/_build/html "$@"
echo "==> docs/_build/html/index.html"
