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
# Type-check and lint side by side (two cores); both must pass.
npx tsc --noEmit -p . &
tsc_pid=$!
eslint_rc=0
npx eslint . || eslint_rc=$?
wait "$tsc_pid" || die "tsc: type errors above"
[ "$eslint_rc" -eq 0 ] || die "eslint: problems above"
npx prettier --check . >/dev/null || { npx prettier --list-different .; die "prettier: files above are not formatted (npm run format)"; }
# The compiled build (incremental; a no-op when fresh): the CLI tests run it instead of compiling per run.
bash scripts/build.sh
if [ $# -gt 0 ]; then
  npx vitest run "$@"
else
  # The unit project needs no stack and the integration files run one at a time against one stack: the two run side
  # by side (each on its own core), the unit output shown once it ends.
  unit_log=$(mktemp)
  npx vitest run --project unit >"$unit_log" 2>&1 &
  unit_pid=$!
  integration_rc=0
  npx vitest run --project integration || integration_rc=$?
  unit_rc=0
  wait "$unit_pid" || unit_rc=$?
  cat "$unit_log"
  rm -f "$unit_log"
  [ "$unit_rc" -eq 0 ] || die "unit tests failed (exit $unit_rc)"
  [ "$integration_rc" -eq 0 ] || die "integration tests failed (exit $integration_rc)"
fi
log "all tests done in $(( $(date +%s) - t0 ))s"
