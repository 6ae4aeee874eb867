#!/usr/bin/env bash
# Installs the Debian packages Quartermaster needs, only those missing. Usage: system-deps.sh base|test|rabbitmq
# (rabbitmq: the optional RabbitMQ cluster test, `make cluster-test`; never part of base or test)
set -euo pipefail
want=()
have_cmd() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }

python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || want+=(python3-venv)
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || want+=(fonts-wqy-zenhei)
# The demo's embedded broker and the tests' real one (the pure-Python fallback cannot carry the ingest).
have_cmd mosquitto || want+=(mosquitto)
if [ "${1:-base}" = test ]; then
  pg=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  { [ -n "$pg" ] && [ -x "$pg/initdb" ]; } || have_cmd initdb || want+=(postgresql)
  [ -x /usr/bin/chromium ] || want+=(chromium)
  have_cmd pdftoppm || want+=(poppler-utils)
  # PGlite with TimescaleDB (scripts/pglite.sh) for the TimescaleDB storage tests.
  have_cmd node || want+=(nodejs)
  have_cmd npm || want+=(npm)
  # `make test-future` moves the clock a year ahead with libfaketime.
  have_cmd faketime || want+=(faketime)
  # tests/deploy: the production stack (nginx in front of gunicorn, a self-signed certificate), pg_dump/pg_restore.
  have_cmd nginx || want+=(nginx)
  have_cmd openssl || want+=(openssl)
  have_cmd systemd-analyze || want+=(systemd)  # tests/deploy/test_kit.py verifies the units
fi
if [ "${1:-base}" = rabbitmq ]; then
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || want+=(rabbitmq-server)
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
if [ ${#want[@]} -gt 0 ]; then
  echo "installing Debian packages: ${want[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
fi
if [ "${1:-base}" = rabbitmq ] && command -v systemctl >/dev/null 2>&1; then
  # The test runs its own nodes: the package's system service (started by the install where systemd runs) is not
  # left running or enabled.
  now=; [ -d /run/systemd/system ] && now=--now
  $SUDO systemctl disable $now rabbitmq-server >/dev/null 2>&1 || true
fi
# Real TimescaleDB where the workplace ships its source (../shared/vendor): built once per machine (~3 min) into
# Debian's PostgreSQL 15; scripts/services.sh preloads it whenever it is installed. Elsewhere the suite runs on
# plain PostgreSQL (and PGlite for the TimescaleDB storage test).
vendor="$(cd "$(dirname "$0")/.." && pwd)/../shared/vendor/build-timescaledb.sh"
if [ "${1:-base}" = test ] && [ -f "$vendor" ] && [ -d /usr/lib/postgresql/15 ] \
   && ! ls /usr/lib/postgresql/15/lib/timescaledb-*.so >/dev/null 2>&1; then
  echo "building TimescaleDB from $vendor (once per machine)"
  flock /tmp/qm-timescaledb-build.lock $SUDO bash "$vendor"
fi
