#!/usr/bin/env bash
# `npm run build`: compiles the TypeScript to dist/ (tsconfig.build.json, incremental), writes the workflow bundle
# dist/workflow-bundle.js that the production worker loads, and the CLI bundle dist/cli/ that bin/promoter.js runs
# (scripts/build-cli.ts). Quick when nothing changed: no source newer than either bundle means nothing to do.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
SOURCES=(domain workflows activities integrations worker client bin scripts/build-cli.ts tsconfig.json
  tsconfig.build.json package-lock.json)
BUNDLE=dist/workflow-bundle.js
CLI=dist/cli/promoter.cjs.cache # written by the last step, the CLI bundle's training
fresh() { [ -f "$1" ] && [ -z "$(find "${SOURCES[@]}" -newer "$1" -print -quit)" ]; }
if fresh "$BUNDLE" && fresh "$CLI"; then
  log "build: dist/ is up to date"
  exit 0
fi
t0=$(date +%s%N)
npx tsc -p tsconfig.build.json
node dist/worker/build-bundle.js
node --import tsx scripts/build-cli.ts
log "build: dist/ in $(( ($(date +%s%N) - t0) / 1000000 ))ms"
