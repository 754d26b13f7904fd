"""The data commands end to end, through the real `nervecenter` entry point, on a small practice
that uses the built-in ionm and facility-health credential types."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from kit.state import db_digest

from nervecenter.cli import main

PRACTICE = """name: Test Practice
timezone: America/Chicago
"""
FACILITY = """id: ochsner-main
name: Ochsner Medical Center
state: LA
requirements:
  - credential: facility_privileges
  - credential: bls
    max_age_months: 12
  - any_of: [cnim, d_abnm]
  - credential: state_license
    role: reader
"""
PEOPLE = """people:
  - id: t-price
    name: Jordan Price
    role: technologist
    credentials:
      - {type: cnim, number: "CNIM-1", issuer: ABRET, issued: 2023-06-01,
         verified: {on: 2023-06-20, by: dana}}
      - {type: bls, issued: 2025-06-20, expires: 2027-06-30}
      - {type: facility_privileges, facility: ochsner-main, expires: 2027-06-30,
         documents: [documents/price-ochsner.pdf]}
    ce:
      - {credential: cnim, date: 2024-03-01, hours: 6, category: conference, provider: ASET}
      - {credential: cnim, date: 2025-03-01, hours: 30, category: article, provider: ASET}
  - id: r-adams
    name: Riley Adams
    role: reader
    credentials:
      - {type: state_license, state: LA, number: LA-9, expires: 2026-11-30}
