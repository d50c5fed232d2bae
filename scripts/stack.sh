#!/usr/bin/env bash
# The real local stack on 127.0.0.1: Temporal dev server (+ Web UI), one DLRN API per release, a static server for
# DLRN's repo tree, a source and an authenticated target OCI registry, and an SFTP image server.
#   stack.sh start | stop | status | worker | board | env
# STACK_PROFILE=test gives a separate state dir and ports, so tests never touch the sandbox.
# STACK_TEMPORAL=external: no dev server; a Temporal already serves TEMPORAL_PORT (scripts/cluster/cluster.sh).
set -euo pipefail
source "$(dirname "$0")/env.sh"

RUN="$STATE_DIR/run"
LOGS="$STATE_DIR/logs"
SECRETS="$STATE_DIR/secrets"
ENV_FILE="$STATE_DIR/stack.env"

pid_of() { cat "$RUN/$1.pid" 2>/dev/null || true; }
alive() { local p; p=$(pid_of "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

# start_proc NAME CMD...: runs CMD in its own session so stop can end it with all its children.
start_proc() {
  local name=$1; shift
  if alive "$name"; then return 0; fi
  setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

stop_proc() {
  local name=$1 p i
  p=$(pid_of "$name")
  if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
    kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$p" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
}

# wait_for NAME SECONDS CMD...: polls CMD until it succeeds; on timeout shows the component's log.
wait_for() {
  local name=$1 secs=$2 i; shift 2
  for i in $(seq 1 $((secs * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if ! alive "$name"; then break; fi
    sleep 0.1
  done
  tail -n 30 "$LOGS/$name.log" >&2 || true
  die "$name did not become healthy (log: $LOGS/$name.log)"
}

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }
http_answers() { curl -sS -o /dev/null --max-time 2 "$1"; } # any HTTP status, e.g. 401 from an auth registry

secret() { # secret NAME: a random value generated once per state dir
  local f="$SECRETS/$1"
  [ -s "$f" ] || (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$f")
  echo "$f"
}

prepare() {
  mkdir -p "$RUN" "$LOGS" "$SECRETS" "$STATE_DIR/ssh" "$STATE_DIR/images" "$STATE_DIR/registry/source" \
    "$STATE_DIR/registry/target"
  chmod 700 "$SECRETS"
  secret dlrnapi_password >/dev/null
  secret target_registry_password >/dev/null
  if [ ! -s "$STATE_DIR/registry/htpasswd" ]; then
    htpasswd -Bbn "$TARGET_REGISTRY_USERNAME" "$(cat "$SECRETS/target_registry_password")" >"$STATE_DIR/registry/htpasswd"
  fi
  [ -f "$STATE_DIR/ssh/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$STATE_DIR/ssh/host_ed25519"
  [ -f "$SECRETS/sftp_client_key" ] || ssh-keygen -q -t ed25519 -N '' -C rdo-promoter -f "$SECRETS/sftp_client_key"
  cp "$SECRETS/sftp_client_key.pub" "$STATE_DIR/ssh/authorized_keys"
}

start_temporal() {
  local args=() sa
  for sa in $SEARCH_ATTRIBUTES; do args+=(--search-attribute "$sa"); done
  start_proc temporal "$TEMPORAL_BIN" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" \
    --ui-port "$TEMPORAL_UI_PORT" --db-filename "$STATE_DIR/temporal.db" --namespace default \
    --log-level warn --dynamic-config-value frontend.enableExecuteMultiOperation=true \
    --dynamic-config-value frontend.enableUpdateWorkflowExecution=true "${args[@]}"
}

write_dlrn_config() { # write_dlrn_config NAME USE_COMPONENTS PORT
  local name=$1 comps=$2 port=$3 dir="$STATE_DIR/dlrn/$1"
  mkdir -p "$dir/data/repos"
  cat >"$dir/projects.ini" <<INI
[DEFAULT]
datadir=$dir/data
scriptsdir=$dir
baseurl=http://127.0.0.1:$REPO_HTTP_PORT/$DISTRO-$name
distro=master
source=master
target=centos
reponame=delorean
database_connection=sqlite:///$dir/dlrn.sqlite
pkginfo_driver=sandbox_pkginfo.SandboxPkgInfo
use_components=$comps
INI
  cat >"$dir/api.cfg" <<CFG
DB_PATH = 'sqlite:///$dir/dlrn.sqlite'
REPO_PATH = '$dir/data/repos'
CONFIG_FILE = '$dir/projects.ini'
CFG
  # The repo server publishes <distro>-<release>/ like trunk.rdoproject.org does.
  mkdir -p "$STATE_DIR/repos-www"
  ln -sfn "$dir/data/repos" "$STATE_DIR/repos-www/$DISTRO-$name"
}

start_dlrn() {
  local spec name comps port
  for spec in $DLRN_INSTANCES; do
    name=${spec%%:*}; comps=${spec#*:}; port=$(dlrn_port "$name")
    write_dlrn_config "$name" "$comps" "$port"
    # Create the schema and the API user before the API serves anything.
    if [ ! -f "$STATE_DIR/dlrn/$name/.user" ]; then
      PYTHONPATH="$ROOT/scripts/dlrn" "$DLRN_PY" "$ROOT/scripts/dlrn/load.py" "$STATE_DIR/dlrn/$name/projects.ini" \
        "sqlite:///$STATE_DIR/dlrn/$name/dlrn.sqlite" "$ROOT/scripts/dlrn/empty.yaml" "$DLRNAPI_USERNAME" \
        "$SECRETS/dlrnapi_password"
      touch "$STATE_DIR/dlrn/$name/.user"
    fi
    CONFIG_FILE="$STATE_DIR/dlrn/$name/api.cfg" PYTHONPATH="$ROOT/scripts/dlrn" \
      start_proc "dlrn-$name" "$DLRN_PY" "$ROOT/scripts/dlrn/serve.py" "$port"
  done
  start_proc repos "$DLRN_PY" -m http.server --bind 127.0.0.1 --directory "$STATE_DIR/repos-www" "$REPO_HTTP_PORT"
}

start_registry() { # start_registry NAME PORT [htpasswd]
  local name=$1 port=$2 auth=${3:-}
  {
    echo "version: 0.1"
    echo "log: {level: warn, accesslog: {disabled: true}}"
    echo "storage: {filesystem: {rootdirectory: $STATE_DIR/registry/$name}, delete: {enabled: true}}"
    echo "http: {addr: 127.0.0.1:$port, secret: $(cat "$(secret registry_http_secret)")}"
    [ -z "$auth" ] || echo "auth: {htpasswd: {realm: rdo-promoter, path: $auth}}"
  } >"$STATE_DIR/registry/$name.yml"
  start_proc "registry-$name" docker-registry serve "$STATE_DIR/registry/$name.yml"
}

start_sftp() {
  [ "$(id -u)" -ne 0 ] || mkdir -p /run/sshd
  cat >"$STATE_DIR/ssh/sshd_config" <<CFG
Port $SFTP_PORT
ListenAddress 127.0.0.1
HostKey $STATE_DIR/ssh/host_ed25519
PidFile none
AuthorizedKeysFile $STATE_DIR/ssh/authorized_keys
AllowUsers $(id -un)
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
Subsystem sftp internal-sftp
ForceCommand internal-sftp
CFG
  start_proc sftp /usr/sbin/sshd -D -e -f "$STATE_DIR/ssh/sshd_config"
}

write_env() {
  local spec name upper
  {
    echo "# Written by scripts/stack.sh for profile $STACK_PROFILE. Secrets are referenced by file, never inlined."
    echo "STACK_PROFILE=$STACK_PROFILE"
    echo "STACK_STATE_DIR=$STATE_DIR"
    echo "TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT"
    echo "TEMPORAL_NAMESPACE=default"
    echo "TEMPORAL_UI_URL=http://127.0.0.1:$TEMPORAL_UI_PORT"
    for spec in $DLRN_INSTANCES; do
      name=${spec%%:*}; upper=$(echo "$name" | tr '[:lower:]-' '[:upper:]_')
      echo "DLRN_${upper}_URL=http://127.0.0.1:$(dlrn_port "$name")"
      echo "DLRN_${upper}_DIR=$STATE_DIR/dlrn/$name"
    done
    echo "DLRN_REPO_URL=http://127.0.0.1:$REPO_HTTP_PORT"
    echo "DLRNAPI_USERNAME=$DLRNAPI_USERNAME"
    echo "DLRNAPI_PASSWORD_FILE=$SECRETS/dlrnapi_password"
    echo "SOURCE_REGISTRY=127.0.0.1:$SOURCE_REGISTRY_PORT"
    echo "TARGET_REGISTRY=127.0.0.1:$TARGET_REGISTRY_PORT"
    echo "TARGET_REGISTRY_USERNAME=$TARGET_REGISTRY_USERNAME"
    echo "TARGET_REGISTRY_PASSWORD_FILE=$SECRETS/target_registry_password"
    echo "IMAGE_SERVER_HOST=127.0.0.1"
    echo "IMAGE_SERVER_PORT=$SFTP_PORT"
    echo "IMAGE_SERVER_USER=$(id -un)"
    echo "IMAGE_SERVER_KEY_FILE=$SECRETS/sftp_client_key"
    echo "IMAGE_SERVER_ROOT=$STATE_DIR/images"
    echo "DLRNAPI_CLI=$DLRNAPI_CLI"
    # The sandbox worker binds every secret to its host:port (a release file can name hosts, never move secrets).
    # The test profile leaves it unset: its proxies stand in front of the real services on ports of their own.
    [ "$STACK_PROFILE" = test ] || echo "PROMOTER_CREDENTIALS=$STATE_DIR/credentials.yaml"
  } >"$ENV_FILE"
  {
    echo "# Written by scripts/stack.sh: which host:port gets which secret (names of variables, never values)."
    echo "hosts:"
    for spec in $DLRN_INSTANCES; do
      echo "  \"127.0.0.1:$(dlrn_port "${spec%%:*}")\": { username_env: DLRNAPI_USERNAME, password_env: DLRNAPI_PASSWORD }"
    done
    echo "  \"127.0.0.1:$TARGET_REGISTRY_PORT\":"
    echo "    { username_env: TARGET_REGISTRY_USERNAME, password_env: TARGET_REGISTRY_PASSWORD }"
    echo "  \"127.0.0.1:$SFTP_PORT\": { key_file_env: IMAGE_SERVER_KEY_FILE }"
  } >"$STATE_DIR/credentials.yaml"
}

# The promoter's worker, for the sandbox run: stack.sh stop ends it with the rest.
cmd_worker() {
  [ -f "$ENV_FILE" ] || die "stack not started"
  if alive worker; then return 0; fi
  bash "$ROOT/scripts/build.sh" # the compiled worker with its prebuilt workflow bundle (quick when fresh)
  # A versioned worker (Worker Deployment rdo-promoter, Build ID = workflows/version.ts) that makes itself current.
  (set -a; source "$ENV_FILE"; set +a; export PROMOTER_DEPLOYMENT_NAME="${PROMOTER_DEPLOYMENT_NAME:-rdo-promoter}" \
    PROMOTER_SET_CURRENT_VERSION="${PROMOTER_SET_CURRENT_VERSION:-1}"; cd "$ROOT" && start_proc worker node dist/worker/main.js)
  wait_for worker 60 grep -q 'worker running' "$LOGS/worker.log"
  log "worker up (log: $LOGS/worker.log)"
}

# The board (board/main.ts), read-only, for the sandbox: stack.sh stop ends it with the rest. Its DLRN reads are
# anonymous: they need no password, and DLRN hashes one on every authenticated request.
cmd_board() {
  [ -f "$ENV_FILE" ] || die "stack not started"
  if ! alive board; then
    (set -a; source "$ENV_FILE"; set +a; unset DLRNAPI_PASSWORD DLRNAPI_PASSWORD_FILE
      export BOARD_DLRN_USER="$DLRNAPI_USERNAME"; unset DLRNAPI_USERNAME
      export BOARD_PORT PROMOTER_CONFIG_DIR="${PROMOTER_CONFIG_DIR:-$ROOT/config/sandbox}"
      cd "$ROOT" && start_proc board node --import tsx board/main.ts)
    wait_for board 60 http_ok "http://127.0.0.1:$BOARD_PORT/healthz"
  fi
  log "board up at http://127.0.0.1:$BOARD_PORT/ (log: $LOGS/board.log)"
}

components() {
  local spec
  alive board && echo board
  alive worker && echo worker
  [ "${STACK_TEMPORAL:-dev}" = external ] || echo temporal
  for spec in $DLRN_INSTANCES; do echo "dlrn-${spec%%:*}"; done
  echo repos registry-source registry-target sftp | tr ' ' '\n'
}

cmd_start() {
  local t0 spec name
  t0=$(date +%s%N)
  [ -x "$TEMPORAL_BIN" ] && [ -x "$DLRN_PY" ] || die "tools missing: run scripts/install.sh first"
  prepare
  [ "${STACK_TEMPORAL:-dev}" = external ] || start_temporal
  start_dlrn
  start_registry source "$SOURCE_REGISTRY_PORT"
  start_registry target "$TARGET_REGISTRY_PORT" "$STATE_DIR/registry/htpasswd"
  start_sftp
  write_env
  for spec in $DLRN_INSTANCES; do
    name=${spec%%:*}
    wait_for "dlrn-$name" 30 http_ok "http://127.0.0.1:$(dlrn_port "$name")/api/health"
  done
  wait_for repos 10 http_ok "http://127.0.0.1:$REPO_HTTP_PORT/"
  wait_for registry-source 10 http_ok "http://127.0.0.1:$SOURCE_REGISTRY_PORT/v2/"
  wait_for registry-target 10 http_answers "http://127.0.0.1:$TARGET_REGISTRY_PORT/v2/"
  wait_for sftp 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SFTP_PORT"
  [ "${STACK_TEMPORAL:-dev}" = external ] \
    || wait_for temporal 60 "$TEMPORAL_BIN" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT"
  log "stack '$STACK_PROFILE' up in $(( ($(date +%s%N) - t0) / 1000000 ))ms (env: $ENV_FILE)"
}

cmd_stop() {
  local c
  for c in board worker $(components | tac); do stop_proc "$c"; done
  log "stack '$STACK_PROFILE' stopped"
}

cmd_status() {
  local c rc=0
  for c in $(components); do
    if alive "$c"; then printf '%-18s up   pid %s\n' "$c" "$(pid_of "$c")"; else printf '%-18s down\n' "$c"; rc=1; fi
  done
  return $rc
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  worker) cmd_worker ;;
  board) cmd_board ;;
  env) cat "$ENV_FILE" ;;
  *) echo "usage: $0 start|stop|status|worker|board|env" >&2; exit 2 ;;
esac
