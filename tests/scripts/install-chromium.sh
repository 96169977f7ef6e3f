#!/usr/bin/env bash
# The browser the page tests drive: Debian's Chromium (Playwright's own browser download cannot run on the test
# machines). Installs it when /usr/bin/chromium (or $SEVENSTAMP_TEST_CHROMIUM) is missing; needs root and apt-get.
set -euo pipefail
browser="${SEVENSTAMP_TEST_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$browser" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
  echo "install-chromium: $browser is missing; install Debian's chromium package (or set SEVENSTAMP_TEST_CHROMIUM)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
echo "install-chromium: installed $("$browser" --version 2>/dev/null | head -n 1)"
