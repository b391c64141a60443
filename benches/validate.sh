#!/usr/bin/env bash
# Benchmark `promptctl validate` (SPEC section 6) on a generated corpus of prompt files,
# side by side with the simplest things that do the same work:
#   cat               reading the bytes of every file
#   promptctl         `promptctl validate DIR`, release build, every rule
#   ajv-cli           JSON Schema only, against $SCHEMA (npm)
#   check-jsonschema  JSON Schema only, against $SCHEMA (PyPI; slow, one run)
#
# Usage: benches/validate.sh            (from anywhere; paths are resolved from the repo)
# Environment:
#   BENCH_COUNT=10000       number of prompt files to generate
#   BENCH_RUNS=10           hyperfine runs for cat, promptctl and ajv-cli (after 1 warm-up)
#   BENCH_SLOW_RUNS=1       hyperfine runs for check-jsonschema (no warm-up)
#   BENCH_SKIP_SLOW=1       skip check-jsonschema
#   BENCH_EXPORT_DIR=DIR    also keep hyperfine's JSON and markdown exports in DIR
#   BENCH_TOOLS=DIR         where ajv-cli and check-jsonschema are installed
#                           (default target/bench-tools)
#   SCHEMA=PATH             schema for ajv-cli and check-jsonschema
#                           (default schemas/prompt.schema.json)
#   and lib.sh's: BENCH_SEED, BENCH_NO_BUILD, PROMPTCTL_BIN, PROMPTCTL_TODAY, TMPDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COUNT=${BENCH_COUNT:-10000}
RUNS=${BENCH_RUNS:-10}
SLOW_RUNS=${BENCH_SLOW_RUNS:-1}
SKIP_SLOW=${BENCH_SKIP_SLOW:-0}
EXPORT_DIR=${BENCH_EXPORT_DIR:+$(bench_abs "$BENCH_EXPORT_DIR")}
TOOLS=$(bench_abs "${BENCH_TOOLS:-$BENCH_TARGET/bench-tools}")
SCHEMA=$(bench_abs "${SCHEMA:-$BENCH_ROOT/schemas/prompt.schema.json}")
[[ -f "$SCHEMA" ]] || bench_die "schema not found: $SCHEMA (set SCHEMA=PATH)"

# ---------------------------------------------------------------- tools
bench_need hyperfine
AJV=$TOOLS/node/node_modules/.bin/ajv
if [[ ! -x "$AJV" || ! -d "$TOOLS/node/node_modules/ajv-formats" ]]; then
    command -v npm >/dev/null || bench_die "npm is needed to install ajv-cli"
    bench_log "installing ajv-cli and ajv-formats (npm) into $TOOLS/node"
    mkdir -p "$TOOLS/node"
    npm install --prefix "$TOOLS/node" --no-audit --no-fund --loglevel=error \
        ajv-cli@5 ajv-formats@3 >/dev/null
fi
CJS=$TOOLS/venv/bin/check-jsonschema
if [[ $SKIP_SLOW != 1 && ! -x "$CJS" ]]; then
    bench_log "installing check-jsonschema (pip) into $TOOLS/venv"
    python3 -m venv "$TOOLS/venv"
    "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check check-jsonschema
fi
bench_build

# ---------------------------------------------------------------- corpus
bench_workdir
CORPUS=$WORK/prompts
RUNDIR=$WORK/run    # an empty directory: no promptctl.yaml for promptctl to pick up
mkdir -p "$RUNDIR"
bench_corpus "$CORPUS" "$COUNT"
cd "$RUNDIR"

# The corpus is DIR/<subsystem>/<name>.yaml: the shell glob DIR/*/*.yaml names every file in
# one command line (10,000 paths are about 0.7 MB, well under ARG_MAX), so cat and
# check-jsonschema each run as a single process.
FILES_GLOB="$(bench_q "$CORPUS")/*/*.yaml"
CMD_CAT="cat $FILES_GLOB > /dev/null"
CMD_PROMPTCTL="$(bench_q "$BIN") validate $(bench_q "$CORPUS")"
# ajv-cli expands a quoted glob itself (node-glob), so its argument list stays short.
# --spec=draft2020: the schema is JSON Schema 2020-12 (schemars). --strict=false: schemars
# writes formats ajv doesn't know (uint32, double...), which strict mode rejects.
# -c ajv-formats: check the standard formats too, as check-jsonschema does (ajv-cli requires
# it from its own node_modules, where it was installed beside ajv-cli).
CMD_AJV="$(bench_q "$AJV") validate --spec=draft2020 --strict=false -c ajv-formats -s $(bench_q "$SCHEMA") -d $(bench_q "$CORPUS/**/*.yaml")"
CMD_CJS="$(bench_q "$CJS") --schemafile $(bench_q "$SCHEMA") $FILES_GLOB"

