"""What a question reads, through a plain DB-API cursor: snapshots, one case, the data version,
import stamps and source problems.

`Store` (store/store.py) is a `Reading` that writes, over a SQLAlchemy engine. A `Reading` of a
SQLite file on its own opens the file with the `sqlite3` module and never imports SQLAlchemy,
whose import costs more (0.15 s) than a one-day question's whole evaluation: `cases` for a day or
a case, and `status`, answer from here when the sources are unchanged (service/workspace.py).
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from nervecenter.core.model import Case, Snapshot, SourceProblem
from nervecenter.store import snapshot

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"

# sqlite3 adapts every parameter that is not an int, float, str or bytes: for None it looks for
# a registered adapter, then __adapt__ and __conform__, before it binds NULL (0.25 us a value;
# 360,000 empty cells in a 5,000-person import). An adapter registered for None answers at once
# with None (`{}.get(None)`, no Python frame), which binds NULL as before. Process-wide: the same
# NULL for every sqlite3 connection.
sqlite3.register_adapter(type(None), {}.get)


def newest_revision() -> str:
    """The revision of the newest file in migrations/versions/: the head, as revisions are
    numbered in order (tests/test_migrations.py holds the two equal)."""
    return max(p.name.split("_", 1)[0] for p in MIGRATIONS.glob("[0-9]*_*.py"))


def sqlite_file(url: str) -> Path | None:
    """The file of a plain `sqlite:///PATH` URL; None for any other URL (one with a query,
    escapes or another driver), which only SQLAlchemy reads."""
    prefix, sep, rest = url.partition(":///")
    if prefix != "sqlite" or not sep or not rest or rest.startswith(":memory:") \
            or any(c in rest for c in "?%#"):
        return None
    return Path(rest)


def pragmas(dbapi_connection) -> None:
    """Every SQLite connection's settings, SQLAlchemy's (store/db.py) and a Reading's."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    # Switching a new file to WAL needs its exclusive lock, and SQLite answers "locked" at once,
    # without waiting, when another process opening the same new file holds a lock on it.
    for attempt in range(200):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or attempt == 199:
                raise
            time.sleep(0.05)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Reading:
    """The reading side of a practice's database. On its own (a `path`), a SQLite file read
    with `sqlite3`; `Store` reads through its engine's connections instead."""

    _mark = "?"  # the DB-API driver's parameter placeholder

    def __init__(self, config_dir: Path | None = None, timezone: str = "UTC",
                 zones: dict[str, str] | None = None, path: Path | None = None):
        self.config_dir, self.timezone, self.path = config_dir, timezone, path
        self.zones = {f: ZoneInfo(z) for f, z in (zones or {}).items()}  # facility -> time zone

    @contextmanager
    def _cursor(self):
        connection = sqlite3.connect(self.path)
        try:
            pragmas(connection)
            yield connection.cursor()
        finally:
            connection.close()

    def _rows(self, sql: str, params=()) -> list[tuple]:
        with self._cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def snapshot(self, on: date, focus=None) -> Snapshot:
        """People, for each credential the version in force on `on`, CE entries, cases; with a
        `focus` (rules.evaluate.Focus) only what its question can see (store/snapshot.py)."""
        with self._cursor() as cursor:
            return snapshot.read(cursor, on, self.zones, focus, self._mark)

    def same_credentials(self, before: date, on: date) -> bool:
        """Whether the snapshots of `before` and of the later day `on` hold the same version of
        every credential: no version after a credential's first takes effect after `before`
        and on or before `on` (a credential shows its newest version in force, else its first)."""
        dates = [before, on] if self._mark == "%s" else [before.isoformat(), on.isoformat()]
        mark = self._mark  # SQLite holds dates as ISO text, PostgreSQL as dates
        return not self._rows(f"SELECT 1 FROM credentials WHERE version > 1 AND valid_from > "
                              f"{mark} AND valid_from <= {mark} LIMIT 1", dates)

    def case(self, case_id: str) -> Case | None:
        """One case by its id (its day, without reading the schedule)."""
        with self._cursor() as cursor:
            return snapshot.read_case(cursor, case_id, self.zones, self._mark)

    def data_version(self) -> int:
        """The newest audit entry's id: it changes with every change to the practice's data."""
        return self._rows("SELECT max(id) FROM audit_log")[0][0] or 0

    def source_problems(self) -> list[SourceProblem]:
        """The `sources:` files that failed at their last sync, oldest problem first."""
        return [SourceProblem(*row) for row in self._rows(
            "SELECT file, problem, since FROM source_problems ORDER BY since, file")]

    def import_stamps(self) -> dict[str, tuple[int, int, str | None]]:
        """Each imported file (absolute path) -> (size, mtime_ns, config_sha256) at its last
        import (data/importer.py)."""
        return {source: (size, mtime, config) for source, size, mtime, config in self._rows(
            "SELECT source, size, mtime_ns, config_sha256 FROM import_files")}

    def stamped_revision(self) -> str | None:
        """The migration revision written into the database; None when unsure."""
        try:
            rows = self._rows("SELECT version_num FROM alembic_version")
        except sqlite3.Error:
            return None
        return rows[0][0] if len(rows) == 1 else None
