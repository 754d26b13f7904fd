"""What a test compares before and after: digests of a SQLite database and of files."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path


def db_digest(path: Path) -> str:
    """SHA-256 of the SQLite database's content (a dump, which also reads the WAL), so that
    'nothing was written' can be checked even while another connection keeps the WAL."""
    conn = sqlite3.connect(path)
    try:
        text = "\n".join(conn.iterdump())
    finally:
        conn.close()
    return hashlib.sha256(text.encode()).hexdigest()


def file_digest(*paths: Path) -> str:
    """SHA-256 over the bytes of files (missing files count as empty)."""
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes() if p.exists() else b"")
    return h.hexdigest()


def fresh_database(config_dir: Path) -> Path:
    """Create the practice's SQLite database at the newest revision and close it."""
    from nervecenter.service.workspace import open_workspace

    saved = os.environ.pop("NERVECENTER_DATABASE_URL", None)
    try:
        ws = open_workspace(config_dir)
        ws.store.engine.dispose()
    finally:
        if saved is not None:
            os.environ["NERVECENTER_DATABASE_URL"] = saved
    return config_dir / ".nervecenter" / "state.db"
