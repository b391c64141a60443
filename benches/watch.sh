#!/usr/bin/env bash
# GET /v1/watch delivers within 50 ms at p99 (issue 20, "Know when it changed"): COUNT
# (10,000) prompts; CHANGES (100) one-row model changes through a server, each timed from the
# change set's answer to the arrival of its revision's event on a held-open watch stream —
# on SQLite (one server: writer and watcher) and across two PostgreSQL replicas (written
# through A, watched on B).
#
# Usage: benches/watch.sh
# Environment: BENCH_COUNT=10000, BENCH_CHANGES=100, PROMPTCTL_BENCH_DATABASE_URL (an admin URL;
# default postgres://postgres@127.0.0.1:5432/postgres), and lib.sh's.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
COUNT=${BENCH_COUNT:-10000}
CHANGES=${BENCH_CHANGES:-100}
bench_build
bench_need curl
bench_workdir

bench_pg_database watch
cd "$WORK"
bench_corpus "$WORK/prompts" "$COUNT"
bench_run_once "apply into SQLite" "$BIN" --store "sqlite:$WORK/watch.db" apply --auto-approve >/dev/null
bench_run_once "apply into PostgreSQL" "$BIN" --store "$URL" apply --auto-approve >/dev/null

ADMIN=$(bench_token admin bench-admin)
READ=$(bench_token read bench-read)
serve() { # NAME DATABASE: start a server, print its port
  local port
  port=$(bench_port)
  bench_start "$1" "$WORK/$1.log" "$BIN" serve --database "$2" --tokens "$WORK/tokens" --listen "127.0.0.1:$port"
  bench_wait_http "http://127.0.0.1:$port/healthz" "$WORK/pids/$1.pid" "$WORK/$1.log"
  echo "$port"
}
SQLITE=$(serve sqlite "sqlite:$WORK/watch.db")
A=$(serve a "$URL")
B=$(serve b "$URL")

measure() { # LABEL WRITER WATCHED
  python3 "$BENCH_ROOT/benches/replica_lag.py" "http://127.0.0.1:$2" "http://127.0.0.1:$3" \
    "$ADMIN" "$READ" --changes "$CHANGES" --watch >"$WORK/$1.json"
  python3 - "$WORK/$1.json" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:<28} p50 {r['p50_ms']:6.1f} ms  p90 {r['p90_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  max {r['max_ms']:6.1f} ms")
open(sys.argv[1] + ".p99", "w").write(str(r["p99_ms"]))
PY
}
# The watch path reads no date (no lifecycle, no warning): one run stands for the pinned day
# and for today.
echo "watch latency ($COUNT prompts, $CHANGES changes each; dates do not enter this path):"
measure sqlite "$SQLITE" "$SQLITE"
measure postgres-replicas "$A" "$B"
bench_verdict "watch event within 50 ms at p99 on SQLite" "$(printf 'p99 %.1f ms' "$(cat "$WORK/sqlite.json.p99")")" "$(cat "$WORK/sqlite.json.p99") <= 50"
bench_verdict "watch event within 50 ms at p99 across PostgreSQL replicas" "$(printf 'p99 %.1f ms' "$(cat "$WORK/postgres-replicas.json.p99")")" "$(cat "$WORK/postgres-replicas.json.p99") <= 50"
