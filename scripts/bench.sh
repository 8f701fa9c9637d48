#!/usr/bin/env bash
# Run every benchmark in bench/ against the local stack (started if needed). The résumé
# benchmark needs a corpus of real résumés (HIRESTREAM_CORPUS_DIR); without one it is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
"$PY" -m hirestream.stack up >/dev/null
for script in bench/*.py; do
  echo "== $script"
  if [ "$script" = bench/resume_bench.py ] && [ -z "${HIRESTREAM_CORPUS_DIR:-}" ]; then
    echo "skipped: set HIRESTREAM_CORPUS_DIR to a résumé corpus to run it"
    continue
  fi
  "$PY" "$script"
done
