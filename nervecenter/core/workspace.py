"""A practice opened for work: its configuration, its database, and the evaluation of a date.

This is the one entry point the CLI, the daemon and the web share:

    ws = open_workspace(config_dir)          # load + validate config, open (create) the database
    ev = ws.evaluate(on=None)                # re-import sources, snapshot, evaluate today
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nervecenter.core import clock
from nervecenter.core.model import Practice, Snapshot


@dataclass
class Workspace:
    practice: Practice
    store: object  # nervecenter.core.store.Store (storage issue)
    _evaluations: dict = field(default_factory=dict, repr=False)  # day -> (data version, result)

    def today(self, on: date | None = None) -> date:
        return clock.today(self.practice.timezone, on)

    def sync_sources(self):
        """Re-import the practice's `sources:`, applying only rows changed since the last import.

        A file whose size, mtime and SHA-256 are unchanged is skipped without parsing it."""
        from nervecenter.core.importer import import_files

        if not self.practice.sources:
            return None
        return import_files(self.store, self.practice, self.practice.sources,
                            skip_unchanged_files=True, base=self.practice.config_dir)

    def snapshot(self, on: date) -> Snapshot:
        """People, the credential versions valid on `on`, CE entries and cases, from the database."""
        return self.store.snapshot(on)

    def evaluate(self, on: date | None = None):
        """Sync sources, take the snapshot for the date and run the rules (nervecenter.rules)."""
        from nervecenter.rules import evaluate

        self.sync_sources()
        day = self.today(on)
        # Every change to people, credentials, CE or cases appends to the audit log, so its
        # newest id tells whether a cached evaluation of the same day is still current.
        version = self.store.data_version()
        cached = self._evaluations.get(day)
        if cached and cached[0] == version:
            return cached[1]
        result = evaluate(self.practice, self.snapshot(day), day)
        self._evaluations = {day: (version, result)}
        return result


def open_workspace(config_dir: str | Path, database_url: str | None = None) -> Workspace:
    """Load and validate the configuration and open its database (created on first use)."""
    from nervecenter.core.config import load_practice

    practice = load_practice(config_dir)
    return Workspace(practice=practice, store=open_store(practice, database_url))


def open_store(practice: Practice, database_url: str | None = None):
    """The practice's Store: connects (DatabaseError naming the host), creates a new database at
    the newest revision, refuses one at an older revision (`nervecenter db upgrade`)."""
    from nervecenter.core import db, migrations
    from nervecenter.core.store import Store

    url = database_url or practice.database
    _make_sqlite_dir(url)
    engine = db.create(url)
    migrations.ensure_current(engine)
    return Store(engine, practice.config_dir, practice.timezone,
                 {f.id: f.timezone for f in practice.facilities.values()})


def _make_sqlite_dir(url: str) -> None:
    """SQLite creates the file but not its directory (the default .nervecenter/)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
