# shellcheck shell=bash
# Shared helpers for scripts/run-local and scripts/bench. Sourced, not run.
#
# The caller sets PROG (its name, used as a log prefix) before sourcing, and
# must be running under `set -euo pipefail`.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROXY_WAR="$REPO_ROOT/proxy-war/target/inverting-proxy.war"
AGENT_JAR="$REPO_ROOT/agent-jar/target/inverting-proxy-agent.jar"

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }

# die MESSAGE [EXIT_CODE]: one line on stderr, then exit (the EXIT trap cleans up).
die() {
  log "$1"
  exit "${2:-1}"
}

usage_error() { die "$1 (try --help)" 2; }

# need_value "$@" (called with the flag as $1): fail with exit 2 when the flag has no value.
need_value() {
  [[ $# -ge 2 && $2 != --* ]] || usage_error "$1 needs a value"
}

require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed${2:+; $2}"
}

valid_port() { [[ $1 =~ ^[0-9]+$ ]] && ((10#$1 >= 1 && 10#$1 <= 65535)); }

# port_in_use PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# --- building ---------------------------------------------------------------

artifacts_present() { [[ -f $PROXY_WAR && -f $AGENT_JAR ]]; }

# build_artifacts: `mvn package` from the repository root; both artifacts must exist after.
build_artifacts() {
  require_cmd java "install a JDK 17 (Debian: apt-get install openjdk-17-jdk-headless)"
  require_cmd mvn "install Maven (Debian: apt-get install maven)"
  log "building with: mvn -B -q package -DskipTests (first build downloads dependencies, be patient)"
  (cd "$REPO_ROOT" && mvn -B -q package -DskipTests) || die "the Maven build failed (see its output above)"
  artifacts_present || die "the build finished but $PROXY_WAR or $AGENT_JAR is missing"
}

# ensure_artifacts REBUILD: build when asked to, or when an artifact is missing.
ensure_artifacts() {
  if [[ $1 == 1 ]] || ! artifacts_present; then
    build_artifacts
  fi
}

# --- child processes --------------------------------------------------------
# Every long-running child is started through start_child, so stop_children
# can find and stop all of them: no orphans, whatever way the script ends.

CHILD_PIDS=()
CHILD_NAMES=()
CHILD_LOGS=()

# start_child NAME LOGFILE COMMAND...: run COMMAND in the background, output to LOGFILE.
# A simple command started with & is forked and exec'd directly, so $! is the
# PID of COMMAND itself (no wrapper shell that could be left behind).
start_child() {
  local name=$1 logfile=$2
  shift 2
  "$@" >"$logfile" 2>&1 </dev/null &
  CHILD_PIDS+=("$!")
  CHILD_NAMES+=("$name")
  CHILD_LOGS+=("$logfile")
}

pid_alive() { kill -0 "$1" 2>/dev/null; }

# check_children: fail (with the dead child's log tail) if any child has exited.
check_children() {
  local i
  for i in "${!CHILD_PIDS[@]}"; do
    if ! pid_alive "${CHILD_PIDS[$i]}"; then
      log "${CHILD_NAMES[$i]} exited unexpectedly; last lines of ${CHILD_LOGS[$i]}:"
      tail -n 20 "${CHILD_LOGS[$i]}" >&2 || true
      return 1
    fi
  done
}

# stop_children: SIGTERM in reverse start order (agent before proxy before
# backend, so nothing is left polling a stopped proxy), then SIGKILL whatever
# is still alive after a grace period. Safe to call twice.
stop_children() {
  local i pid waited
  for ((i = ${#CHILD_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${CHILD_PIDS[$i]}
    pid_alive "$pid" || continue
    kill -TERM "$pid" 2>/dev/null || true
    # The JVMs drain in-flight requests on SIGTERM (up to 10 s by default).
    for ((waited = 0; waited < 150; waited++)); do
      pid_alive "$pid" || break
      sleep 0.1
    done
    if pid_alive "$pid"; then
      log "${CHILD_NAMES[$i]} (pid $pid) ignored SIGTERM for 15 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  CHILD_PIDS=()
  CHILD_NAMES=()
  CHILD_LOGS=()
}

# --- the proxy and the agent ------------------------------------------------

# wait_for_proxy_port LOGFILE TIMEOUT_S: print the port from the proxy's
# "inverting-proxy listening on http://HOST:PORT/" line once it appears.
wait_for_proxy_port() {
  local logfile=$1 deadline=$((SECONDS + $2)) line
  while ((SECONDS < deadline)); do
    line=$(grep -m1 -o 'listening on http://[^ ]*' "$logfile" 2>/dev/null || true)
    if [[ $line =~ :([0-9]+)/$ ]]; then
      echo "${BASH_REMATCH[1]}"
      return 0
    fi
    check_children || return 1
    sleep 0.2
  done
  log "the proxy did not report listening within $2 s"
  return 1
}

# http_code URL: the status code of a GET (000 when nothing answers).
http_code() {
  curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" || true
}

# wait_for_http URL WANT_CODE TIMEOUT_S: retry until URL answers WANT_CODE.
# The proxy answers 503 until the agent's first poll arrives, and the agent
# needs a JVM start-up, so a few seconds of retries are normal.
wait_for_http() {
  local url=$1 want=$2 deadline=$((SECONDS + $3)) code=000
  while ((SECONDS < deadline)); do
    code=$(http_code "$url")
    [[ $code == "$want" ]] && return 0
    check_children || return 1
    sleep 0.25
  done
  log "$url still answered $code (wanted $want) after $3 s"
  return 1
}

# --- the admin API ----------------------------------------------------------

# random_token: 64 hex characters (256 random bits), e.g. an admin token made up for one run.
random_token() {
  od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
}

# create_backend PROXY_URL ADMIN_TOKEN JSON: creates a backend through the proxy's admin API
# (POST /api/backends) and prints the agent credential the proxy issued for it (shown this once).
# The token goes to curl on its standard input, never on a command line that ps would show.
# Fails with one line naming the status and the proxy's reason unless the answer is 201.
create_backend() {
  local url="${1%/}/api/backends" token=$2 json=$3 answer code body credential
  token=${token//\\/\\\\}
  token=${token//\"/\\\"}
  answer=$(printf 'header = "Authorization: Bearer %s"\n' "$token" |
    curl -sS -m 10 -K - -H 'Content-Type: application/json' --data-binary "$json" \
      -w '\n%{http_code}' "$url") || true
  code=${answer##*$'\n'}
  body=${answer%$'\n'*}
  if [[ $code == 000 ]]; then
    log "creating a backend failed: nothing answered POST $url"
    return 1
  elif [[ $code != 201 ]]; then
    body=${body//$'\n'/ }
    ((${#body} <= 200)) || body="${body:0:200}..."
    log "creating a backend failed: POST $url answered HTTP $code: $body"
    return 1
  fi
  # printf is a builtin and a pipe no file: the secret touches neither a command line nor the disk.
  credential=$(printf '%s' "$body" | grep -o '"agentCredential"[[:space:]]*:[[:space:]]*"[^"]*"' |
    sed 's/.*"\([^"]*\)"$/\1/') || true
  if ! [[ $credential =~ ^ipa_[0-9a-f]+_[A-Za-z0-9_-]+$ ]]; then
    log "creating a backend: POST $url answered 201 without an agent credential (secrets.agentCredential)"
    return 1
  fi
  printf '%s\n' "$credential"
}
