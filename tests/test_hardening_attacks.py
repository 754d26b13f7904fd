"""The attacks of issue 13, each reproduced, each held: a file that names the practice's keys as a
document, dates that overflow arithmetic downstream, parser bombs, a damaged database. The
promises and the test of each are listed in docs/reliability.md."""

from __future__ import annotations

import os

import pytest
from kit import web
from kit.cli import problems
from kit.cli import run as run_cli
from kit.practice import change_credential, copy_example, small_practice
from kit.state import db_digest

ON = "2026-12-01"


@pytest.fixture
def practice(tmp_path):
    config = copy_example(tmp_path / "practice")
    assert run_cli("import", "--config", ".", "people.yaml", "cases.csv", cwd=config)[0] == 0
    return config


# ---------------------------------------------------------------- dates and durations


@pytest.mark.parametrize("start, end, column, says", [
    ("9999-12-31T23:00", "", "start", "outside the years 1900-2200"),
    ("2026-12-05T08:00", "9999-12-31T23:59", "end", "outside the years 1900-2200"),
    ("1066-10-14T09:00", "", "start", "outside the years 1900-2200"),
    ("2026-12-05T08:00", "2026-12-07T08:00", "end", "more than 24 hours after the start"),
])
def test_a_far_off_case_is_refused_at_import_and_nothing_crashes(practice, start, end, column,
                                                                   says):
    cases = practice / "cases.csv"
    cases.write_text(cases.read_text() + f"FOREVER,ochsner-main,{start},{end},spine,t-price,,adult\n")
    row = len(cases.read_text().splitlines())
    before = db_digest(practice / ".nervecenter" / "state.db")
    code, _, err = run_cli("import", "--config", ".", "cases.csv", cwd=practice)
    assert code == 1
    [p] = problems(err)
    assert (p["file"], int(p["line"])) == ("cases.csv", row)
    assert p["message"].startswith(f"{column}: ") and says in p["message"]
    assert db_digest(practice / ".nervecenter" / "state.db") == before
    for command in (["cases", "--on", ON], ["status", "--on", ON], ["alerts", "plan", "--on", ON]):
        # `sources:` re-read: every command goes on with what cases.csv last gave, and warns
        code, _, err = run_cli(*command[:-2], "--config", ".", *command[-2:], cwd=practice)
        assert code == 0, err
        assert f"cases.csv:{row}: {column}: " in err and "Traceback" not in err


@pytest.mark.parametrize("credential, column", [
    ("{type: bls, issued: 2025-01-10, expires: 9999-12-31}", "expires"),
    ("{type: bls, issued: 0001-01-01, expires: 2027-01-01}", "issued"),
    ("{type: cnim, issued: 2199-06-01}", "issued"),  # the derived expiry is past 2200
])
def test_far_off_credential_dates_are_refused_with_their_line(tmp_path, credential, column):
    config = copy_example(tmp_path / "practice")
    people = config / "people.yaml"
    text = people.read_text()
    anchor = "    credentials:\n"
    people.write_text(text.replace(anchor, anchor + f"      - {credential}\n", 1))
    line = text[:text.index(anchor)].count("\n") + 2
    code, _, err = run_cli("import", "--config", ".", "people.yaml", cwd=config)
    assert code == 1
    [p] = problems(err)
    assert (p["file"], int(p["line"])) == ("people.yaml", line)
    assert p["message"].startswith(f"{column}: ") and "1900-2200" in p["message"]


def test_dates_typed_by_users_are_bounded(practice):
    code, _, err = run_cli("cases", "--config", ".", "--on", "9999-12-31", cwd=practice)
    assert code == 2 and "outside the years 1900-2200" in err and "Traceback" not in err
    code, _, err = run_cli("renew", "--config", ".", "t-price", "bls", "--expires", "9999-12-31",
                           cwd=practice)
    assert code in (1, 2) and "outside the years 1900-2200" in err and "Traceback" not in err


# ---------------------------------------------------------------- documents

@pytest.mark.parametrize("document", [
    ".nervecenter/web-secret",  # the cookie signing key
    ".nervecenter/state.db",
    "documents/../.nervecenter/web-secret",
    "documents/../practice.yaml",
    "../outside.pdf",
    "/etc/passwd",
    "documents/key.pdf",  # a symlink to the signing key
    "documents/.nervecenter/x.pdf",
])
def test_a_document_outside_the_documents_folder_is_refused_at_load(tmp_path, document):
    config = small_practice(tmp_path / "practice", people=change_credential(
        "t-price", {"type": "bls"}, documents=[document]))
    (config / "documents" / ".nervecenter").mkdir(parents=True)
    (config / "documents" / ".nervecenter" / "x.pdf").write_bytes(b"%PDF-1.4")
    (config / ".nervecenter").mkdir(exist_ok=True)
    (config / ".nervecenter" / "web-secret").write_text("k" * 64)
    os.symlink(config / ".nervecenter" / "web-secret", config / "documents" / "key.pdf")
    lines = (config / "people.yaml").read_text().splitlines()
    at = next(i for i, text in enumerate(lines, 1) if document in text)
    for command in (["check"], ["import", "people.yaml"]):
        code, _, err = run_cli(*command[:1], "--config", ".", *command[1:], cwd=config)
        assert code == 1, (command, err)
        [p] = problems(err)
        assert p["file"] == "people.yaml" and at - 10 <= int(p["line"]) <= at
        assert p["message"].startswith("documents: ") and "outside the documents folder" in \
            p["message"]


