#!/usr/bin/env bash
# Start the local stack (only what is not configured through the environment) and one worker
# in the foreground. Ctrl-C stops the worker, then the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

"$PY" -m hirestream.stack up >/dev/null
# shellcheck disable=SC1091
. .stack/env
. scripts/dev-secret.sh
trap '"$PY" -m hirestream.stack down >/dev/null 2>&1 || true' EXIT
echo "hirestream: serving http://${HIRESTREAM_HOST:-127.0.0.1}:${HIRESTREAM_PORT:-8080}${HIRESTREAM_API_PREFIX:-/api/v1} (Ctrl-C stops)" >&2
"$PY" -m hirestream worker
