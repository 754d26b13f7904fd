"""The configuration files a process read and validated before, kept for the next one.

Every command starts by loading the practice; with 300 facility files, parsing their YAML and
validating it against the JSON Schemas was most of a command's fixed cost. `.nervecenter/
config-cache.json` keeps, for each file that validated without a problem, what it read — with
its line numbers — keyed by the file's path and stat (size, mtime, ctime, inode, device) and
SHA-256, the schema it passed (a facility's or state's file: with its rule kinds' schemas, as
core/config.py gives it) and the code that reads YAML. A file whose stat is what it was is not
even read; one whose stat changed is hashed, and read and validated again if its SHA-256 differs.

Trusting the stat, like git and data/stamps.py: an edit that keeps the size, and puts back the
mtime (os.utime), still moves the ctime, which no call sets (short of the system clock). What it misses is a same-size
rewrite within the same timestamp tick as the stat the cache kept; so a file whose stat was
taken within RACY_NS of its last change is hashed on every load until its stat is older.

The cache is JSON (nothing in it can run code), written whole to a temporary file and renamed.
Its first line is the SHA-256 of the rest: a cache that was cut short, edited or damaged is not
used at all (every file is read again), nor is an entry of an unexpected shape.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from nervecenter.core import limits, yaml12, yamlfile
from nervecenter.core.yaml12 import Float, Int
from nervecenter.core.yamlfile import LineDict, LineList

FILE = "config-cache.json"
FORMAT = 2
# A file changed within this long of its cached stat may keep that stat (timestamps are coarse:
# a tick of the kernel's clock, two seconds on FAT): it is hashed until its stat is older.
RACY_NS = 2_000_000_000


@functools.cache
def _reader_version() -> str:
    """The code that turns YAML into values: another version of it may read a file otherwise."""
    code = b"".join(Path(m.__file__).read_bytes() for m in (yamlfile, yaml12))
    return f"{FORMAT}:{hashlib.sha256(code).hexdigest()}"


class _Unfit(ValueError):
    """A value the cache does not know how to keep (or a cached one of an unknown shape)."""


class ConfigCache:
    """`get(path, schema)` / `put(path, schema, data)` for core/config.py; `save()` after a
    load that succeeded."""

    def __init__(self, config_dir: Path):
        self.dir = Path(config_dir).resolve()
        self.path = self.dir / ".nervecenter" / FILE
        self._entries: dict[str, dict] | None = None  # read when first needed
        self.used: dict[str, dict] = {}  # what this load read or confirmed: what is saved
        self.asked: set[str] = set()  # every file core/config.py read (through get())
        self.changed = False
        self.settled = False  # the whole practice came from practicecache.py: nothing to save
        self.hits = 0  # files given back unread
        self._schemas: dict[int, tuple[dict, str]] = {}
        self._pending: dict[str, tuple[os.stat_result, str | None]] = {}  # get() -> put()

    @property
    def entries(self) -> dict[str, dict]:
        if self._entries is None:
            cache = read_checked(self.path)
            ok = isinstance(cache, dict) and cache.get("version") == _reader_version()
            self._entries = dict(cache["files"]) if ok else {}
        return self._entries

    @functools.cached_property
    def _limit(self) -> int:
        return limits.max_input_bytes()

    def _schema(self, schema: dict) -> str:
        known = self._schemas.get(id(schema))
        if known is None or known[0] is not schema:
            text = json.dumps(schema, sort_keys=True, default=str)
            known = self._schemas[id(schema)] = (schema, hashlib.sha256(text.encode()).hexdigest())
        return known[1]

    def get(self, path: Path, schema: dict) -> Any:
        """What `path` gave when it last validated against `schema`, if unchanged; else None.

        Unchanged: see `fresh`."""
        name = os.path.abspath(path)
        self.asked.add(name)
        try:
            st = os.stat(name)
        except OSError:
            return None
        if st.st_size > self._limit:
            return None  # core refuses it, in its words
        entry = self.entries.get(name)
        entry, sha = fresh(name, st, entry)
        self._pending[name] = (st, sha)  # what put() keys the data core reads next with
        if entry is None or entry.get("schema") != self._schema(schema):
            return None
        self.changed |= entry is not self.entries[name]
        try:
            data = _decode(entry["data"])
        except (_Unfit, KeyError, TypeError, ValueError, IndexError, RecursionError):
            return None
        self.used[name] = entry
        self.hits += 1
        return data

    def put(self, path: Path, schema: dict, data: Any) -> None:
        """Remember what `path` gave, having validated against `schema` (keyed by the stat
        get() took before the file was read, so that a change made meanwhile is seen)."""
        name = os.path.abspath(path)
        try:
            st, sha = self._pending.pop(name, None) or (os.stat(name), None)
            sha = sha or hashlib.sha256(Path(name).read_bytes()).hexdigest()
            self.used[name] = {"stat": _stamp(st), "racy": _racy(st), "sha256": sha,
                               "schema": self._schema(schema), "data": _encode(data)}
        except (OSError, _Unfit):
            return
        self.changed = True

    def complete(self) -> bool:
        """Whether every file the load read is kept (none left out as unfit or unreadable)."""
        return self.asked == self.used.keys()

    def digest(self) -> str:
        """What this load read, as one digest (each file's path and SHA-256, and the reader's
        version): the same in every process that read the same configuration."""
        files = sorted((path, entry.get("sha256")) for path, entry in self.used.items())
        return hashlib.sha256(json.dumps([_reader_version(), files]).encode()).hexdigest()

    def save(self) -> None:
        """Write what this load used, when it read anything again (or left a file out)."""
        if self.settled or not (self.changed or self.used.keys() != self.entries.keys()):
            return
        write_checked(self.path, {"version": _reader_version(), "files": self.used})


def fresh(name: str, st: os.stat_result, entry: dict | None) -> tuple[dict | None, str | None]:
    """(`entry`, or a copy with `st` when only the stat changed; None when the file changed,
    the file's SHA-256 if it was hashed). Unchanged: the same size, mtime, ctime, inode and
    device as when it was cached (the file is not read), unless that stat was racy; else the
    same SHA-256."""
    if entry is not None and entry.get("stat") == _stamp(st) and entry.get("racy") is False:
        return entry, entry.get("sha256")
    try:  # after the stat and before core reads it: a change meanwhile is seen next time
        sha = hashlib.sha256(Path(name).read_bytes()).hexdigest()
    except OSError:
        return None, None
    if entry is None or entry.get("sha256") != sha:
        return None, sha
    return {**entry, "stat": _stamp(st), "racy": _racy(st)}, sha


def read_checked(path: Path) -> Any:
    """The JSON `write_checked` wrote, or None (missing, cut short, edited, damaged)."""
    with contextlib.suppress(OSError, ValueError, UnicodeDecodeError, RecursionError):
        digest, _, body = path.read_text(encoding="utf-8").partition("\n")
        if hashlib.sha256(body.encode()).hexdigest() == digest:
            return json.loads(body)
    return None


def write_checked(path: Path, value: Any) -> None:
    """`value` as JSON after a line with its SHA-256, written whole (temporary file, rename)."""
    body = json.dumps(value, separators=(",", ":"))
    text = hashlib.sha256(body.encode()).hexdigest() + "\n" + body
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-cache-")
    except OSError:
        return  # no .nervecenter/ (yet), or not writable: the next load reads the files
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _stamp(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _racy(st: os.stat_result) -> bool:
    """Whether a write within the same timestamp tick as `st` could leave the stat unchanged."""
    return max(st.st_mtime_ns, st.st_ctime_ns) >= time.time_ns() - RACY_NS


# JSON of loaded YAML: text, booleans and null as themselves; the rest tagged, with its lines.

def _encode(value: Any) -> Any:
    kind = type(value)
    if value is None or kind in (str, bool):
        return value
    if kind is LineDict:
        return {"l": value.line, "m": [[_encode(k), _encode(v), value.lines[k]]
                                       for k, v in value.items()]}
    if kind is LineList:
        return ["s", value.line, list(value.lines), [_encode(v) for v in value]]
    if kind is Int:
        return ["i", int(value), value.text]
    if kind is Float:
        return ["f", repr(float(value)), value.text]
    if kind is date:
        return ["d", value.isoformat()]
    if kind is datetime:
        return ["t", value.isoformat()]
    raise _Unfit(kind.__name__)


def _decode(value: Any) -> Any:
    if value is None or type(value) in (str, bool):
        return value
    if type(value) is dict:
        out = LineDict()
        out.line, out.lines = value["l"], {}
        for k, v, line in value["m"]:
            key = _decode(k)
            out[key] = _decode(v)
            out.lines[key] = line
        return out
    tag = value[0]
    if tag == "s":
        out = LineList(_decode(v) for v in value[3])
        out.line, out.lines = value[1], list(value[2])
        return out
    if tag in ("i", "f"):
        number = Int(value[1]) if tag == "i" else Float(float(value[1]))
        number.text = value[2]
        return number
    if tag == "d":
        return date.fromisoformat(value[1])
    if tag == "t":
        return datetime.fromisoformat(value[1])
    raise _Unfit(repr(tag))
