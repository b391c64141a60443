#!/usr/bin/env python3
"""Time the web console of a running `promptctl serve` (standard library only).

Usage: console.py BASE_URL ADMIN_TOKEN [--assign N] [--runs R] [--figures FILE]

Signs in with the token, then times (wall clock on loopback, which is the server's time plus
a local round trip):
  - GET /prompts pages: the first page, a search, a filter, a sort by price, a late page;
    R runs each after one warm-up, reporting median and max;
  - "Apply" of a bulk assignment of N rows (default 1000): POST /console/assign with the rows
    /console/selection returns, as the dialog sends them; then the next GET /prompts, which
    rebuilds the console's view at the new revision.
Prints one line per measurement. With --figures, also writes the figures the issue's floors
are about (the worst page median, the assignment's time and rows) to FILE as JSON, for
console.sh's verdicts.
"""
import http.client
import json
import re
import statistics
import sys
import time
import urllib.parse


def main():
    base, token = sys.argv[1], sys.argv[2]
    assign = int(sys.argv[sys.argv.index("--assign") + 1]) if "--assign" in sys.argv else 1000
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 20
    figures = sys.argv[sys.argv.index("--figures") + 1] if "--figures" in sys.argv else None
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)

    def request(method, path, body=None, headers=None):
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), data, time.perf_counter() - started

    status, headers, _, _ = request(
        "POST", "/signin", urllib.parse.urlencode({"token": token}),
        {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 303, status
    cookie = headers["set-cookie"].split(";")[0]
    status, _, page, _ = request("GET", "/prompts", headers={"Cookie": cookie})
    assert status == 200, status
    csrf = re.search(rb'data-csrf="([0-9a-f]+)"', page).group(1).decode()
    rows = int(re.search(rb"of (\d+) rows", page).group(1))

    pages = [
        ("first page", "/prompts"),
        ("search", "/prompts?q=incident"),
        ("filter by model", "/prompts?model=openai%2Fgpt-5-mini"),
        ("sort by output price, descending", "/prompts?sort=output&dir=desc"),
        ("page 150", "/prompts?page=150"),
    ]
    worst = 0.0
    print(f"console over {rows} rows, {runs} runs each (after a warm-up):")
    for name, path in pages:
        request("GET", path, headers={"Cookie": cookie})
        times = []
        for _ in range(runs):
            status, _, _, took = request("GET", path, headers={"Cookie": cookie})
            assert status == 200, (path, status)
            times.append(took)
        median, high = statistics.median(times) * 1000, max(times) * 1000
        worst = max(worst, median)
        print(f"  GET {path:<45} median {median:7.1f} ms   max {high:7.1f} ms   ({name})")

    status, _, body, _ = request("GET", "/console/selection?active=yes", headers={"Cookie": cookie})
    selection = json.loads(body)[:assign]
    model = "anthropic/claude-haiku-4-5"
    payload = json.dumps({"model": model, "rows": selection})
    status, _, answer, took = request(
        "POST", "/console/assign", payload,
        {"Cookie": cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert status == 200, (status, answer[:300])
    updated = json.loads(answer)["updated"]
    status, _, _, rebuild = request("GET", "/prompts", headers={"Cookie": cookie})
    print(f"  Apply: assign {model} to {updated} selected rows      {took * 1000:7.1f} ms")
    print(f"  the next GET /prompts (view rebuilt at the new revision) {rebuild * 1000:7.1f} ms")
    if figures:
        with open(figures, "w") as f:
            json.dump({"worst_page_ms": worst, "assign_s": took, "assigned": updated,
                       "after_assign_ms": rebuild * 1000}, f)


if __name__ == "__main__":
    main()
