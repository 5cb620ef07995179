#!/usr/bin/env bash
# System packages Roost uses, from Debian:
#   ffmpeg  ffmpeg and ffprobe, run by the workers to probe and transcode
#           videos and to turn animated GIFs into MP4 (needed at run time)
#   wrk     the load generator of `roost bench` (development only)
#   haproxy the load balancer `roost cluster` runs (development and tests;
#           production installs it on the balancer machine)
# `install-system-deps.sh runtime` installs only what a server needs (make run).
# Idempotent and quiet: it installs only what is missing, and prints apt's
# output only when the installation fails.
set -euo pipefail
need=()
if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
  need+=(ffmpeg)
fi
if [ "${1:-all}" != "runtime" ] && ! command -v wrk >/dev/null 2>&1; then
  need+=(wrk)
fi
if [ "${1:-all}" != "runtime" ] && ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
  need+=(haproxy)
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { $SUDO apt-get update -qq &&
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"; } \
  >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-system-deps: could not install ${need[*]}" >&2
  exit 1
fi
