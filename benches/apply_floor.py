#!/usr/bin/env python3
"""The floor for `promptctl apply PLAN` of a model change: the same writes as raw SQL, in one
transaction (benches/scale.sh; SPEC section 6).

Usage: apply_floor.py DB PLAN [--actor NAME]

Reads the saved plan PLAN (`plan --out`), whose ops must all be updates of ai_model
(`plan.changes[].ops[]`: id, expected_row_version, patch.ai_model), and applies it to the SQLite
store file DB with the settings promptctl's store uses (WAL, synchronous=FULL, a 60 s busy
timeout, a 64 MiB page cache), doing what `apply` does (src/store/sql/write.rs `apply_in`) in
one BEGIN IMMEDIATE ... COMMIT:
  - the store's id must be the plan's, and every row must still be at its expected row_version
    (read in chunks of ids, as apply reads them; any conflict rolls everything back);
  - every row whose model really changes gets ai_model, row_version + 1 and updated_at (one
    executemany, each UPDATE guarded by id and row_version, its count checked);
  - one audit_log row per changed row (actor, "update", the row's id, name and version, before
    and after as compact JSON: {"ai_model":"old"} / {"ai_model":"new"});
  - store_meta.revision moves by one.
The actor is --actor, else PROMPTCTL_ACTOR, USER or USERNAME, else "unknown", as promptctl
takes it. Prints what it did. Python standard library only.
"""

import argparse
import json
import os
import sqlite3
import sys
import time
from functools import cache
from json.encoder import encode_basestring

CHUNK = 900  # ids an IN (...) list, as apply binds them


@cache
def model_json(model):
    """{"ai_model":"…"} as serde_json writes it; a handful of models, so made once each."""
    return '{"ai_model":' + ("null" if model is None else encode_basestring(model)) + "}"


def main() -> int:
    parser = argparse.ArgumentParser(description="A saved model-change plan as raw SQL.")
    parser.add_argument("db", help="the SQLite store file")
    parser.add_argument("plan", help="the saved plan (plan --out)")
    parser.add_argument("--actor", help="who applies it, for the audit log")
    args = parser.parse_args()
    actor = args.actor or next(
        (v for v in map(os.environ.get, ("PROMPTCTL_ACTOR", "USER", "USERNAME")) if v and v.strip()),
        "unknown")

    plan = json.load(open(args.plan))["plan"]
    if plan.get("notes", {}).get("policy_overrides"):
        sys.exit("the plan records policy overrides: not a plain model change")
    ops = [op for change in plan["changes"] for op in change["ops"]]
    for op in ops:
        if op.get("op") != "update" or set(op["patch"]) != {"ai_model"}:
            sys.exit(f"not an update of ai_model alone: {json.dumps(op)[:200]}")

    # isolation_level=None: the module opens no transactions of its own; BEGIN IMMEDIATE takes
    # the write lock at once, as promptctl's store does.
    conn = sqlite3.connect(args.db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=60000")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("BEGIN IMMEDIATE")
    try:
        store_id, revision = conn.execute(
            "SELECT store_id, revision FROM store_meta WHERE id = 1").fetchone()
        if store_id != plan["store_id"]:
            raise SystemExit(f"the plan is for store {plan['store_id']}, this is {store_id}")

        rows = {}
        ids = [op["id"] for op in ops]
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            rows.update((r[0], r) for r in conn.execute(
                "SELECT id, row_version, prompt_name, prompt_version, ai_model FROM ai_prompts"
                f" WHERE id IN ({', '.join('?' * len(chunk))})", chunk))
        conflicts = [op["id"] for op in ops
                     if op["id"] not in rows or rows[op["id"]][1] != op["expected_row_version"]]
        if conflicts:
            raise SystemExit(f"{len(conflicts)} rows moved since the plan, e.g. {conflicts[0]}")

        # As apply: an update that changes nothing is no write (no row_version, no audit).
        writes = [(op, rows[op["id"]]) for op in ops if rows[op["id"]][4] != op["patch"]["ai_model"]]
        if not writes:
            conn.execute("ROLLBACK")
            print(f"nothing to change; revision {revision}")
            return 0
        revision += 1
        now = int(time.time() * 1000)
        conn.execute("UPDATE store_meta SET revision = ? WHERE id = 1", (revision,))
        updated = conn.executemany(
            "UPDATE ai_prompts SET ai_model = ?, updated_at = ?, row_version = row_version + 1"
            " WHERE id = ? AND row_version = ?",
            [(op["patch"]["ai_model"], now, op["id"], op["expected_row_version"]) for op, _ in writes],
        ).rowcount
        if updated != len(writes):
            raise SystemExit(f"{len(writes) - updated} rows changed while being written")
        conn.executemany(
            "INSERT INTO audit_log (revision, at, actor, change, row_id, prompt_name,"
            " prompt_version, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(revision, now, actor, op["action"], row[0], row[2], row[3],
              model_json(row[4]), model_json(op["patch"]["ai_model"])) for op, row in writes],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    print(f"updated {len(writes)} rows in one transaction; revision {revision}", flush=True)
    # promptctl exits leaving its WAL for the next opener to checkpoint; closing the connection
    # here would checkpoint it (and fsync the file) on top of what apply does.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
