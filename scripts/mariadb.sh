#!/usr/bin/env bash
# A throwaway MariaDB for the addon tests: no network, one socket, one data
# directory, nothing from /etc/mysql.
#
#   scripts/mariadb.sh start DIR [OWNER_PID]   # prints the socket path when ready
#   scripts/mariadb.sh stop DIR                # stops it and removes DIR
#
# With OWNER_PID, a watchdog stops the server once that process is gone, so a
# test run that dies without cleaning up leaves no server behind.
# The database `whmcs_test` exists when `start` returns; root has no password.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR [OWNER_PID]" >&2
  exit 2
}

[ $# -ge 2 ] || usage
command=$1
dir=$2
owner=${3:-}
socket="$dir/mysql.sock"
pidfile="$dir/mariadbd.pid"
ready_timeout=${MARIADB_READY_TIMEOUT:-30}

client() {
  local program=$1
  shift
  "$program" --no-defaults --socket="$socket" --user=root --connect-timeout=2 "$@"
}

start() {
  command -v mariadbd >/dev/null 2>&1 || { echo "mariadb.sh: mariadbd not found (run scripts/setup.sh)" >&2; exit 1; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  socket="$dir/mysql.sock"
  pidfile="$dir/mariadbd.pid"
  if [ ! -d "$dir/data/mysql" ]; then
    local try
    for try in 1 2; do
      if mariadb-install-db --no-defaults --datadir="$dir/data" --user=root \
          --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
          >"$dir/install.log" 2>&1; then
        break
      fi
      if [ "$try" = 2 ]; then
        echo "mariadb.sh: mariadb-install-db failed:" >&2
        grep -v '^[[:space:]]*$' "$dir/install.log" | head -n 15 >&2
        exit 1
      fi
      rm -rf -- "$dir/data"
    done
  fi
  mariadbd --no-defaults --user=root --datadir="$dir/data" --socket="$socket" \
    --skip-networking --pid-file="$pidfile" --log-error="$dir/error.log" \
    --skip-log-bin --performance-schema=OFF --skip-name-resolve \
    --innodb-buffer-pool-size=32M --innodb-log-file-size=16M \
    --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-flush-method=nosync \
    --innodb-fast-shutdown=3 --max-connections=200 \
    </dev/null >>"$dir/mariadbd.out" 2>&1 &
  local server=$!
  echo "$server" >"$dir/server.pid"

  if [ -n "$owner" ]; then
    (
      while kill -0 "$owner" 2>/dev/null && kill -0 "$server" 2>/dev/null; do sleep 1; done
      kill -TERM "$server" 2>/dev/null || true
    ) </dev/null >/dev/null 2>&1 &
  fi

  local deadline=$((SECONDS + ready_timeout))
  until client mariadb-admin ping >/dev/null 2>&1; do
    if ! kill -0 "$server" 2>/dev/null; then
      echo "mariadb.sh: mariadbd exited during start:" >&2
      tail -n 20 "$dir/error.log" >&2 || true
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "mariadb.sh: not ready within ${ready_timeout}s" >&2
      kill -TERM "$server" 2>/dev/null || true
      exit 1
    fi
    sleep 0.1
  done
  client mariadb -e 'CREATE DATABASE IF NOT EXISTS whmcs_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci'
  echo "$socket"
}

stop() {
  [ -d "$dir" ] || exit 0
  local server=""
  [ -f "$dir/server.pid" ] && server=$(cat "$dir/server.pid")
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    while kill -0 "$server" 2>/dev/null; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        kill -KILL "$server" 2>/dev/null || true
        break
      fi
      sleep 0.1
    done
  fi
  case "$dir" in
    /|"") ;;
    *) rm -rf -- "$dir" ;;
  esac
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
