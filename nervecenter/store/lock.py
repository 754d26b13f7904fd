"""One active sender per database: the lock `daemon` and `run` take before delivering.

- SQLite: an exclusive `flock` on `<database file>.lock` (released by the kernel when the
  process dies, even by SIGKILL). A second daemon exits with a message naming the holder.
- PostgreSQL: a session advisory lock held on a dedicated connection. A second daemon (on
  another host) waits as a standby and takes over when the first one's session ends; the
  server's TCP keepalives are shortened on that session so a dead host is noticed in about
  half a minute, and the holder checks its connection before every run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from pathlib import Path

from sqlalchemy import Engine, text

from nervecenter.core.errors import NerveCenterError

ADVISORY_KEY = 0x4E43_414C  # "NCAL": NerveCenter alerts


class LockHeld(NerveCenterError):
    """Another daemon or run holds the database's lock."""


class FileLock:
    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        self.fd = fd
        return True

    def holder(self) -> str:
        try:
            pid, _, host = self.path.read_text().strip().partition(" ")
            return f"pid {pid} on {host}" if pid else "another process"
        except OSError:
            return "another process"

    def alive(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def describe(self) -> str:
        return f"the lock file {self.path}"


class AdvisoryLock:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.conn = None

    def try_acquire(self) -> bool:
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
        if not got:
            conn.close()
            return False
        for setting, value in (("tcp_keepalives_idle", 10), ("tcp_keepalives_interval", 5),
                               ("tcp_keepalives_count", 3)):
            conn.execute(text(f"SET {setting} = {value}"))
        conn.execute(text("SET application_name = 'nervecenter daemon'"))
        self.conn = conn
        return True

    def holder(self) -> str:
        with self.engine.connect() as conn:
            row = conn.execute(text(
                "SELECT a.pid, a.client_addr FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.objid = :k AND l.granted"),
                {"k": ADVISORY_KEY}).first()
        if row is None:
            return "another process"
        return f"server backend pid {row[0]}" + (f" from {row[1]}" if row[1] else "")

    def alive(self) -> bool:
        """Whether this process still holds the lock (its session is up)."""
        if self.conn is None:
            return False
        try:
            self.conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means the session (and lock) is gone
            self.conn = None
            return False

    def release(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):  # closing a dead session releases it anyway
                self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                self.conn.close()
            self.conn = None

    def describe(self) -> str:
        return "the PostgreSQL advisory lock"


def for_engine(engine: Engine):
    """The lock for this database."""
    if engine.dialect.name == "sqlite":
        db = engine.url.database
        if not db or db == ":memory:":
            raise NerveCenterError("an in-memory SQLite database cannot be shared; use a file")
        return FileLock(Path(db).with_name(Path(db).name + ".lock"))
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    raise NerveCenterError(f"no daemon lock for {engine.dialect.name} databases; use SQLite or "
                           "PostgreSQL")


def acquire_now(engine: Engine, what: str = "run"):
    """Take the lock or raise LockHeld with who holds it."""
    lock = for_engine(engine)
    if not lock.try_acquire():
        raise LockHeld(f"cannot {what}: {lock.holder()} is delivering alerts for this database "
                       f"({lock.describe()}); stop it first, or let it do the work")
    return lock
