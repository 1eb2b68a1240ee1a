#!/usr/bin/env bash
# The project's own local stack, for machines without Docker (CI and the dev machines):
#   Kafka 4.x (KRaft, broker+controller in one JVM per node, jars from Maven Central),
#   PostgreSQL 15 (Debian's binaries, a cluster of our own), ClickHouse (Debian's 18.16 package, a config of our own).
#
#   bash stack/stack.sh up       provision what is missing, start what is not running, wait until healthy
#   bash stack/stack.sh up --brokers 3   the same with a replicated Kafka of 3 nodes (see JOBSTREAM_KAFKA_NODES)
#   bash stack/stack.sh down     stop what `up` started (and only that)
#   bash stack/stack.sh status   one line per service; exit code 0 only when all are healthy
#   bash stack/stack.sh reset    down, then delete the state (but keep the downloaded Kafka jars)
#   bash stack/stack.sh env      print the connection settings as `export` lines (eval "$(bash stack/stack.sh env)")
#   bash stack/stack.sh libs     only fetch the Kafka jars (bootstrap.sh uses it)
#
# All state lives in one folder: .jobstream/ at the repo root, or $JOBSTREAM_HOME. Everything listens on
# 127.0.0.1 only. It never touches the machine's own services (the system PostgreSQL on 5432 and friends).
# Environment:
#   JOBSTREAM_HOME                    state folder (default <repo>/.jobstream)
#   JOBSTREAM_KAFKA_PORT              Kafka client listener (default 19092)
#   JOBSTREAM_KAFKA_CONTROLLER_PORT   KRaft controller listener (default 19093; fixed at format time, see reset)
#   JOBSTREAM_KAFKA_NODES             Kafka nodes (default 1, or what the data was formatted with; --brokers N wins).
#                                     Node i (1..N) listens on KAFKA_PORT+2(i-1) and KAFKA_CONTROLLER_PORT+2(i-1);
#                                     with 3 or more, topics default to 3 replicas and min.insync.replicas=2.
#   JOBSTREAM_SERVICES                the services up/status/down handle (default "kafka postgres clickhouse")
#   JOBSTREAM_PG_PORT                 PostgreSQL (default 15432)
#   JOBSTREAM_CLICKHOUSE_HTTP_PORT    ClickHouse HTTP (default 18123)
#   JOBSTREAM_CLICKHOUSE_TCP_PORT     ClickHouse native protocol (default 19000)
#   JOBSTREAM_KAFKA_HEAP              JVM heap flags of each node (default "-Xms256m -Xmx768m" for one node,
#                                     "-Xms128m -Xmx512m" for several: 2 cores, shared with the app)
#   JOBSTREAM_START_TIMEOUT           seconds to wait for each service to become healthy (default 120)
#   JOBSTREAM_STOP_TIMEOUT            seconds of graceful shutdown before SIGKILL (default 30)
set -euo pipefail
umask 022 # the postgres and clickhouse users must be able to traverse the folders we create

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
STATE=$(realpath -m "${JOBSTREAM_HOME:-$REPO_ROOT/.jobstream}")
LOGS=$STATE/logs
RUN=$STATE/run
MARKER=$STATE/.jobstream-state # reset deletes only a folder that carries this marker

