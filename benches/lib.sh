# Shared by the benchmark scripts (`source "$(dirname "$0")/lib.sh"`): where things are, the
# release build, tools installed on demand, a work folder removed on exit, hyperfine runs and
# the verdict line every script ends with.
#
# Environment every script reads:
#   PROMPTCTL_BIN=PATH   the binary to time (default target/release/promptctl)
#   BENCH_NO_BUILD=1     don't run `cargo build --release`; time the binary as it is
#   PROMPTCTL_TODAY      the day model lifecycles are judged on (default 2026-06-01, before the
#                        built-in catalog's deprecations), so a figure does not move because a
#                        deprecation date arrived and every file now warns

set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${PROMPTCTL_BIN:-$BENCH_ROOT/target/release/promptctl}
export PROMPTCTL_TODAY=${PROMPTCTL_TODAY:-2026-06-01}

# The release build, unless told to time the binary as it is.
bench_build() {
  if [ -z "${BENCH_NO_BUILD:-}" ] && [ -z "${PROMPTCTL_BIN:-}" ]; then
    (cd "$BENCH_ROOT" && cargo build --release --quiet)
  fi
}

# Install Debian packages that are missing: `bench_need hyperfine wrk`.
bench_need() {
  local missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# A temporary folder in $WORK, removed on exit.
bench_workdir() {
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
}

# `bench_hyperfine OUT.json [hyperfine options and commands]`: one hyperfine run, exported.
bench_hyperfine() {
  local out=$1
  shift
  hyperfine --export-json "$out" "$@"
}

# `bench_mean OUT.json INDEX`: the mean time in seconds of one command of a hyperfine export.
bench_mean() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]["mean"])' "$1" "$2"
}

# `bench_verdict GOAL FIGURE OK`: the line each goal ends with, e.g.
#   goal: status over two environments of 10,000 prompts under 2 s | figure: 0.84 s | met: yes
# OK is a Python expression that is true when the goal is met.
bench_verdict() {
  local met
  met=$(python3 -c "print('yes' if ($3) else 'no')")
  printf 'goal: %s | figure: %s | met: %s\n' "$1" "$2" "$met"
}
