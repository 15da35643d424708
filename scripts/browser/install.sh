#!/usr/bin/env bash
# Installs Debian's Chromium for the report's browser test (crates/cli/tests/report.rs) when it
# is missing: as root with apt-get, `apt-get install chromium`; otherwise says it cannot and
# exits 0 (the test then skips with a notice). Prints nothing more when it is already there.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "browser: cannot install Chromium (needs root and apt-get); the report's browser test will skip" >&2
  exit 0
fi
echo "browser: installing Chromium (apt-get install chromium)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends chromium >/dev/null; then
  apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null || {
    echo "browser: apt-get could not install Chromium; the report's browser test will skip" >&2
    exit 0
  }
fi
