#!/usr/bin/env bash
# `make test`: real PostgreSQL and Mosquitto on loopback, then the whole suite (or the benchmarks, or one of them).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh test
if [ "${1:-}" = future ]; then
  # Re-run this script with the clock of every process (services, ingest, Chromium) a year ahead.
  shift
  command -v faketime >/dev/null || { echo "faketime is missing (Debian package faketime)" >&2; exit 1; }
  export FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_DONT_RESET=1
  export PYTHONPATH="$PWD/scripts/faketime${PYTHONPATH:+:$PYTHONPATH}"  # time.sleep without EINVAL, see there
  exec faketime -f "${QM_FAKETIME:-+365d}" "$0" "$@"
fi
dir=$(mktemp -d /tmp/qm-services.XXXXXX)
trap 'scripts/services.sh stop "$dir"' EXIT
eval "$(scripts/services.sh start "$dir")"
unset QM_REPLICA_DATABASE_URL  # the replica tests start their own (tests/support/replica.py)
echo "PostgreSQL on port $QM_PG_PORT, Mosquitto at $QM_TEST_MQTT_URL"
if [ "${1:-}" = bench ] && [ -n "${2:-}" ]; then
  # One benchmark with its options against these services: scripts/test.sh bench cluster --ingest
  .venv/bin/python -m "bench.$2" "${@:3}"
elif [ "${1:-}" = bench ]; then
  .venv/bin/python -m bench.run_all
else
  .venv/bin/pytest -p no:cacheprovider "${@:1}"
fi
