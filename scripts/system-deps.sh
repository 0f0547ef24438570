#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only those missing: headless Chromium for
# the dashboard and HTML export tests, Graphviz for the DOT export, and the PostgreSQL 15 server
# for the catalog collector and the PostgreSQL store. Safe to run again: it does nothing when all
# are present.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v dot >/dev/null 2>&1 || need+=(graphviz)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "installing system packages: ${need[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
