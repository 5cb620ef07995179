#!/usr/bin/env bash
# System packages Roost's tools use: wrk (load generator for `roost bench`),
# haproxy (`roost cluster`), chromium (browser tests of the web app).
set -euo pipefail
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
# HAProxy: the load balancer `roost cluster` starts in front of its app servers.
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
# Chromium: the browser the web app's end-to-end tests drive (Playwright, headless).
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
