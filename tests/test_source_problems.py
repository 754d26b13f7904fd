"""A `sources:` file that fails to import does not stop the practice, on SQLite and PostgreSQL:
what it last gave stays in force, every command warns in one line (exit code unchanged), the
dashboard shows a banner, the managers hear once per problem and once when it is fixed, and an
explicit `import` of the same file still refuses it."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import date

import pytest
from kit.web import example_practice, start

from nervecenter.cli import main
from nervecenter.core.errors import ConfigError
from nervecenter.data.importer import import_files
from nervecenter.service.workspace import Workspace

DAY = "2026-12-01"
ROSTER = ("person,name,role,type,state,facility,issued,expires\n"
          "t-price,Jordan Price,technologist,bls,,,2025-11-20,2027-11-30\n"
          "r-adams,Riley Adams,reader,state_license,LA,,,2027-03-31\n")
CASES = ("id,facility,start,end,procedure,technologist,reader\n"
         "C-1,ochsner-main,2026-12-03T08:00,2026-12-03T12:00,spine,t-price,r-adams\n")


def run(capsys, config, *args):
    """`nervecenter COMMAND --config CONFIG ARGS` in this process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_:
        main([*args[0].split(), "--config", str(config), *args[1:]])
    out, err = capsys.readouterr()
    return exit_.value.code, out, err


def told(capsys, config) -> list[tuple[str, str, list[str]]]:
    """(kind, title, recipients with a sent delivery) of the source alerts, oldest first."""
    code, out, _ = run(capsys, config, "alerts log", "--format", "json")
    assert code == 0
    return [(a["kind"], a["title"], [d["recipient"] for d in a["deliveries"]
                                     if d["status"] == "sent"])
            for a in reversed(json.loads(out)["alerts"]) if a["kind"].startswith("source_")]


def test_a_bad_schedule_keeps_the_last_good_one_and_the_practice_goes_on(
        capsys, tmp_path, database_url, monkeypatch):
    monkeypatch.setenv("NERVECENTER_DATABASE_URL", database_url)
    config = example_practice(tmp_path)
    cases, people = config / "cases.csv", config / "people.yaml"
    assert run(capsys, config, "run", "--once", "--on", DAY)[0] == 0
    code, before, err = run(capsys, config, "cases", "--on", DAY, "--format", "json")
    assert code == 0 and "warning" not in err
    good = cases.read_text()
    first = good.splitlines()[1]
    # The scheduler pastes a row twice and adds a case; a roster edit lands at the same time.
    cases.write_text(good + first.replace("C-1001", "C-2001") + "\n" + first + "\n")
    people.write_text(people.read_text().replace("name: Jordan Price", "name: Jordan Price-Hale"))

    code, out, err = run(capsys, config, "cases", "--on", DAY, "--format", "json")
    assert code == 0
    assert out == before.replace("Jordan Price", "Jordan Price-Hale")  # the roster went on
    assert "C-2001" not in out  # the schedule is the last good one
    [warning] = err.splitlines()
    assert warning.startswith("warning: cases.csv:19: duplicate case C-1001 (first on row 2)")
    assert "going on with what cases.csv last gave" in warning

    code, out, err = run(capsys, config, "renew", "t-price", "bls", "--issued", "2026-12-01",
                         "--expires", "2028-12-31")
    assert code == 0 and "version 2" in out and err.count("warning: cases.csv:19") == 1
    code, _, err = run(capsys, config, "alerts log")
    assert code == 0 and err.count("warning: cases.csv:19") == 1

    code, out, err = run(capsys, config, "import", str(cases))  # explicit: still refused
    assert code == 1 and "cases.csv:19: duplicate case C-1001" in err

    # The managers hear once per problem: not again on the next run, again when it changes.
    code, out, _ = run(capsys, config, "run", "--once", "--on", DAY)
    assert code == 0 and "2 alerts planned, 2 deliveries queued, 2 sent in 1 message," in out
    assert run(capsys, config, "run", "--once", "--on", DAY)[0] == 0
    error = "cases.csv does not import: NerveCenter goes on with what it last gave"
    assert told(capsys, config) == [("source_error", error, ["dana"])]  # marcus: stage 7/0 only
    cases.write_text(good + first.replace("C-1001", "C-2001") + "\n"
                     + first.replace("C-1001", "C-1002") + "\n")
    assert run(capsys, config, "run", "--once", "--on", DAY)[0] == 0
    assert told(capsys, config) == [("source_error", error, ["dana"])] * 2
    code, _, err = run(capsys, config, "cases", "--on", DAY)
    assert "cases.csv:19: duplicate case C-1002" in err

    # Fixed: the new case is in force, the warning is gone, the managers hear it once.
    cases.write_text(good + first.replace("C-1001", "C-2001") + "\n")
    code, out, err = run(capsys, config, "cases", "--on", DAY, "--format", "json")
    assert code == 0 and err == "" and "C-2001" in out
    assert run(capsys, config, "run", "--once", "--on", DAY)[0] == 0
    assert run(capsys, config, "run", "--once", "--on", DAY)[0] == 0
    assert told(capsys, config)[2:] == [("source_fixed", "cases.csv imports again", ["dana"])]


