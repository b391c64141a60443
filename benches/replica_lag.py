#!/usr/bin/env python3
"""How long a replica takes to serve a change made through another server.

Usage: replica_lag.py WRITER_URL REPLICA_URL ADMIN_TOKEN READ_TOKEN [--changes 100] [--watch]

With --watch, the replica is not polled: a `GET /v1/watch` stream is held open on it, and the
lag is from the writer's answer to the arrival of the event of the change's revision.

For each change: POST /v1/changesets to the writer (one row's ai_model, alternating between
two models), and from the moment the writer's answer arrives, GET /v1/prompts/{name} from the
replica on a kept-alive connection until it serves the new model. Prints one JSON object:
the lags in milliseconds (each, and p50/p90/p99/max). Python standard library only.
"""
import argparse
import http.client
import json
import threading
import time
import urllib.parse


class Watch(threading.Thread):
    """A `GET /v1/watch` stream read on its own thread: when each revision's event arrived."""

    def __init__(self, url, token):
        super().__init__(daemon=True)
        self.conn = connection(url)
        self.conn.request("GET", "/v1/watch", headers={"Authorization": f"Bearer {token}"})
        self.response = self.conn.getresponse()
        if self.response.status != 200:
            raise SystemExit(f"GET /v1/watch: {self.response.status}")
        self.arrived = {}
        self.lock = threading.Condition()

    def run(self):
        while True:
            line = self.response.fp.readline()
            if not line:
                return
            if line.startswith(b"id: "):
                now = time.perf_counter()
                with self.lock:
                    self.arrived[int(line[4:].strip())] = now
                    self.lock.notify_all()

    def wait(self, revision, timeout):
        with self.lock:
            self.lock.wait_for(lambda: revision in self.arrived, timeout)
            return self.arrived.get(revision)


def connection(url):
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)


def call(conn, method, path, token, body=None):
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
    return json.loads(data)


def percentile(sorted_values, p):
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("writer")
    parser.add_argument("replica")
    parser.add_argument("admin_token")
    parser.add_argument("read_token")
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait per change")
    parser.add_argument("--watch", action="store_true", help="time the watch event, not a poll")
    args = parser.parse_args()
    watch = Watch(args.replica, args.read_token) if args.watch else None
    if watch:
        watch.start()

    writer, replica = connection(args.writer), connection(args.replica)
    snapshot = call(writer, "GET", "/v1/snapshot", args.admin_token)
    rows = [
        r for r in snapshot["rows"]
        if r["scope"] == "production" and r["is_active"] and r.get("temperature") is None
    ][: args.changes]
    if not rows:
        raise SystemExit("the store has no active production row without a temperature")
    models = ["openai/gpt-5-mini", "openai/gpt-5-nano"]
    lags = []
    for i in range(args.changes):
        row = rows[i % len(rows)]
        model = models[0] if row["ai_model"] != models[0] else models[1]
        body = {
            "store_id": snapshot["store_id"],
            "actor": "replica-lag bench",
            "ops": [{
                "op": "update",
                "action": "update",
                "id": row["id"],
                "expected_row_version": row["row_version"],
                "patch": {"ai_model": model},
            }],
        }
        outcome = call(writer, "POST", "/v1/changesets", args.admin_token, body)
        returned = time.perf_counter()
        row["row_version"] += 1
        row["ai_model"] = model
        if watch:
            arrived = watch.wait(outcome["revision"], args.timeout)
            if arrived is None:
                raise SystemExit(f"change {i + 1}: no watch event for revision {outcome['revision']}")
            # An event that beat the writer's answer counts as no lag.
            lags.append(max(0.0, arrived - returned) * 1000)
            continue
        path = "/v1/prompts/" + urllib.parse.quote(row["prompt_name"], safe="")
        while True:
            served = call(replica, "GET", path, args.read_token)["ai_model"]
            lag = time.perf_counter() - returned
            if served == model:
                lags.append(lag * 1000)
                break
            if lag > args.timeout:
                raise SystemExit(f"change {i + 1}: the replica still serves {served} after {lag:.1f} s")
    ordered = sorted(lags)
    print(json.dumps({
        "changes": len(lags),
        "p50_ms": percentile(ordered, 50),
        "p90_ms": percentile(ordered, 90),
        "p99_ms": percentile(ordered, 99),
        "max_ms": ordered[-1],
        "slowest": sorted(range(len(lags)), key=lambda i: -lags[i])[:3],
        "lags_ms": [round(v, 2) for v in lags],
    }))


if __name__ == "__main__":
    main()
