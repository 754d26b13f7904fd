"""How long the dashboard and the API take on a large synthetic practice.

    python bench/web.py [--people 5000] [--dir /tmp/nervecenter-web-bench]
    python bench/web.py --load 60 [--users 8] [--workers 1]     # the targets of docs/benchmarks.md

Generates the practice with bench/generate.py (once per directory), imports it, then times each
page and API endpoint as a manager and as a person user through the ASGI app in process (no
network), warm (evaluation reused) and cold (a new evaluation). Prints wall and CPU seconds.

`--load` instead fills the alert log with a run, starts `nervecenter serve` on loopback and has
`--users` threads request a mix of case and person pages and paged API calls for that many
seconds: errors, p50/p95 per kind, requests per second, the server's peak and final memory
(RSS of the process and its workers); then records a renewal through the CLI and times every
request of the next seconds (the slowest must stay under 1 s).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSWORD = "bench password"


def timed(client, path, headers):
    wall, cpu = time.perf_counter(), time.process_time()
    r = client.get(path, headers=headers)
    return r, time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/nervecenter-web-bench"))
    parser.add_argument("--load", type=float, metavar="SECONDS",
                        help="run the concurrent load of the targets instead")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)

    from generate import generate
    from starlette.testclient import TestClient

    from nervecenter.web.app import create_app

    target = args.dir / str(args.people)
    if not (target / "practice.yaml").exists():
        print(generate(target, people=args.people))
    if args.load:
        return load(target, args.load, args.users, args.workers)
    start = time.perf_counter()
    app = create_app(target, on=date(2026, 12, 1))
    app.state.workspace.sync_sources()
    print(f"open and import: {time.perf_counter() - start:.1f} s")
    users = app.state.users
    person = min(app.state.workspace.store.people_roles())
    if users.get("bench-manager") is None:
        users.add("bench-manager", "manager", PASSWORD)
        users.add("bench-person", "person", PASSWORD, person=person)
    client = TestClient(app)
    headers = {"manager": {"Authorization": f"Bearer {users.new_token('bench-manager')}"},
               "person": {"Authorization": f"Bearer {users.new_token('bench-person')}"}}

    r, wall, cpu = timed(client, "/api/status", headers["manager"])
    print(f"{'cold: sync, snapshot, evaluation':44} {wall:6.2f} s wall {cpu:6.2f} s CPU")
    case = app.state.workspace.evaluate(app.state.on).clearances[0].case.id
    facility = min(app.state.workspace.practice.facilities)
    paths = ["/", "/people", f"/people/{person}", "/cases", f"/cases/{case}",
             f"/facilities/{facility}", "/alerts", "/api/status", "/api/cases", "/api/conflicts",
             "/api/people", "/api/alerts", f"/api/facilities/{facility}",
             f"/api/coverage?facility={facility}", "/api/coverage",
             f"/whatif?without={person}"]
    for who in ("manager", "person"):
        for path in paths:
            r, wall, cpu = timed(client, path, headers[who])
            print(f"{who:8} {path:35} {r.status_code} {wall:6.2f} s wall {cpu:6.2f} s CPU "
                  f"{len(r.content) / 1e6:6.2f} MB")


def rss_mb(pid: int) -> float:
    """Resident memory of `pid` and its children (the workers), in MB."""
    import subprocess

    out = subprocess.run(["ps", "-o", "rss=", "--pid", str(pid), "--ppid", str(pid)],
                         check=False, capture_output=True, text=True).stdout
    return sum(int(x) for x in out.split()) / 1024


def load(target: Path, seconds: float, users: int, workers: int) -> None:
    import os
    import random
    import socket
    import subprocess
    import threading

    import httpx

    from nervecenter.service import runner
    from nervecenter.service.workspace import open_workspace

    day = date(2026, 12, 1)
    ws = open_workspace(target)
    ws.sync_sources()
    from nervecenter.alerts.ledger import Ledger

    if not Ledger(ws.store.engine).log(limit=1):
        started = time.perf_counter()
        result = runner.run(ws, on=day)
        print(f"first run (fills the log): {result.line()} "
              f"[{time.perf_counter() - started:.0f} s]")
    with ws.store.engine.connect() as conn:
        from sqlalchemy import func, select

        from nervecenter.alerts.ledger import alerts_t

        print(f"alerts in the log: {conn.execute(select(func.count()).select_from(alerts_t)).scalar()}")
    snap = ws.snapshot(day)
    person_ids = sorted(snap.people)
    case_ids = [c.id for c in snap.cases if c.start.date() >= day][:500]
    ws.store.engine.dispose()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = str(Path(sys.executable).parent / "nervecenter")
    server = subprocess.Popen([exe, "serve", "--config", str(target), "--port", str(port),
                               "--workers", str(workers), "--on", day.isoformat()],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=os.environ.copy())
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                httpx.get(url + "/login", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        from nervecenter.store import db
        from nervecenter.store.users import Users

        accounts = Users(db.create(ws.practice.database))
        if accounts.get("bench-manager") is None:
            accounts.add("bench-manager", "manager", PASSWORD)
        token = accounts.new_token("bench-manager")
        headers = {"Authorization": f"Bearer {token}"}
        started = time.perf_counter()
        httpx.get(url + "/api/cases?limit=1", headers=headers, timeout=120)
        print(f"first request (evaluation): {time.perf_counter() - started:.1f} s; "
              f"server {rss_mb(server.pid):.0f} MB")
        mix = [("case page", lambda r: f"/cases/{r.choice(case_ids)}"),
               ("person page", lambda r: f"/people/{r.choice(person_ids)}"),
               ("api page", lambda r: r.choice(["/api/cases", "/api/people", "/api/status",
                                                 "/api/alerts"])
                + f"?limit=100&offset={r.randrange(0, 1000, 100)}")]
        samples: list[tuple[str, float, int]] = []
        peak = [0.0]
        stop = threading.Event()

        def user(seed: int) -> None:
            r = random.Random(seed)
            with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
                while not stop.is_set():
                    kind, path = r.choice(mix)
                    t = time.perf_counter()
                    try:
                        code = c.get(path(r)).status_code
                    except httpx.HTTPError:
                        code = 0
                    samples.append((kind, time.perf_counter() - t, code))

        def watch() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], rss_mb(server.pid))
                time.sleep(0.5)

        def burst(duration: float) -> list[tuple[str, float, int]]:
            samples.clear()
            stop.clear()
            threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
            threads.append(threading.Thread(target=watch))
            for t in threads:
                t.start()
            time.sleep(duration)
            stop.set()
            for t in threads:
                t.join()
            return list(samples)

        done = burst(seconds)
        errors = sum(1 for _, _, code in done if code != 200)
        print(f"{users} users, {seconds:.0f} s, {workers} worker(s): {len(done)} requests, "
              f"{len(done) / seconds:.1f}/s, {errors} errors; server peak {peak[0]:.0f} MB, "
              f"after {rss_mb(server.pid):.0f} MB")
        for kind, _ in mix:
            times = sorted(w for k, w, _ in done if k == kind)
            if times:
                print(f"  {kind:12} p50 {1000 * times[len(times) // 2]:7.0f} ms   "
                      f"p95 {1000 * times[int(len(times) * 0.95)]:7.0f} ms   n={len(times)}")
        from datetime import timedelta

        holder = next(c for c in snap.credentials if c.type == "bls")
        expires = ws.store.history(holder.id)[-1].expires + timedelta(days=365)  # a new one
        renewed = subprocess.run([exe, "renew", holder.person, "bls", "--config", str(target),
                                  "--expires", expires.isoformat(), "--issued", "2026-12-01"],
                                 check=False, capture_output=True, text=True)
        print(f"renew {holder.person} bls to {expires}: exit {renewed.returncode}")
        after = burst(10)
        slowest = max(w for _, w, _ in after)
        print(f"the 10 s after the renewal: {len(after)} requests, slowest {slowest:.2f} s, "
              f"{sum(1 for *_, c in after if c != 200)} errors")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
