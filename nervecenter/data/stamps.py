"""When a source file needs no reading: its size and mtime, and the configuration it was read
with, are what they were at its last import. Imported by every question that syncs `sources:`
(service/workspace.py) before anything heavier."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from nervecenter.core.model import Practice


def source_stamp(path: Path) -> tuple[int, int] | None:
    """(size, mtime) of a source file: it changed when this did."""
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def reading_key(practice: Practice) -> str:
    """The SHA-256 of what reading a file depends on in the configuration: names and ids of
    facilities and credential types, time zones, how expiries derive, `case_values:`."""
    parts = (practice.timezone, sorted(practice.case_values.items()),
             sorted((f.id, f.name, f.timezone) for f in practice.facilities.values()),
             sorted((t.id, t.name, t.aliases, t.scope, t.holders, t.validity_months, t.expiry,
                     t.season_start) for t in practice.credential_types.values()))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def unchanged(before: tuple[int, int, str | None] | None, stat: os.stat_result,
              config: str) -> bool:
    """Whether a file of this `stat` needs no reading, given (size, mtime_ns, config_sha256)
    at its last import (None: never imported) and the configuration's `reading_key` now."""
    return before is not None and before == (stat.st_size, stat.st_mtime_ns, config)
