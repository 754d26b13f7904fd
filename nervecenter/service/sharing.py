"""Finished evaluations handed from the process that computed them to the others of the practice.

    shelf = Shelf(data_dir)
    with shelf.computing() as mine:        # flock, never waits: False when another process has it
    with shelf.computing(wait=True):       # waits for it (a command's or the daemon's evaluation)
        if mine:
            shelf.put(day, {"version": 7, ...}, (snapshot, evaluation))
    label = shelf.label(day)               # the header alone: cheap, for "is there a newer one?"
    label, payload = shelf.get(day)        # None when missing, damaged or not signed by us

Files live in `<data dir>/evaluations/` (the directory beside the SQLite database, or the
configuration's `.nervecenter/`): `<day>.pickle` and the lock file. The data directory belongs to
the practice: it already holds the database, the session key and the uploaded documents, so
whoever may write there can change the practice anyway; still, a result is pickle, and loading
pickle runs code, so nothing is loaded on trust of the directory alone:

- each file carries an HMAC-SHA256 of its header and body under `evaluation-key` (made once,
  mode 0600, beside it; it never leaves the machine): a file written by anyone without that key
  is refused before a byte of it is unpickled;
- the unpickler resolves only classes of `nervecenter` and a few of the standard library (dates,
  time zones): no function, no module of the system;
- a file is written under another name and renamed into place, so a reader sees a whole one;
- its label carries a digest of the classes' fields (`shape`): a file of another version of the
  code is not loaded (it would unpickle into wrong objects) but computed anew.

Pickle, because a finished evaluation and its snapshot at 5,000 people are about 14 MB of frozen
dataclasses that load in about 0.3 s CPU here, against 3-4 s to read the snapshot and evaluate
again; JSON would need a reader per class. Loading happens in the watcher thread, a pickle frame
(64 KB) at a time from the mapped file, so requests of the same process go on between frames.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import hmac
import json
import mmap
import operator
import os
import pickle
import secrets
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from nervecenter.store.collector import paused

MAGIC = b"nervecenter-evaluation 1\n"
SIG = 64  # hex digits of the HMAC-SHA256 after MAGIC
KEEP = 3  # the newest files kept (days asked for); older ones are removed by the writer


class Shelf:
    """The evaluations directory of one data directory."""

    def __init__(self, data_dir: Path | None):
        """`None`: a shelf that holds nothing (an in-memory database is one process's own)."""
        self.dir = Path(data_dir) / "evaluations" if data_dir is not None else None
        self._key: bytes | None = None

    # ------------------------------------------------------------ who computes

    @contextlib.contextmanager
    def computing(self, *, wait: bool = False):
        """Yields True in the one process that may compute now (an exclusive flock on the lock
        file, released when the block ends or the process dies); False at once elsewhere, or
        with `wait`, True once the other one is done."""
        try:
            if self.dir is None:
                raise OSError("nowhere to share")
            self._ensure_dir()
            fd = os.open(self.dir / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:  # a read-only data directory: every process computes for itself
            yield True
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    # ------------------------------------------------------------ write and read

    def put(self, day: date, label: dict, payload) -> None:
        """Write `payload` (pickled) for `day` with `label` (JSON: what it was computed from)."""
        if self.dir is None:
            return
        self._ensure_dir()
        head = json.dumps(label, sort_keys=True).encode() + b"\n"
        path = self._path(day)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            f.write(MAGIC + b"0" * SIG + b"\n" + head)
            sink = _Sink(f, hmac.new(self._secret(), head, "sha256"))
            # The pickler's memo keeps alive every tuple it writes (one per slotted object), so
            # the cyclic collector ran full passes over the whole evaluation meanwhile: 0.5 s
            # of the 0.9 s CPU a day's run spent writing it at 5,000 people. It is all acyclic.
            with paused():
                _Pickler(sink, protocol=pickle.HIGHEST_PROTOCOL).dump(payload)
            f.seek(len(MAGIC))
            f.write(sink.mac.hexdigest().encode())
        os.replace(tmp, path)
        kept = sorted(self.dir.glob("*.pickle"), key=_mtime)
        for old in kept[:-KEEP]:
            old.unlink(missing_ok=True)

    def stamp(self, day: date) -> tuple | None:
        """What identifies the file of `day` as written (inode, size, mtime): it changes when
        another process replaces it; None when there is none."""
        if self.dir is None:
            return None
        try:
            st = self._path(day).stat()
        except OSError:
            return None
        return st.st_ino, st.st_size, st.st_mtime_ns

    def label(self, day: date) -> dict | None:
        """The header of `day`'s file (unverified: only to decide whether to load it)."""
        try:
            with open(self._path(day), "rb") as f:
                if f.readline() != MAGIC:
                    return None
                f.readline()
                return json.loads(f.readline())
        except (OSError, ValueError):
            return None

    def get(self, day: date) -> tuple[dict, object] | None:
        """`day`'s label and payload, or None when there is none, or it is damaged or not signed
        with this practice's key. The file is mapped, not read into the heap: the signature is
        checked over the mapping (the hash lets other threads run meanwhile), then the pickle
        is loaded from the same bytes (a file replaced meanwhile is another inode: unseen)."""
        try:
            with open(self._path(day), "rb") as f, \
                    mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                if m.read(len(MAGIC)) != MAGIC:
                    return None
                sig = m.read(SIG)
                m.read(1)
                head = m.readline()
                body = m.tell()
                mac = hmac.new(self._secret(), head, "sha256")
                with memoryview(m) as view:
                    mac.update(view[body:])
                if not hmac.compare_digest(sig, mac.hexdigest().encode()):
                    return None
                try:
                    payload = _Unpickler(_Frames(m)).load()
                except (pickle.UnpicklingError, ImportError, AttributeError, EOFError,
                        TypeError, ValueError, IndexError):  # another version's: computed again
                    return None
        except (OSError, ValueError):  # ValueError: an empty file cannot be mapped
            return None
        return json.loads(head), payload

    # ------------------------------------------------------------ helpers

    def _path(self, day: date) -> Path:
        return self.dir / f"{day.isoformat()}.pickle"

    def _ensure_dir(self) -> None:
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _secret(self) -> bytes:
        """The signing key, made once by whichever process comes first (written in full under
        another name and linked into place, so nobody reads half of it)."""
        if self._key is None:
            self._ensure_dir()
            path = self.dir.parent / "evaluation-key"
            if not path.exists():
                tmp = path.with_name(f"evaluation-key.{os.getpid()}.tmp")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_hex(32))
                with contextlib.suppress(FileExistsError):
                    os.link(tmp, path)
                tmp.unlink()
            self._key = bytes.fromhex(path.read_text().strip())
        return self._key


# ---------------------------------------------------------------- pickling, fast and narrow


def _dataclasses() -> list[type]:
    """The classes an evaluation is made of (the model, the engine's results)."""
    from nervecenter.core import model
    from nervecenter.rules import ce, results

    return [t for m in (model, results, ce) for t in vars(m).values()
            if isinstance(t, type) and dataclasses.is_dataclass(t) and t.__module__ == m.__name__]


def _slotted_types() -> tuple[type, ...]:
    """The engine's frozen dataclasses with slots: their generated `__setstate__` walks
    `dataclasses.fields` per object (1.5 s for 100,000 of them), so they travel as tuples."""
    return tuple(t for t in _dataclasses() if "__slots__" in t.__dict__)


@functools.cache
def shape() -> str:
    """A digest of every field of those classes: a file written by code whose classes differ
    (another version) would unpickle into wrong objects, so the shelf's label carries it and a
    reader with another one computes instead."""
    text = ";".join(sorted(f"{t.__module__}.{t.__qualname__}:"
                           + ",".join(f.name for f in dataclasses.fields(t))
                           for t in _dataclasses()))
    return hmac.digest(b"shape", text.encode(), "sha256").hex()[:16]


_BUILDERS: dict[type, object] = {}


def _builder(cls: type):
    """`values -> cls object`: object.__new__, then each slot's setter, unrolled (a loop over
    the setters took a fifth more of a shelf's load: 180,000 objects at 5,000 people)."""
    setters = {f"set{i}": cls.__dict__[f.name].__set__
               for i, f in enumerate(dataclasses.fields(cls))}
    lines = [f" set{i}(obj, values[{i}])\n" for i in range(len(setters))]
    scope = {"new": object.__new__, "cls": cls, **setters}
    # the source is made of the field count alone: nothing from outside the code is in it
    exec("def build(values):\n obj = new(cls)\n" + "".join(lines) + " return obj\n",  # noqa: S102
         scope)
    return scope["build"]


def rebuild(cls: type, values: tuple):
    """A slotted frozen dataclass from its field values (bypassing the frozen __setattr__)."""
    build = _BUILDERS.get(cls)
    if build is None:
        build = _BUILDERS[cls] = _builder(cls)
    return build(values)


def zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


def _reducer(cls: type):
    """How `cls` is pickled: `rebuild(cls, its field values)`, one call per object (180,000
    of them at 5,000 people), so nothing is looked up per object."""
    names = [f.name for f in dataclasses.fields(cls)]
    get = operator.attrgetter(*names) if len(names) > 1 else \
        (lambda obj, name=names[0]: (getattr(obj, name),))

    def reduce(obj):
        return rebuild, (cls, get(obj))
    return reduce


@functools.cache
def _reducers() -> dict:
    return {t: _reducer(t) for t in _slotted_types()}


def _reduce_zone(z: ZoneInfo):
    return zone, (z.key,)


class _Pickler(pickle.Pickler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dispatch_table = {ZoneInfo: _reduce_zone, **_reducers()}


SAFE = {("datetime", n) for n in ("date", "datetime", "time", "timedelta", "timezone")} | {
    ("builtins", n) for n in ("set", "frozenset", "tuple", "list", "dict", "int", "float",
                              "str", "bytes", "bool")} | {
    (__name__, "rebuild"), (__name__, "zone")}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in SAFE:
            return super().find_class(module, name)
        if module.startswith("nervecenter.") and "." not in name:
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not part of an evaluation")


class _Frames:
    """A mapped file whose reads run as Python calls: the unpickler reads a frame at a time
    through them, and each call lets the interpreter hand the GIL to a waiting request once
    the switch interval is up. None blocks (a file read would: the loader, which gives the GIL
    away at each frame, then waits for every busy request thread's turn before its next)."""

    def __init__(self, mapped: mmap.mmap):
        self._m = mapped

    def read(self, n: int = -1) -> bytes:
        return self._m.read(n)

    def readinto(self, buf) -> int:
        data = self._m.read(len(buf))
        buf[:len(data)] = data
        return len(data)

    def readline(self) -> bytes:
        return self._m.readline()


class _Sink:
    """A file whose writes run as Python calls (a frame at a time, as `_Frames` reads), signed
    as they go."""

    def __init__(self, file, mac):
        self.file, self.mac = file, mac

    def write(self, data) -> int:
        self.mac.update(data)
        return self.file.write(data)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # removed meanwhile by another writer
        return 0
