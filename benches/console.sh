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
#   and lib.sh's: BENCH_NO_BUILD=1, PROMPTCTL_BIN, BENCH_SEED, PROMPTCTL_TODAY
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
COUNT=${BENCH_COUNT:-10000}
bench_build
bench_workdir

bench_corpus "$WORK/project/prompts" "$COUNT"
cd "$WORK/project"
bench_run_once "apply --auto-approve" "$BIN" --store "sqlite:$WORK/store.db" apply --auto-approve >/dev/null
TOKEN_JSON=$("$BIN" token new --role admin --name bench --format json)
TOKEN=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["token"])' "$TOKEN_JSON")
python3 -c 'import json,sys; print(json.loads(sys.argv[1])["line"])' "$TOKEN_JSON" >"$WORK/tokens"

PORT=$(bench_port)
bench_start serve "$WORK/serve.log" \
  "$BIN" serve --database "sqlite:$WORK/store.db" --listen "127.0.0.1:$PORT" --tokens "$WORK/tokens"
bench_wait_http "http://127.0.0.1:$PORT/healthz" "$WORK/pids/serve.pid" "$WORK/serve.log"
python3 "$BENCH_ROOT/benches/console.py" "http://127.0.0.1:$PORT" "$TOKEN" \
  --assign "${BENCH_ASSIGN:-1000}" --runs "${BENCH_RUNS:-20}" --figures "$WORK/figures.json"

if command -v chromium >/dev/null; then
  # Screenshots need no sign-in: a second server on the same file, without auth (loopback).
  SHOT_PORT=$(bench_port)
  bench_start shots "$WORK/shots.log" \
    "$BIN" serve --database "sqlite:$WORK/store.db" --listen "127.0.0.1:$SHOT_PORT" --insecure-no-auth
  bench_wait_http "http://127.0.0.1:$SHOT_PORT/healthz" "$WORK/pids/shots.pid" "$WORK/shots.log"
  mkdir -p "$BENCH_ROOT/target/console-screens"
  NAME=$(bench_sql "$WORK/store.db" 'select prompt_name from ai_prompts limit 1' 2>/dev/null || echo "")
  for page in "prompts:/prompts" "prompts-sorted:/prompts?sort=output&dir=desc&page=3" "models:/models" "history:/history" ${NAME:+"prompt:/prompts/$NAME"}; do
    chromium --headless=new --no-sandbox --disable-gpu --window-size=1400,1000 \
      --screenshot="$BENCH_ROOT/target/console-screens/10k-${page%%:*}.png" "http://127.0.0.1:$SHOT_PORT${page#*:}" \
      >/dev/null 2>&1 || true
  done
  echo "screenshots: target/console-screens/10k-*.png"
fi

figure() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$WORK/figures.json" "$1"; }
worst=$(figure worst_page_ms)
took=$(figure assign_s)
echo
bench_verdict "a console page under 100 ms (issue 11)" "$(printf 'worst median %.1f ms' "$worst")" "$worst < 100"
bench_verdict "a $(figure assigned)-row assignment under 1 s (issue 11)" "$(printf '%.3f s' "$took")" "$took < 1"
after=$(figure after_assign_ms)
bench_verdict "the first page after that assignment under 100 ms (issue 22)" "$(printf '%.1f ms' "$after")" "$after < 100"
