#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL and Mosquitto on loopback, without systemd.
# Usage: services.sh start DIR  (prints export lines)  |  services.sh stop DIR
#        services.sh replica DIR  (a streaming replica of DIR's PostgreSQL, pg_basebackup -R; prints its URL)
#        services.sh replica-stop DIR
set -euo pipefail
cmd=$1 dir=$2

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; else dirname "$(command -v initdb)"; fi
}
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mosq() { command -v mosquitto 2>/dev/null || echo /usr/sbin/mosquitto; }
# The server options of the primary and of its replica (a hot standby needs max_connections and the preloaded
# libraries of its primary). TimescaleDB when it is installed (scripts/system-deps.sh builds it where
# ../shared/vendor has it): the migrations then make hypertables, compression and the continuous aggregate, as on a
# bureau's server.
pg_opts() {
  local port=$1 sockets=$2 preload=
  ls "$(dirname "$bin")"/lib/timescaledb-*.so >/dev/null 2>&1 && preload="-c shared_preload_libraries=timescaledb -c timescaledb.telemetry_level=off"
  echo "-p $port -k $sockets -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 $preload"
}

case "$cmd" in
start)
  mkdir -p "$dir"; chmod 755 "$dir"
  bin=$(pg_bin)
  pgport=$(free_port); mqport=$(free_port)
  mkdir -p "$dir/pg"
  [ "$(id -u)" -ne 0 ] || chown postgres "$dir/pg"
  as_pg "$bin/initdb" -D "$dir/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
  as_pg "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -o "$(pg_opts "$pgport" "$dir/pg")" start >/dev/null
  "$bin/createdb" -h 127.0.0.1 -p "$pgport" -U postgres qm
  cat >"$dir/mosquitto.conf" <<CONF
listener $mqport 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 1000
max_queued_messages 1000000
CONF
  chmod 644 "$dir/mosquitto.conf"
  # In the foreground of a background job: as root, mosquitto drops to its own user and could not write a pid file.
  nohup "$(mosq)" -c "$dir/mosquitto.conf" >"$dir/mosquitto.log" 2>&1 </dev/null &
  echo $! >"$dir/mosquitto.pid"
  up=
  for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$mqport),0.2)" 2>/dev/null && { up=1; break; }
    sleep 0.1
  done
  if [ -z "$up" ]; then echo "mosquitto did not start on port $mqport:" >&2; cat "$dir/mosquitto.log" >&2; exit 1; fi
  echo "export QM_DATABASE_URL=postgresql://postgres@127.0.0.1:$pgport/qm"
  echo "export QM_TEST_MQTT_URL=mqtt://127.0.0.1:$mqport"
  echo "export QM_PG_BIN=$bin QM_PG_DATA=$dir/pg/data QM_PG_PORT=$pgport"
  ;;
replica)
  # A hot standby streaming from the primary `start` made (its initdb allows replication connections from
  # loopback; wal_level=replica and max_wal_senders are PostgreSQL's defaults). It listens on a port of its own.
  [ -f "$dir/mosquitto.conf" ] && [ -f "$dir/pg/data/postmaster.pid" ] || { echo "no running services in $dir" >&2; exit 2; }
  bin=$(pg_bin)
  primary=$(sed -n 4p "$dir/pg/data/postmaster.pid")
  rport=$(free_port)
  rm -rf "$dir/replica"; mkdir -p "$dir/replica"
  [ "$(id -u)" -ne 0 ] || chown postgres "$dir/replica"
  as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres -D "$dir/replica/data" -R -X stream -c fast \
    >"$dir/replica/basebackup.log" 2>&1
  as_pg "$bin/pg_ctl" -D "$dir/replica/data" -l "$dir/replica/server.log" -w -o "$(pg_opts "$rport" "$dir/replica")" \
    start >/dev/null
  echo "export QM_TEST_REPLICA_URL=postgresql://postgres@127.0.0.1:$rport/qm QM_TEST_REPLICA_DATA=$dir/replica/data"
  ;;
replica-stop)
  [ -f "$dir/mosquitto.conf" ] || { echo "not a services folder: $dir" >&2; exit 2; }
  bin=$(pg_bin)
  [ -f "$dir/replica/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir/replica/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir/replica"
  ;;
stop)
  # Only a folder `start` made is removed (never, say, a device given by mistake).
  [ -d "$dir" ] && [ -f "$dir/mosquitto.conf" ] || { echo "not a services folder: $dir" >&2; exit 2; }
  bin=$(pg_bin)
  [ -f "$dir/replica/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir/replica/data" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$dir/pg/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir/pg/data" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$dir/mosquitto.pid" ] && kill "$(cat "$dir/mosquitto.pid")" 2>/dev/null || true
  rm -rf "$dir"
  ;;
*) echo "usage: $0 start|stop|replica|replica-stop DIR" >&2; exit 2 ;;
esac
