"""The NerveCenter benchmark: a synthetic practice measured step by step, against the limit.

    python bench/run.py --people 5000 [--json] [--repeat 5] [--dir DIR] [--seed 7]
    python bench/run.py --people 500 --people 5000 --people 50000   # growth, one process each

Each figure is the median of `--repeat` runs in this process where repeating is meaningful
(configuration load, snapshot load, evaluation, planning, the limit); imports write a fresh
database and run once. The limit is plain `sqlite3` reading every row of the same tables and
listing the credentials due within 90 days: what no Python layer on top can beat. The command
line figures run `nervecenter` as a subprocess, hyperfine-style (one warm-up, then the median).

PostgreSQL is measured too when NERVECENTER_TEST_POSTGRES_URL is set (a database is created for
the run and dropped after). Nothing here talks to any host but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import itertools

import generate

POSTGRES_ENV = "NERVECENTER_TEST_POSTGRES_URL"
NERVECENTER = Path(sys.executable).with_name("nervecenter")
DELIVERIES = 1000

# name -> (label, target in seconds or MB at 5,000 people, unit). The targets of the "speed and
# scale, second round" issue where it sets one, the earlier ones otherwise.
TARGETS = {
    "config_load": ("configuration load", None, "s"),
    "config_load_cached": ("configuration load, files unchanged (config cache)", None, "s"),
    "import_sqlite": ("import people.yaml + cases.csv, SQLite", None, "s"),
    "import_sqlite_csv": ("import credentials.csv + cases.csv, SQLite", 3.0, "s"),
    "sync_unchanged": ("re-sync of unchanged sources", None, "s"),
    "import_postgresql": ("import people.yaml + cases.csv, PostgreSQL", None, "s"),
    "snapshot_postgresql": ("snapshot load, PostgreSQL", None, "s"),
    "snapshot": ("snapshot load, SQLite", 1.5, "s"),
    "evaluation": ("evaluation (clearance + due dates + conflicts)", 0.5, "s"),
    "planning": ("alert planning, first run (empty ledger)", 0.5, "s"),
    "planning_steady": ("alert planning, daily (ledger holds the above)", 0.5, "s"),
    "limit": ("limit: plain sqlite3 read + due query", None, "s"),
    "evaluation_over_limit": ("evaluation / limit", 10.0, "x"),
    "evaluation_next_day": (("evaluation of the next day in the same process (the daemon's "
                             "tick: the shared days' clearances taken over)"), 0.5, "s"),
    "delivery": (f"delivery of {DELIVERIES} alerts to a local webhook", 20.0, "s"),
    "cli_cases_json": ("`nervecenter cases --format json`, end to end", 1.5, "s"),
    "cli_cases_json_shelved": ("the same after the day's run (its evaluation on the shelf)",
                               1.5, "s"),
    "cli_cases_day": ("`nervecenter cases --from D --to D` (one day)", 0.5, "s"),
    "cli_cases_one": ("`nervecenter cases --case ID`", 0.5, "s"),
    "cli_status_json": ("`nervecenter status --format json`, end to end", 1.5, "s"),
    "cli_status_json_shelved": ("the same after the day's run", 1.5, "s"),
    "cli_help": ("`nervecenter --help`", 0.3, "s"),
    "run_first": ("`nervecenter run`, first run (empty ledger)", None, "s"),
    "run_daily": ("`nervecenter run` the next day, nothing changed", 1.0, "s"),
    "peak_rss_mb": ("peak RSS: load, snapshot, evaluate, plan, deliver", 250.0, "MB"),
    "import_rss_mb": ("peak RSS of the people.yaml import", 250.0, "MB"),
    "import_csv_rss_mb": ("peak RSS of the credentials.csv import", 250.0, "MB"),
    "cli_cases_rss_mb": ("peak RSS of `cases --format json`", 250.0, "MB"),
    "cli_cases_shelved_rss_mb": ("the same after the day's run", 250.0, "MB"),
    "cli_status_rss_mb": ("peak RSS of `status --format json`", 250.0, "MB"),
    "cli_status_shelved_rss_mb": ("the same after the day's run", 250.0, "MB"),
    "run_first_rss_mb": ("peak RSS of the first `run`", 250.0, "MB"),
    "run_daily_rss_mb": ("peak RSS of the daily `run`", 250.0, "MB"),
    "web_first": ("web: first request of the day (after the run)", 1.0, "s"),
    "web_later_p95": ("web: later requests, p95 (case, person, API)", 0.1, "s"),
    "web_rss_mb": ("peak RSS of `serve` (one worker)", 250.0, "MB"),
}
# At 50,000 people the targets are each figure at most GROWTH_LIMIT times its value at 5,000
# (`--report`'s growth table) and these.
TARGETS_50K = {"import_sqlite": 60.0, **{name: 1500.0 for name in TARGETS
                                          if name.endswith("_rss_mb")}}
GROWTH_LIMIT = 11.0
WEB_LATER = 60  # later requests timed, one at a time, a third of each kind


def measure(fn, repeat: int = 1):
    """(median wall seconds, median CPU seconds of this process, last result) of `repeat` calls.

    CPU time is reported beside wall time because the machine may be shared: when other work
    competes for the cores, wall time grows and CPU time does not."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        result = None
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        result = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), result


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


