"""The SQLite file's health and its copies.

    check_file(path)        DatabaseError when an existing file is empty, truncated or not SQLite
    backup(url, target)     a consistent copy while the daemon and the web write (online backup)

A damaged database is never re-initialised: SQLite would treat an empty file as a new database,
and users, silences and the alert history (what was already sent) would be gone without a word.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from nervecenter.core.errors import DatabaseError

HEADER = b"SQLite format 3\x00"
WAY_OUT = ("restore it from a backup (`nervecenter db backup FILE` makes one; docs/reliability.md) "
           "or move it away to start a new, empty database")


def sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def check_file(path: Path) -> None:
    """Nothing when `path` does not exist yet or looks like a whole SQLite database."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            header = f.read(100)
    except FileNotFoundError:
        return
    except OSError as e:
        raise DatabaseError(f"{path}: cannot be read ({e.strerror}); check its permissions") from None
    if size == 0:
        raise DatabaseError(f"{path} is empty (0 bytes), not a new database; {WAY_OUT}")
    if not header.startswith(HEADER) or len(header) < 100:
        raise DatabaseError(f"{path} is not an SQLite database (damaged or overwritten); {WAY_OUT}")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96]  # the in-header size is trustworthy
    wal = path.with_name(path.name + "-wal")
    if valid and size < page_size * pages and not (wal.exists() and wal.stat().st_size):
        raise DatabaseError(f"{path} is truncated ({size} of {page_size * pages} bytes); {WAY_OUT}")


def backup(url: str, target: Path) -> int:
    """Copy the database at `url` to `target` with SQLite's online backup (consistent while
    others write); the bytes written. PostgreSQL: DatabaseError saying to use pg_dump."""
    source = sqlite_path(url)
    if source is None:
        raise DatabaseError("`db backup` copies SQLite databases; for PostgreSQL use pg_dump "
                            "(e.g. pg_dump -Fc -f nervecenter.dump DBNAME) and pg_restore")
    check_file(source)
    if not source.exists():
        raise DatabaseError(f"{source}: no database yet; nothing to back up")
    target = Path(target)
    if target.resolve() == source.resolve():
        raise DatabaseError(f"{target} is the database itself; name another file")
    if target.exists():
        raise DatabaseError(f"{target} exists; name a new file (a backup never overwrites)")
    partial = target.with_name(target.name + ".part")
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
                if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise DatabaseError(f"{source} fails SQLite's integrity check; {WAY_OUT}")
            finally:
                dst.close()
        finally:
            src.close()
        partial.replace(target)
    except sqlite3.DatabaseError as e:
        raise DatabaseError(f"{source}: {e}; {WAY_OUT}") from None
    except OSError as e:
        raise DatabaseError(f"{target}: cannot write the backup ({e.strerror})") from None
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size
