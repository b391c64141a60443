#!/usr/bin/env bash
# schemathesis (PyPI) against `schemas/openapi.json` on a live `promptctl serve`: every
# documented operation fuzzed with generated requests, the examples, the coverage phase and
# the stateful phase (the document's links), with an admin token and with a read token. It
# fails on any 5xx, any status the document does not list, and any answer that does not
# match its schema.
#
# Usage: scripts/schemathesis.sh
# Environment:
#   ST_MAX_EXAMPLES=100   examples per operation and phase
#   ST_VERSION=4.32.5     the schemathesis release to install (into target/schemathesis-venv)
#   PROMPTCTL_BIN=PATH    binary to run (default: target/debug/promptctl, built here)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

MAX_EXAMPLES=${ST_MAX_EXAMPLES:-100}
VERSION=${ST_VERSION:-4.32.5}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
[[ $TARGET_DIR == /* ]] || TARGET_DIR=$ROOT/$TARGET_DIR
VENV=$TARGET_DIR/schemathesis-venv
BIN=${PROMPTCTL_BIN:-$TARGET_DIR/debug/promptctl}
# Absolute: the apply below runs in another folder.
[[ $BIN == /* ]] || BIN=$ROOT/$BIN

if [ -z "${PROMPTCTL_BIN:-}" ]; then
  cargo build --quiet
fi
if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/schemathesis" --version | grep -q "$VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==$VERSION"
fi

unset PROMPTCTL_STORE PROMPTCTL_TOKEN PROMPTCTL_TOKENS LLM_MODEL LLM_FALLBACK_MODEL
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

token() { "$BIN" token new --role "$1" --name "$2" --format json; }
ADMIN_JSON=$(token admin schemathesis-admin)
READ_JSON=$(token read schemathesis-read)
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
ADMIN=$(field "$ADMIN_JSON" token)
READ=$(field "$READ_JSON" token)
printf '%s\n%s\n' "$(field "$ADMIN_JSON" line)" "$(field "$READ_JSON" line)" >"$WORK/tokens"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
"$BIN" serve --database "sqlite:$WORK/store.db" --listen "127.0.0.1:$PORT" --tokens "$WORK/tokens" \
  2>"$WORK/serve.log" &
SERVER_PID=$!
for _ in $(seq 1 50); do
  curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

# Something to read: the repository's prompts, applied through the server.
mkdir -p "$WORK/project"
cp -r prompts "$WORK/project/"
(cd "$WORK/project" && PROMPTCTL_TOKEN=$ADMIN "$BIN" --store "$URL" apply --auto-approve >/dev/null)

status=0
for who in admin read; do
  if [ "$who" = admin ]; then bearer=$ADMIN; else bearer=$READ; fi
  echo "== schemathesis with the $who token"
  "$VENV/bin/schemathesis" --config-file scripts/schemathesis.toml --no-color run schemas/openapi.json \
    --url "$URL" \
    --header "Authorization: Bearer $bearer" \
    --checks all \
    --max-examples "$MAX_EXAMPLES" \
    --seed 1 \
    || status=1
done
if [ "$status" != 0 ]; then
  echo "== the server's log (last 40 lines)"
  tail -n 40 "$WORK/serve.log"
fi
exit "$status"
