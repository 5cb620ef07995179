#!/usr/bin/env bash
# System packages Roost's tools use: wrk (load generator for `roost bench`).
set -euo pipefail
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
# HAProxy: the load balancer `roost cluster` starts in front of its app servers.
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
