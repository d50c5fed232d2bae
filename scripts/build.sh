#!/usr/bin/env bash
# `npm run build`: compiles the TypeScript to dist/ (tsconfig.build.json, incremental) and writes the workflow bundle
# dist/workflow-bundle.js that the production worker loads. Quick when nothing changed: no source newer than the
# bundle means nothing to do.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
SOURCES=(domain workflows activities integrations worker client tsconfig.json tsconfig.build.json package-lock.json)
BUNDLE=dist/workflow-bundle.js
if [ -f "$BUNDLE" ] && [ -z "$(find "${SOURCES[@]}" -newer "$BUNDLE" -print -quit)" ]; then
  log "build: dist/ is up to date"
  exit 0
fi
t0=$(date +%s%N)
npx tsc -p tsconfig.build.json
node dist/worker/build-bundle.js
log "build: dist/ in $(( ($(date +%s%N) - t0) / 1000000 ))ms"
