"""Schema migrations with Alembic, configured from code so they work from the installed package.

    upgrade(engine)        bring the database to the newest revision (`nervecenter db upgrade`)
    ensure_current(engine) create a new empty database at head; refuse an older or unknown one

A new revision goes in versions/NNNN_<what>.py with `down_revision` set to the previous head.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from nervecenter.core.errors import DatabaseError
from nervecenter.store.db import begin_write
from nervecenter.store.reading import newest_revision as newest_file

HERE = Path(__file__).parent


# Alembic is imported where it is used: every command opens the database, and importing Alembic
# costs more (0.15 s) than checking the revision (see `ensure_current`).
def _config(connection=None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(HERE / "versions"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this version of NerveCenter knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def known() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}


def current(engine: Engine) -> str | None:
    """The database's revision, or None for a database Alembic has never touched."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _stamped(engine: Engine) -> str | None:
    """The revision Alembic wrote into the database, read with plain SQL; None when unsure."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except (OperationalError, ProgrammingError):
        return None
    return rows[0][0] if len(rows) == 1 else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to `revision` in one transaction (SQLite included: see db.begin_write)."""
    from alembic import command

    with engine.begin() as connection:
        begin_write(connection)
        command.upgrade(_config(connection), revision)


def ensure_current(engine: Engine) -> None:
    """Create an empty database at head; raise DatabaseError for one at another revision."""
    if _stamped(engine) == newest_file():
        return  # the everyday case, answered without Alembic
    revision = current(engine)
    if revision == head():
        return
    if revision is None:
        tables = set(inspect(engine).get_table_names())
        if tables & {"people", "credentials", "cases"}:
            raise DatabaseError("the database has NerveCenter tables but no revision; "
                                "it was not made by `nervecenter db upgrade` — use a new database")
        try:
            upgrade(engine)
        except (OperationalError, ProgrammingError, IntegrityError):
            # another process (the daemon, the web) created it at the same moment
            if current(engine) != head():
                raise
        return
    if revision not in known():
        raise DatabaseError(f"the database is at revision {revision}, newer than this NerveCenter "
                            f"(head {head()}); upgrade NerveCenter")
    raise DatabaseError(f"the database is at revision {revision}, this NerveCenter needs {head()}: "
                        "run `nervecenter db upgrade`")
