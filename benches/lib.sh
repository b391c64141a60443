# Shared by the benchmark scripts (`source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"`): where
# things are, the release build, tools installed on demand, a work folder removed on exit
# (with the servers a script started), the corpus and a store holding it, hyperfine runs, peak
# memory, and the verdict line every script ends with.
#
# Environment every script reads:
#   PROMPTCTL_BIN=PATH   the binary to time (default target/release/promptctl); a relative path
#                        is taken from where the script was started
#   BENCH_NO_BUILD=1     don't run `cargo build --release`; time the binary as it is
#   BENCH_SEED=1         the corpus generator's seed
#   PROMPTCTL_TODAY      the day model lifecycles are judged on (default 2026-06-01, before the
#                        built-in catalog's deprecations), so a figure does not move because a
#                        deprecation date arrived and every file now warns
#   TMPDIR=DIR           where the work folder goes; keep it off tmpfs where fsyncs are timed

set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_CALLER=$PWD
# Scripts change directory; a path given relative to where they were started must still work.
bench_abs() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$BENCH_CALLER/$1" ;; esac; }
# cargo runs from the repository root, so a relative CARGO_TARGET_DIR is taken from there.
BENCH_TARGET=${CARGO_TARGET_DIR:-target}
[[ $BENCH_TARGET == /* ]] || BENCH_TARGET=$BENCH_ROOT/$BENCH_TARGET
BIN=$(bench_abs "${PROMPTCTL_BIN:-$BENCH_TARGET/release/promptctl}")
export PROMPTCTL_TODAY=${PROMPTCTL_TODAY:-2026-06-01}
# One author for every write, whatever the machine's identity: the raw-SQL floor takes the
# actor from PROMPTCTL_ACTOR as apply does, and apply would otherwise fall back to git's name.
export PROMPTCTL_ACTOR=${PROMPTCTL_ACTOR:-bench}
# The default store and the models the files name, whatever the caller's shell says.
unset PROMPTCTL_STORE PROMPTCTL_TOKEN PROMPTCTL_TOKENS LLM_MODEL LLM_FALLBACK_MODEL

bench_log() { printf '==> %s\n' "$*" >&2; }
bench_die() { printf 'error: %s\n' "$*" >&2; exit 1; }
# Paths inside the command lines hyperfine runs with sh.
bench_q() { printf '%q' "$1"; }

# The release build, unless told to time the binary as it is.
bench_build() {
  if [[ ${BENCH_NO_BUILD:-0} == 0 && -z ${PROMPTCTL_BIN:-} ]]; then
    bench_log "cargo build --release"
    (cd "$BENCH_ROOT" && cargo build --release --quiet)
  fi
  [[ -x $BIN ]] || bench_die "promptctl binary not found: $BIN"
}

# `bench_apt PACKAGE...`: install Debian packages. policy-rc.d keeps a package such as nginx
# from starting a system-wide service (on port 80) while it installs.
bench_apt() {
  local sudo=() guard= rc=0
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  bench_log "installing $* (apt-get)"
  if [[ ${#sudo[@]} -eq 0 && ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && guard=1
  fi
  { "${sudo[@]}" apt-get update -qq &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; } || rc=$?
  [[ -z $guard ]] || rm -f /usr/sbin/policy-rc.d
  return "$rc"
}

# `bench_need hyperfine wrk`: install the tools that are missing (each from the Debian package
# of the same name; sbin counts, as it is not on every PATH).
bench_need() {
  local missing=() tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || missing+=("$tool")
  done
  [[ ${#missing[@]} -eq 0 ]] || bench_apt "${missing[@]}"
}

# A temporary folder in $WORK, removed on exit, after stopping every process whose pid file is
# in $WORK/pids (see bench_start).
bench_workdir() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/promptctl-bench.XXXXXX")
  mkdir "$WORK/pids"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}
bench_cleanup() {
  local f
  for f in "$WORK"/pids/*.pid; do [[ -e $f ]] && bench_stop "$f"; done
  # Out of $WORK before it goes: a script that ran in it would leave what follows in its EXIT
  # trap without a working directory, where psql cannot start (a benchmark database's drop).
  cd /
  rm -rf "$WORK"
}

# `bench_pg_database NAME`: a PostgreSQL database of its own, made on the server of ADMIN_URL
# (PROMPTCTL_BENCH_DATABASE_URL, default the local one); its URL in $URL. It is dropped on exit,
# after the servers stop (bench_cleanup). Call after bench_workdir.
bench_pg_database() {
  ADMIN_URL=${PROMPTCTL_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
  command -v psql >/dev/null || bench_apt postgresql-client
  BENCH_PG_DB=promptctl_bench_$1_$$
  URL=${ADMIN_URL%/*}/$BENCH_PG_DB
  psql -q "$ADMIN_URL" -c "CREATE DATABASE $BENCH_PG_DB" >/dev/null
  trap 'bench_cleanup; psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $BENCH_PG_DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
}

# `bench_token ROLE NAME`: a token of `promptctl token new`, printed; its line is added to
# $WORK/tokens (serve --tokens).
bench_token() {
  "$BIN" token new --role "$1" --name "$2" --format json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); open(sys.argv[1],"a").write(d["line"]+"\n"); print(d["token"])' "$WORK/tokens"
}

# A zombie left for init to reap counts as gone.
bench_alive() { [[ -e /proc/$1 ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
# `bench_start NAME LOG CMD...`: CMD in the background, its pid in $WORK/pids/NAME.pid.
bench_start() {
  local name=$1 log=$2
  shift 2
  "$@" </dev/null >>"$log" 2>&1 &
  echo $! >"$WORK/pids/$name.pid"
}
# `bench_stop PIDFILE`: TERM, then KILL after 10 s.
bench_stop() {
  local pid i
  if [[ -s $1 ]]; then
    pid=$(<"$1")
    if bench_alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      for ((i = 0; i < 1000; i++)); do bench_alive "$pid" || break; sleep 0.01; done
      ! bench_alive "$pid" || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$1"
}
bench_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# `bench_wait_http URL PIDFILE LOG`: up to 60 s for URL to answer 200 while the process lives.
bench_wait_http() {
  local i
  for ((i = 0; i < 600; i++)); do
    curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null && return 0
    if ! bench_alive "$(<"$2")"; then
      printf 'error: the process behind %s exited; its log:\n' "$1" >&2
      tail -n 30 "$3" >&2
      exit 1
    fi
    sleep 0.1
  done
  bench_die "$1 did not answer within 60 s (log: $3)"
}

# `bench_run_once NAME CMD...`: run untimed and print its output; on failure show the end of
# it and stop, since timing a failing command would measure nothing.
bench_run_once() {
  local name=$1 out rc=0
  shift
  out=$("$@" 2>&1) || rc=$?
  if [[ $rc -ne 0 ]]; then
    printf 'error: %s exited %d:\n  %s\n' "$name" "$rc" "$*" >&2
    printf '%s\n' "$out" | tail -n 40 >&2
    exit 1
  fi
  printf '%s\n' "$out"
}

# `bench_corpus DIR COUNT`: COUNT generated prompt files under DIR (seed BENCH_SEED); sets
# NFILES and NBYTES, the files' total size.
bench_corpus() {
  bench_log "generating $2 prompt files (seed ${BENCH_SEED:-1})"
  python3 "$BENCH_ROOT/benches/gen_prompts.py" "$1" --count "$2" --seed "${BENCH_SEED:-1}" 2>/dev/null
  NFILES=$(find "$1" -type f -name '*.yaml' | wc -l)
  NBYTES=$(find "$1" -type f -name '*.yaml' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
  [[ $NFILES -eq $2 ]] || bench_die "the generator wrote $NFILES files, expected $2"
}

# `bench_sql DB SQL`: one value (python3's sqlite3, as the sqlite3 CLI may be missing).
bench_sql() {
  python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); print(c.execute(sys.argv[2]).fetchone()[0]); c.close()' "$1" "$2"
}
# `bench_checkpoint DB`: fold the WAL into the file, so the file alone is the store.
bench_checkpoint() {
  [[ $(bench_sql "$1" "PRAGMA wal_checkpoint(TRUNCATE)") == 0 ]] ||
    bench_die "could not checkpoint the WAL of $1 (busy)"
}
# `bench_store PROJECT`: `apply --auto-approve` of PROJECT's files into its default store
# (PROJECT/.promptctl/store.db), checked to hold one row per file and checkpointed. Sets
# SETUP_SECS, the time that apply took.
bench_store() {
  local db=$1/.promptctl/store.db n rows t0
  n=$(find "$1/prompts" -type f -name '*.yaml' | wc -l)
  bench_log "setup: promptctl apply --auto-approve in $1 ($n files, empty store)"
  [[ -x /usr/bin/time ]] || bench_apt time
  local rss
  rss=$(mktemp)
  t0=$(date +%s.%N)
  # The first apply (every row created) under GNU time: its peak memory is FIRST_APPLY_RSS (KB).
  (cd "$1" && /usr/bin/time -f %M -o "$rss" "$BIN" apply --auto-approve | tail -n 1 >&2) ||
    bench_die "the first apply failed in $1"
  SETUP_SECS=$(python3 -c "print(f'{$(date +%s.%N) - $t0:.2f}')")
  FIRST_APPLY_RSS=$(tail -n 1 "$rss")
  rm -f "$rss"
  [[ -f $db ]] || bench_die "the store was not created at $db (a promptctl.yaml above $1?)"
  rows=$(bench_sql "$db" "SELECT COUNT(*) FROM ai_prompts")
  [[ $rows -eq $n ]] || bench_die "the store in $1 holds $rows rows, expected $n"
  bench_log "setup took $SETUP_SECS s; the store holds $rows rows"
  bench_checkpoint "$db"
}
# `bench_restore_cmd DB COPY`: the shell command that puts the copy back, for hyperfine's
# --prepare: no WAL left, nothing left to flush, so every run starts from the same store.
bench_restore_cmd() {
  printf 'rm -f %s-wal %s-shm %s-journal && cp %s %s && sync' \
    "$(bench_q "$1")" "$(bench_q "$1")" "$(bench_q "$1")" "$(bench_q "$2")" "$(bench_q "$1")"
}
# `bench_set_model DIR MODEL`: a one-line edit of every file's ai_model. The benchmarks use
# anthropic/claude-haiku-4-5, which takes temperature and allows 64,000 output tokens, so
# every file stays valid.
bench_set_model() {
  local n edited
  bench_log "setting ai_model: $2 in every file (sed -i)"
  find "$1" -type f -name '*.yaml' -exec sed -i "s|^ai_model: .*\$|ai_model: $2|" {} +
  n=$(find "$1" -type f -name '*.yaml' | wc -l)
  edited=$(grep -rlx "ai_model: $2" "$1" | wc -l)
  [[ $edited -eq $n ]] || bench_die "$edited of $n files have ai_model: $2"
}

# `bench_hyperfine OUT.json [hyperfine options and commands]`: one hyperfine run, exported.
bench_hyperfine() {
  local out=$1
  shift
  hyperfine --export-json "$out" "$@"
}

# `bench_mean OUT.json INDEX|NAME`: the mean time in seconds of one command of a hyperfine
# export, by position or by its name (-n).
bench_mean() {
  python3 -c 'import json, sys
results, key = json.load(open(sys.argv[1]))["results"], sys.argv[2]
print(results[int(key)]["mean"] if key.isdigit() else next(r["mean"] for r in results if r["command"] == key))' "$1" "$2"
}

# `bench_peak_rss CMD...`: CMD's peak resident memory in KB (GNU time's %M); its output is
# dropped, and a failure stops the script.
bench_peak_rss() {
  [[ -x /usr/bin/time ]] || bench_apt time
  local out
  out=$(mktemp)
  /usr/bin/time -f %M -o "$out" "$@" >/dev/null 2>&1 || { rm -f "$out"; bench_die "failed: $*"; }
  tail -n 1 "$out"
  rm -f "$out"
}

# `bench_verdict GOAL FIGURE OK`: the line each goal ends with, e.g.
#   goal: status over two environments of 10,000 prompts under 2 s | figure: 0.84 s | met: yes
# OK is a Python expression that is true when the goal is met.
bench_verdict() {
  local met
  met=$(python3 -c "print('yes' if ($3) else 'no')")
  printf 'goal: %s | figure: %s | met: %s\n' "$1" "$2" "$met"
}
# `bench_verdicts FILE`: a verdict per line of FILE, GOAL<tab>FIGURE<tab>OK, for the figures a
# script's Python summary works out.
bench_verdicts() {
  local goal figure ok
  while IFS=$'\t' read -r goal figure ok; do bench_verdict "$goal" "$figure" "$ok"; done <"$1"
}
