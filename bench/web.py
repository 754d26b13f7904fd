"""How long the dashboard and the API take on a large synthetic practice.

    python bench/web.py [--people 5000] [--dir /tmp/nervecenter-web-bench]
    python bench/web.py --load 60 [--users 8] [--workers 1]     # the targets of docs/benchmarks.md

Generates the practice with bench/generate.py (once per directory), imports it, then times each
page and API endpoint as a manager and as a person user through the ASGI app in process (no
network), warm (evaluation reused) and cold (a new evaluation). Prints wall and CPU seconds.

`--load` instead fills the alert log with a run, starts `nervecenter serve` on loopback and has
`--users` threads request a mix of case and person pages and paged API calls for that many
seconds: errors, p50/p95 per kind, requests per second, the server's CPU time per request and
its memory when warm, at its peak and after (RSS of the process and its workers), after the
day's run (which leaves its evaluation on the shelf for the server's first request); then records
a renewal through the CLI during 12 s of the same load and times every request of them (the
slowest must stay under 1 s) and when the person page shows it; then 32 users for a burst,
and the memory after it. The load average is printed with each figure: the machine is shared.

`--profile case person api` profiles those requests in process with pyinstrument, warm.
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
    parser.add_argument("--profile", nargs="+", choices=("case", "person", "api"),
                        help="profile these pages in process (pyinstrument) instead")
    args = parser.parse_args(argv)

    from generate import generate
    from starlette.testclient import TestClient

    from nervecenter.web.app import create_app

    target = args.dir / str(args.people)
    if not (target / "practice.yaml").exists():
        print(generate(target, people=args.people))
    if args.load:
        return load(target, args.load, args.users, args.workers)
    if args.profile:
        return profile(target, args.profile)
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


EVALUATOR = "nervecenter.service.evaluator"  # the process a change's evaluation runs in


def rss_mb(pid: int, evaluator: bool = False) -> float:
    """Resident memory of the web process `pid` and its workers, in MB; with `evaluator`, of
    the evaluation processes they started instead (alive only for seconds after a change)."""
    import subprocess

    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,rss=,args="], check=False,
                         capture_output=True, text=True).stdout
    rows = [(*line.split(None, 3), "")[:4] for line in out.splitlines() if line.strip()]
    # the workers are uvicorn's spawned processes; a child caught between its fork and exec
    # still shows its parent's memory and is neither
    web = {str(pid)} | {p for p, pp, _, args in rows
                        if pp == str(pid) and "multiprocessing" in args}
    chosen = {p for p, pp, _, args in rows if EVALUATOR in args and pp in web} if evaluator \
        else web
    return sum(int(rss) for p, _, rss, _ in rows if p in chosen) / 1024


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by `pid` and its children (the workers)."""
    import os
    import subprocess

    out = subprocess.run(["ps", "-o", "pid=", "--pid", str(pid), "--ppid", str(pid)],
                         check=False, capture_output=True, text=True).stdout
    total = 0.0
    for p in out.split():
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def percentile(times: list[float], q: float) -> float:
    return times[min(len(times) - 1, int(len(times) * q))] if times else 0.0


