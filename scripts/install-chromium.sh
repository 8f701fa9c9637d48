#!/usr/bin/env bash
# Install Debian's chromium for the candidate page's browser tests (tests/e2e/
# test_candidate_page.py drives it through Playwright; Playwright's own browser download is not
# used). A no-op when /usr/bin/chromium exists; otherwise apt-get, as root or through sudo.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "install-chromium: /usr/bin/chromium is installed; nothing to do" >&2
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "install-chromium: /usr/bin/chromium is missing and this is neither root nor sudo;" \
    "install it with: apt-get install -y --no-install-recommends chromium" >&2
  exit 1
fi
echo "install-chromium: /usr/bin/chromium is missing; installing Debian's chromium" >&2
echo "+ ${SUDO[*]:+${SUDO[*]} }apt-get update -qq" >&2
"${SUDO[@]}" apt-get update -qq
echo "+ ${SUDO[*]:+${SUDO[*]} }apt-get install -y --no-install-recommends chromium" >&2
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends chromium
echo "install-chromium: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)" >&2
