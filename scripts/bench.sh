#!/usr/bin/env bash
# Run every benchmark in bench/ against the local stack (started if needed).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
"$PY" -m hirestream.stack up >/dev/null
for script in bench/*.py; do
  echo "== $script"
  "$PY" "$script"
done
