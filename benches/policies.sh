#!/usr/bin/env bash
# `validate` of COUNT (10,000) generated prompt files with five policies in promptctl.yaml,
# beside the same validate without policies, in one hyperfine run (issue 12: under 10% more).
#
# Usage: benches/policies.sh            (from anywhere)
# Environment: BENCH_COUNT=10000, BENCH_RUNS=10, BENCH_NO_BUILD=1, PROMPTCTL_BIN=PATH
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
COUNT=${BENCH_COUNT:-10000}
RUNS=${BENCH_RUNS:-10}
BIN=${PROMPTCTL_BIN:-$ROOT/target/release/promptctl}
[ -n "${BENCH_NO_BUILD:-}" ] || [ -n "${PROMPTCTL_BIN:-}" ] || cargo build --release --quiet
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 benches/gen_prompts.py "$WORK/plain/prompts" --count "$COUNT" 2>/dev/null
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
  (cd "$WORK/$dir" && "$BIN" validate >/dev/null 2>"$WORK/$dir.log") || { cat "$WORK/$dir.log"; exit 1; }
done
hyperfine --warmup 1 --runs "$RUNS" --export-json "$WORK/result.json" \
  -n "validate, no policies" "cd $WORK/plain && $BIN validate" \
  -n "validate, five policies" "cd $WORK/policies && $BIN validate"
python3 - "$WORK/result.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
plain, policies = (r["mean"] for r in results)
extra = (policies / plain - 1) * 100
print(f"validate of the corpus: {plain:.3f} s without policies, {policies:.3f} s with five: "
      f"{extra:+.1f}% ({'met' if extra < 10 else 'MISSED'}: under 10%)")
PY