# Runs a command and writes [wall s, CPU s, peak RSS MB] of it to a file. A child's peak RSS
# counts what it inherited at fork (Linux keeps the high-water mark across exec), so the command
# is started from this small launcher, not from the benchmark's large process.
LAUNCHER = """import json, resource, subprocess, sys, time
t = time.perf_counter()
code = subprocess.run(sys.argv[2:]).returncode
wall = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as fh:
    json.dump([wall, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024], fh)
sys.exit(code)
"""


def run_command(argv: list[str], env: dict) -> tuple[float, float, float, bytes]:
    """(wall seconds, CPU seconds, peak RSS MB, stdout) of one command."""
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as figures:
        proc = subprocess.run([sys.executable, "-c", LAUNCHER, figures.name, *argv],
                              stdout=subprocess.PIPE, stderr=err, env=env, check=False)
        if proc.returncode != 0:
            err.seek(0)
            lines = err.read().decode(errors="replace").strip().splitlines()
            raise RuntimeError(f"{' '.join(argv[:2])} exited {proc.returncode}: "
                               f"{lines[-1] if lines else ''}")
        wall, cpu, rss = json.load(figures)
    return wall, cpu, rss, proc.stdout


def hyperfine(argv: list[str], env: dict, runs: int) -> tuple[float, float, float, bytes]:
    """One warm-up, then the median wall and CPU time of `runs` runs; the largest RSS."""
    run_command(argv, env)
    results = [run_command(argv, env) for _ in range(runs)]
    return (statistics.median(r[0] for r in results), statistics.median(r[1] for r in results),
            max(r[2] for r in results), results[-1][3])


class _Webhook(BaseHTTPRequestHandler):
    count = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with _Webhook.lock:
            _Webhook.count += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@contextmanager
def webhook():
    """A real HTTP server on 127.0.0.1 that answers 200 to every POST and counts them."""
    _Webhook.count = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _copy_db(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its WAL included) over `target`."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _last_line(out: bytes) -> str:
    lines = out.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else ""


def limit(db_path: Path, as_of: date) -> int:
    """Plain sqlite3: every row of people, credentials, CE and cases, then the credentials due
    within 90 days. Returns the number of those due."""
    con = sqlite3.connect(db_path)
    try:
        for table in ("people", "credentials", "ce_entries", "cases"):
            con.execute(f"SELECT * FROM {table}").fetchall()
        due = con.execute(
            "SELECT person, credential_id, expires FROM credentials "
            "WHERE expires < ? ORDER BY expires",
            ((as_of + timedelta(days=90)).isoformat(),)).fetchall()
        return len(due)
    finally:
        con.close()


