"""A practice opened for work: its configuration, its database, and the one evaluation.

Every surface (the commands, the runner and the daemon, the web, the auditor's packet) asks its
questions here:

    ws = open_workspace(config_dir)          # load + validate config, open (create) the database
    ev = ws.evaluate()                       # re-import sources, snapshot, evaluate today
    ev = ws.evaluate(on, start=d, end=d, due=False, conflicts=False)   # only what is asked
    ev = ws.evaluate(on, clearances=False, conflicts=False)   # due dates alone (`status`)
    ev = ws.evaluate(on, case="C-1001")      # the clearance of one case, on its own day
                                             # (these two read only what their days can see)
    cov = ws.coverage(on, weeks=12)          # who is cleared where, week by week ahead
    diff = ws.whatif(Change(without="t-price"), on)   # the same, were the change made
    snap = ws.snapshot(on)                   # what the evaluation of `on` read
    fin = ws.latest(on)                      # the newest finished one: never waits

Results are cached in one place, here, while the day and the data (the store's data version)
stay the same, and across processes on the shelf (the day's whole evaluation, for as long as the
data, the sources and the configuration it read are current). `latest` is for readers that must
not wait (the web): it answers with the newest finished evaluation while the next one is
computed once per practice in the background (service/latest.py).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from nervecenter.core import clock
from nervecenter.core.config import load_practice
from nervecenter.core.errors import NerveCenterError
from nervecenter.core.model import Practice, Snapshot, SourceProblem
from nervecenter.data.stamps import reading_key, source_stamp, unchanged
from nervecenter.rules import Evaluation, evaluate
from nervecenter.rules.coverage import WEEKS, Coverage, coverage
from nervecenter.rules.evaluate import carries_over, focus
from nervecenter.rules.schedule import case_day
from nervecenter.store.changes import Changes
from nervecenter.store.reading import Reading, newest_revision, sqlite_file

if TYPE_CHECKING:  # imported where used: a command needs `latest` never, what-if rarely,
    # a question answered from a SQLite file at the newest revision no Store (SQLAlchemy)
    from nervecenter.rules.whatif import Change, WhatIf
    from nervecenter.service.latest import Finished, Latest, Started
    from nervecenter.store.store import Store


class Workspace:
    """A practice and its database. Questions read through `reading`: the Store once something
    opened it, else (a SQLite file at the newest revision) a plain `sqlite3` Reading, so that a
    question never imports SQLAlchemy; `store` opens the Store on first use."""

    def __init__(self, practice: Practice, store: Store | None = None, from_files: bool = False,
                 *, reading: Reading | None = None, database_url: str | None = None):
        if store is None and reading is None:
            raise ValueError("a Workspace needs a store or a reading")
        self.practice = practice
        self.from_files = from_files  # its practice is what load_practice reads from config_dir
        self.config_digest: str | None = None  # of the files read (ConfigCache.digest), if any
        self._store, self._reading, self._url = store, reading, database_url
        self._lock, self._sync_lock = threading.RLock(), threading.RLock()
        self._open_lock = threading.Lock()
        self._version: object = None  # the data version the cache holds
        self._snapshots: dict = {}  # day -> Snapshot
        # (day, Focus) -> a Snapshot narrowed to what a question about a few days can see
        self._narrowed: dict = {}
        self._evaluations: dict = {}  # question -> Evaluation
        # a source that failed -> (its stat, data version) then: not parsed again until one changes
        self._failing: dict = {}
        self._keeper: Latest | None = None  # made by `_latest`
        self._keeper_lock = threading.Lock()
        self._reading_key: str | None = None

    @property
    def store(self) -> Store:
        """The practice's Store (SQLAlchemy), opened on first use."""
        if self._store is None:
            with self._open_lock:
                if self._store is None:
                    self._store = open_store(self.practice, self._url)
        return self._store

    @property
    def reading(self) -> Reading:
        """What questions read through: the Store when open, else the plain Reading."""
        return self._store if self._store is not None else self._reading

    @property
    def _latest(self) -> Latest:
        """The keeper of the latest evaluations (service/latest.py), made on first use."""
        with self._keeper_lock:
            if self._keeper is None:
                from nervecenter.service.latest import Latest

                self._keeper = Latest(self)
            return self._keeper

    @property
    def data_dir(self) -> Path:
        """Where files beside the database live: uploaded documents, the web's session key."""
        path = sqlite_file(self.practice.database)  # without importing SQLAlchemy
        if path is None:
            from sqlalchemy.engine import make_url

            url = make_url(self.practice.database)
            if url.get_backend_name() == "sqlite" and url.database and \
                    url.database != ":memory:":
                path = Path(url.database)
        if path is not None:
            return path.resolve().parent
        return Path(self.practice.config_dir) / ".nervecenter"

    def today(self, on: date | None = None) -> date:
        return clock.today(self.practice.timezone, on)

    def sync_sources(self):
        """Re-import the practice's `sources:`, applying only rows changed since the last import.

        A file whose size, mtime and SHA-256 are unchanged is skipped without parsing it. A file
        that fails to import is left out: what it last gave stays in force, and the problem is
        recorded for `source_problems()` (every command's warning, the web's banner, the
        managers' `source_error` alert). It is parsed again once it or the data changes."""
        if not self.practice.sources:
            return None
        with self._sync_lock:  # not the evaluation's lock: a renew never waits for one
            if self._unchanged_sources():
                return Changes()
            from nervecenter.data.importer import import_files

            version = self.store.data_version()
            todo = [p for p in self.practice.sources
                    if self._failing.get(_key(p)) != (source_stamp(p), version)]
            failed: dict = {}
            changes = import_files(self.store, self.practice, todo, skip_unchanged_files=True,
                                   base=self.practice.config_dir, failed=failed)
            if changes.total:
                version = self.store.data_version()
            checked = {_key(p) for p in todo}
            self._failing = {k: v for k, v in self._failing.items() if k not in checked}
            self._failing.update({k: (source_stamp(Path(k)), version) for k in failed})
            self.store.record_source_problems(
                {k: (name, str(problems[0])) for k, (name, problems) in failed.items()},
                checked=checked, sources=map(_key, self.practice.sources))
            if changes.total and len(todo) < len(self.practice.sources):
                self.sync_sources()  # a file left out may need what just came in: try it again
            return changes

    def _unchanged_sources(self) -> bool:
        """Nothing to sync: no source is failing, and each is as it was at its last import
        (data/stamps.py), read without parsing a file or opening the Store."""
        if self._failing:
            return False
        reading = self.reading
        if reading.source_problems():
            return False
        if self._reading_key is None:
            self._reading_key = reading_key(self.practice)
        known = reading.import_stamps()
        for path in self.practice.sources:
            try:
                stat = Path(path).stat()
            except OSError:
                return False
            if not unchanged(known.get(_key(path)), stat, self._reading_key):
                return False
        return True

    def source_problems(self) -> list[SourceProblem]:
        """The `sources:` files that failed at their last sync (by any process)."""
        if not self.practice.sources:
            return []
        return self.reading.source_problems()

    def pending_source_changes(self) -> int:
        """How many rows of `sources:` changed since they were imported (nothing is written;
        a file that fails to import counts nothing)."""
        if not self.practice.sources:
            return 0
        from nervecenter.data.importer import import_files

        return import_files(self.store, self.practice, self.practice.sources, dry_run=True,
                            skip_unchanged_files=True, base=self.practice.config_dir,
                            failed={}).total

    def _current(self) -> None:
        """Forget cached results once people, credentials, CE or cases changed: every such
        change appends to the audit log, so its newest id is the data version."""
        version = self.reading.data_version()
        if version != self._version:
            self._version, self._snapshots, self._evaluations = version, {}, {}
            self._narrowed = {}

    def snapshot(self, on: date | None = None, *, sync: bool = False) -> Snapshot:
        """People, the credential versions in force on `on`, CE entries and cases."""
        with self._lock:
            if sync:
                self.sync_sources()
            day = self.today(on)
            self._current()
            if day not in self._snapshots:
                if len(self._snapshots) > 8:  # the audit asks for many days; keep a few
                    self._snapshots.clear()
                self._snapshots[day] = self._same_snapshot(day) or self.reading.snapshot(day)
            return self._snapshots[day]

    def _same_snapshot(self, day: date) -> Snapshot | None:
        """A snapshot held of another day, nearest first, that is `day`'s as well: only the
        credentials' versions in force depend on the day, and none takes effect between the
        two (one query instead of reading every row again)."""
        for other in sorted(self._snapshots, key=lambda d: (abs(d - day), d > day)):
            first, last = sorted((other, day))
            if self.reading.same_credentials(first, last):
                return self._snapshots[other]
        return None

    def evaluate(self, on: date | None = None, *, start: date | None = None,
                 end: date | None = None, case: str | None = None, due: bool = True,
                 conflicts: bool = True, clearances: bool = True,
                 sync: bool = True) -> Evaluation:
        """The evaluation of `on` (default today): clearance of the cases from `start` to `end`
        (default the case horizon), or of the one `case` on its own day; due dates and conflicts;
        each unless switched off. Re-imports `sources:` first unless `sync` is off.

        The day's whole question (all four parts, synced) is put on the shelf once computed,
        for the practice's web processes (`Latest.shelve`); a synced question about the
        clearances or due dates of the whole horizon (`cases`, `status`) is answered from it
        while it is current."""
        # the clearances of the whole horizon are the costly part (due dates need them too, for
        # the cases each endangers): a question that asks either is answered by the day's whole
        # evaluation when the shelf holds it for this data
        horizon = sync and (clearances or due) and (start, end, case) == (None, None, None)
        if not horizon:
            return self._evaluate(on, start, end, case, due, conflicts, clearances, sync)
        if not (due and conflicts):
            return self._evaluate(on, start, end, case, due, conflicts, clearances, sync,
                                  shelved=True)
        # one evaluation of the day's whole question at a time in the practice (the claim a web
        # process takes to compute one): another process's, finished meanwhile, is taken from
        # the shelf instead of computed again
        with self._latest.claim(wait=True):
            return self._evaluate(on, start, end, case, due, conflicts, clearances, sync,
                                  shelved=True, whole=True)

    def _evaluate(self, on, start, end, case, due, conflicts, clearances, sync, *,
                  shelved: bool = False, whole: bool = False) -> Evaluation:
        with self._lock:
            # the day's whole question, synced, goes on the shelf: what the sources were
            # before their sync is what it read (a dry run's is not synced)
            started, day = None, self.today(on)
            if whole or shelved and self._on_shelf(day):
                from nervecenter.service.latest import Started

                started = Started.now(self)
            if sync:
                self.sync_sources()
            self._current()
            if case is not None:
                found = self.reading.case(case)
                if found is None:
                    raise NerveCenterError(f"no case {case!r} in the schedule; "
                                           "`nervecenter cases` lists the upcoming ones")
                start = end = case_day(found)
            question = (day, start, end, case, due, conflicts, clearances)
            answer = self._evaluations.get(question)
            if answer is None and shelved:  # the day's whole one answers it, if at hand
                answer = self._evaluations.get((day, None, None, None, True, True, True))
                if answer is None and started is not None:
                    answer = self._latest.shelved(day, self._version, started.sources)
            if answer is None:
                since = None
                if question[1:] == (None, None, None, True, True, True):
                    since = self._earlier(day, started if whole else None)
                if len(self._evaluations) > 8:
                    self._evaluations.clear()
                if clearances and not due and not conflicts:
                    snapshot = self._narrowed_snapshot(day, start, end, case)
                else:
                    snapshot = self.snapshot(day)
                answer = self._evaluations[question] = evaluate(
                    self.practice, snapshot, day, start=start, end=end, case=case, due=due,
                    conflicts=conflicts, clearances=clearances, since=since)
            shelve = whole and not self._latest.holds(answer)
            if shelve:
                snapshot, version = self.snapshot(day), self._version
        if shelve:
            self._latest.shelve(day, snapshot, answer, version, started)
        return answer

    def _earlier(self, day: date, started: Started | None) -> Evaluation | None:
        """The whole evaluation of an earlier day whose clearances the whole one of `day` takes
        over (`rules.evaluate`'s `since`): the newest one this workspace holds of the data
        version at hand, else, with `started`, the shelf's of the same data, sources and
        configuration (yesterday's run left it). Only one of the very snapshot of `day` serves
        (`_same_snapshot`: no credential version takes effect between the two days); None
        when there is none, and `day` is computed in full."""
        whole = (None, None, None, True, True, True)
        held = [d for d in self._snapshots
                if (d, *whole) in self._evaluations and carries_over(self.practice, d, day)]
        if held:
            before = max(held)
            if self.snapshot(day) is self._snapshots[before]:
                return self._evaluations[(before, *whole)]
            return None
        if started is None or day in self._snapshots:  # read already: the shelf's is not it
            return None
        done = self._latest.earlier(day, self._version, started.sources,
                                    lambda d: carries_over(self.practice, d, day) and
                                    self.reading.same_credentials(d, day))
        if done is None or self.snapshot(day) is not done.snapshot:
            return None
        return done.evaluation

    def _on_shelf(self, day: date) -> bool:
        """Whether the shelf has a file for `day`: looked at before the keeper of the shelf is
        made, which opens the Store (a command that computes its answer reads without it)."""
        from nervecenter.service.sharing import Shelf

        return Shelf(self.data_dir).stamp(day) is not None

    def _narrowed_snapshot(self, day: date, start: date | None, end: date | None,
                           case: str | None) -> Snapshot:
        """For the clearances alone of a few days: the day's whole snapshot when it is read
        already, else one narrowed to what those days can see (never served as a whole one)."""
        horizon = timedelta(days=self.practice.alerts.case_horizon_days)
        start, end = start or day, end or day + horizon
        if day in self._snapshots or end - start >= horizon:
            return self.snapshot(day)  # a window that long needs nearly all of it anyway
        wanted = focus(self.practice, start, end, case)
        key = (day, wanted)
        if key not in self._narrowed:
            if len(self._narrowed) > 8:
                self._narrowed.clear()
            self._narrowed[key] = self.reading.snapshot(day, wanted)
        return self._narrowed[key]

    def coverage(self, on: date | None = None, *, weeks: int = WEEKS,
                 facility: str | None = None, sync: bool = True) -> Coverage:
        """Coverage ahead from the week holding `on` (default today): who is cleared at each
        facility (or the one), per role and week, against the cases booked
        (`rules.coverage`, the engine's clearance of trial cases)."""
        with self._lock:
            if sync:
                self.sync_sources()
            day = self.today(on)
            if facility is not None and facility not in self.practice.facilities:
                raise NerveCenterError(f"no facility {facility!r}; the configured ones are "
                                       + ", ".join(sorted(self.practice.facilities)))
            snapshot = self.snapshot(day)
            question = ("coverage", day, weeks, facility)
            if question not in self._evaluations:
                if len(self._evaluations) > 8:
                    self._evaluations.clear()
                self._evaluations[question] = coverage(self.practice, snapshot, day,
                                                       weeks=weeks, facility=facility)
            return self._evaluations[question]

    def whatif(self, change: Change, on: date | None = None, *, weeks: int = WEEKS,
               facility_file: str | Path | None = None, sync: bool = True) -> WhatIf:
        """The practice as it is and as `change` would leave it, evaluated on `on` (default
        today): the cases of the horizon and the coverage weeks that differ. With
        `facility_file`, that facility's YAML replaces the one of its id. Nothing is written."""
        from nervecenter.rules import whatif

        with self._lock:
            if sync:
                self.sync_sources()
            day = self.today(on)
            snapshot = self.snapshot(day)
            practice = self.practice
            if facility_file is not None:
                practice = load_practice(self.practice.config_dir, facility_file)
                practice = replace(practice, database=self.practice.database)
            changed = whatif.apply(snapshot, change, day)
            return whatif.compare(
                (self.practice, snapshot), (practice, changed), day, change, weeks=weeks,
                evaluated=self.evaluate(day, due=False, conflicts=False, sync=False),
                covered=self.coverage(day, weeks=weeks, sync=False))

    # ------------------------------------------------------------ for readers that must not wait

    def latest(self, on: date | None = None, *, version: int | None = None,
               wait: float = 0.0) -> Finished:
        """The newest finished evaluation of `on` (default today, all cases of the horizon, due
        dates and conflicts), at once (service/latest.py): computed once per practice in the
        background when the data moves on, and shared by its processes. With `version` (the
        data version one's own change made), waits at most `wait` seconds for it."""
        return self._latest.get(self.today(on), version=version, wait=wait)

    def changed(self) -> None:
        """This process changed the data: the latest evaluation is renewed now, not at the next
        look."""
        if self._keeper is not None:
            self._keeper.wake()

    def close(self) -> None:
        """Stop the background work of `latest` (the web app's shutdown)."""
        if self._keeper is not None:
            self._keeper.close()

    def adopt(self, day: date, snapshot: Snapshot, evaluation: Evaluation, version: int) -> None:
        """Take a finished evaluation (maybe computed by another process) as this workspace's
        cached answer for `day` while the data version stays `version`, so that questions asked
        here (what-if) reuse its snapshot instead of reading another. Skipped when an
        evaluation holds the lock: nobody waits for this."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            if self._version != version:
                self._version, self._snapshots, self._evaluations = version, {}, {}
                self._narrowed = {}
            self._snapshots[day] = snapshot
            self._evaluations[(day, None, None, None, True, True, True)] = evaluation
        finally:
            self._lock.release()


def _key(path: Path) -> str:
    return str(Path(path).resolve())


def open_workspace(config_dir: str | Path, database_url: str | None = None) -> Workspace:
    """Load and validate the configuration and open its database (created on first use)."""
    from nervecenter.service import practicecache

    practice, cache = practicecache.load(config_dir)
    reading = _reading(practice, database_url)
    if reading is not None:
        ws = Workspace(practice, from_files=True, reading=reading, database_url=database_url)
    else:
        ws = Workspace(practice, open_store(practice, database_url), from_files=True)
    ws.config_digest = cache.digest()
    cache.save()
    return ws


def _reading(practice: Practice, database_url: str | None = None) -> Reading | None:
    """A plain Reading of the practice's SQLite file when it is whole and at the newest
    revision; None otherwise (a new, an older or a damaged database, PostgreSQL), for
    `open_store` to create, refuse or name."""
    from nervecenter.store import backup

    path = sqlite_file(database_url or practice.database)
    if path is None or not path.is_file():
        return None
    backup.check_file(path)
    reading = Reading(practice.config_dir, practice.timezone,
                      {f.id: f.timezone for f in practice.facilities.values()}, path)
    return reading if reading.stamped_revision() == newest_revision() else None


def open_store(practice: Practice, database_url: str | None = None) -> Store:
    """The practice's Store: connects (DatabaseError naming the host), creates a new database at
    the newest revision, refuses one at an older revision (`nervecenter db upgrade`)."""
    from nervecenter.store import backup, db, migrations
    from nervecenter.store.store import Store

    url = database_url or practice.database
    path = backup.sqlite_path(url)
    if path is not None:
        backup.check_file(path)
    db.make_sqlite_dir(url)
    engine = db.create(url)
    migrations.ensure_current(engine)
    return Store(engine, practice.config_dir, practice.timezone,
                 {f.id: f.timezone for f in practice.facilities.values()})
