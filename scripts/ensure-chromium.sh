#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the browser e2e tests
# (test/e2e/tracking-browser.e2e-spec.ts). Installs it when run as root with apt-get;
# otherwise says how to, and fails.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing chromium with apt-get..." >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  if [ -x "$CHROMIUM" ]; then
    exit 0
  fi
  echo "ensure-chromium: apt-get installed chromium, but $CHROMIUM is still missing" >&2
  exit 1
fi

cat >&2 <<MSG
ensure-chromium: $CHROMIUM is missing; the browser e2e tests need it.
Install it as root:  apt-get update && apt-get install -y chromium
(or run this script as root: sudo bash scripts/ensure-chromium.sh)
MSG
exit 1
