#!/usr/bin/env bash
# A real Temporal cluster on this machine, not the dev server: the official server v1.32.2 (frontend, history,
# matching and worker services in one process) on a throwaway PostgreSQL 15, schema set up by temporal-sql-tool.
#   cluster.sh install | start | stop | env
# install builds the two Go binaries into .tools/temporal-server/ (once; GOTOOLCHAIN fetches the Go it needs).
# start initialises PostgreSQL (as the postgres user when run as root: PostgreSQL refuses root), creates and
# migrates the temporal + temporal_visibility databases, writes the server config, starts the server, and
# registers the namespace and the promoter's search attributes. State: .stack/$STACK_PROFILE/cluster/.
# Ports: the frontend takes the stack's TEMPORAL_PORT (so `STACK_TEMPORAL=external stack.sh start` runs the rest
# of the stack beside it); the other services and PostgreSQL follow from the same port base.
set -euo pipefail
STACK_PROFILE="${STACK_PROFILE:-cluster}"
source "$(dirname "$0")/../env.sh"

TEMPORAL_SERVER_VERSION="1.32.2"
GO_TOOLCHAIN="go1.26.10"
SERVER_DIR="${CLUSTER_TOOLS_DIR:-$TOOLS_DIR/temporal-server}"
SERVER_BIN="$SERVER_DIR/temporal-server"
SQL_TOOL="$SERVER_DIR/temporal-sql-tool"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_PORT="${PG_PORT:-$((port_base + 432))}"
MEMBERSHIP_BASE=$((port_base + 133))
DIR="$STATE_DIR/cluster"
PG_DATA="$DIR/pg"
LOGS="$STATE_DIR/logs"
RUN="$STATE_DIR/run"
PG_USER="${PG_USER:-temporal}"

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

schema_dir() { # schema_dir temporal|visibility: the versioned SQL the server module ships
  local mod
  mod="$(go env GOMODCACHE)/go.temporal.io/server@v$TEMPORAL_SERVER_VERSION"
  [ -d "$mod/schema" ] || GOTOOLCHAIN="$GO_TOOLCHAIN" GOFLAGS=-mod=mod go mod download "go.temporal.io/server@v$TEMPORAL_SERVER_VERSION"
  echo "$mod/schema/postgresql/v12/$1/versioned"
}

cmd_install() {
  command -v go >/dev/null || die "go not found: install Go (any version; GOTOOLCHAIN fetches $GO_TOOLCHAIN)"
  mkdir -p "$SERVER_DIR"
  local have bin built t0
  have=$("$SERVER_BIN" --version 2>/dev/null || true)
  if [[ "$have" != *"$TEMPORAL_SERVER_VERSION"* ]] || [ ! -x "$SQL_TOOL" ]; then
    t0=$(date +%s)
    built="$(go env GOPATH)/bin"
    # Someone on this machine built them already (the same go install): reuse instead of compiling again.
    if [[ "$("$built/server" --version 2>/dev/null || true)" == *"$TEMPORAL_SERVER_VERSION"* ]] && [ -x "$built/sql" ]; then
      cp "$built/server" "$SERVER_BIN.tmp" && cp "$built/sql" "$SQL_TOOL.tmp"
    else
      log "go install go.temporal.io/server@v$TEMPORAL_SERVER_VERSION (server, temporal-sql-tool): takes minutes"
      bin=$(mktemp -d)
      GOBIN="$bin" GOTOOLCHAIN="$GO_TOOLCHAIN" go install "go.temporal.io/server/cmd/server@v$TEMPORAL_SERVER_VERSION" \
        "go.temporal.io/server/cmd/tools/sql@v$TEMPORAL_SERVER_VERSION"
      mv "$bin/server" "$SERVER_BIN.tmp" && mv "$bin/sql" "$SQL_TOOL.tmp" && rmdir "$bin"
    fi
    mv "$SERVER_BIN.tmp" "$SERVER_BIN" && mv "$SQL_TOOL.tmp" "$SQL_TOOL"
    log "temporal-server $TEMPORAL_SERVER_VERSION in $SERVER_DIR ($(( $(date +%s) - t0 ))s)"
  fi
  schema_dir temporal >/dev/null
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 not found in $PG_BIN (apt-get install postgresql-15)"
}

