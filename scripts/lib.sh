# shellcheck shell=bash
# Shared helpers for scripts/run-local, scripts/bench and scripts/soak. Sourced, not run.
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

# whole_number FLAG VALUE MIN: VALUE as a plain number, or a usage error.
whole_number() {
  if ! [[ $2 =~ ^[0-9]{1,9}$ ]] || ((10#$2 < $3)); then
    usage_error "$1 must be a whole number >= $3, got '$2'"
  fi
  echo $((10#$2))
}

# free_port: a port on 127.0.0.1 that nothing listens on right now.
free_port() {
  local port tries
  for ((tries = 0; tries < 100; tries++)); do
    port=$((20000 + RANDOM % 12000))
    port_in_use "$port" || { echo "$port"; return 0; }
  done
  die "found no free port on 127.0.0.1"
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

# forget_child PID: no longer watch or stop that child (one killed on purpose and already reaped).
forget_child() {
  local i
  for i in "${!CHILD_PIDS[@]}"; do
    if [[ ${CHILD_PIDS[$i]} == "$1" ]]; then
      unset 'CHILD_PIDS[i]' 'CHILD_NAMES[i]' 'CHILD_LOGS[i]'
    fi
  done
  # Dense again: stop_children walks the indexes backwards from the count.
  CHILD_PIDS=("${CHILD_PIDS[@]}")
  CHILD_NAMES=("${CHILD_NAMES[@]}")
  CHILD_LOGS=("${CHILD_LOGS[@]}")
}

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
    # A stopped process (SIGSTOP, as scripts/soak injects) would hold SIGTERM pending forever.
    kill -CONT "$pid" 2>/dev/null || true
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

# --- background jobs --------------------------------------------------------
# Load generators run in the background under `timeout` and are waited for, so
# Ctrl-C / SIGTERM reach our traps at once instead of after the run (bash defers
# traps while a foreground job runs), and cleanup can stop them.

BG_PIDS=()  # bounded jobs running in the background, stopped by stop_bg_jobs
BG_LAST=""  # PID of the latest bg_start

# bg_start OUTFILE LIMIT_S COMMAND...: sets BG_LAST to the PID of the bounded job.
bg_start() {
  local out=$1 limit=$2
  shift 2
  timeout --kill-after=5 "$limit" "$@" >>"$out" 2>&1 </dev/null &
  BG_LAST=$!
  BG_PIDS+=("$BG_LAST")
}

# bg_wait PID: its exit status (124 on timeout); it no longer counts as running.
bg_wait() {
  local status=0 i
  wait "$1" || status=$?
  for i in "${!BG_PIDS[@]}"; do
    [[ ${BG_PIDS[$i]} != "$1" ]] || unset 'BG_PIDS[i]'
  done
  return "$status"
}

# stop_bg_jobs: SIGTERM to every background job still running (timeout passes it on), then reap them.
stop_bg_jobs() {
  local pid
  for pid in "${BG_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${BG_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  BG_PIDS=()
}

# --- memory of the JVMs -----------------------------------------------------

JCMD=""  # the JDK's jcmd and jstat, found by find_jdk_tools
JSTAT=""

# find_jdk_tools FLAG: sets JCMD and JSTAT to those of the JDK whose java runs the JVMs (they must be
# able to attach to them), else to those on the PATH; fails naming FLAG when there are none.
find_jdk_tools() {
  local java_bin tool
  java_bin=$(dirname "$(readlink -f "$(command -v java)")")
  for tool in jcmd jstat; do
    if [[ ! -x $java_bin/$tool ]]; then
      require_cmd "$tool" "$1 needs a JDK's $tool (Debian: apt-get install openjdk-17-jdk-headless)"
    fi
  done
  JCMD=$java_bin/jcmd JSTAT=$java_bin/jstat
  [[ -x $JCMD ]] || JCMD=$(command -v jcmd)
  [[ -x $JSTAT ]] || JSTAT=$(command -v jstat)
}

# status_kb PID FIELD: a VmRSS / VmHWM line of /proc/PID/status, in kB (0 once it is gone).
status_kb() {
  local line
  [[ -r /proc/$1/status ]] || { echo 0; return 0; }
  while read -r line; do
    if [[ $line == "$2:"* ]]; then
      read -r _ line _ <<<"$line"
      echo "$line"
      return 0
    fi
  done <"/proc/$1/status" 2>/dev/null
  echo 0
}

# heap_after_gc_mb PID: heap in use right after a full GC, in MB (NA if the JDK tools cannot tell).
# jcmd GC.run is a full GC, which leaves everything live in the old generation; jstat's OU (old
# generation in use, in KB) read right after it is that live heap, without the new objects the load
# allocates meanwhile in eden. Where jstat has no OU (ZGC), the "used" of GC.heap_info instead.
heap_after_gc_mb() {
  local info
  # --foreground: the JDK tools stay in our process group, so Ctrl-C reaches them too.
  timeout --foreground 30 "$JCMD" "$1" GC.run >/dev/null 2>&1 || { echo NA; return 0; }
  info=$(timeout --foreground 30 "$JSTAT" -gc "$1" 2>/dev/null) || info=""
  info=$(printf '%s\n' "$info" | awk '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == "OU") col = i; next }
    NR == 2 && col && $col ~ /^[0-9.]+$/ { printf "%.1f\n", $col / 1024 }')
  if [[ -n $info ]]; then
    echo "$info"
    return 0
  fi
  info=$(timeout --foreground 30 "$JCMD" "$1" GC.heap_info 2>/dev/null) || { echo NA; return 0; }
  # "garbage-first heap   total 65536K, used 12345K [...]" (G1), or one such line per generation.
  printf '%s\n' "$info" | awk '
    match($0, /total [0-9]+K, used [0-9]+K/) {
      s = substr($0, RSTART, RLENGTH); sub(/.*used /, "", s); sub(/K/, "", s); used += s; n++
    }
    END { if (n) printf "%.1f\n", used / 1024; else print "NA" }'
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
