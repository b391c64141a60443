#!/usr/bin/env bash
# Benchmark `promptctl set-model --all` over 10,000 prompt files (issue: under 1 s; SPEC 6:
# within 2x of `sed -i` making the same one-line edit), side by side with sed in one run.
#
# Environment: BENCH_COUNT (10000), BENCH_RUNS (10), BENCH_NO_BUILD=1, PROMPTCTL_BIN.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
COUNT=${BENCH_COUNT:-10000}
RUNS=${BENCH_RUNS:-10}
BIN=${PROMPTCTL_BIN:-$ROOT/target/release/promptctl}
log() { printf '==> %s\n' "$*" >&2; }

if ! command -v hyperfine >/dev/null; then
    log "installing hyperfine (apt-get)"
    apt-get install -y hyperfine >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y hyperfine >/dev/null; }
fi
if [[ ${BENCH_NO_BUILD:-0} != 1 ]]; then
    log "cargo build --release"
    cargo build --release --quiet
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/project"
python3 benches/gen_prompts.py "$TMP/project/prompts" --count "$COUNT" >&2
cd "$TMP/project"
"$BIN" -q validate >/dev/null

# Each run flips every file between two models, so every run edits all of them.
flip_to() { printf '%s' "$BIN -q set-model $1 --all"; }
sed_to() { printf "find prompts -name '*.yaml' -print0 | xargs -0 sed -i 's|^ai_model: .*|ai_model: %s|'" "$1"; }
"$BIN" -q set-model openai/gpt-5-mini --all >/dev/null 2>&1 || true
log "timing: $COUNT files, $RUNS runs each"
hyperfine --style basic --warmup 1 --runs "$RUNS" \
    --prepare "$(flip_to openai/gpt-5-mini) >/dev/null 2>&1" \
    -n "promptctl set-model --all" "$(flip_to anthropic/claude-haiku-4-5)" \
    --prepare "$(sed_to openai/gpt-5-mini)" \
    -n "sed -i (same one-line edit)" "$(sed_to anthropic/claude-haiku-4-5)" \
    --export-json "$TMP/result.json" >&2

"$BIN" -q validate >/dev/null || { echo "the edited files no longer validate" >&2; exit 1; }
python3 - "$TMP/result.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
tool = results["promptctl set-model --all"]["mean"]
sed = results["sed -i (same one-line edit)"]["mean"]
print(f"\n| tool | mean (s) | stddev |\n|---|---:|---:|")
for name, r in results.items():
    print(f"| {name} | {r['mean']:.3f} | {r['stddev']:.3f} |")
print(f"\nset-model under 1 s (issue): {'yes' if tool < 1 else 'NO'} ({tool:.3f} s)")
print(f"set-model within 2x of sed -i (SPEC 6): {'yes' if tool <= 2 * sed else 'NO'} ({tool / sed:.2f}x)")
PY
