#!/usr/bin/env bash
# How validate, plan and apply grow with the number of prompts (issue 13): for each size N, a
# generated corpus of N files in a fresh project, its rows created once in the default store,
# then every file's model changed, and timed:
#   validate                  `promptctl validate` of the N files
#   plan                      `promptctl plan`: N files against N rows, N model changes
#   apply                     `promptctl apply PLAN` of the plan saved once with `plan --out`
#   floor                     benches/apply_floor.py: the same writes as raw SQL in one
#                             transaction, with the store's durability settings
#   cat                       (at N = 10,000) reading the bytes of every file
# and the peak resident memory of validate, plan and apply (GNU time), and of the first apply
# (creating every row). Every plan, apply and floor run starts from the same store: a copy
# taken after the rows were created. The day models are judged on is PROMPTCTL_TODAY: run it
# with the pinned day (lib.sh's default) and with today's (`PROMPTCTL_TODAY=$(date +%F)`),
# when every prompt on a deprecating model warns.
#
# Usage: benches/scale.sh              (from anywhere)
# Environment:
#   BENCH_SIZES="1000 10000 50000 100000"   the sizes, in any order
#   BENCH_RUNS=N            hyperfine runs of each command after 1 warm-up (default 5 up to
#                           10,000 prompts, 3 up to 50,000, 2 above)
#   BENCH_MODEL=ID          the model every file is switched to
#                           (default anthropic/claude-haiku-4-5)
#   and lib.sh's: BENCH_SEED, BENCH_NO_BUILD, PROMPTCTL_BIN, PROMPTCTL_TODAY, TMPDIR (keep it
#   off tmpfs: apply's fsyncs are part of the figure; 100,000 prompts take about 2 GB there)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SIZES=${BENCH_SIZES:-1000 10000 50000 100000}
MODEL=${BENCH_MODEL:-anthropic/claude-haiku-4-5}
# Run with python3 -S: it needs no site packages, whose start-up is no part of the floor.
FLOOR=$BENCH_ROOT/benches/apply_floor.py
bench_need hyperfine
bench_build
bench_workdir
OUT=$WORK/results
mkdir -p "$OUT"

runs_for() {
  if [[ -n ${BENCH_RUNS:-} ]]; then echo "$BENCH_RUNS"
  elif (($1 <= 10000)); then echo 5
  elif (($1 <= 50000)); then echo 3
  else echo 2
  fi
}

# The store after an apply, without the times: what apply and the floor must both leave.
store_digest() {
  python3 - "$1" <<'PY'
import hashlib, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
h = hashlib.sha256()
for sql in ("SELECT revision FROM store_meta",
            "SELECT id, row_version, ai_model FROM ai_prompts ORDER BY id",
            "SELECT revision, actor, change, row_id, prompt_name, prompt_version, before, after"
            " FROM audit_log ORDER BY row_id, seq"):
    for row in c.execute(sql):
        h.update(repr(row).encode())
print(h.hexdigest())
PY
}

for N in $SIZES; do
  RUNS=$(runs_for "$N")
  PROJECT=$WORK/n$N
  DB=$PROJECT/.promptctl/store.db
  BACKUP=$WORK/store-$N.db
  PLAN=$WORK/plan-$N.json
  bench_corpus "$PROJECT/prompts" "$N"
  bench_store "$PROJECT"
  cp "$DB" "$BACKUP"
  RESTORE=$(bench_restore_cmd "$DB" "$BACKUP")
  cd "$PROJECT"
  bench_set_model prompts "$MODEL"
  bench_run_once "promptctl validate" "$BIN" validate >/dev/null

  bench_run_once "promptctl plan --out" "$BIN" plan --out "$PLAN" >"$WORK/plan.txt"
  summary=$(grep '^Plan:' "$WORK/plan.txt" || true)
  [[ $summary == "Plan: 0 to create, $N to update, 0 to replace, 0 to backfill, 0 to deactivate." ]] ||
    bench_die "expected $N updates and nothing else: $summary"
  # The floor must leave the store as apply does, but for the times.
  bench_run_once "promptctl apply PLAN" "$BIN" apply "$PLAN" >/dev/null
  applied=$(store_digest "$DB")
  sh -c "$RESTORE"
  bench_run_once "apply_floor.py" python3 -S "$FLOOR" "$DB" "$PLAN" >&2
  [[ $(store_digest "$DB") == "$applied" ]] || bench_die "the floor script's writes differ from apply's"

  # Peak memory, one run each, from the same store as the timed runs.
  rss_validate=$(bench_peak_rss "$BIN" validate)
  sh -c "$RESTORE"
  rss_plan=$(bench_peak_rss "$BIN" plan)
  sh -c "$RESTORE"
  rss_apply=$(bench_peak_rss "$BIN" apply "$PLAN")
  printf '%s %s %s %s %s %s\n' "$N" "$NBYTES" "$rss_validate" "$rss_plan" "$rss_apply" "$FIRST_APPLY_RSS" >>"$OUT/sizes"

  # hyperfine runs each command with sh in the project; --prepare before every run, warm-up
  # included. cat's glob is one command line, which stays under ARG_MAX at 10,000 files
  # (about 0.7 MB) but not at 50,000, and only the 10,000 goal needs it.
  cmds=()
  if ((N == 10000)); then cmds+=(--prepare true -n cat "cat prompts/*/*.yaml > /dev/null"); fi
  cmds+=(--prepare true -n validate "$(bench_q "$BIN") validate"
    --prepare "$RESTORE" -n plan "$(bench_q "$BIN") plan"
    --prepare "$RESTORE" -n apply "$(bench_q "$BIN") apply $(bench_q "$PLAN")"
    --prepare "$RESTORE" -n floor "python3 -S $(bench_q "$FLOOR") $(bench_q "$DB") $(bench_q "$PLAN")")
  bench_log "timing $N prompts: $RUNS runs each"
  bench_hyperfine "$OUT/$N.json" --warmup 1 --runs "$RUNS" "${cmds[@]}"
  [[ $(bench_sql "$DB" "SELECT COUNT(*) FROM ai_prompts WHERE ai_model = '$MODEL'") -eq $N ]] ||
    bench_die "after the timed runs, not every row has $MODEL"
  cd "$WORK"
  rm -rf "$PROJECT" "$BACKUP" "$PLAN"   # 100,000 prompts take about 2 GB
