#!/usr/bin/env bash
# Every test: installs what is missing, type-checks and lints, then runs vitest. The integration tests' global setup
# starts the test profile of the stack (its own ports and state) and stops it again.
set -euo pipefail
source "$(dirname "$0")/env.sh"
t0=$(date +%s)
bash "$ROOT/scripts/install.sh"
cd "$ROOT"
# If vitest dies before its teardown, still stop a test stack that was not running before.
if ! STACK_PROFILE=test bash scripts/stack.sh status >/dev/null 2>&1; then
  trap 'STACK_PROFILE=test bash scripts/stack.sh stop >/dev/null 2>&1 || true' EXIT
fi
npx tsc --noEmit -p .
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --list-different .; die "prettier: files above are not formatted (npm run format)"; }
# The compiled build (incremental; a no-op when fresh): the CLI tests run it instead of compiling per run.
bash scripts/build.sh
npx vitest run "$@"
log "all tests done in $(( $(date +%s) - t0 ))s"
