#!/usr/bin/env bash
# Makes a fresh clone runnable: system packages, node_modules, the Kafka jars, then the local stack.
# Runs before `npm start` and `npm test` (prestart/pretest), so it must be idempotent and fast (well under 3 s)
# when everything is already in place: each step first checks, and does work only when something is missing.
#
#   JOBSTREAM_SKIP_NPM=1     leave node_modules alone (someone else installs it)
#   JOBSTREAM_SKIP_STACK=1   do not start the stack (provisioning only)
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO_ROOT"

say() { printf 'bootstrap: %s\n' "$*"; }
die() {
  printf 'bootstrap: %s\n' "$*" >&2
  exit 1
}

# --- 1. Debian packages ---------------------------------------------------------------------------------------
# clickhouse-server/-client: the analytics store (18.16 from Debian; see ARCHITECTURE.md for its SQL subset).
# kcat: an independent Kafka client, for health checks. chromium: the connectors' headless browser.
# postgresql-15: server binaries for the project's own cluster. The -dev libraries: @confluentinc/kafka-javascript
# builds its bundled librdkafka against them (CKJS_LINKING=dynamic) since its prebuilt binary cannot be downloaded.
APT_PACKAGES=(clickhouse-server clickhouse-client kcat chromium postgresql-15
  libzstd-dev liblz4-dev libsasl2-dev libssl-dev zlib1g-dev)

missing=()
# One dpkg-query for all of them (cheap); a package that dpkg does not know at all is simply absent from its output.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${APT_PACKAGES[@]}" 2>/dev/null || true)
for pkg in "${APT_PACKAGES[@]}"; do
  grep -qx "$pkg install ok installed" <<<"$installed" || missing+=("$pkg")
done
# The package may be "installed" with its server binaries gone (a purge of files, a half-removed install).
if [[ ! -x /usr/lib/postgresql/15/bin/postgres || ! -x /usr/lib/postgresql/15/bin/initdb ]] &&
  [[ " ${missing[*]} " != *" postgresql-15 "* ]]; then
  missing+=(postgresql-15)
  reinstall_pg=1
fi
# Tools the stack scripts use, by command: Java 17+ (the Kafka broker), Maven (its jars), curl (ClickHouse over
# HTTP), ss (who holds a port), setpriv/runuser/flock (util-linux), ps (procps). Usually there already.
command -v java >/dev/null || [[ -n ${JAVA_HOME:-} && -x ${JAVA_HOME:-}/bin/java ]] || missing+=(default-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v curl >/dev/null || missing+=(curl)
command -v ss >/dev/null || missing+=(iproute2)
if ! command -v setpriv >/dev/null || ! command -v flock >/dev/null || ! command -v runuser >/dev/null; then
  missing+=(util-linux)
fi
command -v ps >/dev/null || missing+=(procps)

if ((${#missing[@]})); then
  if [[ $EUID -ne 0 ]]; then
    die "missing system packages: ${missing[*]}
  install them as root: apt-get update && apt-get install -y ${missing[*]}"
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Package scripts must not start system-wide daemons (a clickhouse-server on 8123/9000, a second PostgreSQL):
  # the project runs its own instances, and nothing should depend on the machine's. policy-rc.d is Debian's
  # switch for that; ours is removed afterwards, and one that already exists is left alone.
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# temporary, from jobstream stack/bootstrap.sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
  if [[ -n ${reinstall_pg:-} ]]; then apt-get install -y -qq --reinstall postgresql-15; fi
fi

# --- 2. node_modules ------------------------------------------------------------------------------------------
# npm writes node_modules/.package-lock.json at the end of every install: missing, or older than the lockfile,
# means node_modules does not match package-lock.json.
if [[ -z ${JOBSTREAM_SKIP_NPM:-} ]]; then
  if [[ ! -f node_modules/.package-lock.json ]] ||
    { [[ -f package-lock.json ]] && [[ package-lock.json -nt node_modules/.package-lock.json ]]; }; then
    # Build @confluentinc/kafka-javascript against the system's compression/TLS/SASL libraries instead of
    # downloading a prebuilt binary (no internet here beyond the registries).
    export CKJS_LINKING=dynamic
    if [[ -f package-lock.json ]]; then
      say "npm ci (node_modules missing or older than package-lock.json)"
      npm ci
    else
      say "npm install (no package-lock.json yet)"
      npm install
    fi
  fi
fi

# --- 3. the stack ---------------------------------------------------------------------------------------------
bash stack/stack.sh libs # the Kafka broker's jars, via Maven; silent no-op while stack/kafka/pom.xml is unchanged
bash stack/model.sh >/dev/null # the local embedding model, via Maven; a no-op once its folder is current
if [[ -z ${JOBSTREAM_SKIP_STACK:-} ]]; then
  bash stack/stack.sh up
fi