def test_a_recorded_path_to_the_signing_key_is_never_served(tmp_path):
    """A path recorded before the rule (or written to the database by hand) is checked again
    when served: a person-role user cannot download the key that signs sessions."""
    config = small_practice(tmp_path / "practice")
    server = web.start(config, {"price": ("person", "t-price"), "dana": ("manager", None)})
    try:
        secret = (server.app.state.data_dir / "web-secret").read_text()
        server.workspace.store.renew("t-price", "bls", None, expires=web.DAY.replace(
            year=2029), document=".nervecenter/web-secret", actor="test")
        [cred] = [c for c in server.workspace.snapshot().credentials if c.id == "t-price:bls"]
        index = cred.documents.index(".nervecenter/web-secret")
        for who in ("price", "dana"):
            c = server.login(who)
            r = c.get(f"/people/t-price/credentials/t-price:bls/documents/{index}")
            assert r.status_code == 404 and secret not in r.text
            c.close()
    finally:
        server.stop()


def test_uploads_and_renew_documents_stay_in_the_documents_folder(tmp_path):
    config = small_practice(tmp_path / "practice")
    (config / ".nervecenter").mkdir(exist_ok=True)
    (config / ".nervecenter" / "card.pdf").write_bytes(b"%PDF-1.4")
    code, _, err = run_cli("renew", "--config", ".", "t-price", "bls", "--expires", "2029-11-30",
                           "--issued", "2027-11-01", "--document", ".nervecenter/card.pdf",
                           cwd=config)
    assert code == 1 and "outside the documents folder documents/" in err
    (config / "documents").mkdir()
    (config / "documents" / "card.pdf").write_bytes(b"%PDF-1.4")
    code, _, err = run_cli("renew", "--config", ".", "t-price", "bls", "--expires", "2029-11-30",
                           "--issued", "2027-11-01", "--document", "documents/card.pdf",
                           cwd=config)
    assert code == 0, err


# ---------------------------------------------------------------- the database file


