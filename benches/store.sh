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
#   BENCH_RUNS=5            hyperfine runs for plan and apply (after 1 warm-up)
#   BENCH_LOOP_RUNS=3       hyperfine runs for the story loop (no warm-up)
#   BENCH_SKIP_LOOP=1       skip both story loops (no speedup figure)
#   BENCH_LOOP_DELETE=0     skip only the rollback-journal loop
#   BENCH_MODEL=ID          the model every file is switched to
#                           (default anthropic/claude-haiku-4-5)
#   BENCH_EXPORT_DIR=DIR    also keep hyperfine's JSON and markdown exports in DIR
#   and lib.sh's: BENCH_SEED, BENCH_NO_BUILD, PROMPTCTL_BIN, PROMPTCTL_TODAY, and TMPDIR: put
#   the temporary project on a real disk, not a tmpfs, or the fsyncs the story loop pays for
#   cost nothing
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COUNT=${BENCH_COUNT:-10000}
RUNS=${BENCH_RUNS:-5}
LOOP_RUNS=${BENCH_LOOP_RUNS:-3}
SKIP_LOOP=${BENCH_SKIP_LOOP:-0}
LOOP_DELETE=${BENCH_LOOP_DELETE:-1}
MODEL=${BENCH_MODEL:-anthropic/claude-haiku-4-5}
EXPORT_DIR=${BENCH_EXPORT_DIR:+$(bench_abs "$BENCH_EXPORT_DIR")}
bench_need hyperfine
bench_build

# ---------------------------------------------------------------- project and store
bench_workdir
PROJECT=$WORK/project          # the project root: ./prompts, and the store under .promptctl/
DB=$PROJECT/.promptctl/store.db
BACKUP=$WORK/store.backup.db   # the store holding COUNT rows, before any model change
PLAN=$WORK/plan.json           # the saved plan that the timed applies apply
PLAN_TIMED=$WORK/plan-timed.json
bench_corpus "$PROJECT/prompts" "$COUNT"
model_rows() { bench_sql "$DB" "SELECT COUNT(*) FROM ai_prompts WHERE ai_model = '$MODEL'"; }

# 1. Setup (untimed by hyperfine): create the COUNT rows, and keep a copy of the store.
bench_store "$PROJECT"
cp "$DB" "$BACKUP"
DB_BYTES=$(wc -c <"$BACKUP")
RESTORE=$(bench_restore_cmd "$DB" "$BACKUP")
cd "$PROJECT"

# 2. Change the model of every file.
bench_set_model prompts "$MODEL"
bench_run_once "promptctl validate" "$BIN" validate | tail -n 1 >&2

# 3. Save the plan once, and check it: applied, every row has the new model and a second plan
#    finds nothing to do. Then back to the saved store.
bench_run_once "promptctl plan --out" "$BIN" plan --out "$PLAN" >"$WORK/plan.txt"
SUMMARY=$(grep '^Plan:' "$WORK/plan.txt" || true)
bench_log "plan: $SUMMARY"
[[ $SUMMARY == "Plan: 0 to create, $NFILES to update, 0 to replace, 0 to backfill, 0 to deactivate." ]] ||
    bench_die "expected $NFILES updates and nothing else"
[[ -s "$PLAN" ]] || bench_die "plan --out wrote no plan file"
PLAN_BYTES=$(wc -c <"$PLAN")
bench_run_once "promptctl apply PLAN" "$BIN" apply "$PLAN" | tail -n 1 >&2
[[ $(model_rows) -eq $NFILES ]] || bench_die "after apply, $(model_rows) of $NFILES rows have $MODEL"
rc=0
"$BIN" plan --detailed-exitcode >/dev/null 2>&1 || rc=$?
[[ $rc -eq 0 ]] || bench_die "a plan after apply should find no changes (plan --detailed-exitcode exited $rc)"
sh -c "$RESTORE"
[[ $(model_rows) -eq 0 ]] || bench_die "restoring the store copy failed"

# ---------------------------------------------------------------- timing
OUT=$WORK/results
mkdir -p "$OUT"
CMD_PLAN="$(bench_q "$BIN") plan"
CMD_PLAN_OUT="$(bench_q "$BIN") plan --out $(bench_q "$PLAN_TIMED")"
CMD_APPLY="$(bench_q "$BIN") apply $(bench_q "$PLAN")"
CMD_LOOP="python3 $(bench_q "$BENCH_ROOT/benches/story_loop.py") $(bench_q "$DB") $(bench_q "$MODEL")"
CMD_LOOP_DELETE="$CMD_LOOP --journal delete"

