#!/usr/bin/env bash
# The examples' browser tests drive Debian's Chromium with playwright-core (Playwright's own browser
# download cannot work here). Installs Chromium, and a CJK font so that screenshots show Chinese text,
# when they are missing; fails loudly when it cannot.
set -euo pipefail

need=()
command -v "${CHROMIUM_PATH:-/usr/bin/chromium}" >/dev/null 2>&1 || need+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-zenhei)
if [ "${#need[@]}" -eq 0 ]; then
  echo "chromium: $("${CHROMIUM_PATH:-/usr/bin/chromium}" --version 2>/dev/null || echo present)"
  exit 0
fi

echo "installing ${need[*]} (Debian packages) for the examples' browser tests"
if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
"${CHROMIUM_PATH:-/usr/bin/chromium}" --version