write_config() {
  local p=$port_base
  cat >"$DIR/dynamicconfig.yaml" <<YAML
frontend.enableUpdateWorkflowExecution:
  - value: true
frontend.enableExecuteMultiOperation:
  - value: true
frontend.workerVersioningWorkflowAPIs:
  - value: true
system.enableDeploymentVersions:
  - value: true
system.enableDeployments:
  - value: true
limit.maxIDLength:
  - value: 255
YAML
  local store
  cat >"$DIR/config.yaml" <<YAML
log: { stdout: true, level: warn }
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
YAML
  for store in default:temporal visibility:temporal_visibility; do
    cat >>"$DIR/config.yaml" <<YAML
    ${store%%:*}:
      sql:
        pluginName: postgres12
        databaseName: ${store#*:}
        connectAddr: 127.0.0.1:$PG_PORT
        connectProtocol: tcp
        user: $PG_USER
        password: ""
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
YAML
  done
  cat >>"$DIR/config.yaml" <<YAML
global:
  membership: { maxJoinDuration: 30s, broadcastAddress: 127.0.0.1 }
services:
  frontend: { rpc: { grpcPort: $TEMPORAL_PORT, membershipPort: $MEMBERSHIP_BASE, bindOnLocalHost: true, httpPort: $((p + 243)) } }
  history: { rpc: { grpcPort: $((p + 234)), membershipPort: $((MEMBERSHIP_BASE + 1)), bindOnLocalHost: true } }
  matching: { rpc: { grpcPort: $((p + 235)), membershipPort: $((MEMBERSHIP_BASE + 2)), bindOnLocalHost: true } }
  worker: { rpc: { grpcPort: $((p + 239)), membershipPort: $((MEMBERSHIP_BASE + 6)), bindOnLocalHost: true } }
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active: { enabled: true, initialFailoverVersion: 1, rpcName: frontend, rpcAddress: "127.0.0.1:$TEMPORAL_PORT" }
dcRedirectionPolicy: { policy: noop }
dynamicConfigClient: { filepath: "$DIR/dynamicconfig.yaml", pollInterval: 10s }
YAML
}

start_postgres() {
  mkdir -p "$DIR" "$LOGS" "$RUN"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    mkdir -p "$PG_DATA"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$PG_DATA"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 >"$LOGS/pg-initdb.log"
  fi
  touch "$LOGS/postgres.log"; [ "$(id -u)" -ne 0 ] || chown postgres: "$LOGS/postgres.log"
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    # Listens on 127.0.0.1 only; the socket goes to the data dir (no /var/run/postgresql needed).
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$LOGS/postgres.log" -w -t 60 \
      -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  fi
  as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'" \
    | grep -q 1 || as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE ROLE $PG_USER LOGIN CREATEDB"
}

setup_schema() {
  local db kind sql=("$SQL_TOOL" --plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT" -u "$PG_USER")
  for kind in temporal visibility; do
    db=temporal; [ "$kind" = visibility ] && db=temporal_visibility
    if [ ! -f "$DIR/.schema-$kind" ]; then
      "${sql[@]}" --db "$db" create-database >>"$LOGS/schema.log" 2>&1
      "${sql[@]}" --db "$db" setup-schema -v 0.0 >>"$LOGS/schema.log" 2>&1
      touch "$DIR/.schema-$kind"
    fi
    # Idempotent: applies only the versions the database lacks (a newer server brings new ones).
    "${sql[@]}" --db "$db" update-schema -d "$(schema_dir "$kind")" >>"$LOGS/schema.log" 2>&1 \
      || { tail -20 "$LOGS/schema.log" >&2; die "schema update of $db failed (log: $LOGS/schema.log)"; }
  done
}

server_alive() { local p; p=$(cat "$RUN/temporal-server.pid" 2>/dev/null) && kill -0 "$p" 2>/dev/null; }

cmd_start() {
  local t0 i sa
  t0=$(date +%s)
  [ -x "$SERVER_BIN" ] || cmd_install
  start_postgres
  setup_schema
  write_config
  if ! server_alive; then
    setsid "$SERVER_BIN" --config-file "$DIR/config.yaml" --allow-no-auth start >"$LOGS/temporal-server.log" 2>&1 </dev/null &
    echo $! >"$RUN/temporal-server.pid"
  fi
  for i in $(seq 1 120); do
    "$TEMPORAL_BIN" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" >/dev/null 2>&1 && break
    server_alive || { tail -30 "$LOGS/temporal-server.log" >&2; die "temporal-server exited"; }
    sleep 0.5
  done
  local tctl=("$TEMPORAL_BIN" --address "127.0.0.1:$TEMPORAL_PORT" operator)
  # The system namespace comes up a moment after health; creating "default" can need a retry.
  for i in $(seq 1 60); do
    "${tctl[@]}" namespace describe -n default >/dev/null 2>&1 && break
    "${tctl[@]}" namespace create -n default --retention 72h >/dev/null 2>&1 || sleep 0.5
  done
  # A new namespace reaches the frontend's namespace cache some seconds after it is created: retry until it does.
  for sa in $SEARCH_ATTRIBUTES; do
    for i in $(seq 1 60); do
      "${tctl[@]}" search-attribute list -n default -o json 2>/dev/null | grep -q "\"${sa%%=*}\"" && break
      "${tctl[@]}" search-attribute create -n default --name "${sa%%=*}" --type "${sa#*=}" >/dev/null 2>&1 && break
      [ "$i" -lt 60 ] || die "search attribute ${sa%%=*}: the cluster did not accept it in 30 s"
      sleep 0.5
    done
  done
  log "cluster '$STACK_PROFILE' up in $(( $(date +%s) - t0 ))s: temporal-server $TEMPORAL_SERVER_VERSION on 127.0.0.1:$TEMPORAL_PORT, PostgreSQL on 127.0.0.1:$PG_PORT"
}

cmd_stop() {
  local p i
  if server_alive; then
    p=$(cat "$RUN/temporal-server.pid")
    kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
    for i in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$p" 2>/dev/null || true
  fi
  rm -f "$RUN/temporal-server.pid"
  if [ -f "$PG_DATA/PG_VERSION" ]; then as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true; fi
  log "cluster '$STACK_PROFILE' stopped"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  env) echo "TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT" ;;
  *) echo "usage: $0 install|start|stop|env" >&2; exit 2 ;;
esac
