#!/usr/bin/env bash
# `promptctl status` over two environments (two SQLite stores) of COUNT (10,000) prompts each,
# both in step with git (issue 12: under 2 s). Beside it, for scale, `plan` of one of them.
#
# Usage: benches/status.sh            (from anywhere)
# Environment: BENCH_COUNT=10000, BENCH_RUNS=10, and lib.sh's
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
COUNT=${BENCH_COUNT:-10000}
RUNS=${BENCH_RUNS:-10}
bench_build
bench_need hyperfine
bench_workdir

bench_corpus "$WORK/prompts" "$COUNT"
cat >"$WORK/promptctl.yaml" <<'YAML'
environments:
  dev:
    store: sqlite:dev.db
    models:
      - match: { ai_model: "anthropic/*" }
        ai_model: anthropic/claude-haiku-4-5
  prod:
    store: sqlite:prod.db
YAML
cd "$WORK"
for env in dev prod; do
  bench_run_once "apply --env $env" "$BIN" --env "$env" apply --auto-approve >/dev/null
done
bench_run_once "status (both environments in step)" "$BIN" status --detailed-exitcode >/dev/null
bench_hyperfine "$WORK/result.json" --warmup 1 --runs "$RUNS" \
  -n "status (dev, prod)" "$(bench_q "$BIN") status" \
  -n "plan --env prod" "$(bench_q "$BIN") --env prod plan"
status=$(bench_mean "$WORK/result.json" 0)
plan=$(bench_mean "$WORK/result.json" 1)
echo "status over two environments of $COUNT prompts: ${status} s (plan of one: ${plan} s)"
bench_verdict "status over two environments of $COUNT prompts under 2 s" "$(printf '%.3f s' "$status")" "$status < 2"
