"""`nervecenter --help` and plugin loading stay cheap: the engine, the database layer and Apprise
load on first use, not when the command line lists its commands (a plugin that imported them at
load time made `--help` 0.15 s -> 0.75 s). Every command's opening of the practice stays cheap
too: with the configuration cached and the sources unchanged, neither jsonschema, the source
readers, the ORM, Alembic nor the web's keeper of the latest evaluation is imported."""

import subprocess
import sys

from kit.practice import copy_example

HEAVY = ("sqlalchemy", "alembic", "apprise", "jsonschema", "nervecenter.service.actions",
         "nervecenter.service.workspace")

PROBE = """import sys
from click.testing import CliRunner
from nervecenter.cli import cli
result = CliRunner().invoke(cli, ["--help"])
assert result.exit_code == 0, result.output
assert "screen" in result.output  # the plugins' commands were loaded
print(" ".join(m for m in %r if m in sys.modules))
"""


def test_help_loads_no_engine_database_or_apprise():
    out = subprocess.run([sys.executable, "-c", PROBE % (HEAVY,)], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == ""


OPEN = """import sys
from nervecenter.service.workspace import open_workspace
open_workspace(sys.argv[1])  # creates the database at head (Alembic runs)
for m in [m for m in sys.modules if m.split(".")[0] == "alembic"]:
    del sys.modules[m]
ws = open_workspace(sys.argv[1])  # an everyday open of a current database
print(ws.store.snapshot(ws.today()).people is not None,
      any(m.split(".")[0] == "alembic" for m in sys.modules))
"""


def test_opening_a_current_database_needs_no_alembic(tmp_path):

    copy_example(tmp_path / "practice")
    out = subprocess.run([sys.executable, "-c", OPEN, str(tmp_path / "practice")],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False"]


# imported only when a file must be validated, a source file read, the ORM or a migration used,
# or the web asks for the latest evaluation
LAZY = ("jsonschema", "nervecenter.data.roster", "sqlalchemy.orm", "alembic",
        "nervecenter.service.latest")

SYNC = """import sys
from nervecenter.service.workspace import open_workspace
ws = open_workspace(sys.argv[1])
assert ws.sync_sources() is not None
print(" ".join(m for m in %r if m in sys.modules))
"""


def test_a_cached_configuration_and_unchanged_sources_need_no_validator_reader_or_orm(tmp_path):

    copy_example(tmp_path / "practice")

    def run() -> list[str]:
        return subprocess.run([sys.executable, "-c", SYNC % (LAZY,), str(tmp_path / "practice")],
                              capture_output=True, text=True, check=True).stdout.split()

    first = run()  # validates every file, creates the database, imports the sources
    assert {"jsonschema", "nervecenter.data.roster", "alembic"} <= set(first)
    assert run() == []


# A scheduler's quick questions on an unchanged practice, as the command line asks them; the
# last line says whether SQLAlchemy was imported.
ASK = """import sys
from click.testing import CliRunner
from nervecenter.cli import cli
config, on = sys.argv[1], "2026-12-02"
for args in (["cases", "--case", "C-1003"], ["cases", "--from", "2026-12-03", "--to", "2026-12-03"],
             ["status"], ["conflicts"]):
    result = CliRunner().invoke(
        cli, [args[0], "--config", config, "--on", on, "--format", "json", *args[1:]])
    assert result.exit_code == 0, result.output
    print(result.stdout.strip())
print("sqlalchemy" in sys.modules)
"""


def test_quick_questions_read_sqlite_without_sqlalchemy_and_answer_the_same(tmp_path):
    """A SQLite file at the newest revision is read with `sqlite3` (store/reading.py): no
    SQLAlchemy (0.15 s) for `cases` of a day or a case, `status` or `conflicts`. The answers are
    the Store's, which reads through SQLAlchemy for a URL only it understands."""
    import os

    practice = tmp_path / "practice"
    copy_example(practice)

    def ask(env: dict) -> list[str]:
        return subprocess.run([sys.executable, "-c", ASK, str(practice)], capture_output=True,
                              text=True, check=True, env={**os.environ, **env}).stdout.split("\n")

    env = {k: "" for k in ("NERVECENTER_DATABASE_URL",) if k in os.environ}
    first = ask(env)  # creates the database and imports the sources: the Store
    assert first[-2] == "True"
    quick = ask(env)
    assert quick[-2] == "False"
    db = practice / ".nervecenter" / "state.db"
    through_store = ask({"NERVECENTER_DATABASE_URL": f"sqlite:///{db}?timeout=20"})
    assert through_store[-2] == "True"
    assert quick[:-2] == through_store[:-2] == first[:-2]
    assert '"id": "C-1003"' in "\n".join(quick)


RUN = """import sys
from click.testing import CliRunner
from nervecenter.cli import cli
result = CliRunner().invoke(cli, ["run", "--config", sys.argv[1], "--once", "--on", sys.argv[2]])
assert result.exit_code == 0, result.output
print("sqlalchemy.orm" in sys.modules)
"""


def test_a_run_on_a_current_database_needs_no_orm(tmp_path):
    """The ledger's tables are SQLAlchemy Core: a daily run (the sources unchanged, the
    configuration cached) does not import sqlalchemy.orm (50-80 ms of its start)."""

    copy_example(tmp_path / "practice")

    def run(on: str) -> str:
        return subprocess.run([sys.executable, "-c", RUN, str(tmp_path / "practice"), on],
                              capture_output=True, text=True, check=True).stdout.strip()

    run("2026-12-01")  # creates the database, imports the sources, the first run
    assert run("2026-12-02") == "False"
