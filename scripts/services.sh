#!/usr/bin/env bash
# Local PostgreSQL + Redis for tests and benchmarks, built from the machine's
# binaries (no Docker). State lives in .services/ (git-ignored).
#
#   scripts/services.sh start    start both (reuses healthy running ones), write .services/env
#   scripts/services.sh stop     stop both
#   scripts/services.sh status   exit 0 only if both answer
#   scripts/services.sh env      print .services/env (for `eval "$(scripts/services.sh env)"`)
#
# PostgreSQL is the machine's own server binaries (Debian's /usr/lib/postgresql/<major>/bin,
# installed with apt-get when missing and running as root), run as an unprivileged user;
# Redis is redis-server from PATH (Debian's package, installed the same way).
# Ports: SERVICES_PG_PORT (default 54329) and SERVICES_REDIS_PORT (default 63799).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$ROOT/.services"
ENV_FILE="$STATE/env"

PG_PORT="${SERVICES_PG_PORT:-54329}"
PG_DB="registry_test"
PG_ROLE="registry"
PG_PASSWORD="registry"
PG_SUPERUSER="postgres"
# Set by choose_pg_dir: $STATE/pg, or a folder under /var/tmp (see there).
PG_DIR=""
PG_DATA=""
PG_SOCKET_DIR=""
PG_LOG=""

REDIS_PORT="${SERVICES_REDIS_PORT:-63799}"
REDIS_DIR="$STATE/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"

PG_BIN=""
PG_OS_USER=""
APT_UPDATED=0

log() { printf 'services: %s\n' "$*" >&2; }
die() {
    printf 'services: ERROR: %s\n' "$*" >&2
    exit 1
}

apt_install() {
    [[ $EUID -eq 0 ]] || die "need to install $* but not root; install it and retry"
    command -v apt-get >/dev/null || die "need to install $* but apt-get is missing"
    install -d -m 0755 "$STATE"
    if [[ $APT_UPDATED -eq 0 ]]; then
        log "apt-get update"
        apt-get update -qq >"$STATE/apt.log" 2>&1 || {
            cat "$STATE/apt.log" >&2
            die "apt-get update failed"
        }
        APT_UPDATED=1
    fi
    log "installing $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
        >>"$STATE/apt.log" 2>&1 || {
        tail -n 40 "$STATE/apt.log" >&2
        die "apt-get install $* failed"
    }
}

# ---------------------------------------------------------------- PostgreSQL

latest_pg_bin() {
    # Newest installed major version (Debian keeps them side by side).
    # shellcheck disable=SC2012  # the paths are Debian's: /usr/lib/postgresql/<major>/bin
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true
}

find_pg_bin() {
    local dir
    dir="$(latest_pg_bin)"
    if [[ -z $dir || ! -x $dir/initdb ]]; then
        apt_install postgresql
        dir="$(latest_pg_bin)"
    fi
    [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]] || die "no PostgreSQL server binaries found"
    PG_BIN="$dir"
}

pg_tool() {
    # Client tools: prefer the server's version, fall back to PATH.
    if [[ -x $PG_BIN/$1 ]]; then printf '%s\n' "$PG_BIN/$1"; else command -v "$1"; fi
}

# The server refuses to run as root, so as root it runs as an unprivileged user.
choose_pg_user() {
    if [[ $EUID -ne 0 ]]; then
        PG_OS_USER="$(id -un)"
    elif id postgres >/dev/null 2>&1; then
        PG_OS_USER="postgres"
    else
        if ! id registry-pg >/dev/null 2>&1; then
            log "creating system user registry-pg"
            useradd --system --no-create-home --shell /usr/sbin/nologin registry-pg \
                || die "useradd registry-pg failed"
        fi
        PG_OS_USER="registry-pg"
    fi
}

