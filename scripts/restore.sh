#!/usr/bin/env bash
# Restores a scripts/backup.sh file into an EMPTY database (create it first: createdb -O OWNER NAME).
# Usage: scripts/restore.sh FILE TARGET_URL
# Run it as the database's owner or a superuser. With TimescaleDB (the dump holds the extension) the target gets
# the extension first and timescaledb_pre_restore() / timescaledb_post_restore() around the restore, as
# TimescaleDB requires (same TimescaleDB version on both sides). README "Backup and restore".
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: restore.sh FILE TARGET_URL" >&2; exit 2; }
file="$1" url="$2"
[ -f "$file" ] || { echo "restore.sh: no file $file" >&2; exit 2; }
tables=$(psql --no-psqlrc -At -d "$url" -c \
  "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
[ "$tables" = 0 ] || { echo "restore.sh: the target database is not empty ($tables tables)" >&2; exit 2; }
list=$(mktemp)
trap 'rm -f "$list"' EXIT
pg_restore --list "$file" > "$list"
timescale=0
if grep -qE ' EXTENSION - timescaledb( |$)' "$list"; then
  timescale=1
  # The extension is created here, before the pre-restore call: its entry is left out of the list.
  grep -vE ' (EXTENSION|COMMENT) - (EXTENSION )?timescaledb( |$)' "$list" > "$list.ts" && mv "$list.ts" "$list"
  psql --no-psqlrc -q -v ON_ERROR_STOP=1 -d "$url" \
    -c "CREATE EXTENSION IF NOT EXISTS timescaledb" -c "SELECT timescaledb_pre_restore()" >/dev/null
fi
pg_restore --exit-on-error --use-list="$list" --dbname="$url" "$file"
if [ $timescale = 1 ]; then
  psql --no-psqlrc -q -v ON_ERROR_STOP=1 -d "$url" -c "SELECT timescaledb_post_restore()" >/dev/null
fi
psql --no-psqlrc -q -d "$url" -c "ANALYZE" >/dev/null
echo "restored $file (TimescaleDB: $([ $timescale = 1 ] && echo yes || echo no))"
