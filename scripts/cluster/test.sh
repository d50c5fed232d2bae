#!/usr/bin/env bash
# `npm run test:cluster`: the tests against a real Temporal cluster (official server v1.32.2 on PostgreSQL 15),
# several workers on one task queue. Builds what is missing (first run: the server, minutes), then runs
# vitest.cluster.config.ts; the test stops the cluster and stack it started (KEEP_STACK=1 leaves them up).
set -euo pipefail
source "$(dirname "$0")/../env.sh"
t0=$(date +%s)
bash "$ROOT/scripts/install.sh"
bash "$ROOT/scripts/cluster/cluster.sh" install
cd "$ROOT"
npx vitest run -c vitest.cluster.config.ts "$@"
log "cluster tests done in $(( $(date +%s) - t0 ))s"
