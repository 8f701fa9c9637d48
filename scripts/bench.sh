#!/usr/bin/env bash
# Run every benchmark in bench/ (the bench/*_bench.py scripts; the other modules there are their
# helpers) against the local stack (started if needed). The résumé benchmark needs a corpus of
# real résumés (HIRESTREAM_CORPUS_DIR); without one it is skipped. The API benchmark drives
# HTTP with wrk: Debian's wrk is installed here when it is missing (apt-get, as root or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "bench: wrk is missing and this is neither root nor sudo;" \
      "install it with: apt-get install -y --no-install-recommends wrk" >&2
    exit 1
  fi
  echo "bench: wrk is missing; installing Debian's wrk" >&2
  echo "+ ${SUDO[*]:+${SUDO[*]} }apt-get update -qq" >&2
  "${SUDO[@]}" apt-get update -qq
  echo "+ ${SUDO[*]:+${SUDO[*]} }apt-get install -y --no-install-recommends wrk" >&2
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends wrk
fi

"$PY" -m hirestream.stack up >/dev/null
for script in bench/*_bench.py; do
  echo "== $script"
  if [ "$script" = bench/resume_bench.py ] && [ -z "${HIRESTREAM_CORPUS_DIR:-}" ]; then
    echo "skipped: set HIRESTREAM_CORPUS_DIR to a résumé corpus to run it"
    continue
  fi
  "$PY" "$script"
done