class Bench:
    def __init__(self, args):
        self.args = args
        self.figures: dict[str, float] = {}
        self.counts: dict[str, object] = {}
        self.skipped: dict[str, str] = {}
        self.cpu: dict[str, float] = {}  # CPU seconds of the timed figures
        self.as_of = date.fromisoformat(args.as_of)
        self.load = os.getloadavg()  # other work on the machine shows in wall times

    def skip(self, name: str, reason: str):
        self.skipped[name] = reason

    def time(self, name: str, fn, repeat: int = 1):
        """Run fn (the median of `repeat` runs) as figure `name`; return its last result."""
        self.figures[name], self.cpu[name], result = measure(fn, repeat)
        return result

    # ------------------------------------------------------------------ the steps

    def prepare(self) -> Path:
        out = Path(self.args.dir) if self.args.dir else Path(tempfile.mkdtemp(prefix="nc-bench-"))
        self.tmp = None if self.args.dir else out
        if not (out / "practice.yaml").exists():
            self.sizes = generate.generate(out, self.args.people, self.args.seed, self.as_of)
        else:
            self.sizes = json.loads((out / "sizes.json").read_text())
        (out / "sizes.json").write_text(json.dumps(self.sizes))
        if not self.args.reuse_db:
            shutil.rmtree(out / ".nervecenter", ignore_errors=True)
        return out

    def run(self) -> dict:
        from nervecenter.core.config import load_practice

        repeat = self.args.repeat
        cfg = self.prepare()
        env = {k: v for k, v in os.environ.items() if k != "NERVECENTER_DATABASE_URL"}
        os.environ.pop("NERVECENTER_DATABASE_URL", None)
        practice = self.time("config_load", lambda: load_practice(cfg), repeat)
        self.config_cached(cfg)

        from nervecenter.data.importer import import_files
        from nervecenter.service.workspace import open_store

        # Imports run in a child process each, so that their memory is theirs, not the
        # evaluation's. The first goes into the practice's own database, as `import` or
        # `sources:` would, so that the command line runs below find it imported and unchanged.
        if self.args.reuse_db and (cfg / ".nervecenter" / "state.db").exists():
            self.skip("import_sqlite", "--reuse-db: the practice's database was imported before")
        else:
            self.figures["import_rss_mb"] = self.import_child("import_sqlite", cfg, None,
                                                              practice.sources)
        store = open_store(practice)
        self.time("sync_unchanged", lambda: import_files(
            store, practice, practice.sources, skip_unchanged_files=True, base=cfg), repeat)
        if not self.args.no_csv:
            db = cfg / ".nervecenter" / "csv.db"
            self.figures["import_csv_rss_mb"] = self.import_child(
                "import_sqlite_csv", cfg, f"sqlite:///{db}",
                [cfg / "credentials.csv", cfg / "cases.csv"])
            db.unlink()
        else:
            self.skip("import_sqlite_csv", "--no-csv")

        snapshot = self.time("snapshot", lambda: store.snapshot(self.as_of), repeat)
        self.counts.update(people=len(snapshot.people), credentials=len(snapshot.credentials),
                           cases=len(snapshot.cases), ce_entries=len(snapshot.ce))
        self.evaluate(practice, snapshot)
        due = self.time("limit", lambda: limit(cfg / ".nervecenter" / "state.db", self.as_of),
                        repeat)
        self.counts["limit_due_within_90"] = due
        self.figures["evaluation_over_limit"] = self.figures["evaluation"] / self.figures["limit"]
        self.postgresql(practice, cfg)
        self.delivery(practice, cfg)
        store.engine.dispose()
        del snapshot
        self.figures["peak_rss_mb"] = peak_rss_mb()
        self.command_line(cfg, env)
        if self.args.no_run:
            for name in ("run_first", "run_daily", "web_first", "web_later_p95", "web_rss_mb"):
                self.skip(name, "--no-run")
        else:
            self.runs(cfg, env)
        if self.tmp and not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return {"people": self.args.people, "sizes": self.sizes, "counts": self.counts,
                "figures": {k: round(v, 4) for k, v in self.figures.items()},
                "cpu": {k: round(v, 4) for k, v in self.cpu.items()},
                "skipped": self.skipped, "repeat": repeat, "as_of": self.as_of.isoformat(),
                "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                            "load_average": [round(x, 1) for x in self.load + os.getloadavg()]}}

    def config_cached(self, cfg: Path):
        """load_practice through the configuration caches a previous command left (as
        service/workspace.open_workspace loads it)."""
        from nervecenter.service import practicecache

        (cfg / ".nervecenter").mkdir(exist_ok=True)
        practicecache.load(cfg)[1].save()

        def cached():
            _, cache = practicecache.load(cfg)
            cache.save()
            return cache.hits

        self.counts["config_cache_hits"] = self.time("config_load_cached", cached,
                                                     self.args.repeat)

    def runs(self, cfg: Path, env: dict):
        """`nervecenter run --once` on the as-of date with an empty ledger (the first run of a
        practice: every alert planned, written and delivered to its file:// outbox), then on
        the next day with nothing changed — each repetition from the database as the first run
        left it, and with the first run's evaluation on the shelf, which the daily run steps
        to its day instead of computing it. The practice's database is put back as it was
        afterwards."""
        state = cfg / ".nervecenter" / "state.db"
        before, after = state.with_name("before-run.db"), state.with_name("after-first-run.db")
        _copy_db(state, before)
        argv = [str(NERVECENTER), "run", "--config", str(cfg), "--once", "--on"]
        shelf = cfg / ".nervecenter" / "evaluations"
        try:
            (shelf / f"{self.as_of.isoformat()}.pickle").unlink(missing_ok=True)  # as below
            wall, cpu, rss, out = run_command(argv + [self.as_of.isoformat()], env)
            self.figures["run_first"], self.cpu["run_first"] = wall, cpu
            self.figures["run_first_rss_mb"] = rss
            self.counts["run_first"] = _last_line(out)
            _copy_db(state, after)
            results = []
            next_day = (self.as_of + timedelta(days=1)).isoformat()
            shelved = shelf / f"{next_day}.pickle"
            for _ in range(self.args.repeat):
                _copy_db(after, state)
                # the run before left the day's evaluation on the shelf, which a run of the same
                # data takes instead of computing: each repetition is the day's first
                shelved.unlink(missing_ok=True)
                results.append(run_command(argv + [next_day], env))
            self.figures["run_daily"] = statistics.median(r[0] for r in results)
            self.cpu["run_daily"] = statistics.median(r[1] for r in results)
            self.figures["run_daily_rss_mb"] = max(r[2] for r in results)
            self.counts["run_daily"] = _last_line(results[-1][3])
            self.web(cfg, env, date.fromisoformat(next_day))
        except RuntimeError as e:
            for name in ("run_first", "run_daily", "web_first", "web_later_p95", "web_rss_mb"):
                if name not in self.figures:
                    self.skip(name, f"failed: {e}")
        finally:
            _copy_db(before, state)
            for extra in (before, after):
                extra.unlink(missing_ok=True)
            shutil.rmtree(cfg / ".nervecenter" / "outbox", ignore_errors=True)

    def web(self, cfg: Path, env: dict, day: date) -> None:
        """`nervecenter serve` (one worker) as a web process starts after the day's run: its
        first request (the run's evaluation, loaded from the shelf), then WEB_LATER requests
        one at a time, in turn a case page, a person page and an API page; its peak RSS."""
        import socket

        from nervecenter.core.config import load_practice
        from nervecenter.store import db
        from nervecenter.store.users import Users

        engine = db.create(load_practice(cfg).database)
        try:
            users = Users(engine)
            if users.get("bench-manager") is None:
                users.add("bench-manager", "manager", "bench password")
            headers = {"Authorization": f"Bearer {users.new_token('bench-manager')}"}
        finally:
            engine.dispose()
        with sqlite3.connect(cfg / ".nervecenter" / "state.db") as conn:
            cases = [r[0] for r in conn.execute(
                "SELECT id FROM cases WHERE substr(start, 1, 10) >= ? ORDER BY id",
                (day.isoformat(),))]
            people = [r[0] for r in conn.execute("SELECT id FROM people ORDER BY id")]
        kinds = [[f"/cases/{c}" for c in cases], [f"/people/{p}" for p in people],
                 [f"/api/{what}?limit=100&offset={n * 100}" for n in range(10)
                  for what in ("cases", "people", "status", "alerts")]]
        paths = [kind[n * len(kind) // (WEB_LATER // 3) % len(kind)]
                 for n in range(WEB_LATER // 3) for kind in kinds if kind]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        # the server's messages go to a file, not to a pipe nobody reads while it runs
        with tempfile.TemporaryFile() as err:
            server = subprocess.Popen(
                [str(NERVECENTER), "serve", "--config", str(cfg), "--port", str(port), "--on",
                 day.isoformat()], stdout=subprocess.DEVNULL, stderr=err, env=env)
            try:
                self._web_requests(url, headers, paths, server, err)
            finally:
                server.terminate()
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()

    def _web_requests(self, url: str, headers: dict, paths: list[str], server, err) -> None:
        """Once `server` answers: its first request, then each of `paths`, and its peak RSS."""
        import urllib.request

        def get(path: str) -> float:
            started = time.perf_counter()
            request = urllib.request.Request(url + path, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=120) as r:
                    r.read()
            except OSError as e:  # an HTTP error status too
                raise RuntimeError(f"GET {path}: {e}") from None
            return time.perf_counter() - started

        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/login", timeout=5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    err.seek(0)
                    raise RuntimeError("nervecenter serve did not start: " + (
                        err.read().decode(errors="replace").strip().splitlines()
                        or [""])[-1]) from None
                time.sleep(0.1)
        self.figures["web_first"] = get("/api/cases?limit=1")
        later = sorted(get(path) for path in paths)
        self.figures["web_later_p95"] = later[min(len(later) - 1, int(len(later) * 0.95))]
        self.counts["web_later"] = len(later)
        status = Path(f"/proc/{server.pid}/status")
        if status.exists():
            self.figures["web_rss_mb"] = int(next(
                line.split()[1] for line in status.read_text().splitlines()
                if line.startswith("VmHWM:"))) / 1024

    def evaluate(self, practice, snapshot):
        from nervecenter.alerts import planning as alerts
        from nervecenter.rules import evaluate

        repeat = self.args.repeat
        ev = self.time("evaluation", lambda: evaluate(practice, snapshot, self.as_of), repeat)
        # the daemon's next tick, nothing changed: the same snapshot a day later, from this one
        next_day = self.as_of + timedelta(days=1)
        self.time("evaluation_next_day",
                  lambda: evaluate(practice, snapshot, next_day, since=ev), repeat)
        outcomes: dict[str, int] = {}
        for c in ev.clearances:
            outcomes[c.outcome] = outcomes.get(c.outcome, 0) + 1
        self.counts.update(
            clearances=len(ev.clearances), outcomes=outcomes, due_dates=len(ev.due_dates),
            due_within_90=sum(d.days_left < 90 for d in ev.due_dates),
            lapsed=sum(d.days_left < 0 for d in ev.due_dates), conflicts=len(ev.conflicts),
            problems=sum(len(c.problems) for c in ev.clearances),
            with_backups=sum(bool(c.backups) for c in ev.clearances))
        # An empty ledger: everything due is planned, the most work planning can have (the
        # first run of a new practice). Then the daily case: the ledger holds those alerts.
        planned = self.time("planning", lambda: alerts.plan(
            practice, snapshot, ev, alerts.History(), digest=True), repeat)
        history = alerts.History()
        for a in planned:
            history.add(a)
        again = self.time("planning_steady", lambda: alerts.plan(
            practice, snapshot, ev, history, digest=True), repeat)
        self.counts["alerts_steady"] = len(again)
        kinds: dict[str, int] = {}
        for a in planned:
            kinds[a.kind] = kinds.get(a.kind, 0) + 1
        self.planned = planned
        self.counts.update(alerts=len(planned), alert_kinds=kinds,
                           deliveries_planned=sum(len(a.targets) for a in planned))

    def import_child(self, name: str, cfg: Path, url: str | None, files) -> float:
        """Import `files` in a child process (see import_only) as figure `name`; its RSS MB."""
        argv = [sys.executable, __file__, "--import-only", "--dir", str(cfg)]
        argv += ["--url", url] if url else []
        _, _, rss, out = run_command(argv + [str(f) for f in files], dict(os.environ))
        self.figures[name], self.cpu[name] = json.loads(out)["seconds"]
        return rss

    def postgresql(self, practice, cfg: Path):
        base = os.environ.get(POSTGRES_ENV)
        if not base:
            self.skip("import_postgresql", f"{POSTGRES_ENV} is not set")
            return
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from nervecenter.service.workspace import open_store

        name = f"nc_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(base).set(database=name).render_as_string(hide_password=False)
            self.import_child("import_postgresql", cfg, url, practice.sources)
            store = open_store(practice, url)
            self.time("snapshot_postgresql", lambda: store.snapshot(self.as_of), self.args.repeat)
            store.engine.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    def delivery(self, practice, cfg: Path):
        """1,000 planned alerts, each re-addressed to its own path on a local webhook, written
        to the outbox and delivered through the real channel plugins (Apprise json://)."""
        from dataclasses import replace

        from nervecenter.alerts.ledger import Ledger
        from nervecenter.alerts.outbox import deliver
        from nervecenter.alerts.planning import Target
        from nervecenter.core import channels as channels_mod
        from nervecenter.service.workspace import open_store

        # A small practice plans fewer than 1,000 alerts: repeat them under distinct keys.
        planned = [a if i < len(self.planned) else replace(a, key=f"{a.key}#{i}")
                   for i, a in zip(range(DELIVERIES), itertools.cycle(self.planned))]
        db = cfg / ".nervecenter" / "delivery.db"
        store = open_store(practice, f"sqlite:///{db}")
        ledger, channels = Ledger(store.engine), channels_mod.load(cfg)
        with webhook() as port:
            batch = [replace(a, targets=(Target(a.recipients[0], f"json://127.0.0.1:{port}/"
                                                f"hook/{i}"),)) for i, a in enumerate(planned)]

            def send():
                ledger.enqueue(batch, self.as_of, channels.privacy)
                return deliver(ledger, channels, practice, as_of=self.as_of)

            outcome = self.time("delivery", send)
            posts = _Webhook.count
        store.engine.dispose()
        db.unlink()
        self.counts.update(delivered=outcome.sent, delivery_failed=outcome.failed + outcome.retrying,
                           webhook_posts=posts)

    def command_line(self, cfg: Path, env: dict):
        runs = self.args.repeat
        base = [str(NERVECENTER), "--config", str(cfg), "--on", self.as_of.isoformat()]

        def cli(name: str, *args: str, rss: str | None = None):
            argv = [base[0], args[0], *base[1:], *args[1:]]
            try:
                seconds, cpu, peak, out = hyperfine(argv, env, runs)
            except RuntimeError as e:
                self.skip(name, f"failed: {e}")
                return None
            self.figures[name], self.cpu[name] = seconds, cpu
            if rss:
                self.figures[rss] = peak
            return out

        # computed, as before the day's run: nothing on the shelf
        shelved = cfg / ".nervecenter" / "evaluations" / f"{self.as_of.isoformat()}.pickle"
        shelved.unlink(missing_ok=True)
        out = cli("cli_cases_json", "cases", "--format", "json", rss="cli_cases_rss_mb")
        if out is not None:
            cases = json.loads(out)["cases"]
            self.counts["cli_cases"] = len(cases)
            day = (self.as_of + timedelta(days=1)).isoformat()
            day_out = cli("cli_cases_day", "cases", "--from", day, "--to", day, "--format", "json")
            if day_out is not None:
                self.counts["cli_cases_day"] = len(json.loads(day_out)["cases"])
            if cases:
                cli("cli_cases_one", "cases", "--case", cases[len(cases) // 2]["id"], "--format",
                    "json")
        out = cli("cli_status_json", "status", "--format", "json", rss="cli_status_rss_mb")
        if out is not None:
            self.counts["cli_status_items"] = len(json.loads(out)["items"])
        self.figures["cli_help"], self.cpu["cli_help"], _, _ = hyperfine(
            [str(NERVECENTER), "--help"], env, max(3, 2 * runs))
        # after the day's run, which left the day's whole evaluation on the shelf
        from nervecenter.service.workspace import open_workspace

        ws = open_workspace(cfg)
        try:
            ws.evaluate(self.as_of)
        finally:
            ws.close()
        cli("cli_cases_json_shelved", "cases", "--format", "json", rss="cli_cases_shelved_rss_mb")
        cli("cli_status_json_shelved", "status", "--format", "json",
            rss="cli_status_shelved_rss_mb")
        shelved.unlink(missing_ok=True)


# ---------------------------------------------------------------------- output


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "x":
        return f"{value:.1f}x"
    return f"{value:.0f} MB"


def table(result: dict) -> str:
    s = result["sizes"]
    load = result["machine"].get("load_average") or ["?"] * 6
    lines = [(f"NerveCenter benchmark: {s['people']:,} people ({s['technologists']:,} technologists, "
             f"{s['readers']:,} readers), {s['credentials']:,} credentials, {s['facilities']:,} "
             f"facilities, {s['cases']:,} cases; as of {result['as_of']}, median of "
             f"{result['repeat']}, {result['machine']['cpus']} CPUs, load average "
             f"{load[0]} at the start, {load[3]} at the end"), ""]
    limit = result["figures"].get("limit")
    lines.append(f"{'step':<52} {'wall':>9} {'cpu':>9} {'x limit':>8}  {'target*':>8}")
    large = s["people"] >= 50_000
    for name, (label, target, unit) in TARGETS.items():
        if large:
            target = TARGETS_50K.get(name)
        if name in result["figures"]:
            value = result["figures"][name]
            cpu = result["cpu"].get(name)
            mark = ""
            if target is not None:
                mark = f"{_fmt(target, unit)}" + (" MISSED" if value > target else "")
            cpu_text = _fmt(cpu, unit) if cpu is not None else ""
            ratio = f"{value / limit:.1f}x" if unit == "s" and limit else ""
            lines.append(f"{label:<52} {_fmt(value, unit):>9} {cpu_text:>9} {ratio:>8}  "
                         f"{mark:>8}")
        elif name in result["skipped"]:
            lines.append(f"{label:<52} {'-':>9} {'':>9} {'':>8}  "
                         f"skipped: {result['skipped'][name]}")
    lines += ["", ("* targets are for 5,000 people; at 50,000 the people.yaml import's and peak "
              f"RSS's, and each figure at most {GROWTH_LIMIT:g}x its 5,000 value (--report's "
              "growth table); MISSED compares the wall time; x limit divides the wall time by "
              "the plain sqlite3 read of the same run"), "",
              "counts: " + json.dumps(result["counts"])]
    return "\n".join(lines)


def growth(results: list[dict]) -> str:
    """A Markdown table: each figure at each size (wall, CPU in parentheses), and what 10x the
    data cost, on CPU time (steadier than wall time on a shared machine): at most GROWTH_LIMIT
    for 10x the data, MISSED beyond."""
    sizes = [r["people"] for r in results]
    head = ["figure", *(f"{n:,} people" for n in sizes),
            *(f"x{b // a} data: CPU x" for a, b in itertools.pairwise(sizes))]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, (label, _target, unit) in TARGETS.items():
        walls = [r["figures"].get(name) for r in results]
        if all(v is None for v in walls):
            continue
        cpus = [r.get("cpu", {}).get(name) for r in results]
        cells = [label]
        for wall, cpu in zip(walls, cpus):
            text = _fmt(wall, unit) if wall is not None else "-"
            cells.append(text + (f" ({_fmt(cpu, unit)})" if cpu is not None else ""))
        basis = [c if c is not None else w for c, w in zip(cpus, walls)]
        held = name != "limit" and unit != "x"  # the yardstick and the ratios to it: no target
        cells += [f"{b / a:.1f}" + (" MISSED" if held and m // n == 10 and b / a > GROWTH_LIMIT
                                    else "") if a and b else "-"
                  for (a, b), (n, m) in zip(itertools.pairwise(basis), itertools.pairwise(sizes))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def import_only(args) -> int:
    """The child of Bench.import_child: import files into a database, print the seconds."""
    from nervecenter.core.config import load_practice
    from nervecenter.data.importer import import_files
    from nervecenter.service.workspace import open_store

    practice = load_practice(args.dir)
    store = open_store(practice, args.url)
    wall, cpu, _ = measure(lambda: import_files(store, practice, args.files,
                                                base=Path(args.dir)))
    print(json.dumps({"seconds": [wall, cpu]}))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Measure NerveCenter on a synthetic practice.")
    parser.add_argument("--people", type=int, action="append",
                        help="practice size (repeat for a growth table; default 5000)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeat", type=int, default=5, help="runs per median (default 5)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", default=generate.AS_OF.isoformat())
    parser.add_argument("--dir", help="write (or reuse) the practice here instead of a temp dir")
    parser.add_argument("--keep", action="store_true", help="keep the temporary practice")
    parser.add_argument("--reuse-db", action="store_true",
                        help="with --dir: keep the database a previous run imported (no import)")
    parser.add_argument("--no-csv", action="store_true",
                        help="skip the credentials.csv import (slow at 50,000 people)")
    parser.add_argument("--no-run", action="store_true",
                        help="skip the first and the daily `nervecenter run`")
    parser.add_argument("--import-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--report", nargs="+", metavar="JSON",
                        help="print the growth table of results saved with --json")
    args = parser.parse_args(argv)
    if args.import_only:
        return import_only(args)
    if args.report:
        results = []
        for path in args.report:
            data = json.loads(Path(path).read_text())
            results += data if isinstance(data, list) else [data]
        print(growth(sorted(results, key=lambda r: r["people"])))
        return 0
    sizes = args.people or [5000]
    if len(sizes) > 1:
        # one process per size, so that each peak RSS is its own
        results = []
        for n in sizes:
            cmd = [sys.executable, __file__, "--people", str(n), "--json", "--repeat",
                   str(args.repeat), "--seed", str(args.seed), "--as-of", args.as_of]
            cmd += ["--no-csv"] if args.no_csv else []
            cmd += ["--no-run"] if args.no_run else []
            out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout
            results.append(json.loads(out))
            if not args.json:
                print(table(results[-1]) + "\n", flush=True)
        print(json.dumps(results) if args.json else growth(results))
        return 0
    args.people = sizes[0]
    result = Bench(args).run()
    print(json.dumps(result) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
