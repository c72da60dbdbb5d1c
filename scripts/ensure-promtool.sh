#!/usr/bin/env bash
# Makes sure Prometheus's promtool is on the PATH for the metrics spec
# (src/metrics/ases-metrics.spec.ts runs `promtool check metrics`). Installs Debian's prometheus
# package, which ships it, when run as root with apt-get; otherwise says how to, and fails.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-promtool: installing prometheus (for promtool) with apt-get..." >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  if command -v promtool >/dev/null 2>&1; then
    exit 0
  fi
  echo "ensure-promtool: apt-get installed prometheus, but promtool is still not on the PATH" >&2
  exit 1
fi

cat >&2 <<MSG
ensure-promtool: promtool is missing; the metrics spec runs 'promtool check metrics'.
Install it as root:  apt-get update && apt-get install -y --no-install-recommends prometheus
(or run this script as root: sudo bash scripts/ensure-promtool.sh)
MSG
exit 1
