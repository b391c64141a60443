#!/usr/bin/env bash
# Benchmark the web console of `promptctl serve` with COUNT (10,000) generated prompts: page
# times and a 1,000-row "Assign model" (benches/console.py), and, where chromium is installed,
# screenshots of each page into target/console-screens/10k-*.png.
#
# Usage: benches/console.sh             (from anywhere)
# Environment:
#   BENCH_COUNT=10000     generated prompts (and store rows)
#   BENCH_ASSIGN=1000     rows in the timed assignment
#   BENCH_RUNS=20         timed requests per page
#   BENCH_NO_BUILD=1      use target/release/promptctl as it is
#   PROMPTCTL_BIN=PATH    binary to time
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
COUNT=${BENCH_COUNT:-10000}
BIN=${PROMPTCTL_BIN:-$ROOT/target/release/promptctl}
[ -n "${BENCH_NO_BUILD:-}" ] || [ -n "${PROMPTCTL_BIN:-}" ] || cargo build --release --quiet

WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

python3 benches/gen_prompts.py "$WORK/project/prompts" --count "$COUNT" 2>/dev/null
cd "$WORK/project"
"$BIN" --store "sqlite:$WORK/store.db" apply --auto-approve >/dev/null
TOKEN_JSON=$("$BIN" token new --role admin --name bench --format json)
TOKEN=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["token"])' "$TOKEN_JSON")
python3 -c 'import json,sys; print(json.loads(sys.argv[1])["line"])' "$TOKEN_JSON" >"$WORK/tokens"

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 1 100); do curl -fsS "$1/healthz" >/dev/null 2>&1 && return; sleep 0.1; done; echo "server did not start" >&2; exit 1; }

PORT=$(port)
"$BIN" serve --database "sqlite:$WORK/store.db" --listen "127.0.0.1:$PORT" --tokens "$WORK/tokens" \
  2>"$WORK/serve.log" &
PIDS+=($!)
wait_up "http://127.0.0.1:$PORT"
python3 "$ROOT/benches/console.py" "http://127.0.0.1:$PORT" "$TOKEN" \
  --assign "${BENCH_ASSIGN:-1000}" --runs "${BENCH_RUNS:-20}"

if command -v chromium >/dev/null; then
  # Screenshots need no sign-in: a second server on the same file, without auth (loopback).
  SHOT_PORT=$(port)
  "$BIN" serve --database "sqlite:$WORK/store.db" --listen "127.0.0.1:$SHOT_PORT" --insecure-no-auth \
    2>/dev/null &
  PIDS+=($!)
  wait_up "http://127.0.0.1:$SHOT_PORT"
  mkdir -p "$ROOT/target/console-screens"
  NAME=$(sqlite3 "$WORK/store.db" 'select prompt_name from ai_prompts limit 1' 2>/dev/null || echo "")
  for page in "prompts:/prompts" "prompts-sorted:/prompts?sort=output&dir=desc&page=3" "models:/models" "history:/history" ${NAME:+"prompt:/prompts/$NAME"}; do
    chromium --headless=new --no-sandbox --disable-gpu --window-size=1400,1000 \
      --screenshot="$ROOT/target/console-screens/10k-${page%%:*}.png" "http://127.0.0.1:$SHOT_PORT${page#*:}" \
      >/dev/null 2>&1 || true
  done
  echo "screenshots: target/console-screens/10k-*.png"
fi
