"""The daemon: runs on `schedule.evaluate`, digests on `schedule.digest`, retries in between.

    Daemon(config_dir).serve()      # until SIGTERM/SIGINT

- Ticks come from service/cron.py in the practice's time zone (DST-correct).
- On start it runs once at once (catching up on what was missed while it was down; the
  ledger's keys make that safe) and delivers what a crash left in the outbox.
- Between runs it delivers retries when they fall due.
- It reloads the configuration when a file of the configuration directory changes; an invalid
  new configuration is logged and the old one kept.
- One daemon per database (store/lock.py): on SQLite a second one exits; on PostgreSQL it
  waits as a standby and takes over when the active one's session ends.
- One log line per run with its counts.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from nervecenter.alerts import planning
from nervecenter.core import channels as channels_mod
from nervecenter.core import clock
from nervecenter.core.errors import NerveCenterError
from nervecenter.service import cron, runner
from nervecenter.store import lock as dblock

log = logging.getLogger("nervecenter.daemon")
CONFIG_GLOBS = ("*.yaml", "*.yml", "facilities/*.yaml", "states/*.yaml", "credential_types/*.yaml")


def fingerprint(config_dir: Path) -> tuple:
    """Names, sizes and mtimes of the configuration files (not the sources: every run
    re-imports those)."""
    items = []
    for pattern in CONFIG_GLOBS:
        for p in sorted(config_dir.glob(pattern)):
            try:
                st = p.stat()
            except OSError:
                continue
            items.append((str(p.relative_to(config_dir)), st.st_size, st.st_mtime_ns))
    return tuple(items)


class Daemon:
    def __init__(self, config_dir: str | Path, database_url: str | None = None, *,
                 poll_seconds: float = 30.0, standby_poll_seconds: float = 10.0,
                 workers: int = 4, open_workspace=None):
        from nervecenter.service.workspace import open_workspace as default_open

        self.config_dir = Path(config_dir)
        self.database_url = database_url
        self.poll = poll_seconds
        self.standby_poll = standby_poll_seconds
        self.workers = workers
        self._open = open_workspace or default_open
        self.stop_event = threading.Event()
        self.ws = self._open(self.config_dir, database_url)
        self.fingerprint = fingerprint(self.config_dir)
        self.lock = None

    # ------------------------------------------------------------------ control

    def stop(self, *_args) -> None:
        self.stop_event.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.ws.practice.timezone)

    # ------------------------------------------------------------------ the lock

    def take_lock(self) -> bool:
        """Become the active daemon: at once on SQLite (or exit), after waiting on PostgreSQL."""
        self.lock = dblock.for_engine(self.ws.store.engine)
        if self.lock.try_acquire():
            return True
        if isinstance(self.lock, dblock.FileLock):
            raise dblock.LockHeld(
                f"another daemon ({self.lock.holder()}) is running on this database "
                f"({self.lock.describe()}); one daemon per SQLite database — stop it first")
        log.info("standby: %s is active on this database; waiting to take over",
                 self.lock.holder())
        while not self.stop_event.wait(self.standby_poll):
            if self.lock.try_acquire():
                log.info("active: took over the database lock")
                return True
        return False

    # ------------------------------------------------------------------ work

    def reload_if_changed(self) -> bool:
        """Reload a changed configuration; True when a new one is in force."""
        current = fingerprint(self.config_dir)
        if current == self.fingerprint:
            return False
        self.fingerprint = current
        try:
            ws = self._open(self.config_dir, self.database_url)
        except NerveCenterError as e:
            log.error("configuration changed but is invalid; keeping the previous one:\n%s", e)
            return False
        self.ws.store.engine.dispose()
        self.ws = ws
        log.info("configuration reloaded from %s", self.config_dir)
        return True

    def run_once(self, digest: bool | None = None) -> None:
        try:
            result = runner.run(self.ws, digest=digest, workers=self.workers,
                                channels=channels_mod.load(self.ws.practice.config_dir),
                                should_stop=self.stop_event.is_set)
            log.info("%s", result.line())
            for problem in self.ws.source_problems():
                log.warning("%s", problem.line().removeprefix("warning: "))
            for failure in result.rule_errors:
                log.warning("%s", failure)
        except Exception as e:  # noqa: BLE001 - the daemon outlives one bad run; next tick retries
            log.error("run failed: %s", _first_line(e))

    def retry_due(self) -> None:
        try:
            snapshot = self.ws.snapshot(self.ws.today())
            directory = planning.Directory(self.ws.practice, snapshot)
            out = runner.retry(self.ws, directory=directory, workers=self.workers,
                               should_stop=self.stop_event.is_set)
            if out.messages:
                log.info("retry: %d sent, %d to retry, %d failed", out.sent, out.retrying,
                         out.failed)
        except Exception as e:  # noqa: BLE001
            log.error("retry failed: %s", _first_line(e))

    def serve(self) -> int:
        """Run until stopped. Returns the exit code."""
        if not self.take_lock():
            return 0
        try:
            return self._loop()
        finally:
            self.lock.release()
            log.info("stopped")

    def log_next(self, next_eval, next_digest) -> None:
        """When the daemon will run next, in the practice's time zone."""
        tz = self.tz()
        log.info("next run %s, next digest %s",
                 next_eval.astimezone(tz).isoformat(sep=" ", timespec="minutes"),
                 next_digest.astimezone(tz).isoformat(sep=" ", timespec="minutes"))

    def _loop(self) -> int:
        sched = self.ws.practice.schedule
        log.info("active on %s: evaluate %r, digest %r (%s)", self.config_dir.resolve(),
                 sched.evaluate, sched.digest, self.ws.practice.timezone)
        self.run_once()  # catch up at start; the ledger keys keep it from repeating anything
        now = clock.utcnow()
        next_eval = cron.next_tick(sched.evaluate, self.tz(), now)
        next_digest = cron.next_tick(sched.digest, self.tz(), now)
        self.log_next(next_eval, next_digest)
        while not self.stop_event.is_set():
            if not self.lock.alive():
                log.error("lost the database lock (connection gone); stopping so a standby "
                          "can take over")
                return 1
            now = clock.utcnow()
            if self.reload_if_changed():  # the schedule or time zone may have changed
                sched = self.ws.practice.schedule
                next_eval = cron.next_tick(sched.evaluate, self.tz(), now)
                next_digest = cron.next_tick(sched.digest, self.tz(), now)
            if now >= next_eval or now >= next_digest:
                self.run_once(digest=True if now >= next_digest else None)
                now = clock.utcnow()
                sched = self.ws.practice.schedule
                next_eval = cron.next_tick(sched.evaluate, self.tz(), now)
                next_digest = cron.next_tick(sched.digest, self.tz(), now)
                self.log_next(next_eval, next_digest)
                continue
            due = runner.next_retry(self.ws)
            if due is not None and due <= now:
                self.retry_due()
                continue
            wake = min(next_eval, next_digest, now + timedelta(seconds=self.poll),
                       *([due] if due else []))
            self.stop_event.wait(max(0.05, (wake - clock.utcnow()).total_seconds()))
        return 0


def _first_line(e: Exception) -> str:
    """An error for the log: our own messages whole; others' first line only (SQLAlchemy puts
    the statement's parameters, which may hold channel URLs, on the lines after it)."""
    if isinstance(e, NerveCenterError):
        return str(e)
    return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"


def configure_logging(level: int = logging.INFO) -> None:
    """NerveCenter's own lines at `level`, other libraries' (Alembic, Apprise) warnings only."""
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s",
                        datefmt="%Y-%m-%dT%H:%M:%S%z")
    logging.getLogger("nervecenter").setLevel(level)


def main(config_dir, database_url=None, **options) -> int:
    configure_logging()
    d = Daemon(config_dir, database_url, **options)
    d.install_signal_handlers()
    return d.serve()

