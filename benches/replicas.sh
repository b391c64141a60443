#!/usr/bin/env bash
# Replicas in step (issue 13, goal 7): two `promptctl serve` processes on one PostgreSQL
# database of COUNT (10,000) prompts, auth and request logging on (the defaults). CHANGES
# (100) one-row model changes go through server A; after each one returns, server B is read
# until it serves the new model. Prints the lag distribution and whether p99 is within 50 ms.
#
# Usage: benches/replicas.sh            (from anywhere)
# Environment: BENCH_COUNT=10000, BENCH_CHANGES=100, BENCH_REFRESH_MS=1000 (the servers'
# polling, the fallback), PROMPTCTL_BENCH_DATABASE_URL (an admin URL; default the local
# server, postgres://postgres@127.0.0.1:5432/postgres), BENCH_EXPORT_DIR=DIR (keep both
# servers' logs and the lags there), and lib.sh's.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
COUNT=${BENCH_COUNT:-10000}
CHANGES=${BENCH_CHANGES:-100}
REFRESH_MS=${BENCH_REFRESH_MS:-1000}
bench_build
bench_need curl
bench_workdir

bench_pg_database replicas
cd "$WORK"
bench_corpus "$WORK/prompts" "$COUNT"
bench_run_once "apply into PostgreSQL" "$BIN" --store "$URL" apply --auto-approve >/dev/null

ADMIN=$(bench_token admin bench-admin)
READ=$(bench_token read bench-read)
for name in a b; do
  port=$(bench_port)
  eval "PORT_$name=$port"
  bench_start "$name" "$WORK/$name.log" env PROMPTCTL_LOG=info,promptctl=debug "$BIN" serve --database "$URL" --tokens "$WORK/tokens" \
    --listen "127.0.0.1:$port" --refresh-ms "$REFRESH_MS"
  bench_wait_http "http://127.0.0.1:$port/healthz" "$WORK/pids/$name.pid" "$WORK/$name.log"
done
python3 "$BENCH_ROOT/benches/replica_lag.py" "http://127.0.0.1:$PORT_a" "http://127.0.0.1:$PORT_b" \
  "$ADMIN" "$READ" --changes "$CHANGES" >"$WORK/lag.json"
python3 - "$WORK/lag.json" "$COUNT" "$REFRESH_MS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"replica lag over {r['changes']} changes ({sys.argv[2]} prompts, polling every {sys.argv[3]} ms as the fallback):")
print(f"  p50 {r['p50_ms']:.1f} ms, p90 {r['p90_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms")
print("  slowest changes (1-based): " + ", ".join(f"#{i + 1} {r['lags_ms'][i]:.1f} ms" for i in r["slowest"]))
buckets = [5, 10, 20, 50, 100, 1000, float("inf")]
low = 0
for high in buckets:
    n = sum(1 for v in r["lags_ms"] if low <= v < high)
    label = f"{low:g}–{high:g} ms" if high != float("inf") else f"≥ {low:g} ms"
    print(f"  {label:>12}: {n}")
    low = high
open(sys.argv[1] + ".p99", "w").write(str(r["p99_ms"]))
PY
P99=$(cat "$WORK/lag.json.p99")
if [[ -n ${BENCH_EXPORT_DIR:-} ]]; then
  mkdir -p "$(bench_abs "$BENCH_EXPORT_DIR")" && cp "$WORK"/{a.log,b.log,lag.json} "$(bench_abs "$BENCH_EXPORT_DIR")/"
fi
# What the replica's refreshes took (its debug log), to tell a slow refresh from a late signal.
python3 - "$WORK/b.log" <<'PY'
import re, sys
ms = sorted(float(m) for m in re.findall(r"cache (?:patched|rebuilt)[^\n]*? ms=([0-9.]+)", open(sys.argv[1]).read()))
if ms:
    print(f"  the replica's refreshes: {len(ms)}, median {ms[len(ms)//2]:.1f} ms, max {ms[-1]:.1f} ms")
PY
bench_verdict "a replica serves a change within 50 ms at p99 over $CHANGES changes" "$(printf 'p99 %.1f ms' "$P99")" "$P99 <= 50"
