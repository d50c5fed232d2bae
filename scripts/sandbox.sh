#!/usr/bin/env bash
# The main job on the local sandbox: installs what is missing, starts the real stack, loads the sandbox data, starts
# a worker and runs the promotion job against it. Everything stays up afterwards for the Web UI;
# `bash scripts/stack.sh stop` ends it. --reset starts from fresh sandbox data.
set -euo pipefail
source "$(dirname "$0")/env.sh"
export STACK_PROFILE
t0=$(date +%s)
if [ "${1:-}" = "--reset" ]; then
  bash "$ROOT/scripts/stack.sh" stop || true
  rm -rf "$STATE_DIR"
fi
bash "$ROOT/scripts/install.sh"
bash "$ROOT/scripts/build.sh"
bash "$ROOT/scripts/stack.sh" start
(cd "$ROOT" && node --import tsx scripts/sandbox/load.ts)
bash "$ROOT/scripts/stack.sh" worker
bash "$ROOT/scripts/stack.sh" board
log "set-up done in $(( $(date +%s) - t0 ))s"
set -a; source "$STATE_DIR/stack.env"; set +a
cd "$ROOT" && node --import tsx client/sandbox-run.ts "$@"
echo "Board (where each label stands, what it waits for): http://127.0.0.1:$BOARD_PORT/"
