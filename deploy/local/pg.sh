#!/usr/bin/env bash
# pg.sh: a throwaway PostgreSQL 15 cluster in a project-local directory.
#
#   pg.sh init  DIR [PORT]   create the cluster (initdb), durable settings, unix socket in DIR/run
#   pg.sh start DIR          start it and wait until it accepts connections
#   pg.sh stop  DIR [MODE]   stop it (MODE: fast (default), immediate, smart)
#   pg.sh restart DIR [MODE] restart; "immediate" simulates a crash and WAL recovery
#   pg.sh url   DIR [DB] [USER]  print a libpq connection string for it
#   pg.sh status DIR         exit 0 when running
#   pg.sh destroy DIR        stop if running and remove DIR
#   pg.sh freeport           print a free TCP port on 127.0.0.1
#
# On Debian initdb and pg_ctl live in /usr/lib/postgresql/15/bin and refuse to run as root; when
# run as root this script runs them as the 'postgres' system user with DIR owned by it.
# Durability settings are the safe defaults (fsync=on, synchronous_commit=on,
# full_page_writes=on): acknowledgements in ducha follow a COMMIT, so the commit must be durable.
set -euo pipefail

PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$PGBIN/initdb" ] || { echo "pg.sh: initdb not found under $PGBIN (run deploy/local/install-deps.sh)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

freeport() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

cmd=${1:-}; shift || true
case "$cmd" in
  freeport) freeport ;;
  init)
    dir=$(realpath -m "$1"); port=${2:-$(freeport)}
    if [ -f "$dir/data/PG_VERSION" ]; then echo "pg.sh: cluster already exists in $dir"; exit 0; fi
    mkdir -p "$dir/data" "$dir/run"
    if [ "$(id -u)" -eq 0 ]; then
      chown -R postgres:postgres "$dir"
      # postgres must be able to reach DIR through its parents.
      p=$(dirname "$dir"); while [ "$p" != "/" ]; do chmod o+x "$p" 2>/dev/null || true; p=$(dirname "$p"); done
    fi
    chmod 700 "$dir/data"
    as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
# ducha throwaway cluster
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/run'
max_connections = 200
shared_buffers = 128MB
fsync = on
synchronous_commit = on
full_page_writes = on
idle_in_transaction_session_timeout = '60s'
log_min_messages = warning
log_line_prefix = '%m [%p] %u@%d '
CONF
    echo "$port" >"$dir/port"
    echo "pg.sh: cluster created in $dir (port $port)"
    ;;
  start)
    dir=$(realpath -m "$1")
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
      || { tail -n 20 "$dir/server.log" >&2; exit 1; }
    echo "pg.sh: running on port $(cat "$dir/port"), socket $dir/run"
    ;;
  stop)
    dir=$(realpath -m "$1"); mode=${2:-fast}
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m "$mode" -w -t 60 stop >/dev/null 2>&1 || true
    ;;
  restart)
    dir=$(realpath -m "$1"); mode=${2:-fast}
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m "$mode" -w -t 60 restart >/dev/null
    ;;
  status)
    dir=$(realpath -m "$1")
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
    ;;
  url)
    dir=$(realpath -m "$1"); db=${2:-ducha}; user=${3:-postgres}
    echo "host=$dir/run port=$(cat "$dir/port") dbname=$db user=$user"
    ;;
  destroy)
    dir=$(realpath -m "$1")
    if [ -d "$dir/data" ]; then
      as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    sed -n '2,14p' "$0"; exit 2 ;;
esac
