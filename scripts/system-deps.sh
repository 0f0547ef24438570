#!/usr/bin/env bash
# Installs what the test suite drives outside Python, only what is missing: Debian's headless
# Chromium (dashboard and HTML export tests), Graphviz (DOT export), the PostgreSQL server
# (catalog collector, PostgreSQL store) and Node.js, then Mermaid from the npm registry (the real
# Mermaid parser checks the Mermaid export). Safe to run again: it does nothing when all are there.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v dot >/dev/null 2>&1 || need+=(graphviz)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing system packages: ${need[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
mermaid="${HOME}/.cache/lineage-mapper/mermaid"
if [ ! -f "${mermaid}/node_modules/mermaid/dist/mermaid.min.js" ]; then
  echo "installing mermaid from the npm registry into ${mermaid}"
  mkdir -p "${mermaid}"
  npm install --silent --no-audit --no-fund --prefix "${mermaid}" mermaid@11 >/dev/null
fi
