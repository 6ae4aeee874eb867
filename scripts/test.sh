#!/usr/bin/env bash
# `make test`: real PostgreSQL and Mosquitto on loopback, then the whole suite (or the benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh test
dir=$(mktemp -d /tmp/qm-services.XXXXXX)
trap 'scripts/services.sh stop "$dir"' EXIT
eval "$(scripts/services.sh start "$dir")"
echo "PostgreSQL on port $QM_PG_PORT, Mosquitto at $QM_TEST_MQTT_URL"
if [ "${1:-}" = bench ]; then
  .venv/bin/python -m bench.run_all
else
  .venv/bin/pytest -p no:cacheprovider "${@:1}"
fi