"""
CASES = """id,facility,start,end,procedure,technologist,reader
C-0900,ochsner-main,2026-06-03T08:00,,spine,t-price,r-adams
C-1001,ochsner-main,2026-12-03T08:00,2026-12-03T12:00,spine,t-price,r-adams
"""


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    (tmp_path / "facilities").mkdir()
    (tmp_path / "documents").mkdir()
    (tmp_path / "practice.yaml").write_text(PRACTICE)
    (tmp_path / "facilities" / "ochsner-main.yaml").write_text(FACILITY)
    (tmp_path / "people.yaml").write_text(PEOPLE)
    (tmp_path / "cases.csv").write_text(CASES)
    (tmp_path / "documents" / "price-ochsner.pdf").write_bytes(b"%PDF-1.4 reappointment letter")
    return tmp_path


def run(capsys, config, *args):
    """`nervecenter ARGS --config CONFIG` in this process: (exit code, stdout, stderr)."""
    command, rest = args[0], list(args[1:])
    argv = [command, *rest[:1], "--config", str(config), *rest[1:]] if command == "db" \
        else [command, "--config", str(config), *rest]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out, err = capsys.readouterr()
    return exit_.value.code, out, err


def imported(capsys, config):
    code, out, err = run(capsys, config, "import", str(config / "people.yaml"),
                         str(config / "cases.csv"))
    assert code == 0, err
    return out


def test_import_dry_run_then_twice(capsys, config):
    code, out, _ = run(capsys, config, "import", "--dry-run", str(config / "people.yaml"))
    assert code == 0
    assert out.splitlines() == ["people: 2 added, 0 changed, 0 unchanged",
                                "credentials: 4 added, 0 changed, 0 unchanged",
                                "CE entries: 2 added, 0 changed, 0 unchanged",
                                "dry run: nothing was written (8 changes would be made)"]
    assert imported(capsys, config).splitlines()[:2] == [
        "people: 2 added, 0 changed, 0 unchanged", "credentials: 4 added, 0 changed, 0 unchanged"]
    assert imported(capsys, config).splitlines() == [
        "people: 0 added, 0 changed, 2 unchanged", "credentials: 0 added, 0 changed, 4 unchanged",
        "CE entries: 0 added, 0 changed, 2 unchanged", "cases: 0 added, 0 changed, 2 unchanged"]


def test_bad_file_exit_1_every_row_and_database_unchanged(capsys, config):
    imported(capsys, config)
    db = config / ".nervecenter" / "state.db"
    before = db_digest(db)  # the content: a checkpoint of the WAL may change the bytes
    bad = config / "roster.csv"
    bad.write_text("person,name,role,type,state,expires\n"
                   "t-new,New,technologist,bls,,13/45/2027\n"
                   "t-new,New,technologist,state_license,,2027-01-31\n"
                   "t-new,New,technologist,cmin,,2027-01-31\n")
    code, out, err = run(capsys, config, "import", str(bad))
    assert code == 1 and out == ""
    assert err.splitlines() == [
        (f"{bad}:2: expires: '13/45/2027' is not a date (month must be in 1..12); "
         "write YYYY-MM-DD, MM/DD/YYYY, M/D/YY (read as 20YY) or an Excel date"),
        f"{bad}:3: state: is empty; state_license is per state: give the state code",
        f"{bad}:4: type: unknown credential type 'cmin' (did you mean 'cnim', CNIM?)"]
    assert db_digest(db) == before


def test_renew_then_export_on_past_and_present(capsys, config):
    imported(capsys, config)
    code, out, _ = run(capsys, config, "renew", "t-price", "bls", "--expires", "2028-06-30",
                       "--issued", "2026-06-10", "--number", "B-2")
    assert out == "t-price:bls: version 2, expires 2028-06-30, issued 2026-06-10\n"
    for on, expected in (("2026-06-09", "2025-06-20,2027-06-30,active,,,,,1"),
                         ("2026-06-10", "2026-06-10,2028-06-30,active,,,,,2")):
        out_dir = config / f"export-{on}"
        code, out, _ = run(capsys, config, "export", "--out", str(out_dir), "--on", on)
        rows = (out_dir / "credentials.csv").read_text().splitlines()
        bls = next(r for r in rows if r.startswith("t-price,Jordan Price,technologist,bls,"))
        assert bls.endswith(expected), bls
    code, out, _ = run(capsys, config, "renew", "r-adams", "state_license", "--scope", "la",
                       "--submitted")
    assert out == "r-adams:state_license:LA: renewal submitted (version 1, expires 2026-11-30)\n"
    # the renewal survives the unchanged roster being imported again
    imported(capsys, config)
    code, out, _ = run(capsys, config, "export", "--out", str(config / "now"), "--on", "2026-12-01")
    assert (code, out.count("rows")) == (0, 4)
    text = (config / "now" / "credentials.csv").read_text()
    assert ",2028-06-30,active," in text and ",LA-9,,,2026-11-30,renewal_submitted," in text


def test_renew_errors(capsys, config):
    imported(capsys, config)
    code, _, err = run(capsys, config, "renew", "t-price", "state_license", "--expires",
                       "2028-01-01")
    assert (code, err) == (1, "state_license is per state: give --scope STATE\n")
    code, _, err = run(capsys, config, "renew", "t-nobody", "bls", "--expires", "2028-01-01")
    assert code == 1 and err.startswith("no person 't-nobody'")
    code, _, err = run(capsys, config, "renew", "t-price", "blss", "--submitted")
    assert (code, err) == (1, "unknown credential type 'blss' (did you mean 'bls', BLS Provider?)\n")


def test_audit_packet_on_a_date(capsys, config):
    imported(capsys, config)
    code, out, _ = run(capsys, config, "audit", "--facility", "ochsner-main", "--on", "2026-12-01")
    cases, people = out.split("\n\n")
    # The 12 months up to 2026-12-01 hold C-0900 only. On its day, 2026-06-03, Adams' licence
    # (to 2026-11-30) was valid and Price's BLS (issued 2025-06-20) under 12 months old: cleared.
    assert cases.splitlines() == [
        "id,day,technologist,reader,outcome,problems,exclusion_screening",
        "C-0900,2026-06-03,t-price,r-adams,cleared,,t-price: none on file; r-adams: none on file"]
    rows = [line.split(",") for line in people.splitlines()]
    assert rows[0][:9] == ["person", "name", "role", "cases", "last_case", "type", "scope",
                           "requirement", "status"]
    got = {(r[0], r[5]): (r[3], r[4], r[8]) for r in rows[1:]}
    # Only C-0900 (June) is on or before 2026-12-01. Adams' LA licence ended 2026-11-30; Price's
    # BLS issued 2025-06-20 is older than the 12 months Ochsner accepts on 2026-12-01.
    assert got == {("r-adams", "state_license"): ("1", "2026-06-03", "expired"),
                   ("t-price", "facility_privileges"): ("1", "2026-06-03", "valid"),
                   ("t-price", "bls"): ("1", "2026-06-03", "too_old"),
                   ("t-price", "cnim"): ("1", "2026-06-03", "valid")}
    sha = hashlib.sha256(b"%PDF-1.4 reappointment letter").hexdigest()
    assert f"documents/price-ochsner.pdf (sha256 {sha})" in out
    out_file = config / "packet.html"
    code, _, _ = run(capsys, config, "audit", "--facility", "ochsner-main", "--on", "2026-07-01",
                     "--format", "html", "--out", str(out_file))
    page = out_file.read_text()
    assert "Ochsner Medical Center" in page and "<td class='ok'>valid</td>" in page
    code, _, err = run(capsys, config, "audit", "--facility", "ochsner")
    assert (code, err) == (1, ("unknown facility 'ochsner' (did you mean 'ochsner-main'?); "
                              "the facilities are ochsner-main\n"))


def test_ce_hours_against_the_requirement(capsys, config):
    imported(capsys, config)
    code, out, _ = run(capsys, config, "ce", "t-price", "--on", "2026-12-01")
    assert code == 0
    # CNIM issued 2023-06-01 expires 2028-12-31 (60 months, end of year): its cycle is the 60
    # months ending then. 50 h required; articles at most half (25 h): 6 + min(30, 25) = 31
    assert out.splitlines() == [
        ("cnim: 31 of 50 h counted for the cycle 2024-01-01 to 2028-12-31 (36 h earned by "
         "2026-12-01), 19 h to go"),
        "  article: 30 h earned, at most 25 h count (50% of 50 h)"]
    code, out, _ = run(capsys, config, "ce", "t-price", "--on", "2026-12-01", "--format", "json")
    assert code == 0
    assert json.loads(out) == {"as_of": "2026-12-01", "person": "t-price", "items": [
        {"type": "cnim", "credential": "t-price:cnim", "required": 50, "earned": 36,
         "counted": 31, "missing": 19, "from": "2024-01-01", "to": "2028-12-31",
         "notes": ["article: 30 h earned, at most 25 h count (50% of 50 h)"]}]}
    code, out, _ = run(capsys, config, "ce", "t-price", "--on", "2026-12-01", "--format", "csv")
    assert out.splitlines() == [
        "type,credential,required,earned,counted,missing,from,to,notes",
        ("cnim,t-price:cnim,50,36,31,19,2024-01-01,2028-12-31,"
        '"article: 30 h earned, at most 25 h count (50% of 50 h)"')]
    code, out, _ = run(capsys, config, "ce", "r-adams", "--format", "json")
    assert (code, json.loads(out)["items"]) == (0, [])


def test_export_summary_as_a_table_json_or_csv(capsys, config):
    imported(capsys, config)
    out_dir = config / "out"
    code, out, _ = run(capsys, config, "export", "--out", str(out_dir), "--on", "2026-12-01",
                       "--format", "json")
    assert code == 0
    assert json.loads(out) == {"as_of": "2026-12-01", "files": [
        {"file": str(out_dir / name), "rows": rows} for name, rows in
        (("people.csv", 2), ("credentials.csv", 4), ("ce.csv", 2), ("cases.csv", 2))]}
    code, out, _ = run(capsys, config, "export", "--out", str(out_dir), "--on", "2026-12-01",
                       "--format", "csv")
    assert out.splitlines()[:2] == ["file,rows", f"{out_dir / 'people.csv'},2"]
    code, out, _ = run(capsys, config, "export", "--out", str(out_dir), "--on", "2026-12-01")
    assert out.splitlines()[0] == f"{out_dir / 'people.csv'}: 2 rows"


def test_each_in_house_format_is_capped_on_its_own(capsys, config):
    # ABRET: at most half of the hours from any ONE in-house format, not from all together
    people = config / "people.yaml"
    people.write_text(people.read_text().replace(
        "category: article, provider: ASET}\n",
        "category: article, provider: ASET}\n"
        "      - {credential: cnim, date: 2025-04-01, hours: 15, category: in_house/journal_club}\n"
        "      - {credential: cnim, date: 2025-05-01, hours: 15, category: in_house/grand_rounds}\n"
        "      - {credential: cnim, date: 2025-06-01, hours: 28, category: in_house/lecture}\n"))
    imported(capsys, config)
    code, out, _ = run(capsys, config, "ce", "t-price", "--on", "2026-12-01")
    assert code == 0
    # 6 conference + 25 of 30 article + 15 + 15 + 25 of 28 lecture = 86 (all in-house together
    # would have been capped at 25: 56)
    assert out.splitlines() == [
        ("cnim: 86 of 50 h counted for the cycle 2024-01-01 to 2028-12-31 (94 h earned by "
         "2026-12-01)"),
        "  article: 30 h earned, at most 25 h count (50% of 50 h)",
        "  in_house/lecture: 28 h earned, at most 25 h count (50% of 50 h)"]


def test_db_upgrade_and_older_revision(capsys, config):
    from nervecenter.store import db, migrations

    code, out, _ = run(capsys, config, "db", "upgrade")
    assert out.endswith(f"revision (new) -> {migrations.head()}\n")
    code, out, _ = run(capsys, config, "db", "upgrade")
    assert out.endswith(f"already at revision {migrations.head()}\n")
    if migrations.head() == "0001":
        return
    engine = db.create(f"sqlite:///{config / '.nervecenter' / 'state.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = "
                             f"'{_previous(migrations)}'")
    engine.dispose()
    code, _, err = run(capsys, config, "import", str(config / "people.yaml"))
    assert code == 1 and "run `nervecenter db upgrade`" in err


def _previous(migrations) -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations._config())
    return script.get_revision(migrations.head()).down_revision


def test_unreachable_database_is_one_line(config):
    env = {"NERVECENTER_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/nothing",
           "PATH": "/usr/bin:/bin"}
    script = Path(sys.executable).parent / "nervecenter"  # the installed entry point
    done = subprocess.run([str(script), "import", "--config",
                           str(config), str(config / "people.yaml")],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("cannot reach the database at 127.0.0.1:1: ")
    assert len(done.stderr.splitlines()) == 1


def test_missing_documents_are_flagged(capsys, config):
    from nervecenter.service.workspace import open_workspace
    from nervecenter.store.store import missing_documents

    imported(capsys, config)
    store = open_workspace(config).store
    assert missing_documents(store) == []
    (config / "documents" / "price-ochsner.pdf").unlink()
    problems = [str(p) for p in missing_documents(store)]
    assert problems == [Path("documents/price-ochsner.pdf").as_posix() + ": document of "
                        "t-price:facility_privileges:ochsner-main is missing; restore the file "
                        "or record the credential again without it"]


def test_renew_with_a_document_keeps_its_sha256(capsys, config, tmp_path, monkeypatch):
    imported(capsys, config)
    letter = config / "documents" / "bls-2026.pdf"
    letter.write_bytes(b"new card")
    monkeypatch.chdir(config / "documents")  # a path relative to where the command runs
    code, out, err = run(capsys, config, "renew", "t-price", "bls", "--expires", "2028-06-30",
                         "--issued", "2026-06-10", "--document", "bls-2026.pdf")
    assert (code, out) == (0, "t-price:bls: version 2, expires 2028-06-30, issued 2026-06-10\n"), err
    from nervecenter.service.workspace import open_workspace

    versions = open_workspace(config).store.versions("t-price:bls")
    assert versions[-1]["documents"] == [{"path": "documents/bls-2026.pdf",
                                          "sha256": hashlib.sha256(b"new card").hexdigest()}]


def test_renew_that_cannot_corrupt(capsys, config):
    imported(capsys, config)
    # the type as people write it, the scope inferred (r-adams holds state_license in LA only),
    # a US date as import takes it
    code, out, err = run(capsys, config, "renew", "r-adams", "State licence", "--expires",
                         "11/30/2028")
    assert (code, out) == (0, "r-adams:state_license:LA: version 2, expires 2028-11-30\n"), err
    # the expiry from --issued by the type's validity (BLS: 24 months, end of month)
    code, out, err = run(capsys, config, "renew", "t-price", "BLS Provider", "--issued",
                         "1/5/27")
    assert (code, out) == (0, "t-price:bls: version 2, expires 2029-01-31, issued 2027-01-05\n"), \
        err
    # an earlier expiry is refused... unless it corrects a mistake, audited as such
    code, _, err = run(capsys, config, "renew", "t-price", "bls", "--expires", "2028-01-31")
    assert code == 1
    assert err == ("the new expiry 2028-01-31 is not after the current one (2029-01-31); enter "
                   "the date on the renewed credential, or give --correct to put a mistake "
                   "right\n")
    code, out, err = run(capsys, config, "renew", "t-price", "bls", "--expires", "2028-01-31",
                         "--correct")
    # issued kept
    assert (code, out) == (0, "t-price:bls: version 3, expires 2028-01-31, issued 2027-01-05\n"), \
        err
    from nervecenter.service.workspace import open_workspace

    log = open_workspace(config).store.audit_log("credential", "t-price:bls")
    assert [e["action"] for e in log][-2:] == ["renew", "correct"]
    code, _, err = run(capsys, config, "renew", "t-pric", "bls", "--expires", "2030-01-01")
    assert (code, err) == (1, "no person 't-pric' (did you mean 't-price'?)\n")
    code, _, err = run(capsys, config, "renew", "t-price", "cnim", "--issued", "13/1/2027")
    assert code == 2 and "'13/1/2027' is not a date (month must be in 1..12)" in err


def test_a_postgres_url_gets_the_spelling_that_works(capsys, config, monkeypatch):
    monkeypatch.setenv("NERVECENTER_DATABASE_URL", "postgres://nc:secret@127.0.0.1:1/nc")
    with pytest.raises(SystemExit) as exit_:
        main(["import", "--config", str(config), str(config / "people.yaml")])
    err = capsys.readouterr().err
    assert exit_.value.code == 1
    assert err == ("database URL postgres://nc:***@127.0.0.1:1/nc: write it as "
                   "postgresql+psycopg://nc:***@127.0.0.1:1/nc (the driver NerveCenter uses is "
                   "psycopg: pip install 'nervecenter[postgresql]')\n")


@pytest.mark.parametrize("url", ["mysql://nc:secret@127.0.0.1/nc",
                                 "mysql+pymysql://nc:secret@127.0.0.1/nc", "mssql://h/nc"])
def test_a_database_nervecenter_does_not_keep_its_data_in_is_named(capsys, config, monkeypatch,
                                                                   url):
    """Before: "no driver (...); install nervecenter[postgresql] for PostgreSQL"."""
    monkeypatch.setenv("NERVECENTER_DATABASE_URL", url)
    with pytest.raises(SystemExit) as exit_:
        main(["status", "--config", str(config)])
    backend = url.split(":")[0].split("+")[0]
    assert exit_.value.code == 1
    assert capsys.readouterr().err == (
        f"database URL {url.replace('secret', '***')}: NerveCenter keeps its data in SQLite or "
        f"PostgreSQL, not {backend}; use sqlite:///path/to/file.db or "
        "postgresql+psycopg://user@host/db\n")


def test_import_shows_its_steps_on_a_terminal_only(config):
    # A real terminal (a pseudo-terminal) for stderr: the steps are shown, then erased; through
    # a pipe nothing but the report is written.
    import os
    import pty
    import subprocess
    import sys

    argv = [sys.executable, "-c", "from nervecenter.cli import main; main()", "import",
            "--config", str(config), str(config / "people.yaml"), str(config / "cases.csv")]
    env = {k: v for k, v in os.environ.items() if k != "NERVECENTER_DATABASE_URL"}
    leader, follower = pty.openpty()
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=follower, env=env, check=False)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert proc.returncode == 0, shown
    text = shown.decode()
    assert "people.yaml (1 kB)" in text and "cases.csv (1 kB)" in text
    assert "comparing and writing" in text and text.endswith("\r\x1b[K")
    assert "reading" not in proc.stdout.decode()

    (config / ".nervecenter").rename(config / "first")  # a new database: the same work again
    piped = subprocess.run(argv, capture_output=True, env=env, check=False)
    assert piped.returncode == 0 and piped.stderr == b""
    assert piped.stdout == proc.stdout