@pytest.mark.parametrize("damage, says", [
    ("empty", "is empty (0 bytes), not a new database"),
    ("garbage", "is not an SQLite database"),
    ("truncated", "is truncated"),
])
def test_a_damaged_database_is_one_line_and_never_reinitialised(practice, damage, says):
    state = practice / ".nervecenter" / "state.db"
    run_cli("run", "--config", ".", "--once", "--on", ON, cwd=practice)  # history worth keeping
    import sqlite3

    sqlite3.connect(state).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    (practice / ".nervecenter" / "state.db-wal").unlink(missing_ok=True)
    data = state.read_bytes()
    state.write_bytes({"empty": b"", "garbage": b"\x00not a database\x00" * 700,
                       "truncated": data[:len(data) // 2]}[damage])
    before = state.read_bytes()
    for command in (["status", "--config", "."], ["run", "--config", ".", "--once"],
                    ["db", "upgrade", "--config", "."], ["users", "list", "--config", "."]):
        code, _, err = run_cli(*command, cwd=practice)
        assert code == 1, (command, err)
        assert err.count("\n") == 1 and says in err and "state.db" in err, (command, err)
        assert "nervecenter db backup" in err
    assert state.read_bytes() == before  # nothing re-initialised


def test_db_backup_copies_a_consistent_database(practice, tmp_path):
    import sqlite3

    run_cli("run", "--config", ".", "--once", "--on", ON, cwd=practice)
    copy = tmp_path / "backup.db"
    code, _, err = run_cli("db", "backup", "--config", ".", str(copy), cwd=practice)
    assert code == 0, err
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    live = sqlite3.connect(practice / ".nervecenter" / "state.db")
    for table in ("people", "credentials", "cases", "alerts", "audit_log"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == \
            live.execute(f"SELECT count(*) FROM {table}").fetchone()
    code, _, err = run_cli("db", "backup", "--config", ".", str(copy), cwd=practice)
    assert code == 1 and "exists" in err  # never overwrites
    # restore: put the copy in place of the database and the practice works on
    (practice / ".nervecenter" / "state.db").unlink()
    for extra in ("-wal", "-shm"):
        (practice / ".nervecenter" / f"state.db{extra}").unlink(missing_ok=True)
    copy.rename(practice / ".nervecenter" / "state.db")
    assert run_cli("status", "--config", ".", "--on", ON, cwd=practice)[0] == 0


def test_db_backup_of_postgresql_says_to_use_pg_dump(practice):
    from nervecenter.core.errors import DatabaseError
    from nervecenter.store.backup import backup

    with pytest.raises(DatabaseError, match="pg_dump"):
        backup("postgresql+psycopg://u@127.0.0.1:1/x", practice / "x.db")


# ---------------------------------------------------------------- parser limits

BOMB = "".join(f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" if i else
               "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" for i in range(10))


@pytest.mark.parametrize("where", ["people", "facility name", "facility when"])
def test_a_yaml_alias_bomb_is_one_line_not_memory_error(tmp_path, where):
    """Nine levels of nine aliases (387 million values expanded): refused at the anchor where
    the expansion passes the limit, before anything expands it."""
    config = copy_example(tmp_path / "practice")
    if where == "people":
        path, name = config / "people.yaml", "people.yaml"
        text = path.read_text().replace('notify: ["file://.nervecenter/outbox/t-price.jsonl"]',
                                        "notify: *a9", 1)
        path.write_text("bomb:\n" + "".join(f"  {line}\n" for line in BOMB.splitlines()) + text)
    else:
        path, name = config / "facilities" / "ochsner-main.yaml", "facilities/ochsner-main.yaml"
        text = path.read_text()
        text = text.replace("name: Ochsner", "name: *a9\nalias_of: Ochsner", 1) \
            if where == "facility name" else \
            text.replace("  - credential: bls", "  - credential: bls\n    when: *a9", 1)
        path.write_text(BOMB + text)
    for command in (["check", "--config", "."], ["status", "--config", ".", "--on", ON]):
        code, _, err = run_cli(*command, cwd=config)
        # a source (people.yaml) that fails is a warning: commands go on with its last good data
        assert code == (0 if where == "people" and command[0] == "status" else 1), err
        err = "\n".join(line.removeprefix("warning: ").split(" — going on with")[0]
                        for line in err.splitlines())
        [p] = [p for p in problems(err) if p["file"] == name]
        assert 1 <= int(p["line"]) <= 11 and "its aliases expand to" in p["message"]


def test_yaml_nested_too_deep_is_one_line(tmp_path):
    config = copy_example(tmp_path / "practice")
    people = config / "people.yaml"
    people.write_text(people.read_text() + "deep: " + "[" * 250 + "]" * 250 + "\n")
    code, _, err = run_cli("check", "--config", ".", cwd=config)
    assert code == 1 and "Traceback" not in err
    [p] = problems(err)
    assert p["file"] == "people.yaml" and "nested more than 64 levels deep" in p["message"]


# ---------------------------------------------------------------- ids and control characters


@pytest.mark.parametrize("pid", ["../../evil", "a/b", "t-price\u200b", "\u202eecirp-t",
                                 "\x1b[31mred", "t-pr\u0456ce", "-x", "a b"])
def test_person_ids_from_a_spreadsheet_follow_the_rule_of_yaml_ids(practice, pid):
    roster = practice / "more.csv"
    roster.write_text("person,name,role,type,issued,expires\n"
                      f"{pid},Evil Twin,technologist,bls,2025-01-01,2027-01-31\n",
                      encoding="utf-8")
    before = db_digest(practice / ".nervecenter" / "state.db")
    code, out, err = run_cli("import", "--config", ".", "more.csv", cwd=practice)
    assert code == 1
    [p] = problems(err)
    assert (p["file"], int(p["line"])) == ("more.csv", 2)
    assert p["message"].startswith("person: ") and "is not an id" in p["message"]
    assert "\x1b" not in out + err and "\u202e" not in out + err  # shown escaped
    assert db_digest(practice / ".nervecenter" / "state.db") == before


@pytest.mark.parametrize("name", ["Evil \x1b]0;owned\x07Twin", "Evil \u202eniwT", "Evil\x08\x08"])
def test_names_that_a_terminal_would_obey_are_refused(practice, name):
    roster = practice / "more.csv"
    roster.write_text("person,name,role,type,issued,expires\n"
                      f"t-twin,{name},technologist,bls,2025-01-01,2027-01-31\n", encoding="utf-8")
    code, out, err = run_cli("import", "--config", ".", "more.csv", cwd=practice)
    assert code == 1 and "name: contains the control character U+" in err
    assert "\x1b" not in out + err and "\u202e" not in out + err and "\x08" not in out + err