def load(target: Path, seconds: float, users: int, workers: int) -> None:
    import os
    import random
    import re
    import shutil
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
    shutil.rmtree(ws.data_dir / "evaluations", ignore_errors=True)  # none but the run's
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = str(Path(sys.executable).parent / "nervecenter")
    print(f"load average {loadavg()} (2 cores, shared) at the start")
    # the day's run (cron's or the daemon's) comes first: it leaves its evaluation on the shelf
    import resource

    started, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    ran = subprocess.run([exe, "run", "--once", "--on", day.isoformat(), "--config",
                          str(target)], check=False, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"the day's run again: exit {ran.returncode} in {time.perf_counter() - started:.1f} s "
          f"({after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime:.1f} s CPU); "
          f"{ran.stderr.strip().splitlines()[-1] if ran.stderr.strip() else ''}")
    server = subprocess.Popen([exe, "serve", "--config", str(target), "--port", str(port),
                               "--workers", str(workers), "--on", day.isoformat()],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env=os.environ.copy())
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(server.stderr), daemon=True).start()
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
        started, cpu = time.perf_counter(), cpu_s(server.pid)
        httpx.get(url + "/api/cases?limit=1", headers=headers, timeout=120)
        print(f"first request (the run's evaluation, from the shelf): "
              f"{time.perf_counter() - started:.1f} s "
              f"({cpu_s(server.pid) - cpu:.1f} s server CPU); server {rss_mb(server.pid):.0f} MB")
        for _ in range(workers * 4):  # every worker has loaded it (the shelf) before the clock
            httpx.get(url + "/api/cases?limit=1", headers=headers, timeout=120)
        warm = rss_mb(server.pid)
        mix = [("case page", lambda r: f"/cases/{r.choice(case_ids)}"),
               ("person page", lambda r: f"/people/{r.choice(person_ids)}"),
               ("api page", lambda r: r.choice(["/api/cases", "/api/people", "/api/status",
                                                 "/api/alerts"])
                + f"?limit=100&offset={r.randrange(0, 1000, 100)}")]
        samples: list[tuple[str, float, int]] = []
        peak, apart = [0.0], [0.0]
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

        def watch() -> None:  # memory, all along (reset at each phase)
            while server.poll() is None:
                peak[0] = max(peak[0], rss_mb(server.pid))
                apart[0] = max(apart[0], rss_mb(server.pid, evaluator=True))
                time.sleep(0.5)

        threading.Thread(target=watch, daemon=True).start()

        def burst(duration: float, n: int = users, extra=()) -> tuple[list, float, float]:
            samples.clear()
            stop.clear()
            peak[0] = apart[0] = 0.0
            threads = [threading.Thread(target=user, args=(i,)) for i in range(n)]
            threads += [*extra]
            cpu, wall = cpu_s(server.pid), time.perf_counter()
            for t in threads:
                t.start()
            time.sleep(duration)
            stop.set()
            for t in threads:
                t.join()
            return list(samples), time.perf_counter() - wall, cpu_s(server.pid) - cpu

        def report(done: list, wall: float, cpu: float, n: int) -> None:
            errors = sum(1 for _, _, code in done if code != 200)
            print(f"{n} users, {wall:.0f} s, {workers} worker(s): {len(done)} requests, "
                  f"{len(done) / wall:.1f}/s, {errors} errors; server CPU {cpu:.1f} s "
                  f"({1000 * cpu / max(1, len(done)):.1f} ms a request); load average "
                  f"{loadavg()}")
            for kind, _ in mix:
                times = sorted(w for k, w, _ in done if k == kind)
                if times:
                    print(f"  {kind:12} p50 {1000 * percentile(times, 0.5):7.0f} ms   "
                          f"p95 {1000 * percentile(times, 0.95):7.0f} ms   "
                          f"max {1000 * times[-1]:7.0f} ms   n={len(times)}")

        done, wall, cpu = burst(seconds)
        report(done, wall, cpu, users)
        time.sleep(2)
        print(f"memory: warm {warm:.0f} MB, peak {peak[0]:.0f} MB, after {rss_mb(server.pid):.0f} MB")

        from datetime import timedelta

        holder = next(c for c in snap.credentials if c.type == "bls")
        expires = ws.store.history(holder.id)[-1].expires + timedelta(days=365)  # a new one
        seen, stop_seen = [None], threading.Event()

        def visible() -> None:  # when a page first shows data read after the renewal
            with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
                while not stop_seen.is_set() and seen[0] is None:
                    read = re.search(r"data\s+read (\d\d:\d\d:\d\d) UTC",
                                     c.get(f"/people/{holder.person}").text)
                    if read and read[1] >= renewed_utc[0]:
                        seen[0] = time.perf_counter()
                    time.sleep(0.1)

        renewed_at, renewed_utc = [0.0], [""]

        def renew() -> None:
            from datetime import UTC, datetime

            time.sleep(1)
            renewed_at[0] = time.perf_counter()
            done = subprocess.run([exe, "renew", holder.person, "bls", "--config", str(target),
                                   "--expires", expires.isoformat(), "--issued", "2026-12-01"],
                                  check=False, capture_output=True, text=True)
            done_s = time.perf_counter() - renewed_at[0]
            renewed_utc[0] = datetime.now(UTC).strftime("%H:%M:%S")
            renewed_at[0] = time.perf_counter()
            print(f"renew {holder.person} bls to {expires}: exit {done.returncode} in "
                  f"{done_s:.1f} s")
            stop_seen.clear()
            threading.Thread(target=visible, daemon=True).start()

        after, wall, cpu = burst(12, extra=[threading.Thread(target=renew)])
        slowest = max(w for _, w, _ in after)
        print(f"the 12 s around the renewal (at 1 s): {len(after)} requests, slowest "
              f"{slowest:.2f} s, {sum(1 for *_, c in after if c != 200)} errors; server CPU "
              f"{cpu:.1f} s; pages showed data read after it "
              + (f"{seen[0] - renewed_at[0]:.1f} s after the renew command ended" if seen[0]
                 else "not within the 12 s"))
        report(after, wall, cpu, users)
        print("evaluations computed by the server: "
              f"{sum(1 for line in log if 'evaluated 2026' in line)} (none for its first request)")
        deadline = time.perf_counter() + 120
        while seen[0] is None and time.perf_counter() < deadline:
            time.sleep(0.5)
        stop_seen.set()
        if seen[0] is not None:
            print(f"  (data read after the renewal was shown after "
                  f"{seen[0] - renewed_at[0]:.1f} s)")
        time.sleep(2)
        settled = rss_mb(server.pid)
        print(f"memory around the renewal: web peak {peak[0]:.0f} MB, after {settled:.0f} MB; "
              f"the evaluation's own process peaked at {apart[0]:.0f} MB")

        done, wall, cpu = burst(min(seconds, 20), n=32)
        report(done, wall, cpu, 32)
        time.sleep(3)
        print(f"memory under 32 users: peak {peak[0]:.0f} MB, after {rss_mb(server.pid):.0f} MB "
              f"(before them {settled:.0f} MB; warm, before any change, {warm:.0f} MB)")
    finally:
        server.terminate()
        server.wait(30)


