"""Shared fixtures: `database_url` runs a test on SQLite (a temporary file) and on PostgreSQL
(a fresh database per test, dropped after; skipped when NERVECENTER_TEST_POSTGRES_URL is unset)."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy.pool import NullPool

POSTGRES_ENV = "NERVECENTER_TEST_POSTGRES_URL"


def _postgres_schema():
    """A new schema on the test server, and a URL whose search_path is that schema: each test
    gets empty tables without the cost of CREATE DATABASE."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}, e.g. "
                    "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    name = f"nc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={name}"})
    return admin, name, url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A URL of an empty database, on each backend in turn (PostgreSQL: a schema of its own,
    dropped after the test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.db'}"
        return
    from sqlalchemy import text

    admin, name, url = _postgres_schema()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


def make_practice(config_dir, database_url="sqlite://", sources=()):
    """A small practice made by hand (not from the plugins, so these tests stand alone):
    person-scoped cnim and bls, state-scoped state_license, facility-scoped facility_privileges,
    facilities ochsner-main (LA, Chicago) and tulane (LA)."""
    from pathlib import Path

    from nervecenter.core.model import (
        ContinuingEducation,
        CredentialType,
        Facility,
        Practice,
    )

    types = {
        "cnim": CredentialType("cnim", "CNIM", validity_months=60, expiry="end_of_year",
                               continuing_education=ContinuingEducation(50, 60, {"article": 0.5})),
        "bls": CredentialType("bls", "BLS Provider", validity_months=24, expiry="end_of_month"),
        "state_license": CredentialType("state_license", "State licence", scope="state",
                                        validity_months=24),
        "facility_privileges": CredentialType("facility_privileges", "Privileges",
                                              scope="facility", validity_months=24),
    }
    facilities = {
        "ochsner-main": Facility("ochsner-main", "Ochsner Medical Center", "LA", "America/Chicago"),
        "tulane": Facility("tulane", "Tulane Medical Center", "LA", "America/Chicago"),
    }
    return Practice(name="Test Practice", timezone="America/Chicago", config_dir=Path(config_dir),
                    database=database_url, sources=tuple(Path(s) for s in sources),
                    credential_types=types, facilities=facilities)


@pytest.fixture
def practice(tmp_path):
    return make_practice(tmp_path)


@pytest.fixture
def store(database_url, practice):
    """A Store on a new database at the newest revision."""
    from nervecenter.store import db, migrations
    from nervecenter.store.store import Store

    engine = db.create(database_url)
    migrations.ensure_current(engine)
    yield Store(engine, practice.config_dir, practice.timezone,
                {f.id: f.timezone for f in practice.facilities.values()})
    engine.dispose()


@pytest.fixture
def nc(monkeypatch):
    """kit.cli.run: `nervecenter ARGS` in this process -> (exit code, stdout, stderr), with no
    NERVECENTER_CONFIG or NERVECENTER_DATABASE_URL from the environment of the test run."""
    from kit.cli import run

    monkeypatch.delenv("NERVECENTER_CONFIG", raising=False)
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    return run


@pytest.fixture
def builtin_plugins(monkeypatch):
    """Only the built-in plugins for this test: installed third-party ones are switched off by
    name (NERVECENTER_DISABLE_PLUGINS), for tests that check exact output about the built-ins."""
    from kit.plugins import third_party

    from nervecenter.core import plugins

    off = {n for n in os.environ.get(plugins.DISABLE_ENV, "").replace(",", " ").split() if n}
    monkeypatch.setenv(plugins.DISABLE_ENV, " ".join(sorted(off | third_party())))
    plugins.reset()
    yield
    monkeypatch.undo()
    plugins.reset()


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", default=False,
                     help="run the long fault-injection and large-input tests (@pytest.mark.slow) "
                          "and the property tests with more examples")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="long run: enable with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_configure(config):
    # Property tests draw the same examples on every run, so the suite passes or fails the same
    # way on a laptop and in CI; --slow explores new random examples (and more of them).
    from hypothesis import settings

    settings.register_profile("repeatable", derandomize=True, database=None)
    settings.register_profile("explore")
    slow = config.getoption("--slow", default=False)
    settings.load_profile("explore" if slow else "repeatable")
    # tests/kit/__init__.py reads this at import: more generated inputs and kills with --slow
    if slow:
        os.environ["NERVECENTER_TEST_SLOW"] = "1"


@pytest.fixture
def example(tmp_path):
    """A copy of the example practice (config/example) to change freely."""
    from kit.practice import copy_example

    return copy_example(tmp_path / "example")


@pytest.fixture
def example_nc(capsys, monkeypatch, database_url, example):
    """`nervecenter ARGS --config <the example's copy>` on the test's database (SQLite, then
    PostgreSQL) -> (exit code, stdout, stderr)."""
    from nervecenter.cli import main

    monkeypatch.setenv("NERVECENTER_DATABASE_URL", database_url)

    def call(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exit_:
            main([*args, "--config", str(example)])
        out = capsys.readouterr()
        return exit_.value.code, out.out, out.err

    return call


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook; absent under `-p no:xdist` (mutmut)
def pytest_xdist_auto_num_workers(config):
    """`-n auto` runs one worker per core, at most four: each worker may start a server, a
    browser and a daemon of its own, and more of them only wait on one another."""
    return max(1, min(4, os.cpu_count() or 1))