# hyperfine runs each command with sh in this directory (the project root), and --prepare
# before every run, warm-ups included.
bench_log "timing plan and plan --out: $NFILES rows, $NFILES model changes, $RUNS runs each"
bench_hyperfine "$OUT/1-plan.json" --warmup 1 --runs "$RUNS" --prepare "$RESTORE" \
    --export-markdown "$OUT/1-plan.md" \
    -n "promptctl plan" "$CMD_PLAN" \
    -n "promptctl plan --out" "$CMD_PLAN_OUT"

bench_log "timing apply of the saved plan: $NFILES updates, $RUNS runs"
bench_hyperfine "$OUT/2-apply.json" --warmup 1 --runs "$RUNS" --prepare "$RESTORE && test -s $(bench_q "$PLAN")" \
    --export-markdown "$OUT/2-apply.md" \
    -n "promptctl apply PLAN" "$CMD_APPLY"
[[ $(model_rows) -eq $NFILES ]] || bench_die "after the timed applies, $(model_rows) of $NFILES rows have $MODEL"

if [[ $SKIP_LOOP != 1 ]]; then
    bench_log "timing the story loop: $NFILES committed updates, $LOOP_RUNS run(s)"
    bench_hyperfine "$OUT/3-loop.json" --warmup 0 --runs "$LOOP_RUNS" --prepare "$RESTORE" \
        --export-markdown "$OUT/3-loop.md" \
        -n "story loop (1 commit per row)" "$CMD_LOOP"
    [[ $(model_rows) -eq $NFILES ]] || bench_die "after the loop, $(model_rows) of $NFILES rows have $MODEL"
    if [[ $LOOP_DELETE == 1 ]]; then
        bench_log "timing the story loop with a rollback journal: $NFILES committed updates, $LOOP_RUNS run(s)"
        bench_hyperfine "$OUT/4-loop-rollback.json" --warmup 0 --runs "$LOOP_RUNS" --prepare "$RESTORE" \
            --export-markdown "$OUT/4-loop-rollback.md" \
            -n "story loop, rollback journal" "$CMD_LOOP_DELETE"
        [[ $(model_rows) -eq $NFILES ]] || bench_die "after the loop, $(model_rows) of $NFILES rows have $MODEL"
    fi
else
    bench_log "skipping the story loop (BENCH_SKIP_LOOP=1)"
fi

if [[ -n $EXPORT_DIR ]]; then
    mkdir -p "$EXPORT_DIR"
    cp "$OUT"/*.json "$OUT"/*.md "$EXPORT_DIR"/
    bench_log "hyperfine exports copied to $EXPORT_DIR"
fi

# ---------------------------------------------------------------- summary
python3 - "$NFILES" "$DB_BYTES" "$PLAN_BYTES" "$SETUP_SECS" "$OUT"/*.json <<'PY'
import json, sys
nfiles, db_bytes, plan_bytes, setup = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rows = [r for p in sys.argv[5:] for r in json.load(open(p))["results"]]
mean = {r["command"]: r["mean"] for r in rows}
apply = mean["promptctl apply PLAN"]
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
if loop_rollback is not None:
    print(f"speedup of apply over the story loop with a rollback journal (for reference): "
          f"{loop_rollback / apply:.1f}x")
PY

apply=$(bench_mean "$OUT/2-apply.json" "promptctl apply PLAN")
plan=$(bench_mean "$OUT/1-plan.json" "promptctl plan --out")
if [[ -f $OUT/3-loop.json ]]; then
    loop=$(bench_mean "$OUT/3-loop.json" 0)
    bench_verdict "apply at least 20x faster than the story loop (issue, SPEC 6)" \
        "$(python3 -c "print(f'{$loop / $apply:.1f}x')")" "$loop / $apply >= 20"
fi
bench_verdict "plan --out of $NFILES changes under 1 s (issue)" "$(printf '%.3f s' "$plan")" "$plan < 1.0"
bench_verdict "plan --out of $NFILES changes under 0.5 s (SPEC 6)" "$(printf '%.3f s' "$plan")" "$plan < 0.5"
bench_verdict "apply of $NFILES changes under 2 s (issue)" "$(printf '%.3f s' "$apply")" "$apply < 2.0"
