"""The database: one `METADATA` for every table, and engines made from a URL.

Every module that owns tables declares them on `METADATA` (store/tables.py as Core tables) or on
store/orm.py's `Base`, which shares it (the alert ledger, the web's users), so that Alembic sees
one metadata. SQLite is the default (a file in the config directory); PostgreSQL works through
`postgresql+psycopg://user@host/db`.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from nervecenter.core.errors import DatabaseError, DiskFull
from nervecenter.store.reading import pragmas

# Stable constraint names, so that migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

METADATA = MetaData(naming_convention=NAMING)


def _disk_full(context) -> None:
    """SQLAlchemy's handle_error: a write SQLite refused for want of disk space becomes one
    DiskFull line instead of a traceback that dumps the statement and its parameters.
    SQLite says SQLITE_FULL, or an I/O error (growing its shared-memory file) on a full disk."""
    import sqlite3

    code = getattr(context.original_exception, "sqlite_errorcode", None)
    if code is None:
        return
    path = context.engine.url.database if context.engine is not None else None
    if code & 0xFF == sqlite3.SQLITE_FULL or (code & 0xFF == sqlite3.SQLITE_IOERR
                                              and path and _no_space(path)):
        raise DiskFull(path) from None


def _no_space(path: str, spare: int = 1024 * 1024) -> bool:
    import os

    try:
        st = os.statvfs(Path(path).resolve().parent)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < spare


def begin_write(connection) -> None:
    """Take SQLite's write lock now, at the start of a transaction that will write.

    pysqlite begins a transaction only before INSERT/UPDATE/DELETE, so DDL would run outside
    one, and a transaction that read before writing can fail when another process wrote in
    between. BEGIN IMMEDIATE makes migrations atomic and writers queue (busy_timeout) instead.
    PostgreSQL needs nothing: its transactions already cover DDL."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def driver_cursor(engine: Engine):
    """A cursor on one of the pool's DB-API connections (given back, its transaction ended, on
    leaving); the driver's errors raised as SQLAlchemy's, as any other read would raise them."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
    except engine.dialect.loaded_dbapi.Error as e:
        raise DBAPIError.instance(None, None, e, engine.dialect.loaded_dbapi.Error) from e
    finally:
        raw.close()


class Read:
    """A read the web makes on every request or page (the user of a token or a session, a
    person's newest alerts), run on the driver's cursor directly (`driver_cursor`): compiled
    once per dialect, without a SQLAlchemy Connection, its execution context, the statement's
    cache key and result processing (the user of a token: 200 -> 25 us). The rows are the
    driver's tuples: select only columns whose values need no conversion."""

    def __init__(self, statement):
        self.statement = statement
        self._sql: dict[str, tuple[str, tuple | None, dict]] = {}

    def first(self, engine: Engine, params: dict) -> tuple | None:
        with driver_cursor(engine) as cursor:
            return self.execute(cursor, engine.dialect, params).fetchone()

    def execute(self, cursor, dialect, params: dict):
        """`cursor` after executing the statement with `params`."""
        sql, names, fixed = self._sql.get(dialect.name) or self._compile(dialect)
        if fixed:  # parameters the statement brought (SQLite's OFFSET 0 after a LIMIT)
            params = fixed | params
        cursor.execute(sql, params if names is None else tuple(params[n] for n in names))
        return cursor

    def _compile(self, dialect) -> tuple[str, tuple | None, dict]:
        compiled = self.statement.compile(dialect=dialect)
        names = tuple(compiled.positiontup) if compiled.positional else None
        fixed = {k: v for k, v in compiled.construct_params(_check=False).items()
                 if v is not None}
        self._sql[dialect.name] = compiled.string, names, fixed
        return self._sql[dialect.name]


def describe(url: str) -> str:
    """Where a URL points, for messages: the host (and port) or the SQLite file; no password."""
    try:
        u = make_url(url)
    except ArgumentError:
        return repr(url)
    if u.get_backend_name() == "sqlite":
        return u.database or ":memory:"
    host = u.host or "localhost"
    return f"{host}:{u.port}" if u.port else host


def create(url: str) -> Engine:
    """An engine for `url`, checked by connecting once; DatabaseError naming the host otherwise."""
    try:
        u = make_url(url)
    except ArgumentError:
        raise DatabaseError(f"database URL {url!r} is not a URL; use sqlite:///path/to/file.db "
                            "or postgresql+psycopg://user@host/db") from None
    backend = u.drivername.split("+")[0]
    if backend not in ("sqlite", "postgres", "postgresql"):
        raise DatabaseError(f"database URL {u.render_as_string(hide_password=True)}: NerveCenter "
                            f"keeps its data in SQLite or PostgreSQL, not {backend}; use "
                            "sqlite:///path/to/file.db or postgresql+psycopg://user@host/db")
    try:
        if backend == "sqlite":
            engine = create_engine(u)
            event.listen(engine, "connect", lambda c, _record: pragmas(c))
            event.listen(engine, "handle_error", _disk_full)
        else:
            engine = create_engine(u, pool_pre_ping=True)
    except (NoSuchModuleError, ModuleNotFoundError) as e:
        shown = u.render_as_string(hide_password=True)
        if backend == "sqlite":  # sqlite+pysqlcipher:// and the like
            raise DatabaseError(f"database URL {shown}: no driver ({e}); write it as "
                                "sqlite:///path/to/file.db") from None
        # postgres:// (Heroku's and libpq's spelling) and postgresql:// (psycopg2) both fail
        # here; NerveCenter's driver is psycopg 3
        fixed = shown.replace(f"{u.drivername}://", "postgresql+psycopg://", 1)
        raise DatabaseError(f"database URL {shown}: write it as {fixed} (the driver "
                            "NerveCenter uses is psycopg: pip install "
                            "'nervecenter[postgresql]')") from None
    try:
        with engine.connect():
            pass
    except OperationalError as e:
        engine.dispose()
        reason = str(e.orig).strip().splitlines()[0] if e.orig else str(e).splitlines()[0]
        raise DatabaseError(f"cannot reach the database at {describe(url)}: {reason}") from None
    return engine


def make_sqlite_dir(url: str) -> None:
    """SQLite creates the file but not its directory (the default .nervecenter/)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
