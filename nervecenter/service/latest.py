"""The newest finished evaluation, computed once per practice and read by every web process.

    latest = Latest(workspace)
    done = latest.get(day)                 # never waits, but for a process's very first one
    done = latest.get(day, version=v, wait=0.8)   # after one's own change: at most `wait`
    done.evaluation, done.snapshot, done.index, done.read_at, done.updating
    done.cases(start, end); done.clearance(case); done.coverage(weeks=12)   # beside it

One thread per process, the watcher, looks every POLL seconds at the store's data version, the
`sources:` files and the shelf (`service/sharing.py`). When the data moved on, the process that
takes the shelf's lock re-imports the sources and evaluates through the workspace, which puts
the result on the shelf; every other process of the practice loads it from there. So does a
process starting with nothing: whoever computed the day's whole question last (the day's `run`,
the daemon, another web process) left it there (`Latest.shelve`). A command or the daemon takes
the same lock to evaluate the day (`Latest.claim`), waiting for it, and takes the evaluation it
finds on the shelf of the same data and configuration instead of computing it again. Readers are
answered from the evaluation they have meanwhile, marked `updating`; the new one is swapped in
whole. Nothing a request does takes the workspace's locks or waits for the shelf's.

Questions beside the evaluation (a case outside its horizon, another range of dates, coverage)
are answered on its snapshot, so a page reads one state of the data, and kept with it (a few).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import subprocess
import sys
import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from nervecenter.core import clock
from nervecenter.core.config import DATABASE_ENV
from nervecenter.core.model import Case, CEEntry, Credential, Person, Practice, Snapshot
from nervecenter.data.stamps import source_stamp
from nervecenter.rules import evaluate
from nervecenter.rules.coverage import WEEKS, Coverage, coverage
from nervecenter.rules.results import Clearance, DueDate, Evaluation
from nervecenter.rules.schedule import case_day
from nervecenter.service import sharing
from nervecenter.service.sharing import Shelf
from nervecenter.store.collector import paused

log = logging.getLogger("nervecenter.evaluation")
POLL = 0.5  # seconds between the watcher's looks
IDLE = 20.0  # the watcher stops when nobody asked for this long (the next reader restarts it)
ANSWERS = 8  # questions kept beside one evaluation (a range of dates, coverage)
KEPT = 64  # things derived from it kept with it (Finished.keep)
APART_TIMEOUT = 600  # seconds an evaluation in a process of its own may take
APART_ABOVE = 0.5  # CPU seconds: a longer evaluation runs in a process of its own
APART_ENV = "NERVECENTER_EVALUATE_APART_ABOVE"  # the same, in seconds (0: always)


@dataclass(frozen=True)
class Index:
    """Lookups by person, case and credential, built once per evaluation (not per request)."""

    credentials: dict[str, list[Credential]]  # person -> credentials, by type and scope
    due: dict[str, list[DueDate]]  # person -> due dates
    due_of: dict[str, DueDate]  # credential id -> its due date
    cases: dict[str, list[Case]]  # person -> cases as technologist or reader, by start
    ce: dict[str, tuple[CEEntry, ...]] = field(default_factory=dict)  # person -> CE entries
    case: dict[str, Case] = field(default_factory=dict)  # case id -> case
    clearance: dict[str, Clearance] = field(default_factory=dict)  # case id -> its clearance
    staff: tuple[Person, ...] = ()  # who has not left by the day, by name
    cleared: dict[str, list[str]] = field(default_factory=dict)  # facility -> ids (managers')

    @classmethod
    def of(cls, snapshot: Snapshot, evaluation: Evaluation) -> Index:
        credentials, due, cases = defaultdict(list), defaultdict(list), defaultdict(list)
        ce = defaultdict(list)
        for c in snapshot.credentials:
            credentials[c.person].append(c)
        for v in credentials.values():
            v.sort(key=lambda c: (c.type, c.scope or ""))
        for d in evaluation.due_dates:
            due[d.credential.person].append(d)
        for x in snapshot.ce:
            ce[x.person].append(x)
        for case in sorted(snapshot.cases, key=lambda c: c.start):
            for pid in {case.technologist, case.reader} - {None}:
                cases[pid].append(case)
        staff = sorted((p for p in snapshot.people.values() if not p.gone(evaluation.as_of)),
                       key=lambda p: (p.name.lower(), p.id))
        return cls(dict(credentials), dict(due),
                   {d.credential.id: d for d in evaluation.due_dates}, dict(cases),
                   {k: tuple(v) for k, v in ce.items()}, {c.id: c for c in snapshot.cases},
                   {c.case.id: c for c in evaluation.clearances}, tuple(staff))


@dataclass(frozen=True)
class Finished:
    """An evaluation of the day's whole question, the snapshot it read and their index."""

    evaluation: Evaluation
    snapshot: Snapshot
    version: int  # the store's data version it read
    sources: tuple  # (size, mtime) of each `sources:` file before it synced them
    read_at: datetime
    practice: Practice = field(repr=False, compare=False, default=None)
    updating: bool = False  # the data moved on: a newer one is being computed
    _answers: _Answers = field(default_factory=lambda: _Answers(ANSWERS), repr=False,
                               compare=False)
    _kept: _Answers = field(default_factory=lambda: _Answers(KEPT), repr=False, compare=False)
    _memos: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def index(self) -> Index:
        """Its lookups, built once by whoever asks first (a process swapping it in for its
        readers does so before they see it); not on the shelf: a day's run, which reads none,
        neither builds nor pickles them (0.14 s CPU at 5,000 people)."""
        found = self._memos.get(Index)
        if found is None:
            # acyclic: its lists would set off a pass of the collector over the evaluation
            with paused():
                found = self._memos.setdefault(Index, Index.of(self.snapshot, self.evaluation))
        return found

    @property
    def horizon(self) -> tuple[date, date]:
        day = self.evaluation.as_of
        return day, day + timedelta(days=self.practice.alerts.case_horizon_days)

    def knows(self, start: date, end: date) -> bool:
        """Whether `cases(start, end)` is answered without evaluating anything."""
        first, last = self.horizon
        return first <= start and end <= last or self._answers.has(("cases", start, end))

    def cases(self, start: date, end: date) -> tuple[Clearance, ...]:
        """The clearances of the cases from `start` to `end`: cut from this evaluation when the
        range lies within its horizon, else the engine's on the same snapshot (kept)."""
        if start > end:
            return ()
        first, last = self.horizon
        if first <= start and end <= last:
            return tuple(c for c in self.evaluation.clearances
                         if start <= case_day(c.case) <= end)
        return self._answers.ask(("cases", start, end), lambda: self._evaluate(start, end))

    def clearance(self, case: Case) -> Clearance:
        """The clearance of one case, evaluated on its own day when outside the horizon."""
        found = self.index.clearance.get(case.id)
        if found is None:
            day = case_day(case)
            found = next(c for c in self.cases(day, day) if c.case.id == case.id)
        return found

    def coverage(self, *, weeks: int = WEEKS, facility: str | None = None) -> Coverage:
        """Coverage ahead from this evaluation's day, on its snapshot (kept)."""
        return self._answers.ask(
            ("coverage", weeks, facility),
            lambda: coverage(self.practice, self.snapshot, self.evaluation.as_of, weeks=weeks,
                             facility=facility))

    def keep(self, key, make):
        """`make()`, made once for this evaluation (a few dozen are kept): what a surface
        derives from it the same way for every request, e.g. an answer's fixed part as text."""
        return self._kept.ask(key, make)

    def memo(self, name: str) -> dict:
        """A dict of `name`'s own for this evaluation, e.g. each person's JSON by id: filled
        as requests ask, gone with the evaluation (its keys are this snapshot's ids)."""
        return self._memos.setdefault(name, {})

    def _evaluate(self, start: date, end: date) -> tuple[Clearance, ...]:
        started = time.process_time()
        ev = evaluate(self.practice, self.snapshot, self.evaluation.as_of, start=start, end=end,
                      due=False, conflicts=False)
        log.info("evaluated the cases from %s to %s as of %s in %.1f s CPU", start, end,
                 self.evaluation.as_of, time.process_time() - started)
        return ev.clearances