def workspace(store, practice, *sources) -> Workspace:
    return Workspace(practice=replace(practice, sources=tuple(sources)), store=store)


def test_a_file_naming_people_of_a_bad_roster_waits_for_it(store, practice):
    roster, cases = practice.config_dir / "roster.csv", practice.config_dir / "cases.csv"
    roster.write_text(ROSTER)
    cases.write_text(CASES)
    ws = workspace(store, practice, roster, cases)
    ws.sync_sources()
    # A new person with a bad date, and a case for them: neither file can go in.
    roster.write_text(ROSTER + "t-okafor,Chidi Okafor,technologist,bls,,,2025-13-01,\n")
    cases.write_text(CASES + "C-2,tulane,2026-12-04T08:00,,,t-okafor,\n")
    ws.sync_sources()
    problems = {p.file: p.problem for p in ws.source_problems()}
    assert problems.keys() == {"roster.csv", "cases.csv"}
    assert problems["roster.csv"].startswith("roster.csv:4: ")
    assert "t-okafor" in problems["cases.csv"]
    snap = ws.snapshot(date(2026, 12, 1))
    assert "t-okafor" not in snap.people and [c.id for c in snap.cases] == ["C-1"]
    with pytest.raises(ConfigError):
        import_files(store, practice, [roster, cases])
    ws.sync_sources()  # unchanged and still bad: still reported
    assert len(ws.source_problems()) == 2
    roster.write_text(ROSTER + "t-okafor,Chidi Okafor,technologist,bls,,,2025-12-01,\n")
    ws.sync_sources()  # the roster is fixed: the schedule that waited for it goes in too
    assert ws.source_problems() == []
    assert [c.id for c in ws.snapshot(date(2026, 12, 1)).cases] == ["C-1", "C-2"]


def test_a_missing_source_keeps_what_it_gave(store, practice):
    roster, cases = practice.config_dir / "roster.csv", practice.config_dir / "cases.csv"
    roster.write_text(ROSTER)
    cases.write_text(CASES)
    ws = workspace(store, practice, roster, cases)
    ws.sync_sources()
    cases.unlink()
    ws.sync_sources()
    [problem] = ws.source_problems()
    assert problem.problem == "cases.csv: no such file; check the path"
    assert [c.id for c in ws.snapshot(date(2026, 12, 1)).cases] == ["C-1"]
    assert ws.pending_source_changes() == 0


def test_the_dashboard_shows_a_banner_and_the_api_answers(tmp_path, database_url):
    config = example_practice(tmp_path)
    server = start(config, {"dana": ("manager", None), "jordan": ("person", "t-price")},
                   database_url=database_url)
    try:
        manager, person = server.login("dana"), server.login("jordan")
        assert "source-problem" not in manager.get("/").text
        cases = config / "cases.csv"
        cases.write_text(cases.read_text() + cases.read_text().splitlines()[1] + "\n")
        # the pages never wait for the sync: the banner comes with the next look (0.5 s)
        deadline = time.monotonic() + 20
        while "cases.csv does not import" not in (page := manager.get("/cases")).text:
            assert time.monotonic() < deadline and page.status_code == 200
            time.sleep(0.1)
        assert page.status_code == 200
        assert "duplicate case C-1001 (first on row 2)" in page.text
        mine = person.get("/people/t-price")
        assert mine.status_code == 200 and "could not be refreshed" in mine.text and "cases.csv" not in mine.text
        assert "duplicate case" not in mine.text  # the details are the managers'
        api = manager.get("/api/cases")
        assert api.status_code == 200 and len(api.json()["cases"]) > 10
    finally:
        server.stop()
