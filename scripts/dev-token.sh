#!/usr/bin/env bash
# Print a development JWT: scripts/dev-token.sh TENANT [ROLE]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/dev-secret.sh
.venv/bin/python -m hirestream token --tenant "${1:?tenant}" --role "${2:-ADMIN}"