as_pg() {
    # cd / so the server never warns about an unreadable working directory.
    if [[ $EUID -eq 0 ]]; then
        (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}

# The pg user must be able to traverse every directory down to its data directory.
# Inside the checkout the script may grant that (o+x on the checkout and .services/);
# the folders above the checkout are not its to change, so when one of them is closed
# to the pg user (a clone under /root, say) the data lives in a folder of the script's
# own under /var/tmp instead. The choice is recorded so stop and status find it.
choose_pg_dir() {
    local recorded="$STATE/pg-location"
    if [[ -f $recorded ]]; then
        PG_DIR="$(cat "$recorded")"
    elif [[ $EUID -eq 0 ]] && ! as_pg test -x "$(dirname "$ROOT")"; then
        PG_DIR="/var/tmp/llm-schema-registry-services/$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)/pg"
    else
        PG_DIR="$STATE/pg"
    fi
    PG_DATA="$PG_DIR/data"
    PG_SOCKET_DIR="$PG_DIR/run"
    PG_LOG="$PG_DIR/postgres.log"
}

record_pg_dir() {
    install -d -m 0755 "$STATE"
    printf '%s\n' "$PG_DIR" >"$STATE/pg-location"
    [[ $EUID -eq 0 && $PG_DIR == "$STATE"/* ]] || return 0
    local dir
    for dir in "$ROOT" "$STATE"; do
        if ! as_pg test -x "$dir"; then
            log "granting o+x on $dir so $PG_OS_USER can reach $PG_DIR"
            chmod o+x "$dir" || die "cannot chmod o+x $dir"
        fi
    done
    as_pg test -x "$PG_DIR" || die "$PG_OS_USER cannot reach $PG_DIR"
}

pg_is_running() {
    [[ -n $PG_BIN && -f $PG_DATA/PG_VERSION ]] || return 1
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_answers() {
    "$(pg_tool pg_isready)" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres -t 2 >/dev/null 2>&1 \
        && "$(pg_tool psql)" -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" \
            -d postgres -c 'select 1' 2>/dev/null | grep -qx 1
}

port_in_use() {
    # bash's /dev/tcp: a successful connect means something listens there.
    (exec 3<>"/dev/tcp/127.0.0.1/$1") >/dev/null 2>&1
}

write_pg_conf() {
    # Rewritten on each start so a changed port or checkout path takes effect.
    local sockets="$PG_SOCKET_DIR"
    # A unix socket path is limited to 107 bytes; deep checkouts use TCP only.
    if ((${#PG_SOCKET_DIR} + 16 > 107)); then sockets=""; fi
    as_pg tee "$PG_DATA/registry.conf" >/dev/null <<EOF
# Written by scripts/services.sh on every start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$sockets'
max_connections = 200
# Throwaway test data: durability is not needed, speed is.
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
EOF
}

pg_init() {
    install -d -m 0755 "$STATE" "$(dirname "$PG_DIR")"
    install -d -m 0750 -o "$PG_OS_USER" "$PG_DIR" "$PG_SOCKET_DIR"
    record_pg_dir
    if [[ -f $PG_DATA/PG_VERSION ]]; then
        # A data dir from another checkout or user: hand it to the current pg user.
        [[ $EUID -ne 0 ]] || chown -R "$PG_OS_USER" "$PG_DIR"
        return 0
    fi
    log "initdb $PG_DATA"
    rm -rf "$PG_DATA"
    install -d -m 0700 -o "$PG_OS_USER" "$PG_DATA"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" --auth=trust \
        --encoding=UTF8 --no-locale --no-sync >"$PG_DIR/initdb.log" 2>&1 \
        || {
            cat "$PG_DIR/initdb.log" >&2
            die "initdb failed"
        }
    echo "include_if_exists = 'registry.conf'" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
}

pg_start() {
    find_pg_bin
    choose_pg_user
    choose_pg_dir
    if pg_is_running && pg_answers; then
        log "postgres already running on 127.0.0.1:$PG_PORT"
    else
        if pg_is_running; then
            log "postgres running but not answering on $PG_PORT; restarting"
            as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
        fi
        port_in_use "$PG_PORT" \
            && die "port $PG_PORT is taken by another process (set SERVICES_PG_PORT to move)"
        pg_init
        write_pg_conf
        log "starting postgres $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
        if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null; then
            tail -n 30 "$PG_LOG" >&2 || true
            die "postgres did not start (log: $PG_LOG)"
        fi
    fi
    local i
    for ((i = 0; i < 60; i++)); do
        pg_answers && break
        sleep 0.5
    done
    if ! pg_answers; then
        tail -n 30 "$PG_LOG" >&2 || true
        die "postgres does not answer on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
    fi
    pg_create_db
}

pg_create_db() {
    local psql
    psql="$(pg_tool psql)"
    "$psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres \
        >/dev/null <<SQL || die "could not create role $PG_ROLE"
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') THEN
        CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
    ELSE
        ALTER ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
    END IF;
END
\$\$;
-- The tests drop their databases WITH (FORCE): an autovacuum worker busy in one runs as
-- no role, and only pg_signal_backend may end it.
GRANT pg_signal_backend TO $PG_ROLE;
SQL
    if [[ "$("$psql" -X -At -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres \
        -c "select 1 from pg_database where datname = '$PG_DB'")" != 1 ]]; then
        log "creating database $PG_DB"
        "$psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" \
            -d postgres -c "CREATE DATABASE $PG_DB OWNER $PG_ROLE" >/dev/null \
            || die "could not create database $PG_DB"
    fi
    PGPASSWORD="$PG_PASSWORD" "$psql" -X -At -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -d "$PG_DB" \
        -c 'select 1' 2>/dev/null | grep -qx 1 \
        || die "cannot connect to $PG_DB as $PG_ROLE"
}

pg_stop() {
    find_pg_bin
    choose_pg_user
    choose_pg_dir
    if pg_is_running; then
        log "stopping postgres"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null \
            || die "postgres did not stop"
    else
        log "postgres not running"
    fi
}

# --------------------------------------------------------------------- Redis

ensure_redis_installed() {
    if ! command -v redis-server >/dev/null; then
        # Debian's package may also start a system redis on 6379; we never use it.
        apt_install redis-server
    fi
    if ! command -v redis-cli >/dev/null; then
        apt_install redis-tools
    fi
    if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
        die "redis-server/redis-cli not available"
    fi
}

redis_pid() {
    # Prints our redis pid if its pidfile names a live redis-server process.
    [[ -f $REDIS_PID ]] || return 1
    local pid
    pid="$(cat "$REDIS_PID" 2>/dev/null || true)"
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" == redis-server* ]] || return 1
    printf '%s\n' "$pid"
}

redis_answers() {
    [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" == PONG ]]
}

redis_start() {
    ensure_redis_installed
    if redis_pid >/dev/null && redis_answers; then
        log "redis already running on 127.0.0.1:$REDIS_PORT"
        return 0
    fi
    if redis_pid >/dev/null; then
        log "redis running but not answering on $REDIS_PORT; restarting"
        redis_stop
    fi
    rm -f "$REDIS_PID"
    port_in_use "$REDIS_PORT" \
        && die "port $REDIS_PORT is taken by another process (set SERVICES_REDIS_PORT to move)"
    install -d -m 0755 "$STATE" "$REDIS_DIR"
    log "starting redis $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') on 127.0.0.1:$REDIS_PORT"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
        --daemonize yes --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" --dir "$REDIS_DIR" \
        || {
            tail -n 30 "$REDIS_LOG" >&2 || true
            die "redis-server did not start (log: $REDIS_LOG)"
        }
    local i
    for ((i = 0; i < 60; i++)); do
        redis_answers && break
        sleep 0.5
    done
    if ! redis_answers; then
        tail -n 30 "$REDIS_LOG" >&2 || true
        die "redis does not answer on 127.0.0.1:$REDIS_PORT (log: $REDIS_LOG)"
    fi
}

redis_stop() {
    local pid i
    if ! pid="$(redis_pid)"; then
        log "redis not running"
        rm -f "$REDIS_PID"
        return 0
    fi
    log "stopping redis"
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$REDIS_PID"
}

# ----------------------------------------------------------------------- main

write_env() {
    local tmp="$ENV_FILE.tmp.$$"
    cat >"$tmp" <<EOF
export TEST_DATABASE_URL=postgresql+asyncpg://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB
export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
EOF
    mv -f "$tmp" "$ENV_FILE"
}

cmd_start() {
    pg_start
    redis_start
    write_env
    log "ready; env in ${ENV_FILE#"$ROOT"/}:"
    sed 's/^/  /' "$ENV_FILE" >&2
}

cmd_stop() {
    local rc=0
    pg_stop || rc=1
    redis_stop || rc=1
    return $rc
}

cmd_status() {
    local rc=0
    PG_BIN="$(latest_pg_bin)"
    if [[ -n $PG_BIN ]]; then
        choose_pg_user
        choose_pg_dir
    fi
    if [[ -n $PG_BIN ]] && pg_is_running && pg_answers; then
        echo "postgres: running on 127.0.0.1:$PG_PORT (data $PG_DATA)"
    else
        echo "postgres: not running"
        rc=1
    fi
    local pid
    if pid="$(redis_pid)" && command -v redis-cli >/dev/null && redis_answers; then
        echo "redis:    running on 127.0.0.1:$REDIS_PORT (pid $pid)"
    else
        echo "redis:    not running"
        rc=1
    fi
    return $rc
}

cmd_env() {
    [[ -f $ENV_FILE ]] || die "$ENV_FILE missing; run scripts/services.sh start"
    cat "$ENV_FILE"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
*)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
