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
#   BENCH_SEED=1            generator seed
#   BENCH_RUNS=10           hyperfine runs for cat, promptctl and ajv-cli (after 1 warm-up)
#   BENCH_SLOW_RUNS=1       hyperfine runs for check-jsonschema (no warm-up)
#   BENCH_SKIP_SLOW=1       skip check-jsonschema
#   BENCH_NO_BUILD=1        don't run `cargo build --release`; use the binary as it is
#   BENCH_EXPORT_DIR=DIR    also keep hyperfine's JSON and markdown exports in DIR
#   BENCH_TOOLS=DIR         where ajv-cli and check-jsonschema are installed
#                           (default target/bench-tools)
#   SCHEMA=PATH             schema for ajv-cli and check-jsonschema
#                           (default schemas/prompt.schema.json)
#   PROMPTCTL_BIN=PATH      binary to time (default target/release/promptctl)
set -euo pipefail

CALLER_PWD=$PWD
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# Relative paths given in the environment are taken from where the script was started;
# the defaults are in the repository.
from_caller() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$CALLER_PWD/$1" ;; esac; }

COUNT=${BENCH_COUNT:-10000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-10}
SLOW_RUNS=${BENCH_SLOW_RUNS:-1}
SKIP_SLOW=${BENCH_SKIP_SLOW:-0}
NO_BUILD=${BENCH_NO_BUILD:-0}
EXPORT_DIR=${BENCH_EXPORT_DIR:+$(from_caller "$BENCH_EXPORT_DIR")}
TOOLS=${BENCH_TOOLS:+$(from_caller "$BENCH_TOOLS")}
TOOLS=${TOOLS:-$ROOT/target/bench-tools}
SCHEMA=${SCHEMA:+$(from_caller "$SCHEMA")}
SCHEMA=${SCHEMA:-$ROOT/schemas/prompt.schema.json}
BIN=${PROMPTCTL_BIN:+$(from_caller "$PROMPTCTL_BIN")}
TARGET_DIR=${CARGO_TARGET_DIR:-target}   # cargo runs from the repository root
[[ $TARGET_DIR == /* ]] || TARGET_DIR=$ROOT/$TARGET_DIR
BIN=${BIN:-$TARGET_DIR/release/promptctl}

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
q() { printf '%q' "$1"; }   # quote a path for the command lines hyperfine runs with sh

[[ -f "$SCHEMA" ]] || die "schema not found: $SCHEMA (set SCHEMA=PATH)"
command -v python3 >/dev/null || die "python3 is needed to generate the corpus"

# ---------------------------------------------------------------- tools
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

if ! command -v hyperfine >/dev/null; then
    log "installing hyperfine (apt-get)"
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; then
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null
    fi
fi

AJV=$TOOLS/node/node_modules/.bin/ajv
if [[ ! -x "$AJV" || ! -d "$TOOLS/node/node_modules/ajv-formats" ]]; then
    command -v npm >/dev/null || die "npm is needed to install ajv-cli"
    log "installing ajv-cli and ajv-formats (npm) into $TOOLS/node"
    mkdir -p "$TOOLS/node"
    npm install --prefix "$TOOLS/node" --no-audit --no-fund --loglevel=error \
        ajv-cli@5 ajv-formats@3 >/dev/null
fi

CJS=$TOOLS/venv/bin/check-jsonschema
if [[ $SKIP_SLOW != 1 && ! -x "$CJS" ]]; then
    log "installing check-jsonschema (pip) into $TOOLS/venv"
    python3 -m venv "$TOOLS/venv"
    "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check check-jsonschema
fi

# ---------------------------------------------------------------- build
if [[ $NO_BUILD != 1 ]]; then
    log "cargo build --release"
    cargo build --release --quiet
fi
[[ -x "$BIN" ]] || die "promptctl binary not found: $BIN"

# ---------------------------------------------------------------- corpus
WORK=$(mktemp -d "${TMPDIR:-/tmp}/promptctl-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
CORPUS=$WORK/prompts
RUNDIR=$WORK/run    # an empty directory: no promptctl.yaml for promptctl to pick up
mkdir -p "$RUNDIR"

log "generating $COUNT prompt files (seed $SEED)"
python3 "$ROOT/benches/gen_prompts.py" "$CORPUS" --count "$COUNT" --seed "$SEED"
NFILES=$(find "$CORPUS" -type f -name '*.yaml' | wc -l)
NBYTES=$(find "$CORPUS" -type f -name '*.yaml' -exec cat {} + | wc -c)
[[ $NFILES -gt 0 ]] || die "the generator wrote no files"
cd "$RUNDIR"

# The corpus is DIR/<subsystem>/<name>.yaml: the shell glob DIR/*/*.yaml names every file in
# one command line (10,000 paths are about 0.7 MB, well under ARG_MAX), so cat and
# check-jsonschema each run as a single process.
FILES_GLOB="$(q "$CORPUS")/*/*.yaml"
CMD_CAT="cat $FILES_GLOB > /dev/null"
CMD_PROMPTCTL="$(q "$BIN") validate $(q "$CORPUS")"
# ajv-cli expands a quoted glob itself (node-glob), so its argument list stays short.
# --spec=draft2020: the schema is JSON Schema 2020-12 (schemars). --strict=false: schemars
# writes formats ajv doesn't know (uint32, double...), which strict mode rejects.
# -c ajv-formats: check the standard formats too, as check-jsonschema does (ajv-cli requires
# it from its own node_modules, where it was installed beside ajv-cli).
CMD_AJV="$(q "$AJV") validate --spec=draft2020 --strict=false -c ajv-formats -s $(q "$SCHEMA") -d $(q "$CORPUS/**/*.yaml")"
CMD_CJS="$(q "$CJS") --schemafile $(q "$SCHEMA") $FILES_GLOB"

# ---------------------------------------------------------------- sanity checks
run_once() { # NAME CMD: run once untimed; show its output and stop if it fails
    local name=$1 cmd=$2 out rc=0
    out=$(sh -c "$cmd" 2>&1) || rc=$?
    if [[ $rc -ne 0 ]]; then
        printf 'error: %s exited %d on a corpus that should be valid:\n  %s\n' "$name" "$rc" "$cmd" >&2
        printf '%s\n' "$out" | head -n 60 >&2
        exit 1
    fi
    log "$name: exit 0"
}
run_once "promptctl validate" "$CMD_PROMPTCTL"
run_once "ajv-cli" "$CMD_AJV"

# ---------------------------------------------------------------- timing
OUT=$WORK/results
mkdir -p "$OUT"
log "timing cat, promptctl and ajv-cli: $NFILES files, $NBYTES bytes, $RUNS runs each"
hyperfine --warmup 1 --runs "$RUNS" \
    --export-json "$OUT/fast.json" --export-markdown "$OUT/fast.md" \
    -n "cat (read the bytes)" "$CMD_CAT" \
    -n "promptctl validate" "$CMD_PROMPTCTL" \
    -n "ajv-cli (schema only)" "$CMD_AJV"

if [[ $SKIP_SLOW != 1 ]]; then
    log "timing check-jsonschema: $SLOW_RUNS run(s)"
    if ! hyperfine --warmup 0 --runs "$SLOW_RUNS" \
        --export-json "$OUT/slow.json" --export-markdown "$OUT/slow.md" \
        -n "check-jsonschema (schema only)" "$CMD_CJS"; then
        run_once "check-jsonschema" "$CMD_CJS"   # shows why it failed
        exit 1
    fi
else
    log "skipping check-jsonschema (BENCH_SKIP_SLOW=1)"
fi

if [[ -n $EXPORT_DIR ]]; then
    mkdir -p "$EXPORT_DIR"
    cp "$OUT"/*.json "$OUT"/*.md "$EXPORT_DIR"/
    log "hyperfine exports copied to $EXPORT_DIR"
fi

# ---------------------------------------------------------------- summary
python3 - "$NFILES" "$NBYTES" "$OUT"/*.json <<'EOF'
import json, sys
nfiles, nbytes, paths = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
rows = [r for p in paths for r in json.load(open(p))["results"]]
mean = {r["command"]: r["mean"] for r in rows}
base = mean["promptctl validate"]
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
checks = [("under 0.3 s", base < 0.3)]
if "ajv-cli (schema only)" in mean:
    checks.append(("ahead of ajv-cli", base < mean["ajv-cli (schema only)"]))
if "cat (read the bytes)" in mean:
    checks.append(("within 3x of cat", base <= 3 * mean["cat (read the bytes)"]))
print("SPEC 6 targets for promptctl validate: "
      + ", ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in checks))
EOF