HOST=127.0.0.1
KAFKA_PORT=${JOBSTREAM_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${JOBSTREAM_KAFKA_CONTROLLER_PORT:-19093}
PG_PORT=${JOBSTREAM_PG_PORT:-15432}
CH_HTTP_PORT=${JOBSTREAM_CLICKHOUSE_HTTP_PORT:-18123}
CH_TCP_PORT=${JOBSTREAM_CLICKHOUSE_TCP_PORT:-19000}
START_TIMEOUT=${JOBSTREAM_START_TIMEOUT:-120}
STOP_TIMEOUT=${JOBSTREAM_STOP_TIMEOUT:-30}

KAFKA_POM=$REPO_ROOT/stack/kafka/pom.xml
KAFKA_LOG4J=$REPO_ROOT/stack/kafka/log4j2.yaml
KAFKA_DIR=$STATE/kafka
KAFKA_LIBS=$KAFKA_DIR/libs

# Debian's server binaries, named explicitly: /usr/bin/pg_ctl & co. are wrappers that pick clusters from /etc.
PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR=$STATE/postgres
PGDATA=$PG_DIR/data
PG_SOCKDIR=$PG_DIR/run
# A Unix socket path must fit in 107 bytes; a deep checkout would overflow it, so fall back to /tmp then.
if ((${#PG_SOCKDIR} + 18 > 107)); then
  PG_SOCKDIR=/tmp/jobstream-pg-$(printf '%s' "$STATE" | sha256sum | cut -c1-12)
fi

CH_DIR=$STATE/clickhouse
CH_CONFIG=$CH_DIR/config.xml
CH_LOGS=$LOGS/clickhouse

DB_NAME=jobstream
DB_TEST_NAME=jobstream_test
DB_USER=jobstream

# Filled by choose_services: the Kafka nodes (one service each), the heap of each, and the services a command handles.
KAFKA_NODES=1
KAFKA_SVCS=()
KAFKA_HEAP=
KAFKA_CONTROLLERS= # every node's controller address, comma-separated
KAFKA_REPLICAS=1   # the cluster's default replication factor, and its min.insync.replicas
KAFKA_MIN_ISR=1
declare -A NODE_ID=() NODE_DIR=() NODE_LOGS=() NODE_PORT=() NODE_CONTROLLER_PORT=()
SERVICES=()
declare -A VERSION=() # filled by the health checks

# ---------------------------------------------------------------------------------------------------------------
# small helpers

say() { printf '%s\n' "$*"; }
warn() { printf 'stack: %s\n' "$*" >&2; }
die() {
  printf 'stack: %s\n' "$*" >&2
  exit 1
}
now_ms() { date +%s%3N; }
secs_since() { # ms timestamp -> "1.2s"
  local d=$(($(now_ms) - $1))
  printf '%d.%ds' $((d / 1000)) $((d % 1000 / 100))
}

# The servers must not run as root (PostgreSQL refuses to): as root we switch to their Debian users; a non-root
# developer runs them as themself.
IS_ROOT=0
[[ $EUID -eq 0 ]] && IS_ROOT=1
as_postgres() {
  if ((IS_ROOT)); then runuser -u postgres -- "$@"; else "$@"; fi
}
own() { # own USER PATH... : hand files to the service user when we are root
  local user=$1
  shift
  if ((IS_ROOT)); then chown -R "$user:$user" "$@"; fi
}

check_state_path() {
  # The path is spliced into XML, sed expressions and server command lines: keep it to plain characters.
  [[ $STATE =~ ^/[A-Za-z0-9._/+@-]+$ ]] ||
    die "the state folder path '$STATE' has characters this script does not quote everywhere; set JOBSTREAM_HOME to a plain path"
  [[ $STATE != / ]] || die "JOBSTREAM_HOME must not be /"
}

ensure_dirs() {
  if [[ -d $STATE && ! -f $MARKER ]] && [[ -n $(ls -A "$STATE" 2>/dev/null) ]]; then
    die "$STATE exists, is not empty and was not made by this script (no $(basename "$MARKER")); choose another JOBSTREAM_HOME"
  fi
  mkdir -p "$STATE" "$LOGS" "$RUN" "$KAFKA_DIR"
  [[ -f $MARKER ]] || printf 'state folder of jobstream (stack/stack.sh); "stack.sh reset" deletes it\n' >"$MARKER"
}

# PostgreSQL and ClickHouse run as their own users, which must be able to reach the state folder through every
# parent folder: add the search (x) bit for others where it is missing (it lets them pass, not list or read).
ensure_traversable() {
  ((IS_ROOT)) || return 0
  local d=$STATE mode
  while [[ $d != / ]]; do
    d=$(dirname "$d")
    mode=$(stat -c %A "$d")
    if [[ ${mode:9:1} != x && ${mode:9:1} != t ]]; then
      warn "adding o+x to $d so that the postgres and clickhouse users can reach $STATE"
      chmod o+x "$d"
    fi
  done
}

lock_state() {
  # Two `up`s at once (npm test in two shells, say) would race on formatting and ports: serialize them.
  exec 9>"$RUN/stack.lock"
  flock -w 600 9 || die "another stack.sh holds $RUN/stack.lock for 10 minutes; is one stuck?"
}

# --- services and Kafka nodes ---------------------------------------------------------------------------------

# How many Kafka nodes this state folder runs is fixed when its data is first formatted (every node's metadata log
# names the voters) and remembered in kafka/nodes. Data formatted before there could be several has no such file.
formatted_nodes() {
  if [[ -s $KAFKA_DIR/nodes ]]; then
    cat "$KAFKA_DIR/nodes"
  elif [[ -f $KAFKA_DIR/data/meta.properties ]]; then
    printf '1\n'
  fi
}

# choose_services REQUESTED_NODES "SERVICE..." : the Kafka nodes (their ids, folders and ports) and the services
# a command handles. One node keeps the names and places of the single-broker stack: service kafka, kafka/data,
# logs/kafka.log. Node i of several is service kafka-i, with kafka/node-i/ and logs/kafka-i/.
choose_services() {
  local requested=$1 wanted=${2//,/ } formatted svc i controllers=()
  formatted=$(formatted_nodes)
  [[ -z $formatted || $formatted =~ ^[1-9]$ ]] || die "$KAFKA_DIR/nodes holds '$formatted', not a node count"
  if [[ -n $requested ]]; then
    [[ $requested =~ ^[1-9]$ ]] || die "the Kafka node count (--brokers, JOBSTREAM_KAFKA_NODES) must be 1 to 9, not '$requested'"
    if [[ -n $formatted && $formatted != "$requested" ]]; then
      die "the Kafka data in $STATE was formatted for $formatted node(s), and $requested were asked for.
  The voters are written in each node's metadata log: ask for $formatted, or run
  bash stack/stack.sh reset   (deletes the state: Kafka, PostgreSQL and ClickHouse data), or use another JOBSTREAM_HOME"
    fi
  fi
  KAFKA_NODES=${requested:-${formatted:-1}}
  if ((KAFKA_NODES == 1)); then
    KAFKA_HEAP=${JOBSTREAM_KAFKA_HEAP:--Xms256m -Xmx768m}
  else
    KAFKA_HEAP=${JOBSTREAM_KAFKA_HEAP:--Xms128m -Xmx512m}
  fi
  # Three replicas at most, and one may be down while writes go on.
  KAFKA_REPLICAS=$((KAFKA_NODES < 3 ? KAFKA_NODES : 3))
  KAFKA_MIN_ISR=$((KAFKA_REPLICAS > 1 ? KAFKA_REPLICAS - 1 : 1))
  KAFKA_SVCS=()
  for ((i = 1; i <= KAFKA_NODES; i++)); do
    if ((KAFKA_NODES == 1)); then
      svc=kafka
      NODE_DIR[$svc]=$KAFKA_DIR
      NODE_LOGS[$svc]=$LOGS
    else
      svc=kafka-$i
      NODE_DIR[$svc]=$KAFKA_DIR/node-$i
      NODE_LOGS[$svc]=$LOGS/kafka-$i
    fi
    NODE_ID[$svc]=$i
    NODE_PORT[$svc]=$((KAFKA_PORT + 2 * (i - 1)))
    NODE_CONTROLLER_PORT[$svc]=$((KAFKA_CONTROLLER_PORT + 2 * (i - 1)))
    KAFKA_SVCS+=("$svc")
    controllers+=("$HOST:${NODE_CONTROLLER_PORT[$svc]}")
  done
  KAFKA_CONTROLLERS=$(IFS=,; printf '%s' "${controllers[*]}")

  for svc in $wanted; do
    [[ $svc == kafka || $svc == postgres || $svc == clickhouse ]] ||
      die "JOBSTREAM_SERVICES: no service '$svc' (kafka, postgres, clickhouse)"
  done
  SERVICES=()
  for svc in kafka postgres clickhouse; do
    [[ " $wanted " == *" $svc "* ]] || continue
    if [[ $svc == kafka ]]; then SERVICES+=("${KAFKA_SVCS[@]}"); else SERVICES+=("$svc"); fi
  done
  ((${#SERVICES[@]})) || die "JOBSTREAM_SERVICES names no service (kafka, postgres, clickhouse)"
}

selected() { # selected SERVICE : does this command handle it?
  local svc
  for svc in "${SERVICES[@]}"; do [[ $svc == "$1" ]] && return 0; done
  return 1
}

# --- processes ------------------------------------------------------------------------------------------------

# Is PID the given service of THIS state folder? Checked on the exact argv, so a process of another checkout, the
# system PostgreSQL, or a shell whose command line merely mentions our paths never matches.
is_ours() {
  local svc=$1 pid=$2 argv=() i
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  mapfile -d '' -t argv 2>/dev/null <"/proc/$pid/cmdline" || return 1
  ((${#argv[@]} > 1)) || return 1
  case $svc in
    kafka | kafka-*)
      [[ ${argv[0]##*/} == java ]] || return 1
      for ((i = 1; i < ${#argv[@]} - 1; i++)); do
        [[ ${argv[i]} == kafka.Kafka && ${argv[i + 1]} == "${NODE_DIR[$svc]}/server.properties" ]] && return 0
      done
      ;;
    postgres)
      [[ ${argv[0]##*/} == postgres ]] || return 1
      for ((i = 1; i < ${#argv[@]} - 1; i++)); do
        [[ ${argv[i]} == -D && ${argv[i + 1]} == "$PGDATA" ]] && return 0
      done
      ;;
    clickhouse)
      [[ ${argv[0]##*/} == clickhouse-server || ${argv[0]##*/} == clickhouse ]] || return 1
      for ((i = 1; i < ${#argv[@]}; i++)); do
        [[ ${argv[i]} == "--config-file=$CH_CONFIG" ]] && return 0
      done
      ;;
  esac
  return 1
}

# The pid of our running service, or nothing. The pid file is the record; when it is missing or stale (a crash,
# a deleted run/ folder) the process table is searched for our exact command line, so nothing is ever orphaned.
svc_pid() {
  local svc=$1 pid="" p
  if [[ -r $RUN/$svc.pid ]]; then read -r pid <"$RUN/$svc.pid" || true; fi
  if [[ -n $pid ]] && is_ours "$svc" "$pid"; then
    printf '%s\n' "$pid"
    return 0
  fi
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    if is_ours "$svc" "$p"; then
      [[ -d $RUN ]] && printf '%s\n' "$p" >"$RUN/$svc.pid"
      printf '%s\n' "$p"
      return 0
    fi
  done
  rm -f "$RUN/$svc.pid"
  return 0
}

descendants() { # all descendant pids of $1
  local -A kids=()
  local pid ppid
  while read -r pid ppid; do kids[$ppid]+="$pid "; done < <(ps -e -o pid=,ppid=)
  local queue=("$1") out=() p c
  while ((${#queue[@]})); do
    p=${queue[0]}
    queue=("${queue[@]:1}")
    for c in ${kids[$p]:-}; do
      out+=("$c")
      queue+=("$c")
    done
  done
  printf '%s\n' "${out[@]}"
}

# Running, and not a zombie (a server launched by this very script that died is one until the script exits).
alive() {
  local stat
  # (read, not $(<file): under set -e, bash 5.2 exits on a $(<file) whose file is gone, even after ||)
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

cmdline_of() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | cut -c1-160 || true; }

# Who listens on PORT (any local address)? Prints "PID NAME", "? ?" when open but unknown, nothing when free.
port_listener() {
  local port=$1 line
  if command -v ss >/dev/null; then
    line=$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n1)
    [[ -n $line ]] || return 0
    local pid='?' name='?'
    [[ $line =~ pid=([0-9]+) ]] && pid=${BASH_REMATCH[1]}
    [[ $line =~ \(\(\"([^\"]+)\" ]] && name=${BASH_REMATCH[1]}
    printf '%s %s\n' "$pid" "$name"
  elif (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
    printf '? ?\n'
  fi
}

svc_ports() { # service -> "port:ENV_VAR:what" list
  case $1 in
    kafka | kafka-*)
      local node=""
      [[ $1 == kafka-* ]] && node=" of node ${NODE_ID[$1]}"
      printf '%s\n' "${NODE_PORT[$1]}:JOBSTREAM_KAFKA_PORT:Kafka client listener$node" \
        "${NODE_CONTROLLER_PORT[$1]}:JOBSTREAM_KAFKA_CONTROLLER_PORT:Kafka controller listener$node"
      ;;
    postgres) printf '%s\n' "$PG_PORT:JOBSTREAM_PG_PORT:PostgreSQL" ;;
    clickhouse) printf '%s\n' "$CH_HTTP_PORT:JOBSTREAM_CLICKHOUSE_HTTP_PORT:ClickHouse HTTP" \
      "$CH_TCP_PORT:JOBSTREAM_CLICKHOUSE_TCP_PORT:ClickHouse native TCP" ;;
  esac
}

# Fail before starting anything when a port we need is held by a process that is not this stack's service.
check_ports_free() {
  local svc=$1 spec port var what holder pid name
  while IFS= read -r spec; do
    IFS=: read -r port var what <<<"$spec"
    holder=$(port_listener "$port")
    [[ -n $holder ]] || continue
    read -r pid name <<<"$holder"
    if [[ $pid == "?" ]]; then
      die "port $port ($what) on $HOST is already in use by a process this script cannot identify (not ours).
  Stop it, or use another port: $var=<free port> bash stack/stack.sh up   (and point the app at it)"
    fi
    die "port $port ($what) is already in use by pid $pid ($name: $(cmdline_of "$pid")), which is not this stack's $svc.
  Stop that process, or use another port: $var=<free port> bash stack/stack.sh up   (and point the app at it)"
  done < <(svc_ports "$svc")
}

listens_on() { # listens_on PID PORT: is PORT held by PID?
  local holder
  holder=$(port_listener "$2")
  [[ ${holder%% *} == "$1" ]]
}

# Logs are appended to across runs: remember where they ended before a start, to show only what that start wrote.
declare -A LOG_START=()
mark_logs() { # mark_logs SERVICE
  local f
  while IFS= read -r f; do LOG_START[$f]=$(stat -c %s "$f" 2>/dev/null || echo 0); done < <(svc_logs "$1")
}

show_log_tail() { # show_log_tail SERVICE LOGFILE...
  local svc=$1 f from
  shift
  for f in "$@"; do
    [[ -s $f ]] || continue
    from=${LOG_START[$f]:-0}
    (($(stat -c %s "$f") > from)) || continue
    if ((from > 0)); then
      printf -- '----- last lines written to %s by this start -----\n' "$f" >&2
    else
      printf -- '----- last lines of %s -----\n' "$f" >&2
    fi
    tail -c "+$((from + 1))" "$f" | tail -n 30 >&2
  done
  printf -- '-----\n' >&2
  printf 'stack: %s did not become healthy. Full logs are in %s.\n' "$svc" "$LOGS" >&2
  printf '  Then: bash stack/stack.sh down && bash stack/stack.sh up   (or: bash stack/stack.sh reset, for empty data)\n' >&2
}

# --- Kafka ----------------------------------------------------------------------------------------------------

kafka_libs_stamp() { sha256sum "$KAFKA_POM" | cut -c1-64; }

# The broker's classpath, laid out by Maven from stack/kafka/pom.xml. Fetched again only when the pom changes.
ensure_kafka_libs() {
  local stamp
  stamp=$(kafka_libs_stamp)
  if [[ -f $KAFKA_LIBS/.pom.sha256 && $(<"$KAFKA_LIBS/.pom.sha256") == "$stamp" ]]; then return 0; fi
  command -v mvn >/dev/null || die "Maven (mvn) is missing: run bash stack/bootstrap.sh (apt-get install maven)"
  say "kafka: fetching broker jars with Maven (stack/kafka/pom.xml) into $KAFKA_LIBS ..."
  local t0 tmp=$KAFKA_DIR/libs.tmp
  t0=$(now_ms)
  rm -rf "$tmp"
  # Into a temporary folder first, so that an interrupted download is never taken for a complete classpath.
  if ! mvn -q -B -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime >"$LOGS/kafka-maven.log" 2>&1; then
    tail -n 40 "$LOGS/kafka-maven.log" >&2
    die "Maven could not fetch the Kafka jars (log: $LOGS/kafka-maven.log)"
  fi
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || die "Maven ran but no kafka_2.13 jar is in $tmp"
  printf '%s\n' "$stamp" >"$tmp/.pom.sha256"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  say "kafka: jars ready in $(secs_since "$t0")"
}

kafka_version() {
  local jar
  for jar in "$KAFKA_LIBS"/kafka_2.13-*.jar; do
    [[ -e $jar ]] || break
    jar=${jar##*/kafka_2.13-}
    printf '%s\n' "${jar%.jar}"
    return 0
  done
  printf '?\n'
}

java_bin() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then printf '%s\n' "$JAVA_HOME/bin/java"; else command -v java || true; fi
}

check_java() {
  local java ver major
  java=$(java_bin)
  [[ -n $java ]] || die "Java is missing (Kafka 4 needs 17+): run bash stack/bootstrap.sh, or set JAVA_HOME"
  ver=$("$java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n1)
  major=${ver%%.*}
  if [[ ! $major =~ ^[0-9]+$ ]] || ((major < 17)); then
    die "Kafka 4 brokers need Java 17 or newer; $java is '$ver'. Set JAVA_HOME to a JDK 17+"
  fi
}

write_kafka_props() { # write_kafka_props SVC
  # Regenerated at every start, so a changed JOBSTREAM_KAFKA_PORT takes effect on the next `up`.
  local svc=$1 roles="Single node: one JVM is both KRaft controller and broker."
  ((KAFKA_NODES == 1)) || roles="Node ${NODE_ID[$svc]} of $KAFKA_NODES: each JVM is both KRaft controller and broker; the controllers vote."
  mkdir -p "${NODE_DIR[$svc]}"
  cat >"${NODE_DIR[$svc]}/server.properties" <<PROPS
# Generated by stack/stack.sh at every start: edit the script, not this file.
# $roles
process.roles=broker,controller
node.id=${NODE_ID[$svc]}
listeners=PLAINTEXT://$HOST:${NODE_PORT[$svc]},CONTROLLER://$HOST:${NODE_CONTROLLER_PORT[$svc]}
advertised.listeners=PLAINTEXT://$HOST:${NODE_PORT[$svc]}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
# Dynamic quorum (KIP-853): formatted with --standalone (one node) or --initial-controllers (several), which need
# bootstrap servers rather than static voters.
controller.quorum.bootstrap.servers=$KAFKA_CONTROLLERS
log.dirs=${NODE_DIR[$svc]}/data
num.partitions=3
default.replication.factor=$KAFKA_REPLICAS
min.insync.replicas=$KAFKA_MIN_ISR
offsets.topic.replication.factor=$KAFKA_REPLICAS
transaction.state.log.replication.factor=$KAFKA_REPLICAS
transaction.state.log.min.isr=$KAFKA_MIN_ISR
share.coordinator.state.topic.replication.factor=$KAFKA_REPLICAS
share.coordinator.state.topic.min.isr=$KAFKA_MIN_ISR
# Tests start consumer groups all the time: no 3 s wait before the first rebalance.
group.initial.rebalance.delay.ms=0
# The pipeline declares its topics (partitions, compaction); a typo must not create a topic silently.
auto.create.topics.enable=false
# Modest thread counts: 2 cores shared with PostgreSQL, ClickHouse and the app.
num.network.threads=2
num.io.threads=4
PROPS
}

# A Kafka Uuid as `kafka-storage.sh random-uuid` prints it: 16 random bytes, base64url, no padding; never starting
# with '-' (it would read as an option). Made here rather than by a 1 s JVM start.
kafka_uuid() {
  local id=-
  while [[ $id == -* ]]; do id=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'); done
  printf '%s\n' "$id"
}

# Format every node's log folder that is still empty (the KRaft metadata log needs a cluster id, and the voters,
# before the first start). Several nodes are formatted side by side: each is a JVM start of about a second.
kafka_format_if_needed() {
  local svc formatted
  for svc in "${KAFKA_SVCS[@]}"; do
    [[ -f ${NODE_DIR[$svc]}/data/meta.properties ]] || continue
    formatted=$(cat "$KAFKA_DIR/formatted-controller" 2>/dev/null || true)
    if [[ -n $formatted && $formatted != "$KAFKA_CONTROLLERS" ]]; then
      die "Kafka was formatted with its controllers on $formatted, now asked for $KAFKA_CONTROLLERS.
  The controller addresses are stored in the metadata log: unset JOBSTREAM_KAFKA_CONTROLLER_PORT, or run
  bash stack/stack.sh reset (deletes the Kafka data)"
    fi
    break
  done
  local cid java quorum=(--standalone) pids=() svcs=() i
  if [[ -s $KAFKA_DIR/cluster.id ]]; then
    cid=$(<"$KAFKA_DIR/cluster.id")
  else
    cid=$(kafka_uuid)
    printf '%s\n' "$cid" >"$KAFKA_DIR/cluster.id"
  fi
  [[ -s $KAFKA_DIR/nodes ]] || printf '%s\n' "$KAFKA_NODES" >"$KAFKA_DIR/nodes"
  if ((KAFKA_NODES > 1)); then
    # The voters, each with the directory id its node is formatted with: kept, so that a node formatted later
    # (after a failed format) joins the same quorum.
    if [[ ! -s $KAFKA_DIR/initial-controllers ]]; then
      local voters=()
      for svc in "${KAFKA_SVCS[@]}"; do voters+=("${NODE_ID[$svc]}@$HOST:${NODE_CONTROLLER_PORT[$svc]}:$(kafka_uuid)"); done
      (IFS=,; printf '%s\n' "${voters[*]}") >"$KAFKA_DIR/initial-controllers"
    fi
    quorum=(--initial-controllers "$(<"$KAFKA_DIR/initial-controllers")")
  fi
  java=$(java_bin)
  for svc in "${KAFKA_SVCS[@]}"; do
    [[ ! -f ${NODE_DIR[$svc]}/data/meta.properties ]] || continue
    mkdir -p "${NODE_DIR[$svc]}/data" "${NODE_LOGS[$svc]}"
    "$java" -Dlog4j2.configurationFile="$KAFKA_LOG4J" -Dkafka.logs.dir="${NODE_LOGS[$svc]}" -cp "$KAFKA_LIBS/*" \
      kafka.tools.StorageTool format "${quorum[@]}" -t "$cid" -c "${NODE_DIR[$svc]}/server.properties" \
      >"${NODE_LOGS[$svc]}/kafka-format.log" 2>&1 9>&- &
    pids+=("$!")
    svcs+=("$svc")
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      cat "${NODE_LOGS[${svcs[$i]}]}/kafka-format.log" >&2
      die "formatting the Kafka log folder of ${svcs[$i]} failed (log: ${NODE_LOGS[${svcs[$i]}]}/kafka-format.log)"
    fi
  done
  printf '%s\n' "$KAFKA_CONTROLLERS" >"$KAFKA_DIR/formatted-controller"
}

kafka_launch() { # kafka_launch SVC ; the node's properties must be written and its folder formatted
  local svc=$1 java heap
  java=$(java_bin)
  read -r -a heap <<<"$KAFKA_HEAP"
  mkdir -p "${NODE_LOGS[$svc]}"
  mark_logs "$svc"
  # The flags kafka-run-class.sh uses, with a smaller heap; setsid puts the JVM in its own session so that it
  # outlives this script and the terminal or npm process that ran it.
  # 9>&-: the server must not inherit the lock of this script, or the next `up` would wait for it forever.
  (
    cd "${NODE_DIR[$svc]}"
    exec 9>&-
    exec setsid "$java" "${heap[@]}" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true -Dkafka.logs.dir="${NODE_LOGS[$svc]}" -Dlog4j2.configurationFile="$KAFKA_LOG4J" \
      -cp "$KAFKA_LIBS/*" kafka.Kafka "${NODE_DIR[$svc]}/server.properties"
  ) </dev/null >>"${NODE_LOGS[$svc]}/kafka.out" 2>&1 &
  printf '%s\n' "$!" >"$RUN/$svc.pid"
}

kafka_healthy() { # kafka_healthy SVC PID
  local port=${NODE_PORT[$1]}
  listens_on "$2" "$port" || return 1
  # A real client's view: the broker answers metadata and lists itself (registered, and not fenced).
  kcat -b "$HOST:$port" -L -m 3 2>/dev/null | grep -q "broker ${NODE_ID[$1]} at $HOST:$port"
}

# --- PostgreSQL -----------------------------------------------------------------------------------------------

pg_psql() { # superuser psql over our Unix socket (trust for local connections only)
  "$PG_BIN/psql" -h "$PG_SOCKDIR" -p "$PG_PORT" -U postgres -d postgres -X -q -At -v ON_ERROR_STOP=1 "$@"
}

pg_init_if_needed() {
  [[ -x $PG_BIN/initdb ]] || die "PostgreSQL 15 server binaries are missing in $PG_BIN: run bash stack/bootstrap.sh"
  if ((IS_ROOT)); then id postgres >/dev/null 2>&1 || die "no 'postgres' user: run bash stack/bootstrap.sh"; fi
  mkdir -p "$PG_DIR" "$PG_SOCKDIR"
  touch "$LOGS/postgres.log"
  own postgres "$PG_DIR" "$PG_SOCKDIR" "$LOGS/postgres.log"
  if [[ ! -f $PGDATA/PG_VERSION ]]; then
    rm -rf "$PGDATA"
    # trust on the Unix socket and on loopback TCP (the only address it listens on): a local development cluster
    # with no secret to keep; a deployment points JOBSTREAM_PG_URL, password included, at its own server.
    # --no-sync: an empty new cluster has nothing to lose, and it saves seconds.
    if ! as_postgres "$PG_BIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=trust --no-sync >"$LOGS/postgres-initdb.log" 2>&1; then
      cat "$LOGS/postgres-initdb.log" >&2
      die "initdb failed (log: $LOGS/postgres-initdb.log)"
    fi
    printf "\n# Settings of stack/stack.sh, regenerated at every start.\ninclude = 'jobstream.conf'\n" \
      >>"$PGDATA/postgresql.conf"
  fi
  cat >"$PGDATA/jobstream.conf" <<EOF
# Generated by stack/stack.sh at every start: edit the script, not this file.
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKDIR'
timezone = 'UTC'
log_timezone = 'UTC'
EOF
  own postgres "$PGDATA/jobstream.conf"
}

pg_start() {
  pg_init_if_needed
  mark_logs postgres
  # pg_ctl detaches the postmaster (its own session) and -w waits until it accepts connections.
  # 9>&-: the postmaster must not inherit this script's lock. pg_ctl's own complaints go to the same log.
  # shellcheck disable=SC2094 # pg_ctl -l only names the file; nothing here reads it
  if ! as_postgres "$PG_BIN/pg_ctl" start -D "$PGDATA" -l "$LOGS/postgres.log" -w -t "$START_TIMEOUT" -s \
    >/dev/null 2>>"$LOGS/postgres.log" 9>&-; then
    show_log_tail postgres "$LOGS/postgres.log"
    exit 1
  fi
  head -n1 "$PGDATA/postmaster.pid" >"$RUN/postgres.pid"
}

pg_ensure_dbs() {
  pg_psql <<EOF
SELECT format('CREATE ROLE %I LOGIN CREATEDB', '$DB_USER')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', '$DB_NAME', '$DB_USER')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', '$DB_TEST_NAME', '$DB_USER')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_TEST_NAME') \gexec
EOF
}

pg_version() { pg_psql -c 'SHOW server_version' 2>/dev/null | cut -d' ' -f1; }

pg_healthy() { # pg_healthy PID ; a query answered proves health, and its answer is kept for the report
  listens_on "$1" "$PG_PORT" || return 1
  VERSION[postgres]=$(pg_version)
  [[ -n ${VERSION[postgres]} ]]
}

# --- ClickHouse -----------------------------------------------------------------------------------------------

ch_query() { # ch_query SQL : over HTTP, as the default user (no password, 127.0.0.1 only)
  curl -sS --fail-with-body --max-time 10 "http://$HOST:$CH_HTTP_PORT/" --data-binary "$1"
}

# Our config is Debian's, copied and pointed at the state folder, so it always matches the installed server.
ch_configure() {
  local src=/etc/clickhouse-server
  [[ -x /usr/bin/clickhouse-server || -x /usr/sbin/clickhouse-server ]] ||
    die "clickhouse-server is not installed: run bash stack/bootstrap.sh"
  [[ -r $src/config.xml && -r $src/users.xml ]] || die "$src/config.xml or users.xml is missing (reinstall clickhouse-server)"
  if ((IS_ROOT)); then id clickhouse >/dev/null 2>&1 || die "no 'clickhouse' user: run bash stack/bootstrap.sh"; fi
  mkdir -p "$CH_DIR/data" "$CH_LOGS"
  # Paths: every /var/lib/clickhouse/ (path, tmp_path, user_files_path, format_schema_path) into data/, logs into
  # our logs folder (at Debian's level, warning: information would log every HTTP request). Listeners: our two ports on 127.0.0.1; the replication port (interserver) removed; https and
  # the secure TCP port stay commented out as Debian ships them. Server time zone UTC, as in the Docker image.
  sed -e "s|/var/lib/clickhouse/|$CH_DIR/data/|g" \
    -e "s|/var/log/clickhouse-server/|$CH_LOGS/|g" \
    -e "s|<size>[0-9]*M</size>|<size>100M</size>|" \
    -e "s|<count>[0-9]*</count>|<count>3</count>|" \
    -e "s|<http_port>[0-9]*</http_port>|<http_port>$CH_HTTP_PORT</http_port>\n    <listen_host>$HOST</listen_host>|" \
    -e "s|<tcp_port>[0-9]*</tcp_port>|<tcp_port>$CH_TCP_PORT</tcp_port>|" \
    -e "/<interserver_http_port>/d" \
    -e "s|<users_config>[^<]*</users_config>|<users_config>$CH_DIR/users.xml</users_config>|" \
    -e "s|</yandex>|    <timezone>UTC</timezone>\n</yandex>|" \
    "$src/config.xml" >"$CH_CONFIG.tmp"
  # Default profile: LowCardinality (experimental in 18.16, needed by the project's tables); default user: local only.
  sed -e "0,/<default>/s||<default>\n            <allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>|" \
    -e "s|<ip>::/0</ip>|<ip>::1</ip>\n                <ip>127.0.0.1</ip>|" \
    "$src/users.xml" >"$CH_DIR/users.xml.tmp"
  # Fail loudly if a different package's config no longer has what we rewrote.
  local check
  for check in "<http_port>$CH_HTTP_PORT</http_port>" "<tcp_port>$CH_TCP_PORT</tcp_port>" \
    "<listen_host>$HOST</listen_host>" "<path>$CH_DIR/data/</path>" "<users_config>$CH_DIR/users.xml</users_config>"; do
    grep -qF "$check" "$CH_CONFIG.tmp" || die "rewriting $src/config.xml failed: no $check (new package layout?)"
  done
  grep -qF '<allow_experimental_low_cardinality_type>1' "$CH_DIR/users.xml.tmp" ||
    die "rewriting $src/users.xml failed (new package layout?)"
  if grep -q '<interserver_http_port>' "$CH_CONFIG.tmp"; then die "could not disable interserver_http_port"; fi
  mv "$CH_CONFIG.tmp" "$CH_CONFIG"
  mv "$CH_DIR/users.xml.tmp" "$CH_DIR/users.xml"
  own clickhouse "$CH_DIR" "$CH_LOGS"
}

ch_launch() {
  ch_configure
  mark_logs clickhouse
  local bin=/usr/sbin/clickhouse-server
  [[ -x $bin ]] || bin=/usr/bin/clickhouse-server
  # setpriv switches user and execs (runuser would stay as a parent process): the pid we record is the server's.
  # setsid: its own session, so it outlives this script.
  local -a su=()
  ((IS_ROOT)) && su=(setpriv --reuid=clickhouse --regid=clickhouse --init-groups)
  (
    cd "$CH_DIR"
    exec 9>&-
    exec setsid "${su[@]}" "$bin" --config-file="$CH_CONFIG" --pid-file="$CH_DIR/clickhouse-server.pid"
  ) </dev/null >>"$CH_LOGS/stdout.log" 2>&1 &
  printf '%s\n' "$!" >"$RUN/clickhouse.pid"
}

ch_version() { curl -sf --max-time 3 "http://$HOST:$CH_HTTP_PORT/" --data-binary 'SELECT version()' 2>/dev/null || true; }

ch_healthy() { # ch_healthy PID ; a query answered proves health, and its answer is kept for the report
  listens_on "$1" "$CH_HTTP_PORT" || return 1
  VERSION[clickhouse]=$(ch_version)
  [[ -n ${VERSION[clickhouse]} ]]
}

ch_ensure_dbs() {
  ch_query "CREATE DATABASE IF NOT EXISTS $DB_NAME" >/dev/null
  ch_query "CREATE DATABASE IF NOT EXISTS $DB_TEST_NAME" >/dev/null
}

# --- generic --------------------------------------------------------------------------------------------------

svc_healthy() {
  case $1 in
    kafka | kafka-*) kafka_healthy "$1" "$2" ;;
    postgres) pg_healthy "$2" ;;
    clickhouse) ch_healthy "$2" ;;
  esac
}
svc_logs() {
  case $1 in
    kafka | kafka-*) printf '%s\n' "${NODE_LOGS[$1]}/kafka.log" "${NODE_LOGS[$1]}/kafka.out" ;;
    postgres) printf '%s\n' "$LOGS/postgres.log" ;;
    clickhouse) printf '%s\n' "$CH_LOGS/clickhouse-server.err.log" "$CH_LOGS/stdout.log" ;;
  esac
}

# Wait until the service answers; fail early if its process died.
wait_healthy() {
  local svc=$1 deadline=$((SECONDS + START_TIMEOUT)) pid files=()
  while ((SECONDS < deadline)); do
    # The recorded pid first: right after a launch it may still be the shell that is about to exec the server.
    pid=""
    [[ -r $RUN/$svc.pid ]] && read -r pid <"$RUN/$svc.pid"
    if [[ -z $pid ]] || ! alive "$pid"; then pid=$(svc_pid "$svc"); fi
    if [[ -z $pid ]]; then
      warn "$svc exited during start-up"
      mapfile -t files < <(svc_logs "$svc")
      show_log_tail "$svc" "${files[@]}"
      exit 1
    fi
    if svc_healthy "$svc" "$pid"; then return 0; fi
    sleep 0.25
  done
  warn "$svc is not healthy after ${START_TIMEOUT}s (JOBSTREAM_START_TIMEOUT)"
  mapfile -t files < <(svc_logs "$svc")
  show_log_tail "$svc" "${files[@]}"
  exit 1
}

svc_version() {
  case $1 in
    kafka | kafka-*) kafka_version ;;
    postgres) pg_version ;;
    clickhouse) ch_version ;;
  esac
}
svc_address() {
  case $1 in
    kafka | kafka-*) printf '%s\n' "$HOST:${NODE_PORT[$1]} (controller :${NODE_CONTROLLER_PORT[$1]})" ;;
    postgres) printf '%s\n' "$HOST:$PG_PORT" ;;
    clickhouse) printf '%s\n' "$HOST:$CH_HTTP_PORT (tcp :$CH_TCP_PORT)" ;;
  esac
}

report_line() { # report_line SERVICE PID STATE [NOTE]
  local svc=$1 pid=$2 state=$3 note=${4:-} version=-
  [[ $state == healthy ]] && version=${VERSION[$svc]:-$(svc_version "$svc")}
  printf '%-10s %-8s %-38s pid %-8s %s%s\n' "$svc" "${version:--}" "$(svc_address "$svc")" "${pid:--}" "$state" \
    "${note:+ ($note)}"
}

stop_service() { # stop_service SERVICE : graceful, then SIGKILL of the process and its children
  local svc=$1 pid sig t0 deadline kids
  t0=$(now_ms)
  pid=$(svc_pid "$svc")
  [[ -n $pid ]] || return 0
  # PostgreSQL: SIGINT is its "fast" shutdown (what pg_ctl stop -m fast sends); the others stop on SIGTERM.
  sig=TERM
  [[ $svc == postgres ]] && sig=INT
  kill "-$sig" "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if alive "$pid" && is_ours "$svc" "$pid"; then
    warn "$svc (pid $pid) still running after ${STOP_TIMEOUT}s: SIGKILL"
    kids=$(descendants "$pid")
    # shellcheck disable=SC2086 # word splitting of the pid list is intended
    kill -KILL "$pid" $kids 2>/dev/null || true
    while alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$RUN/$svc.pid"
  printf '%-10s stopped (pid %s, %s)\n' "$svc" "$pid" "$(secs_since "$t0")"
}

# --- commands -------------------------------------------------------------------------------------------------

cmd_libs() {
  check_state_path
  ensure_dirs
  lock_state
  ensure_kafka_libs
}

cmd_up() {
  check_state_path
  ensure_dirs
  lock_state
  local svc pid t0 total kafka_t0 starting=()
  local -A running=() note=()
  total=$(now_ms)
  for svc in "${SERVICES[@]}"; do
    pid=$(svc_pid "$svc")
    if [[ -n $pid ]]; then running[$svc]=$pid; else check_ports_free "$svc"; fi
  done
  ensure_traversable

  for svc in "${KAFKA_SVCS[@]}"; do
    if selected "$svc" && [[ -z ${running[$svc]:-} ]]; then starting+=("$svc"); fi
  done
  if ((${#starting[@]})); then
    ensure_kafka_libs
    check_java
    kafka_t0=$(now_ms)
    for svc in "${starting[@]}"; do write_kafka_props "$svc"; done
    kafka_format_if_needed
    for svc in "${starting[@]}"; do kafka_launch "$svc"; done # the JVMs boot while PostgreSQL and ClickHouse start
  fi
  if selected postgres && [[ -z ${running[postgres]:-} ]]; then
    t0=$(now_ms)
    pg_start
    note[postgres]="started in $(secs_since "$t0")"
  fi
  if selected clickhouse && [[ -z ${running[clickhouse]:-} ]]; then
    t0=$(now_ms)
    ch_launch
    wait_healthy clickhouse
    note[clickhouse]="started in $(secs_since "$t0")"
  fi
  for svc in "${SERVICES[@]}"; do
    wait_healthy "$svc" # also covers an already-running service that is still starting or unwell
  done
  # Every node counts from the first launch: the nodes of a quorum become healthy together.
  for svc in "${starting[@]}"; do note[$svc]="started in $(secs_since "$kafka_t0")"; done
  if selected postgres; then pg_ensure_dbs; fi
  if selected clickhouse; then ch_ensure_dbs; fi

  for svc in "${SERVICES[@]}"; do
    report_line "$svc" "$(svc_pid "$svc")" healthy "${note[$svc]:-already running}"
  done
  say "stack up in $(secs_since "$total"); state in $STATE, logs in $LOGS"
}

cmd_status() {
  local svc pid rc=0 state
  for svc in "${SERVICES[@]}"; do
    pid=$(svc_pid "$svc")
    if [[ -z $pid ]]; then
      state=stopped
      rc=1
    elif svc_healthy "$svc" "$pid"; then
      state=healthy
    else
      state=unhealthy
      rc=1
    fi
    report_line "$svc" "$pid" "$state"
  done
  return "$rc"
}

cmd_down() {
  check_state_path
  [[ -d $STATE ]] || {
    say "nothing to stop: no state folder $STATE"
    return 0
  }
  mkdir -p "$RUN"
  lock_state
  local svc pids=()
  # Signal all three at once and wait for them together: shutdown takes as long as the slowest, not the sum.
  for svc in "${SERVICES[@]}"; do
    if [[ -n $(svc_pid "$svc") ]]; then
      stop_service "$svc" &
      pids+=("$!")
    else
      printf '%-10s not running\n' "$svc"
    fi
  done
  local i rc=0
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || rc=1; done
  # Whatever happened above, nothing of ours may be left.
  for svc in "${SERVICES[@]}"; do
    [[ -z $(svc_pid "$svc") ]] || {
      warn "$svc is still running"
      rc=1
    }
  done
  return "$rc"
}

cmd_reset() {
  check_state_path
  cmd_down
  [[ -d $STATE ]] || return 0
  [[ -f $MARKER ]] || die "$STATE has no $(basename "$MARKER"): not deleting a folder this script did not make"
  local entry
  # Everything but what was downloaded (the Kafka jars, the embedding models): fetching them again takes Maven
  # time and holds no state. The lock file goes with run/.
  for entry in "$STATE"/* "$STATE"/.[!.]*; do
    [[ -e $entry ]] || continue
    case $entry in
      "$MARKER" | "$STATE/models") ;;
      "$KAFKA_DIR") find "$KAFKA_DIR" -mindepth 1 -maxdepth 1 ! -name libs -exec rm -rf {} + ;;
      *) rm -rf "$entry" ;;
    esac
  done
  [[ $PG_SOCKDIR == /tmp/jobstream-pg-* ]] && rm -rf "$PG_SOCKDIR"
  say "state deleted (kept $KAFKA_LIBS)"
}

cmd_env() {
  local svc brokers=()
  for svc in "${KAFKA_SVCS[@]}"; do brokers+=("$HOST:${NODE_PORT[$svc]}"); done
  cat <<EOF
export JOBSTREAM_KAFKA_BROKERS=$(IFS=,; printf '%s' "${brokers[*]}")
export JOBSTREAM_PG_URL=postgres://$DB_USER@$HOST:$PG_PORT/$DB_NAME
export JOBSTREAM_TEST_PG_URL=postgres://$DB_USER@$HOST:$PG_PORT/$DB_TEST_NAME
export JOBSTREAM_CLICKHOUSE_URL=http://$HOST:$CH_HTTP_PORT
export JOBSTREAM_CLICKHOUSE_DATABASE=$DB_NAME
export JOBSTREAM_TEST_CLICKHOUSE_DATABASE=$DB_TEST_NAME
EOF
}

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

COMMAND=${1:-}
(($# == 0)) || shift
REQUESTED_NODES=${JOBSTREAM_KAFKA_NODES:-}
while (($#)); do
  case $1 in
    --brokers)
      (($# >= 2)) || die "--brokers needs a count"
      REQUESTED_NODES=$2
      shift 2
      ;;
    --brokers=*)
      REQUESTED_NODES=${1#--brokers=}
      shift
      ;;
    *) usage ;;
  esac
done
if [[ $COMMAND == reset ]]; then
  # Whatever was asked for, every service and every node the data holds stops before the data is deleted.
  choose_services "" "kafka postgres clickhouse"
else
  choose_services "$REQUESTED_NODES" "${JOBSTREAM_SERVICES:-kafka postgres clickhouse}"
fi

case $COMMAND in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  env) cmd_env ;;
  libs) cmd_libs ;;
  *) usage ;;
esac