def profile(target: Path, kinds: list[str]) -> None:
    """pyinstrument over case pages, person pages or paged API calls (40 of each) answered in
    process, warm. FastAPI runs a plain `def` endpoint in a worker thread, where a sampling
    profiler of the main thread does not look: here it runs inline instead."""
    import asyncio
    import random

    import fastapi.dependencies.utils
    import fastapi.routing
    import httpx
    from pyinstrument import Profiler

    from nervecenter.web.app import create_app

    async def inline(func, *args, **kwargs):
        return func(*args, **kwargs)

    fastapi.routing.run_in_threadpool = inline
    fastapi.dependencies.utils.run_in_threadpool = inline

    app = create_app(target, on=date(2026, 12, 1))
    users = app.state.users
    if users.get("bench-manager") is None:
        users.add("bench-manager", "manager", PASSWORD)
    headers = {"Authorization": f"Bearer {users.new_token('bench-manager')}"}
    done = app.state.workspace.latest(app.state.on)
    r = random.Random(7)
    paths = {"case": lambda: f"/cases/{r.choice(done.evaluation.clearances).case.id}",
             "person": lambda: f"/people/{r.choice(sorted(done.snapshot.people))}",
             "api": lambda: r.choice(["/api/cases", "/api/people", "/api/status",
                                      "/api/alerts"])
             + f"?limit=100&offset={r.randrange(0, 1000, 100)}"}

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench",
                                     headers=headers) as client:
            for kind in kinds:
                for _ in range(5):
                    await client.get(paths[kind]())
                profiler = Profiler(interval=0.0002, async_mode="disabled")
                wall, cpu = time.perf_counter(), time.process_time()
                with profiler:
                    for _ in range(40):
                        assert (await client.get(paths[kind]())).status_code == 200
                print(f"{kind}: {1000 * (time.perf_counter() - wall) / 40:.1f} ms wall, "
                      f"{1000 * (time.process_time() - cpu) / 40:.1f} ms CPU a request "
                      f"(profiled; load average {loadavg()})")
                print(profiler.output_text(unicode=False, color=False, show_all=False))

    asyncio.run(run())


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
