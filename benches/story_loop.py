#!/usr/bin/env python3
"""The story's migration loop, as the baseline for `promptctl apply` (SPEC section 6).

Usage: story_loop.py DB MODEL [--journal wal|delete]

Opens the SQLite store file DB with the settings promptctl's store uses (WAL journal,
synchronous=FULL, a 60 s busy timeout), reads the id of every row of ai_prompts, and then sets
each row's ai_model to MODEL one row at a time: one UPDATE in its own BEGIN ... COMMIT, so one
committed transaction (and, with synchronous=FULL, one fsync of the WAL) per row. Prints the
number of rows updated. Python standard library only.

--journal delete switches the file to SQLite's default rollback journal first (the mode is
saved in the file, so use it on a copy of the store), where each commit costs several fsyncs
instead of one: what a loop over an SQLite connection with default settings pays. Over 10,000
rows that comes close to the "about 7 s" SPEC section 6 quotes for the loop.
"""

import argparse
import sqlite3
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description="One committed UPDATE of ai_model per row.")
    parser.add_argument("db", help="the SQLite store file")
    parser.add_argument("model", help="the ai_model every row gets")
    parser.add_argument("--journal", choices=["wal", "delete"], default="wal",
                        help="journal mode (default wal, as promptctl's store)")
    args = parser.parse_args()
    db, model = args.db, args.model

    # isolation_level=None: the sqlite3 module opens no transactions of its own; each row gets
    # the explicit BEGIN/COMMIT below.
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(f"PRAGMA journal_mode={args.journal.upper()}")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=60000")

    ids = [row[0] for row in conn.execute("SELECT id FROM ai_prompts")]
    updated = 0
    for row_id in ids:
        conn.execute("BEGIN")
        cur = conn.execute(
            "UPDATE ai_prompts SET ai_model = ?, row_version = row_version + 1, updated_at = ?"
            " WHERE id = ?",
            (model, int(time.time() * 1000), row_id),
        )
        conn.execute("COMMIT")
        updated += cur.rowcount
    conn.close()
    print(f"updated {updated} rows one committed transaction at a time")
    return 0 if updated == len(ids) else 1


if __name__ == "__main__":
    sys.exit(main())
