#!/usr/bin/env bash
# Benchmark `promptctl set-model --all` over 10,000 prompt files (issue: under 1 s; SPEC 6:
# within 2x of `sed -i` making the same one-line edit), side by side with sed in one run.
#
# Environment: BENCH_COUNT (10000), BENCH_RUNS (10), and lib.sh's (BENCH_NO_BUILD=1,
# PROMPTCTL_BIN, BENCH_SEED, PROMPTCTL_TODAY).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
COUNT=${BENCH_COUNT:-10000}
RUNS=${BENCH_RUNS:-10}
bench_need hyperfine
bench_build
bench_workdir

bench_corpus "$WORK/project/prompts" "$COUNT"
cd "$WORK/project"
"$BIN" -q validate >/dev/null

# Each run flips every file between two models, so every run edits all of them.
flip_to() { printf '%s' "$(bench_q "$BIN") -q set-model $1 --all"; }
sed_to() { printf "find prompts -name '*.yaml' -print0 | xargs -0 sed -i 's|^ai_model: .*|ai_model: %s|'" "$1"; }
"$BIN" -q set-model openai/gpt-5-mini --all >/dev/null 2>&1 || true
bench_log "timing: $COUNT files, $RUNS runs each"
bench_hyperfine "$WORK/result.json" --style basic --warmup 1 --runs "$RUNS" \
    --prepare "$(flip_to openai/gpt-5-mini) >/dev/null 2>&1" \
    -n "promptctl set-model --all" "$(flip_to anthropic/claude-haiku-4-5)" \
    --prepare "$(sed_to openai/gpt-5-mini)" \
    -n "sed -i (same one-line edit)" "$(sed_to anthropic/claude-haiku-4-5)" >&2

"$BIN" -q validate >/dev/null || bench_die "the edited files no longer validate"
python3 - "$WORK/result.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
print(f"\n| tool | mean (s) | stddev |\n|---|---:|---:|")
for name, r in results.items():
    print(f"| {name} | {r['mean']:.3f} | {r['stddev']:.3f} |")
print()
PY
tool=$(bench_mean "$WORK/result.json" "promptctl set-model --all")
sed=$(bench_mean "$WORK/result.json" "sed -i (same one-line edit)")
bench_verdict "set-model --all of $COUNT files under 1 s (issue)" "$(printf '%.3f s' "$tool")" "$tool < 1"
bench_verdict "set-model --all within 2x of sed -i (SPEC 6)" \
    "$(python3 -c "print(f'{$tool / $sed:.2f}x')")" "$tool <= 2 * $sed"
