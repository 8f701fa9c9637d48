#!/usr/bin/env bash
# Start the local stack (only what is neither configured through the environment nor running
# yet) and one worker in the foreground.
# - Ctrl-C (SIGINT or SIGTERM to this script) stops the worker, then only the services this run
#   started (`stack up --record` / `stack down --from`); a stack that ran before keeps running.
# - When the worker fails on its own, the stack keeps running for the next start and the script
#   exits with the worker's status; `make stop` stops the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

started="$(mktemp "${TMPDIR:-/tmp}/hirestream-run.XXXXXX")"
worker="" interrupted="" status=0
trap 'interrupted=1; if [ -n "$worker" ]; then kill -TERM "$worker" 2>/dev/null || true; fi' INT TERM
trap 'rm -f "$started"' EXIT

exports="$("$PY" -m hirestream.stack up --record "$started")" || status=$?
if [ "$status" -eq 0 ] && [ -z "$interrupted" ]; then
  eval "$exports"
  . scripts/dev-secret.sh
  echo "hirestream: serving http://${HIRESTREAM_HOST:-127.0.0.1}:${HIRESTREAM_PORT:-8080}${HIRESTREAM_API_PREFIX:-/api/v1} (Ctrl-C stops)" >&2
  "$PY" -m hirestream worker &
  worker=$!
  # A trapped signal ends `wait` early: wait again until the worker has exited.
  while status=0; wait "$worker" || status=$?; kill -0 "$worker" 2>/dev/null; do :; done
fi

if [ -n "$interrupted" ] || [ "$status" -eq 0 ]; then
  "$PY" -m hirestream.stack down --from "$started" || true
elif [ -n "$worker" ]; then
  echo "hirestream: the worker exited with status $status; Kafka, PostgreSQL and the SMTP sink keep running for the next start (\`make stop\` stops them)" >&2
else
  echo "hirestream: the stack did not start (status $status); what did start keeps running (\`make stop\` stops it)" >&2
fi
exit "$status"