class _Answers:
    """A few answers kept with one evaluation (least recently asked dropped first); a question
    asked twice at once is computed once."""

    def __init__(self, size: int):
        self._size = size
        self._kept: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict = {}

    def has(self, key) -> bool:
        with self._lock:
            return key in self._kept

    def ask(self, key, compute):
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
            pending = self._pending.setdefault(key, threading.Lock())
        with pending:
            with self._lock:
                if key in self._kept:
                    return self._kept[key]
            value = compute()
            with self._lock:
                self._kept[key] = value
                while len(self._kept) > self._size:
                    self._kept.popitem(last=False)
                self._pending.pop(key, None)
            return value


class Latest:
    """The finished evaluations of one workspace, by day, and the watcher that renews them."""

    def __init__(self, workspace):
        self.ws = workspace
        url = workspace.store.engine.url
        self.database = database_of(workspace)
        # an in-memory database is this process's own: nothing to share
        self.shelf = Shelf(workspace.data_dir) if url.database not in (None, "", ":memory:") \
            else Shelf(None)
        self.computed = 0  # evaluations this process computed for its readers
        self.made: tuple[Finished, tuple[float, float]] | None = None  # the last one shelved
        self._cost = 0.0  # CPU seconds the last evaluation took (here or elsewhere)
        self._finished: dict[date, Finished] = {}
        self._stale: set[date] = set()
        self._asked: dict[date, float] = {}  # day -> when a reader last asked (monotonic)
        self._stamps: dict[date, tuple | None] = {}  # the shelf file last read or written
        self._state = threading.Condition()  # guards the dicts above; notified on a swap
        self._work = threading.Lock()  # one computation or load at a time in this process
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._failed: str | None = None  # the watcher's last error, logged once
        self._standby: subprocess.Popen | None = None  # the next evaluator, started ahead
        self._claim = threading.local()  # `held`: this thread holds the shelf's lock

    # ------------------------------------------------------------ readers

    def get(self, day: date, *, version: int | None = None, wait: float = 0.0) -> Finished:
        """The newest finished evaluation of `day`, at once: another day's (marked updating)
        when this one is not there yet. Only a process that has none at all computes or loads
        one first. With `version` (the data version one's own change made), waits at most
        `wait` seconds for an evaluation that has read it."""
        with self._state:
            self._asked[day] = time.monotonic()
            self._start()
            done = self._finished.get(day)
            if done is not None and version is not None and done.version < version:
                self._stale.add(day)
                self._wake.set()
                self._state.wait_for(lambda: self._finished[day].version >= version, wait)
                done = self._finished[day]
            if done is None and self._finished:
                self._wake.set()
                return replace(max(self._finished.values(), key=lambda f: f.read_at),
                               updating=True)
            stale = day in self._stale
        if done is None:
            done = self._first(day)
            if self._apart():  # the first change's evaluator, ready
                self._ready()
        return replace(done, updating=True) if stale else done

    def wake(self) -> None:
        """Look now rather than at the next poll (after a change made in this process)."""
        self._wake.set()

    def close(self) -> None:
        """Stop the watcher (the app's shutdown) and the evaluator kept ready (its input ends:
        it exits)."""
        self._closed = True
        self._wake.set()
        with self._state:
            proc, self._standby = self._standby, None
        if proc is not None:
            try:
                proc.communicate(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()

    def _first(self, day: date) -> Finished:
        with self._work:
            while True:
                with self._state:
                    if day in self._finished:
                        return self._finished[day]
                if self._load(day):
                    continue
                with self.claim() as mine:
                    if mine:
                        return self._compute(day)
                time.sleep(POLL / 2)  # another process is computing it: its file comes

    # ------------------------------------------------------------ the watcher

    def _start(self) -> None:
        if self._thread is None and not self._closed:
            self._thread = threading.Thread(target=self._watch, name="nervecenter-latest",
                                            daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        while True:
            self._wake.wait(POLL)
            self._wake.clear()
            with self._state:
                now = time.monotonic()
                days = [d for d, t in self._asked.items() if now - t < IDLE]
                if not days or self._closed:
                    self._thread = None
                    return
            for day in days:
                try:
                    self._refresh(day)
                    self._failed = None
                except Exception as e:  # readers go on with what they have; the next poll retries
                    if repr(e) != self._failed:  # said once, not every half second
                        log.exception("keeping the evaluation of %s up to date failed", day)
                    self._failed = repr(e)

    def _refresh(self, day: date) -> None:
        """Swap in a newer evaluation of `day` when the data moved on: the shelf's, or one
        computed here if this process takes the shelf's lock."""
        current = (self.ws.store.data_version(), self._sources())
        if self._holds(day, current):
            return
        with self._work:
            if self._holds(day, current):  # swapped in while this waited
                return
            if self._load(day, current):
                return
            with self.claim() as mine:
                if mine and not self._load(day, current):
                    if self._apart():
                        self._compute_apart(day)
                    else:
                        self._compute(day)

    def _apart(self) -> bool:
        """Whether the next evaluation runs in a process of its own: when the last one took
        longer than APART_ABOVE seconds of CPU (starting a process costs about 0.7 s), and the
        practice can be read from its files by that process."""
        limit = float(os.environ.get(APART_ENV) or APART_ABOVE)
        return self.ws.from_files and self.shelf.dir is not None and self._cost >= limit

    def _holds(self, day: date, current: tuple) -> bool:
        """Whether the evaluation of `day` here read `current` (data version, sources); if
        not, it is marked stale."""
        with self._state:
            done = self._finished.get(day)
            if done is not None and (done.version, done.sources) == current:
                self._stale.discard(day)
                return True
            if done is not None:
                self._stale.add(day)
            return False

    def _sources(self) -> tuple:
        return tuple(map(source_stamp, self.ws.practice.sources))

    # ------------------------------------------------------------ who computes

    @contextlib.contextmanager
    def claim(self, *, wait: bool = False):
        """The shelf's lock: the one claim, in the whole practice, to compute the day's whole
        question (this process's watcher takes it, and so does every `Workspace.evaluate` of
        it: a command's, the daemon's). Yields whether this thread holds it, at once; with
        `wait`, once the holder is done. A thread that holds it holds it again."""
        if getattr(self._claim, "held", False):
            yield True
            return
        with self.shelf.computing(wait=wait) as mine:
            self._claim.held = mine
            try:
                yield mine
            finally:
                self._claim.held = False

    @contextlib.contextmanager
    def claimed(self):
        """This thread computes for the process holding the claim (the evaluator it started)."""
        self._claim.held = True
        try:
            yield
        finally:
            self._claim.held = False

    def shelved(self, day: date, version: int, sources: tuple) -> Evaluation | None:
        """The shelf's evaluation of `day` if it read data `version` and `sources` under this
        process's configuration (another process computed it while this one waited for the
        claim, or before): loaded and adopted by the workspace instead of computed again."""
        head = self.shelf.label(day)
        if head is None or self.ws.config_digest is None or \
                head.get("config") != self.ws.config_digest or head["version"] != version or \
                _sources_of(head) != sources or not self._load(day, (version, sources)):
            return None
        with self._state:
            done = self._finished.get(day)
        if done is None or done.version != version:
            return None
        self.made = done, tuple(head["took"])  # it is the one on the shelf: not put again
        return done.evaluation

    def earlier(self, day: date, version: int, sources: tuple, usable) -> Finished | None:
        """The shelf's evaluation of the newest day before `day` that `usable(that day)`
        accepts, if it read data `version` and `sources` under this process's configuration:
        loaded and swapped in (the workspace steps it to `day` rather than compute `day`
        anew: loading costs about a third of reading the snapshot and evaluating)."""
        if self.shelf.dir is None or self.ws.config_digest is None:
            return None
        days = []
        for path in self.shelf.dir.glob("*.pickle"):
            try:
                found = date.fromisoformat(path.stem)
            except ValueError:
                continue
            if found < day:
                days.append(found)
        for found in sorted(days, reverse=True):
            head = self.shelf.label(found)
            if head is None or head.get("config") != self.ws.config_digest or \
                    head["version"] != version or _sources_of(head) != sources or \
                    not usable(found):
                continue
            self._load(found, (version, sources))
            with self._state:
                done = self._finished.get(found)
                if found not in self._asked:  # nobody reads it here
                    self._finished.pop(found, None)
            if done is not None and (done.version, done.sources) == (version, sources):
                return done
        return None

    # ------------------------------------------------------------ computing and loading

    def shelve(self, day: date, snapshot: Snapshot, evaluation: Evaluation, version: int,
               started: Started) -> Finished:
        """The whole evaluation of `day` that this process's workspace has just computed (for
        any command, the daemon or these readers), with its index: swapped in here if readers
        of this process asked for `day`, and put on the shelf for the practice's other
        processes, so that nobody computes it again, not even a web process starting after
        the day's run."""
        done = Finished(evaluation, snapshot, version, started.sources, started.read_at,
                        self.ws.practice)
        took = started.took()
        self.made = done, took
        with self._state:
            asked = day in self._asked
        if asked:  # said, then swapped in for this process's readers first, then the others'
            _said(day, version, took, os.getpid())
            self._install(day, done)
        try:
            self.shelf.put(day, label(done, self.database, took, self.ws.config_digest),
                           (done.snapshot, done.evaluation))
            if asked:
                self._stamps[day] = self.shelf.stamp(day)
        except OSError as e:  # the data directory is read-only: this process keeps its own
            log.warning("could not share the evaluation of %s: %s", day, e)
        return done

    def holds(self, evaluation: Evaluation) -> bool:
        """Whether `evaluation` is the one this process shelved last."""
        return self.made is not None and self.made[0].evaluation is evaluation

    def _compute(self, day: date) -> Finished:
        """Compute `day` here (swapped in and shelved by `shelve`; the caller holds the shelf's
        lock). For a process with nothing to show yet: with an evaluation to serve meanwhile,
        `_compute_apart` keeps the work out of this process."""
        done, took = compute(self.ws, day)
        self.computed += 1
        self._cost = took[1]
        return done

    def _compute_apart(self, day: date) -> None:
        """Compute `day` in a process of its own (service/evaluator.py) and load its result:
        the evaluation's seconds of CPU do not hold this process's interpreter lock against
        its requests, and its scratch memory goes back to the system when it ends. Computed
        here instead when that process fails (or no shelf can be written)."""
        if self.shelf.dir is not None:
            with self._state:
                proc, self._standby = self._standby, None
            try:
                if proc is None or proc.poll() is not None:
                    proc = self._evaluator()
                _, err = proc.communicate(day.isoformat() + "\n", timeout=APART_TIMEOUT)
                ran = subprocess.CompletedProcess([], proc.returncode, stderr=err)
            except (OSError, subprocess.TimeoutExpired) as e:
                if proc is not None:
                    proc.kill()
                ran = subprocess.CompletedProcess([], 1, stderr=str(e))
            if ran.returncode == 0 and self._load(day, said=True):
                self._ready()
                return
            problem = (ran.stderr or "").strip().splitlines()[-1:] or ["no evaluation written"]
            log.warning("the evaluation of %s in a process of its own failed (%s); computing "
                        "it here", day, problem[0])
        self._compute(day)

    def _evaluator(self) -> subprocess.Popen:
        """An evaluator process, its modules imported, waiting for the day on its input."""
        env = {**os.environ,
               DATABASE_ENV: self.ws.store.engine.url.render_as_string(hide_password=False)}
        return subprocess.Popen(
            [sys.executable, "-m", "nervecenter.service.evaluator",
             str(self.ws.practice.config_dir)], env=env, stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def _ready(self) -> None:
        """Start the next change's evaluator now (once the evaluation shown is loaded), unless
        one is waiting: starting the interpreter and importing (about 1 s CPU) is then done
        before the change comes."""
        with self._state:
            if self._standby is None and not self._closed:
                with contextlib.suppress(OSError):
                    self._standby = self._evaluator()

    def _load(self, day: date, current: tuple | None = None, *, said: bool = False) -> bool:
        """Swap in the shelf's evaluation of `day` if it is new to this process (with
        `current`: only if it read that data version and those sources, or a newer version);
        whether it did. `said`: log it as computed (by this process's evaluator)."""
        stamp = self.shelf.stamp(day)
        if stamp is None or stamp == self._stamps.get(day):
            return False
        head = self.shelf.label(day)
        # computed under another configuration (before an edit, or by a process that has not
        # read it yet): its rules are not this process's, whatever data it read
        if head is None or (head.get("database"), head.get("shape")) != \
                (self.database, sharing.shape()) or self.ws.config_digest is not None \
                and head.get("config") != self.ws.config_digest or current is not None and \
                head["version"] <= current[0] and \
                (head["version"], _sources_of(head)) != current:
            return False
        cpu = time.process_time()
        with paused():  # an evaluation's objects, all at once: no collection between
            got = self.shelf.get(day)
        self._stamps[day] = stamp
        if got is None:
            log.warning("the shared evaluation of %s was refused (damaged, or not signed "
                        "with this practice's key); computing it here", day)
            return False
        head, (snapshot, evaluation) = got
        done = Finished(evaluation, snapshot, head["version"], _sources_of(head),
                        datetime.fromisoformat(head["read_at"]), self.ws.practice)
        self._cost = head["took"][1]
        if said:
            _said(day, done.version, head["took"], head["pid"])
        log.debug("loaded the evaluation of %s at data version %s in %.2f s CPU", day,
                  done.version, time.process_time() - cpu)
        self._install(day, done)
        return True

    def _install(self, day: date, done: Finished) -> None:
        with self._state:
            asked = day in self._asked
        if asked:  # its readers' lookups, built before the first of them comes
            done.index  # noqa: B018
        current = (done.version, done.sources) == (self.ws.store.data_version(), self._sources())
        with self._state:
            old = self._finished.get(day)
            if old is not None and old.version > done.version:
                return
            self._finished[day] = done
            now = time.monotonic()
            for other in [d for d in self._finished
                          if d != day and now - self._asked.get(d, 0) > IDLE]:
                del self._finished[other]
            if current:
                self._stale.discard(day)
            self._state.notify_all()
        self.ws.adopt(day, done.snapshot, done.evaluation, done.version)
        del old
        # The cyclic collector would scan the few hundred thousand objects of an evaluation on
        # each full pass (0.2-0.4 s with every thread stopped); they hold no cycles, so they
        # are set aside for it, and freed by reference counting when the next one replaces them.
        gc.collect(1)  # what requests left meanwhile (young), not to be set aside with it
        gc.freeze()
        _give_back()


def _give_back() -> None:
    """Return the C heap the replaced evaluation freed to the system (glibc keeps it)."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


@dataclass(frozen=True)
class Started:
    """What a shelved evaluation says it read, taken before the sources are synced: the
    `sources:` files as they were (a file changed during the sync reads as changed), and when;
    and the clocks for what it took."""

    sources: tuple
    read_at: datetime
    wall: float
    cpu: float

    @classmethod
    def now(cls, ws) -> Started:
        return cls(tuple(map(source_stamp, ws.practice.sources)), clock.utcnow(),
                   time.perf_counter(), time.process_time())

    def took(self) -> tuple[float, float]:
        """Seconds since (wall, CPU)."""
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def compute(ws, day: date) -> tuple[Finished, tuple[float, float]]:
    """The whole evaluation of `day` through the workspace (the sources synced first), its
    index, and the seconds it took (wall, CPU); on the shelf (`Latest.shelve`)."""
    started, latest = Started.now(ws), ws._latest
    version, before = ws.store.data_version(), latest.made  # before the sync
    evaluation = ws.evaluate(day)  # a whole one it computes, the workspace shelves
    if latest.made is before:  # the workspace's cached one (the data did not change)
        latest.shelve(day, ws.snapshot(day), evaluation, version, started)
    return latest.made


def database_of(ws) -> str:
    """The database a result was read from (its URL without password): a shelf may outlive a
    change of database."""
    return ws.store.engine.url.render_as_string(hide_password=True)


def label(done: Finished, database: str, took: tuple[float, float],
          config: str | None = None) -> dict:
    """What the shelf says of an evaluation: what it read (the data, the sources, the
    configuration's files), when, and what it cost whom."""
    return {"database": database, "version": done.version, "sources": done.sources,
            "config": config,
            "read_at": done.read_at.isoformat(), "took": took, "pid": os.getpid(),
            "shape": sharing.shape()}


def _said(day: date, version: int, took, pid: int) -> None:
    # one line per evaluation of the day's whole question, by the process that computed it
    log.info("evaluated %s at data version %s in %.1f s (%.1f s CPU), pid %s", day, version,
             took[0], took[1], pid)


def _sources_of(head: dict) -> tuple:
    return tuple(tuple(s) if isinstance(s, list) else s for s in head["sources"])