# ---------------------------------------------------------------- sanity checks
# Both must exit 0 on a corpus that should be valid.
bench_run_once "promptctl validate" sh -c "$CMD_PROMPTCTL" >/dev/null
bench_run_once "ajv-cli" sh -c "$CMD_AJV" >/dev/null

# ---------------------------------------------------------------- timing
OUT=$WORK/results
mkdir -p "$OUT"
bench_log "timing cat, promptctl and ajv-cli: $NFILES files, $NBYTES bytes, $RUNS runs each"
bench_hyperfine "$OUT/fast.json" --warmup 1 --runs "$RUNS" --export-markdown "$OUT/fast.md" \
    -n "cat (read the bytes)" "$CMD_CAT" \
    -n "promptctl validate" "$CMD_PROMPTCTL" \
    -n "ajv-cli (schema only)" "$CMD_AJV"

if [[ $SKIP_SLOW != 1 ]]; then
    bench_log "timing check-jsonschema: $SLOW_RUNS run(s)"
    if ! bench_hyperfine "$OUT/slow.json" --warmup 0 --runs "$SLOW_RUNS" --export-markdown "$OUT/slow.md" \
        -n "check-jsonschema (schema only)" "$CMD_CJS"; then
        bench_run_once "check-jsonschema" sh -c "$CMD_CJS"   # shows why it failed
        exit 1
    fi
else
    bench_log "skipping check-jsonschema (BENCH_SKIP_SLOW=1)"
fi

if [[ -n $EXPORT_DIR ]]; then
    mkdir -p "$EXPORT_DIR"
    cp "$OUT"/*.json "$OUT"/*.md "$EXPORT_DIR"/
    bench_log "hyperfine exports copied to $EXPORT_DIR"
fi

# ---------------------------------------------------------------- summary
python3 - "$NFILES" "$NBYTES" "$OUT"/*.json <<'PY'
import json, sys
nfiles, nbytes, paths = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
rows = [r for p in paths for r in json.load(open(p))["results"]]
base = next(r["mean"] for r in rows if r["command"] == "promptctl validate")
print()
print(f"promptctl validate: {nfiles} files, {nbytes / 1e6:.1f} MB")
print()
print(f"| {'tool':<32} | {'mean (s)':>9} | {'stddev':>7} | {'runs':>4} | {'vs promptctl':>12} |")
print(f"|{'-' * 34}|{'-' * 10}:|{'-' * 8}:|{'-' * 5}:|{'-' * 13}:|")
for r in rows:
    sd = "-" if r.get("stddev") is None else f"{r['stddev']:.3f}"  # null for a single run
    print(f"| {r['command']:<32} | {r['mean']:>9.3f} | {sd:>7} | {len(r['times']):>4} "
          f"| {r['mean'] / base:>11.2f}x |")
print()
PY

# SPEC 6 targets.
validate=$(bench_mean "$OUT/fast.json" "promptctl validate")
ajv=$(bench_mean "$OUT/fast.json" "ajv-cli (schema only)")
cat=$(bench_mean "$OUT/fast.json" "cat (read the bytes)")
bench_verdict "promptctl validate of $NFILES files under 0.3 s (SPEC 6)" "$(printf '%.3f s' "$validate")" "$validate < 0.3"
bench_verdict "promptctl validate ahead of ajv-cli (SPEC 6)" \
    "$(printf '%.3f s vs %.3f s' "$validate" "$ajv")" "$validate < $ajv"
bench_verdict "promptctl validate within 3x of cat (SPEC 6)" \
    "$(python3 -c "print(f'{$validate / $cat:.2f}x')")" "$validate <= 3 * $cat"
