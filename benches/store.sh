#!/usr/bin/env bash
# Benchmark `promptctl plan` and `promptctl apply PLANFILE` against the SQLite store (SPEC
# section 6), side by side with the story's migration loop (one committed UPDATE per row):
#   promptctl plan            plan against a store holding COUNT rows, with COUNT model updates
#                             (reads and validates every file, reads every row, diffs)
#   promptctl plan --out      the same, also saving the plan as JSON
#   promptctl apply PLAN      apply the saved plan: COUNT updates of ai_model in one transaction
#   story loop                benches/story_loop.py: the same COUNT updates, one committed
#                             transaction per row (Python sqlite3, WAL, synchronous=FULL: the
#                             settings of promptctl's store)
#   story loop, rollback      the same loop with SQLite's default rollback journal (several
#                             fsyncs per commit), for reference
# Every timed run starts from the same store: a copy taken after the rows were created.
#
# Usage: benches/store.sh              (from anywhere; paths are resolved from the repo)
# Environment:
#   BENCH_COUNT=10000       number of prompt files (and store rows)
#   BENCH_SEED=1            generator seed
#   BENCH_RUNS=5            hyperfine runs for plan and apply (after 1 warm-up)
#   BENCH_LOOP_RUNS=3       hyperfine runs for the story loop (no warm-up)
#   BENCH_SKIP_LOOP=1       skip both story loops (no speedup figure)
#   BENCH_LOOP_DELETE=0     skip only the rollback-journal loop
#   BENCH_MODEL=ID          the model every file is switched to
#                           (default anthropic/claude-haiku-4-5)
#   BENCH_NO_BUILD=1        don't run `cargo build --release`; use the binary as it is
#   BENCH_EXPORT_DIR=DIR    also keep hyperfine's JSON and markdown exports in DIR
#   PROMPTCTL_BIN=PATH      binary to time (default target/release/promptctl)
#   TMPDIR=DIR              where the temporary project goes; put it on a real disk, not a
#                           tmpfs, or the fsyncs the story loop pays for cost nothing
set -euo pipefail

CALLER_PWD=$PWD
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# Relative paths given in the environment are taken from where the script was started;
# the defaults are in the repository.
from_caller() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$CALLER_PWD/$1" ;; esac; }

