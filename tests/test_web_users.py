"""Users: argon2 passwords, hashed tokens, the `users` and `serve` commands (on SQLite and
PostgreSQL for the table itself)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from kit import web
from sqlalchemy import select

from nervecenter.cli import cli
from nervecenter.core.errors import NerveCenterError
from nervecenter.store.users import UserRow, Users

NERVECENTER = str(Path(sys.executable).parent / "nervecenter")  # the installed command


@pytest.fixture
def users(database_url):
    from nervecenter.store import db, migrations

    engine = db.create(database_url)
    migrations.upgrade(engine)
    yield Users(engine)
    engine.dispose()


def test_passwords_are_argon2_hashes_and_verify(users):
    users.add("dana", "manager", "correct horse battery")
    users.add("price", "person", "another long one", person="t-price")
    with users.engine.connect() as conn:
        stored = dict(conn.execute(select(UserRow.name, UserRow.password_hash)).all())
    assert stored["dana"].startswith("$argon2id$")
    assert "correct horse" not in stored["dana"]
    assert users.authenticate("dana", "correct horse battery").role == "manager"
    assert users.authenticate("dana", "correct horse batterY") is None
    assert users.authenticate("nobody", "correct horse battery") is None
    assert users.authenticate("price", "another long one").person == "t-price"


def test_tokens_are_stored_hashed_and_replaced(users):
    users.add("dana", "manager", "correct horse battery")
    first = users.new_token("dana")
    assert first.startswith("nc_") and len(first) > 40
    assert users.by_token(first).name == "dana"
    with users.engine.connect() as conn:
        row = conn.execute(select(UserRow.token_hash)).scalar()
    assert row == hashlib.sha256(first.encode()).hexdigest()
    second = users.new_token("dana")
    assert users.by_token(first) is None and users.by_token(second).name == "dana"
    feed = users.new_feed_token("dana")
    assert users.by_feed_token(feed).name == "dana"
    assert users.by_token(feed) is None and users.by_feed_token(second) is None


@pytest.mark.parametrize("name, role, password, person, message", [
    ("dana", "admin", "long enough pw", None, "role 'admin' is not valid"),
    ("price", "person", "long enough pw", None, "a person user needs --person ID"),
    ("dana", "manager", "long enough pw", "t-price", "a manager is not bound to a person"),
    ("dana", "manager", "short", None, "the password is too short"),
    ("<script>", "manager", "long enough pw", None, "user name '<script>' is not valid"),
])
def test_bad_users_are_refused(users, name, role, password, person, message):
    with pytest.raises(NerveCenterError, match=message):
        users.add(name, role, password, person=person)
    assert users.all() == []


def test_every_requests_user_read_on_the_driver_directly(users):
    """The reads every request makes (store/db.Read, on SQLite and PostgreSQL): a token's,
    a session's, a name's user; a session ended or a user removed is refused at the next read,
    and the driver's errors come as SQLAlchemy's."""
    from datetime import timedelta

    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from nervecenter.core import clock

    users.add("dana", "manager", "correct horse battery")
    users.add("t-price", "person", "correct horse battery", person="t-price")
    token, feed = users.new_token("t-price"), users.new_feed_token("t-price")
    price = users.get("t-price")
    assert (price.name, price.role, price.person) == ("t-price", "person", "t-price")
    assert users.by_token(token) == price and users.by_feed_token(feed) == price
    assert users.by_token(feed) is None and users.by_token("nc_" + "x" * 43) is None
    assert users.get("nobody") is None
    assert users.of_session("dana", "sid-1") == users.get("dana")
    assert users.of_session("dana", "sid-2").stamp == users.get("dana").stamp != ""
    users.end_session("sid-1", clock.utcnow() + timedelta(hours=1))
    assert users.of_session("dana", "sid-1") is None and users.of_session("dana", "sid-2")
    users.remove("dana")
    assert users.of_session("dana", "sid-2") is None and users.get("dana") is None
    with users.engine.begin() as conn:
        conn.execute(text("ALTER TABLE revoked_sessions RENAME TO revoked_later"))
    try:
        with pytest.raises(DBAPIError):
            users.of_session("t-price", "sid-3")
    finally:
        with users.engine.begin() as conn:
            conn.execute(text("ALTER TABLE revoked_later RENAME TO revoked_sessions"))


def test_a_name_is_taken_once(users):
    users.add("dana", "manager", "correct horse battery")
    with pytest.raises(NerveCenterError, match="user dana exists already"):
        users.add("dana", "manager", "something else entirely")


# ---------------------------------------------------------------- commands


def run(args, stdin=""):
    return CliRunner().invoke(cli, args, input=stdin)


def test_users_add_token_list(tmp_path):
    config = str(web.small_practice(tmp_path))
    assert run(["users", "list", "--config", config]).output == (  # never an empty answer
        "No users yet: add one with `nervecenter users add NAME --role manager`.\n")
    r = run(["users", "add", "dana", "--role", "manager", "--config", config],
            "correct horse battery\n")
    assert r.exit_code == 0, r.output
    assert r.output == "Added manager dana.\n"
    r = run(["users", "add", "price", "--role", "person", "--person", "t-price",
             "--config", config], "another long one\n")
    assert r.output == "Added person price for person t-price.\n"
    r = run(["users", "token", "price", "--config", config])
    token = r.output.strip()
    assert r.exit_code == 0 and token.startswith("nc_")
    assert run(["users", "list", "--config", config]).output == \
        "dana\tmanager\nprice\tperson\tt-price\n"
    listed = run(["users", "list", "--config", config, "--format", "json"]).output
    assert json.loads(listed) == {"users": [{"name": "dana", "role": "manager", "person": None},
                                            {"name": "price", "role": "person",
                                             "person": "t-price"}]}
    assert run(["users", "list", "--config", config, "--format", "csv"]).output == \
        "name,role,person\ndana,manager,\nprice,person,t-price\n"

    from nervecenter.service.workspace import open_workspace

    assert Users(open_workspace(config).store.engine).by_token(token).name == "price"


def test_users_add_errors_are_one_line(tmp_path):
    config = str(web.small_practice(tmp_path))
    r = run(["users", "add", "x", "--role", "person", "--person", "t-prise", "--config", config],
            "correct horse battery\n")
    assert r.exit_code == 1
    assert str(r.exception) == "no person 't-prise' in the database (did you mean t-price?)"
    r = run(["users", "add", "x", "--role", "manager", "--config", config], "\n")
    assert r.exit_code == 1 and "no password on standard input" in str(r.exception)
    r = run(["users", "token", "ghost", "--config", config])
    assert r.exit_code == 1 and "no user ghost" in str(r.exception)


def test_serve_runs_the_dashboard(tmp_path):
    config = web.small_practice(tmp_path)
    subprocess.run([NERVECENTER, "users", "add", "dana", "--role",
                    "manager", "--config", str(config)], input="correct horse battery\n",
                   text=True, check=True, capture_output=True)
    port = web.free_port()
    proc = subprocess.Popen([NERVECENTER, "serve", "--config",
                             str(config), "--port", str(port), "--on", "2026-12-01"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NERVECENTER_SECRET_KEY": "test-key"})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
                time.sleep(0.1)
        assert r.status_code == 200 and 'name="username"' in r.text
        assert httpx.get(f"http://127.0.0.1:{port}/api/status").status_code == 401
        feed = f"http://127.0.0.1:{port}/calendar/practice.ics?token=ncf_guessed-secret"
        assert httpx.get(feed).status_code == 401
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert f"NerveCenter for Small Practice on http://127.0.0.1:{port}/" in err
    assert "GET /calendar/practice.ics?token=**** HTTP/1.1\" 401" in out  # the access log
    assert "guessed-secret" not in out + err


def test_users_password_and_remove(tmp_path):
    config = str(web.small_practice(tmp_path))
    run(["users", "add", "dana", "--role", "manager", "--config", config], "correct horse battery\n")
    r = run(["users", "password", "dana", "--config", config], "a brand new phrase\n")
    assert (r.exit_code, r.output) == (
        0, "Password of dana changed; their sessions and API token ended.\n")

    from nervecenter.service.workspace import open_workspace

    accounts = Users(open_workspace(config).store.engine)
    assert accounts.authenticate("dana", "correct horse battery") is None
    assert accounts.authenticate("dana", "a brand new phrase").name == "dana"
    token = accounts.new_token("dana")
    r = run(["users", "remove", "dana", "--config", config])
    assert (r.exit_code, r.output) == (0, "Removed dana.\n")
    assert accounts.by_token(token) is None and accounts.all() == []
    r = run(["users", "remove", "dana", "--config", config])
    assert r.exit_code == 1 and "no user dana" in str(r.exception)


def test_a_removed_user_or_a_changed_password_ends_sessions_at_once(tmp_path):
    server = web.start(web.small_practice(tmp_path), {"dana": ("manager", None),
                                                              "eve": ("manager", None)})
    try:
        eve, dana = server.login("eve"), server.login("dana")
        assert eve.get("/").status_code == 200 and dana.get("/").status_code == 200
        server.app.state.users.remove("eve")
        assert eve.get("/").status_code == 303
        server.app.state.users.set_password("dana", "a brand new phrase")
        assert dana.get("/").status_code == 303
        assert server.login("dana", "a brand new phrase").get("/").status_code == 200
    finally:
        server.stop()


def test_logout_ends_every_copy_of_the_session(tmp_path):
    """A cookie copied before logout worked for 12 more hours."""
    server = web.start(web.small_practice(tmp_path), {"dana": ("manager", None)})
    try:
        dana = server.login("dana")
        copy = server.client(cookies=dict(dana.cookies))
        assert copy.get("/").status_code == 200
        token = web.csrf_of(dana.get("/").text)
        assert dana.post("/logout", data={"csrf_token": token}).status_code == 303
        assert copy.get("/").status_code == 303 and copy.get("/api/people").status_code == 401
        assert server.login("dana").get("/").status_code == 200  # a new session works
    finally:
        server.stop()


def test_a_password_change_or_revoke_ends_the_api_token(tmp_path):
    """An API token survived `users password`."""
    config = str(web.small_practice(tmp_path))
    run(["users", "add", "dana", "--role", "manager", "--config", config], "correct horse battery\n")
    from nervecenter.service.workspace import open_workspace

    accounts = Users(open_workspace(config).store.engine)
    token = accounts.new_token("dana")
    assert accounts.by_token(token).name == "dana"
    assert run(["users", "password", "dana", "--config", config], "a brand new phrase\n").exit_code == 0
    assert accounts.by_token(token) is None
    token = accounts.new_token("dana")
    r = run(["users", "token", "dana", "--revoke", "--config", config])
    assert (r.exit_code, r.output) == (0, "The API token of dana no longer works.\n")
    assert accounts.by_token(token) is None


def test_revision_0003_creates_the_users_table_the_model_describes(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from nervecenter.store import db, migrations
    from nervecenter.store.db import METADATA

    engine = db.create(database_url)
    migrations.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), METADATA)
    engine.dispose()
    assert [d for d in diff if "users" in repr(d) or "sessions" in repr(d)] == []
