#!/usr/bin/env bash
# What the tests need from Debian's packages: Chromium for the browser tests (Playwright never
# downloads a browser here), the PostgreSQL server binaries (initdb, pg_ctl) for the tracker-store
# tests, and Redis and HAProxy for the several-server stack (netfaq/tools/stack.py). The tests
# start their own throwaway servers of each; no system service is enabled.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing for the tests from Debian's packages: ${missing[*]} ..."
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
command -v chromium >/dev/null
