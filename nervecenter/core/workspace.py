"""A practice opened for work: its configuration, its database, and the evaluation of a date.

This is the one entry point the CLI, the daemon and the web share:

    ws = open_workspace(config_dir)          # load + validate config, open (create) the database
    ev = ws.evaluate(on=None)                # re-import sources, snapshot, evaluate today
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from nervecenter.core import clock
from nervecenter.core.model import Practice, Snapshot


@dataclass
class Workspace:
    practice: Practice
    store: "object"  # nervecenter.core.store.Store (storage issue)

    def today(self, on: date | None = None) -> date:
        return clock.today(self.practice.timezone, on)

    def sync_sources(self):
        """Re-import the practice's `sources:`, applying only rows changed since the last import."""
        raise NotImplementedError("storage issue")

    def snapshot(self, on: date) -> Snapshot:
        """People, the credential versions valid on `on`, CE entries and cases, from the database."""
        raise NotImplementedError("storage issue")

    def evaluate(self, on: date | None = None):
        """Sync sources, take the snapshot for the date and run the rules (nervecenter.rules)."""
        from nervecenter.rules import evaluate

        self.sync_sources()
        day = self.today(on)
        return evaluate(self.practice, self.snapshot(day), day)


def open_workspace(config_dir: str | Path, database_url: str | None = None) -> Workspace:
    """Load and validate the configuration and open its database (created on first use)."""
    raise NotImplementedError("foundation + storage issues")
