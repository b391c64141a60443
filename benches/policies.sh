#!/usr/bin/env bash
# `validate` of COUNT (10,000) generated prompt files with five policies in promptctl.yaml,
# beside the same validate without policies, in one hyperfine run (issue 12: under 10% more).
#
# Usage: benches/policies.sh            (from anywhere)
# Environment: BENCH_COUNT=10000, BENCH_RUNS=10, and lib.sh's (BENCH_NO_BUILD=1,
# PROMPTCTL_BIN, BENCH_SEED, PROMPTCTL_TODAY)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
COUNT=${BENCH_COUNT:-10000}
RUNS=${BENCH_RUNS:-10}
bench_build
bench_need hyperfine
bench_workdir

bench_corpus "$WORK/plain/prompts" "$COUNT"
cp -r "$WORK/plain" "$WORK/policies"
# Five policies, each matching part of the corpus, none failing it (so both runs do the same
# work and exit 0).
cat >"$WORK/policies/promptctl.yaml" <<'YAML'
policies:
  - name: known-providers
    allowed_providers: [openai, anthropic]
    enforcement: hard-mandatory
  - name: no-deprecated
    forbid_deprecated: true
    enforcement: advisory
  - name: gpt5-family
    match: { ai_model: "openai/gpt-5*" }
    allowed_models: ["openai/gpt-5*"]
    enforcement: soft-mandatory
  - name: capped-output
    max_output_cost_per_1m: 100
    enforcement: advisory
  - name: incidents-limited
    match: { prompt_name: "*incident*" }
    require_max_tokens: true
    enforcement: advisory
YAML
for dir in plain policies; do
  (cd "$WORK/$dir" && bench_run_once "validate ($dir)" "$BIN" validate >/dev/null)
done
bench_hyperfine "$WORK/result.json" --warmup 1 --runs "$RUNS" \
  -n "validate, no policies" "cd $(bench_q "$WORK/plain") && $(bench_q "$BIN") validate" \
  -n "validate, five policies" "cd $(bench_q "$WORK/policies") && $(bench_q "$BIN") validate"
plain=$(bench_mean "$WORK/result.json" 0)
policies=$(bench_mean "$WORK/result.json" 1)
extra=$(python3 -c "print(($policies / $plain - 1) * 100)")
printf 'validate of the corpus: %.3f s without policies, %.3f s with five: %+.1f%%\n' "$plain" "$policies" "$extra"
bench_verdict "validate with five policies under 10% slower than without (issue 12)" \
  "$(printf '%+.1f%%' "$extra")" "$extra < 10"
