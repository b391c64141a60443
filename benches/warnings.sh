#!/usr/bin/env bash
# What a warning on every prompt costs (issue 19): N prompt files that all run on a model
# deprecated within the warning window, validated
#   warned      `promptctl validate`: one grouped deprecation-soon warning for all N files
#   silenced    the same, with `silence: [deprecation-soon]` in promptctl.yaml
# and the lines each prints on stderr. Run at the day the warning fires (the day before the
# catalog's openai/gpt-5 deprecation window closes) and at today's date.
#
# Usage: benches/warnings.sh
# Environment:
#   BENCH_COUNT=10000   prompt files
#   BENCH_RUNS=10       hyperfine runs of each command (after 1 warm-up)
#   BENCH_DAYS="2026-12-04 $(date +%F)"   the days to judge lifecycles on
#   and lib.sh's: BENCH_SEED, BENCH_NO_BUILD, PROMPTCTL_BIN, TMPDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
COUNT=${BENCH_COUNT:-10000}
RUNS=${BENCH_RUNS:-10}
DAYS=${BENCH_DAYS:-2026-12-04 $(date +%F)}
bench_need hyperfine
bench_build
bench_workdir

WARNED=$WORK/warned
SILENCED=$WORK/silenced
bench_corpus "$WARNED/prompts" "$COUNT"
# Every file on the one model, whatever the generator picked (and no temperature, which
# openai/gpt-5 does not take).
find "$WARNED/prompts" -name '*.yaml' -print0 |
  xargs -0 sed -i -e 's#^ai_model: .*#ai_model: openai/gpt-5#' -e '/^temperature:/d'
cp -r "$WARNED" "$SILENCED"
printf 'silence: [deprecation-soon]\n' >"$SILENCED/promptctl.yaml"

for DAY in $DAYS; do
  export PROMPTCTL_TODAY=$DAY
  LINES_WARNED=$(cd "$WARNED" && "$BIN" validate 2>&1 >/dev/null | wc -l)
  LINES_SILENCED=$(cd "$SILENCED" && "$BIN" validate 2>&1 >/dev/null | wc -l)
  bench_hyperfine "$WORK/day-$DAY.json" --warmup 1 --runs "$RUNS" \
    -n warned "cd $(bench_q "$WARNED") && $(bench_q "$BIN") validate" \
    -n silenced "cd $(bench_q "$SILENCED") && $(bench_q "$BIN") validate" >/dev/null
  WARNED_S=$(bench_mean "$WORK/day-$DAY.json" warned)
  SILENCED_S=$(bench_mean "$WORK/day-$DAY.json" silenced)
  python3 - "$DAY" "$COUNT" "$WARNED_S" "$SILENCED_S" "$LINES_WARNED" "$LINES_SILENCED" <<'PY'
import sys
day, n, warned, silenced, lines_w, lines_s = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:5]), *map(int, sys.argv[5:7])
print(f"day {day}: {n} files on openai/gpt-5")
print(f"  validate, warned    {warned * 1000:8.1f} ms   {lines_w:6d} lines on stderr")
print(f"  validate, silenced  {silenced * 1000:8.1f} ms   {lines_s:6d} lines on stderr")
print(f"  warned / silenced   {warned / silenced:8.2f}x")
PY
  RATIO=$(python3 -c "print(f'{$WARNED_S / $SILENCED_S:.2f}')")
  bench_verdict "day $DAY: warned validate within 1.3x of silenced" "${RATIO}x" "$RATIO <= 1.3"
  bench_verdict "day $DAY: at most ~50 lines on stderr" "$LINES_WARNED lines" "$LINES_WARNED <= 55"
done