done

python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
sizes = {}
for line in open(os.path.join(out, "sizes")):
    n, nbytes, *rss = map(int, line.split())
    means = {r["command"]: r["mean"] for r in json.load(open(os.path.join(out, f"{n}.json")))["results"]}
    sizes[n] = dict(bytes=nbytes, rss=dict(zip(("validate", "plan", "apply", "first"), rss)), **means)

head = ("N prompts", "files' bytes", "validate", "plan (after a model change)", "apply of the saved plan",
        "same writes as raw SQL, one transaction", "peak RSS validate / plan / apply / first apply")
print()
print("| " + " | ".join(head) + " |")
print("|" + "|".join("-" * (len(h) + 1) + ":" for h in head) + "|")
for n in sorted(sizes):
    s = sizes[n]
    rss = " / ".join(f"{s['rss'][k] * 1024 / 1e6:.0f}" for k in ("validate", "plan", "apply", "first")) + " MB"
    cells = (f"{n:,}", f"{s['bytes'] / 1e6:.1f} MB", f"{s['validate']:.3f} s", f"{s['plan']:.3f} s",
             f"{s['apply']:.3f} s", f"{s['floor']:.3f} s", rss)
    print("| " + " | ".join(c.rjust(len(h)) for c, h in zip(cells, head)) + " |")
if 10000 in sizes and "cat" in sizes[10000]:
    print(f"\ncat of the 10,000 files: {sizes[10000]['cat']:.3f} s")
for n in sorted(sizes):
    s = sizes[n]
    print(f"first apply of {n:,} prompts (creating them all): peak RSS {s['rss']['first'] * 1024 / 1e6:.0f} MB,"
          f" {s['rss']['first'] * 1024 / s['bytes']:.2f}x the files' {s['bytes'] / 1e6:.0f} MB")
print(f"day models are judged on: {os.environ.get('PROMPTCTL_TODAY', '?')}")
print()

# The goals, as verdict lines (GOAL, FIGURE, a Python test) for bench_verdicts; a goal whose
# sizes were not run is named as skipped.
verdicts = []
def verdict(goal, figure, ok):
    verdicts.append(f"{goal}\t{figure}\t{ok}\n")
def skipped(goal, *needs):
    if not all(n in sizes for n in needs):
        print(f"skipped: {goal} (needs N = {', '.join(f'{n:,}' for n in needs)})")
        return True
    return False
for work in ("plan", "validate", "apply"):
    for small, big, limit in ((10000, 50000, 5.5), (50000, 100000, 2.2)):
        goal = f"{work}({big // 1000}k) / {work}({small // 1000}k) <= {limit}"
        if not skipped(goal, small, big):
            ratio = sizes[big][work] / sizes[small][work]
            verdict(goal, f"{ratio:.2f}", f"{ratio} <= {limit}")
for n in (10000, 50000, 100000):
    goal = f"plan <= 1.3x validate at {n:,}"
    if not skipped(goal, n):
        ratio = sizes[n]["plan"] / sizes[n]["validate"]
        verdict(goal, f"{ratio:.2f}x", f"{ratio} <= 1.3")
for n in (10000, 50000):
    goal = f"apply within 1.5x of the raw-SQL floor at {n:,}"
    if not skipped(goal, n):
        ratio = sizes[n]["apply"] / sizes[n]["floor"]
        verdict(goal, f"{ratio:.2f}x ({sizes[n]['apply']:.3f} s vs {sizes[n]['floor']:.3f} s)",
                f"{ratio} <= 1.5")
for work in ("validate", "plan", "apply"):
    goal = f"peak RSS of {work} at 50,000 <= 3x the files' bytes"
    if not skipped(goal, 50000):
        kb, nbytes = sizes[50000]["rss"][work], sizes[50000]["bytes"]
        verdict(goal, f"{kb * 1024 / 1e6:.0f} MB, {kb * 1024 / nbytes:.2f}x of {nbytes / 1e6:.0f} MB",
                f"{kb * 1024} <= 3 * {nbytes}")
for n in (50000, 100000):
    goal = f"peak RSS of the first apply of {n:,} <= 3x the files' bytes"
    if not skipped(goal, n):
        kb, nbytes = sizes[n]["rss"]["first"], sizes[n]["bytes"]
        verdict(goal, f"{kb * 1024 / 1e6:.0f} MB, {kb * 1024 / nbytes:.2f}x of {nbytes / 1e6:.0f} MB",
                f"{kb * 1024} <= 3 * {nbytes}")
goal = "validate within 2x of cat at 10,000"
if not skipped(goal, 10000):
    ratio = sizes[10000]["validate"] / sizes[10000]["cat"]
    verdict(goal, f"{ratio:.2f}x ({sizes[10000]['validate']:.3f} s vs {sizes[10000]['cat']:.3f} s)",
            f"{ratio} <= 2")
open(os.path.join(out, "verdicts.tsv"), "w").writelines(verdicts)
PY
bench_verdicts "$OUT/verdicts.tsv"
