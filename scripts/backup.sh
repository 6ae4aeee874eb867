#!/usr/bin/env bash
# A backup of Quartermaster's PostgreSQL database in pg_dump's custom format (compressed, restorable table by table).
# Usage: scripts/backup.sh [FILE]   (default: qm-YYYYmmdd-HHMMSS.dump in the current folder)
# Connects through QM_BACKUP_DATABASE_URL, else QM_MIGRATION_DATABASE_URL (the owner: every table, the grants),
# else QM_DATABASE_URL. Restore with scripts/restore.sh. README "Backup and restore".
set -euo pipefail
url="${QM_BACKUP_DATABASE_URL:-${QM_MIGRATION_DATABASE_URL:-${QM_DATABASE_URL:-}}}"
case "$url" in
  postgres://*|postgresql://*) ;;
  *) echo "backup.sh: set QM_DATABASE_URL (or QM_MIGRATION_DATABASE_URL) to the PostgreSQL database" >&2; exit 2 ;;
esac
file="${1:-qm-$(date -u +%Y%m%d-%H%M%S).dump}"
tmp="$file.partial"
# One consistent snapshot of the whole database; a file only appears once it is complete.
pg_dump --format=custom --compress=6 --file="$tmp" --dbname="$url"
mv "$tmp" "$file"
echo "$file $(stat -c %s "$file") bytes, $(pg_restore --list "$file" | grep -c ' TABLE DATA ') tables"