COUNT=${BENCH_COUNT:-10000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-5}
LOOP_RUNS=${BENCH_LOOP_RUNS:-3}
SKIP_LOOP=${BENCH_SKIP_LOOP:-0}
LOOP_DELETE=${BENCH_LOOP_DELETE:-1}
MODEL=${BENCH_MODEL:-anthropic/claude-haiku-4-5}
NO_BUILD=${BENCH_NO_BUILD:-0}
EXPORT_DIR=${BENCH_EXPORT_DIR:+$(from_caller "$BENCH_EXPORT_DIR")}
BIN=${PROMPTCTL_BIN:+$(from_caller "$PROMPTCTL_BIN")}
TARGET_DIR=${CARGO_TARGET_DIR:-target}   # cargo runs from the repository root
[[ $TARGET_DIR == /* ]] || TARGET_DIR=$ROOT/$TARGET_DIR
BIN=${BIN:-$TARGET_DIR/release/promptctl}

# The default store (sqlite:.promptctl/store.db under the project) and the models in the
# files, whatever the caller's environment says.
unset PROMPTCTL_STORE LLM_MODEL LLM_FALLBACK_MODEL

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
q() { printf '%q' "$1"; }   # quote a path for the command lines hyperfine runs with sh
now() { date +%s.%N; }

command -v python3 >/dev/null || die "python3 is needed to generate the corpus and run the loop"

# ---------------------------------------------------------------- tools
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

if ! command -v hyperfine >/dev/null; then
    log "installing hyperfine (apt-get)"
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; then
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null
    fi
fi

# ---------------------------------------------------------------- build
if [[ $NO_BUILD != 1 ]]; then
    log "cargo build --release"
    cargo build --release --quiet
fi
[[ -x "$BIN" ]] || die "promptctl binary not found: $BIN"

# ---------------------------------------------------------------- project and store
WORK=$(mktemp -d "${TMPDIR:-/tmp}/promptctl-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PROJECT=$WORK/project          # the project root: ./prompts, and the store under .promptctl/
DB=$PROJECT/.promptctl/store.db
BACKUP=$WORK/store.backup.db   # the store holding COUNT rows, before any model change
PLAN=$WORK/plan.json           # the saved plan that the timed applies apply
PLAN_TIMED=$WORK/plan-timed.json
mkdir -p "$PROJECT"

log "generating $COUNT prompt files (seed $SEED)"
python3 "$ROOT/benches/gen_prompts.py" "$PROJECT/prompts" --count "$COUNT" --seed "$SEED"
NFILES=$(find "$PROJECT/prompts" -type f -name '*.yaml' | wc -l)
[[ $NFILES -gt 0 ]] || die "the generator wrote no files"
cd "$PROJECT"

run_once() { # NAME CMD...: run once untimed; show its output and stop if it fails
    local name=$1 out rc=0
    shift
    out=$("$@" 2>&1) || rc=$?
    if [[ $rc -ne 0 ]]; then
        printf 'error: %s exited %d:\n  %s\n' "$name" "$rc" "$*" >&2
        printf '%s\n' "$out" | tail -n 40 >&2
        exit 1
    fi
    printf '%s\n' "$out"
}
sql_value() { # SQL: one value from the store (python3's sqlite3, so no sqlite3 CLI needed)
    python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); print(c.execute(sys.argv[2]).fetchone()[0]); c.close()' "$DB" "$1"
}
model_rows() { sql_value "SELECT COUNT(*) FROM ai_prompts WHERE ai_model = '$MODEL'"; }

# 1. Setup (untimed by hyperfine): create the COUNT rows.
log "setup: promptctl apply --auto-approve ($NFILES files, empty store)"
t0=$(now)
run_once "promptctl apply --auto-approve" "$BIN" apply --auto-approve | tail -n 1 >&2
SETUP_SECS=$(python3 -c "print(f'{$(now) - $t0:.2f}')")
[[ -f "$DB" ]] || die "the store was not created at $DB (a promptctl.yaml above $WORK?)"
NROWS=$(sql_value "SELECT COUNT(*) FROM ai_prompts")
[[ $NROWS -eq $NFILES ]] || die "the store holds $NROWS rows, expected $NFILES"
log "setup took ${SETUP_SECS} s; the store holds $NROWS rows"

# The store is in WAL mode: fold the WAL into the file, then the file alone is the store.
CKPT=$(python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); print(c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]); c.close()' "$DB")
[[ $CKPT == 0 ]] || die "could not checkpoint the store's WAL (busy)"
cp "$DB" "$BACKUP"
DB_BYTES=$(wc -c <"$BACKUP")
# Run before every timed run: the store as it was after setup, no WAL, nothing left to flush.
RESTORE="rm -f $(q "$DB")-wal $(q "$DB")-shm $(q "$DB")-journal && cp $(q "$BACKUP") $(q "$DB") && sync"
restore() { sh -c "$RESTORE"; }

# 2. Change the model of every file (a one-line edit; the new model takes temperature and
#    has 64,000 max output tokens, so every file stays valid).
log "setting ai_model: $MODEL in every file (sed -i)"
find prompts -type f -name '*.yaml' -exec sed -i "s|^ai_model: .*\$|ai_model: $MODEL|" {} +
NEDITED=$(grep -rlx "ai_model: $MODEL" prompts | wc -l)
[[ $NEDITED -eq $NFILES ]] || die "$NEDITED of $NFILES files have ai_model: $MODEL"
run_once "promptctl validate" "$BIN" validate | tail -n 1 >&2

# 3. Save the plan once, and check it: applied, every row has the new model and a second plan
#    finds nothing to do. Then back to the saved store.
run_once "promptctl plan --out" "$BIN" plan --out "$PLAN" >"$WORK/plan.txt"
SUMMARY=$(grep '^Plan:' "$WORK/plan.txt" || true)
log "plan: $SUMMARY"
[[ $SUMMARY == "Plan: 0 to create, $NFILES to update, 0 to replace, 0 to backfill, 0 to deactivate." ]] ||
    die "expected $NFILES updates and nothing else"
[[ -s "$PLAN" ]] || die "plan --out wrote no plan file"
PLAN_BYTES=$(wc -c <"$PLAN")
run_once "promptctl apply PLAN" "$BIN" apply "$PLAN" | tail -n 1 >&2
[[ $(model_rows) -eq $NFILES ]] || die "after apply, $(model_rows) of $NFILES rows have $MODEL"
rc=0
"$BIN" plan --detailed-exitcode >/dev/null 2>&1 || rc=$?
[[ $rc -eq 0 ]] || die "a plan after apply should find no changes (plan --detailed-exitcode exited $rc)"
restore
[[ $(model_rows) -eq 0 ]] || die "restoring the store copy failed"

# ---------------------------------------------------------------- timing
OUT=$WORK/results
mkdir -p "$OUT"
CMD_PLAN="$(q "$BIN") plan"
CMD_PLAN_OUT="$(q "$BIN") plan --out $(q "$PLAN_TIMED")"
CMD_APPLY="$(q "$BIN") apply $(q "$PLAN")"
CMD_LOOP="python3 $(q "$ROOT/benches/story_loop.py") $(q "$DB") $(q "$MODEL")"
CMD_LOOP_DELETE="$CMD_LOOP --journal delete"

# hyperfine runs each command with sh in this directory (the project root), and --prepare
# before every run, warm-ups included.
log "timing plan and plan --out: $NROWS rows, $NFILES model changes, $RUNS runs each"
hyperfine --warmup 1 --runs "$RUNS" --prepare "$RESTORE" \
    --export-json "$OUT/1-plan.json" --export-markdown "$OUT/1-plan.md" \
    -n "promptctl plan" "$CMD_PLAN" \
    -n "promptctl plan --out" "$CMD_PLAN_OUT"

log "timing apply of the saved plan: $NFILES updates, $RUNS runs"
hyperfine --warmup 1 --runs "$RUNS" --prepare "$RESTORE && test -s $(q "$PLAN")" \
    --export-json "$OUT/2-apply.json" --export-markdown "$OUT/2-apply.md" \
    -n "promptctl apply PLAN" "$CMD_APPLY"
[[ $(model_rows) -eq $NFILES ]] || die "after the timed applies, $(model_rows) of $NFILES rows have $MODEL"

if [[ $SKIP_LOOP != 1 ]]; then
    log "timing the story loop: $NROWS committed updates, $LOOP_RUNS run(s)"
    hyperfine --warmup 0 --runs "$LOOP_RUNS" --prepare "$RESTORE" \
        --export-json "$OUT/3-loop.json" --export-markdown "$OUT/3-loop.md" \
        -n "story loop (1 commit per row)" "$CMD_LOOP"
    [[ $(model_rows) -eq $NFILES ]] || die "after the loop, $(model_rows) of $NFILES rows have $MODEL"
    if [[ $LOOP_DELETE == 1 ]]; then
        log "timing the story loop with a rollback journal: $NROWS committed updates, $LOOP_RUNS run(s)"
        hyperfine --warmup 0 --runs "$LOOP_RUNS" --prepare "$RESTORE" \
            --export-json "$OUT/4-loop-rollback.json" --export-markdown "$OUT/4-loop-rollback.md" \
            -n "story loop, rollback journal" "$CMD_LOOP_DELETE"
        [[ $(model_rows) -eq $NFILES ]] || die "after the loop, $(model_rows) of $NFILES rows have $MODEL"
    fi
else
    log "skipping the story loop (BENCH_SKIP_LOOP=1)"
fi

if [[ -n $EXPORT_DIR ]]; then
    mkdir -p "$EXPORT_DIR"
    cp "$OUT"/*.json "$OUT"/*.md "$EXPORT_DIR"/
    log "hyperfine exports copied to $EXPORT_DIR"
fi

# ---------------------------------------------------------------- summary
python3 - "$NFILES" "$DB_BYTES" "$PLAN_BYTES" "$SETUP_SECS" "$OUT"/*.json <<'EOF'
import json, sys
nfiles, db_bytes, plan_bytes, setup = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rows = [r for p in sys.argv[5:] for r in json.load(open(p))["results"]]
mean = {r["command"]: r["mean"] for r in rows}
apply = mean["promptctl apply PLAN"]
plan = mean["promptctl plan --out"]
loop = mean.get("story loop (1 commit per row)")
loop_rollback = mean.get("story loop, rollback journal")
print()
print(f"promptctl plan/apply on SQLite: {nfiles} rows, store {db_bytes / 1e6:.1f} MB, "
      f"saved plan {plan_bytes / 1e6:.1f} MB; setup (apply --auto-approve creating the rows) "
      f"took {setup} s, untimed")
print()
print(f"| {'work':<30} | {'mean (s)':>9} | {'stddev':>7} | {'min':>7} | {'max':>7} | {'runs':>4} | {'vs apply':>9} |")
print(f"|{'-' * 32}|{'-' * 10}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 5}:|{'-' * 10}:|")
for r in rows:
    sd = "-" if r.get("stddev") is None else f"{r['stddev']:.3f}"  # null for a single run
    print(f"| {r['command']:<30} | {r['mean']:>9.3f} | {sd:>7} | {r['min']:>7.3f} | {r['max']:>7.3f} "
          f"| {len(r['times']):>4} | {r['mean'] / apply:>8.2f}x |")
print()
yn = lambda ok: "yes" if ok else "NO"
if loop is not None:
    print(f"speedup of apply over the story loop: {loop / apply:.1f}x "
          f"(target >= 20x, issue and SPEC 6): {yn(loop / apply >= 20)}")
if loop_rollback is not None:
    print(f"speedup of apply over the story loop with a rollback journal (for reference): "
          f"{loop_rollback / apply:.1f}x")
print(f"plan --out under 1 s (issue): {yn(plan < 1.0)}  ({plan:.3f} s)")
print(f"plan --out under 0.5 s (SPEC 6 target): {yn(plan < 0.5)}  ({plan:.3f} s)")
print(f"apply under 2 s (issue): {yn(apply < 2.0)}  ({apply:.3f} s)")
EOF
