"""A practice whose roster and schedule live in spreadsheets (an Excel CSV with a BOM and CRLF
line ends), end to end through the CLI: contact channels, people who leave, plugin bugs."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from datetime import date, datetime, time
from pathlib import Path

import pytest
from kit import servers

smtp_server = servers.smtp_server  # pytest fixture

ROSTER = [
    "person,name,role,email,phone,notify,type,number,issuer,issued,expires",
    "t-price,Jordan Price,technologist,jordan.price@bayou.example,,,bls,B-1,AHA,2025-01-10,2026-12-31",
    "t-price,,,,,,cnim,C-1,ABRET,2023-06-01,2028-12-31",
    "t-lee,Alex Lee,technologist,,,,bls,B-2,AHA,2025-01-10,2026-12-31",
    "t-lee,,,,,,cnim,C-2,ABRET,2023-06-01,2028-12-31",
    "r-adams,Elise Adams,reader,,,,cnim,C-3,ABRET,2023-06-01,2028-12-31",
]
CASES = [
    "id,facility,start,end,procedure,technologist,reader",
    "C-1,tulane,2026-12-03T08:00,2026-12-03T12:00,spine,t-price,r-adams",
    "C-2,tulane,2026-12-04T08:00,2026-12-04T12:00,spine,t-lee,r-adams",
    "C-3,tulane,2026-12-05T08:00,2026-12-05T12:00,spine,,r-adams",
]


def write_csv(path: Path, rows: list[str]) -> None:
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode() + b"\r\n")


def write_cases(root: Path, rows: list[str]) -> Path:
    write_csv(root / "cases.csv", rows)
    return root / "cases.csv"


@pytest.fixture
def sheet_practice(tmp_path, smtp_server) -> Path:
    root = tmp_path / "sheets"
    (root / "facilities").mkdir(parents=True)
    (root / "practice.yaml").write_text(textwrap.dedent(f"""\
        name: Spreadsheet Neuro
        timezone: America/Chicago
        database: sqlite:///state.db
        contacts:
          email: "mailto://nervecenter@127.0.0.1:{smtp_server.port}?from=alerts@example.org&to={{email}}"
        managers:
          - {{id: dana, name: Dana Lee, notify: ["file://outbox/dana.jsonl"]}}
        sources: [roster.csv, cases.csv]
        """))
    (root / "facilities" / "tulane.yaml").write_text(textwrap.dedent("""\
        id: tulane
        name: Tulane Medical Center
        state: LA
        requirements:
          - credential: bls
          - credential: cnim
        """))
    write_csv(root / "roster.csv", ROSTER)
    write_csv(root / "cases.csv", CASES)
    return root


def _text(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def outbox(root: Path, who: str) -> list[dict]:
    path = root / "outbox" / f"{who}.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def test_an_email_column_is_a_channel_through_the_contacts_template(sheet_practice, nc,
                                                                   smtp_server):
    code, _, err = nc("run", "--once", "--config", str(sheet_practice), "--on", "2026-12-01")
    assert code == 0, err
    # BLS expires 2026-12-31: 30 days left on 2026-12-01, stage 30, to the holder only (in
    # their first-run summary)
    [mine] = smtp_server.messages
    assert smtp_server.recipients() == [["jordan.price@bayou.example"]]
    assert "- BLS Provider no. B-1 is due in 30 days (2026-12-31)" in _text(mine)


def test_someone_without_a_channel_reaches_the_managers_and_check_warns(sheet_practice, nc):
    code, out, err = nc("run", "--once", "--config", str(sheet_practice), "--on", "2026-12-01",
                        "--format", "json")
    assert code == 0, err
    planned = json.loads(out)["alerts"]
    [lee] = [a for a in planned if a["credential"] == "t-lee:bls" and a["kind"] == "stage"]
    assert lee["recipients"] == ["t-lee"]  # who it is for does not change, only where it goes
    [mail] = outbox(sheet_practice, "dana")  # one message: the first-run summary
    assert ("- Alex Lee: BLS Provider no. B-2 is due in 30 days (2026-12-31) — No channel for "
            "Alex Lee: this goes to the managers instead\n") in mail["body"]

    code, out, err = nc("check", "--config", str(sheet_practice))
    assert code == 0, err
    warned = [line for line in err.splitlines() if "no channel for" in line]
    # Alex Lee and Elise Adams have no email, phone or notify; Jordan Price has an email.
    fix = ("their alerts go to the managers; give them notify, or an email or phone with "
           "contacts: in practice.yaml")
    assert sorted(warned) == [
        f"warning: {sheet_practice}/roster.csv:4: no channel for Alex Lee: {fix}",
        f"warning: {sheet_practice}/roster.csv:6: no channel for Elise Adams: {fix}"], err


def test_a_notify_column_is_a_channel_of_its_own(sheet_practice, nc):
    rows = [*ROSTER]
    rows[3] = rows[3].replace("Alex Lee,technologist,,,,", "Alex Lee,technologist,,,"
                              "file://outbox/t-lee.jsonl,")
    write_csv(sheet_practice / "roster.csv", rows)
    code, _, err = nc("run", "--once", "--config", str(sheet_practice), "--on", "2026-12-01")
    assert code == 0, err
    assert any("BLS" in x["body"] for x in outbox(sheet_practice, "t-lee"))
    assert not any("No channel for Alex Lee" in x["body"] for x in outbox(sheet_practice, "dana"))


def test_a_contacts_template_without_its_placeholder_is_refused(sheet_practice, nc):
    path = sheet_practice / "practice.yaml"
    path.write_text(path.read_text().replace("to={email}", "to=someone@example.org"))
    code, _, err = nc("check", "--config", str(sheet_practice))
    assert code == 1
    assert "practice.yaml:5: contacts.email has no {email}; write it where the address goes" in err


# ---------------------------------------------------------------- people who leave


def cases_json(nc, root: Path, on: str) -> dict:
    code, out, err = nc("cases", "--config", str(root), "--on", on, "--format", "json")
    assert code == 0, err
    return {c["id"]: c for c in json.loads(out)["cases"]}


def test_someone_deleted_from_the_roster_has_left_and_is_never_a_backup(sheet_practice, nc,
                                                                       monkeypatch):
    from datetime import date

    from nervecenter.core import clock

    code, _, err = nc("import", "--config", str(sheet_practice),
                      str(sheet_practice / "roster.csv"), str(sheet_practice / "cases.csv"))
    assert code == 0, err
    before = cases_json(nc, sheet_practice, "2026-12-01")
    assert before["C-1"]["outcome"] == "cleared" and before["C-2"]["outcome"] == "cleared"
    assert before["C-3"]["backups"] == ["t-lee", "t-price"]

    # Alex Lee's rows are deleted from the roster on 2026-12-02; C-2 still names them.
    monkeypatch.setattr(clock, "today", lambda tz, on=None: on or date(2026, 12, 2))
    write_csv(sheet_practice / "roster.csv", [r for r in ROSTER if not r.startswith("t-lee")])
    code, out, err = nc("import", "--config", str(sheet_practice),
                        str(sheet_practice / "roster.csv"))
    assert code == 0, err
    assert "people: 0 added, 0 changed, 2 unchanged, 1 left" in out
    assert "person t-lee: left the practice on 2026-12-02 (no longer in its source)" in out

    after = cases_json(nc, sheet_practice, "2026-12-01")
    c2 = after["C-2"]
    assert c2["outcome"] == "blocked"
    assert c2["problems"] == [{"person": "t-lee", "role": "technologist", "type": None,
                               "reason": "inactive", "source": "practice",
                               "detail": "Alex Lee left the practice on 2026-12-02; assign "
                                         "someone else."}]
    assert c2["backups"] == ["t-price"]
    assert after["C-3"]["backups"] == ["t-price"]  # never a backup once gone
    assert after["C-1"]["outcome"] == "cleared"
    # a case of theirs before the day they left is judged as it was
    code, out, err = nc("import", "--config", str(sheet_practice), str(write_cases(
        sheet_practice, [*CASES, "C-0,tulane,2026-12-01T08:00,2026-12-01T12:00,spine,t-lee,"])))
    assert code == 0, err
    assert cases_json(nc, sheet_practice, "2026-12-01")["C-0"]["outcome"] == "cleared"

    code, out, err = nc("status", "--config", str(sheet_practice), "--on", "2026-12-03",
                        "--format", "json")
    assert code == 0, err
    assert {d["person"] for d in json.loads(out)["items"]} == {"t-price"}

    # their history stays: the audit log and the person record keep them
    code, out, err = nc("cases", "--config", str(sheet_practice), "--on", "2026-12-01",
                        "--case", "C-2")
    assert "Alex Lee left the practice on 2026-12-02" in out


def test_left_and_active_in_people_yaml_and_their_mistakes(tmp_path, sheet_practice, nc):
    practice = sheet_practice / "practice.yaml"
    practice.write_text(practice.read_text().replace("[roster.csv,", "[people.yaml,"))
    people = sheet_practice / "people.yaml"
    people.write_text(textwrap.dedent("""\
        people:
          - {id: r-adams, name: Elise Adams, role: reader}
          - {id: t-price, name: Jordan Price, role: technologist, email: jp@bayou.example}
          - {id: t-lee, name: Alex Lee, role: technologist, left: 2026-12-04}
          - {id: t-old, name: Sam Old, role: technologist, active: false}
        """))
    code, out, err = nc("import", "--config", str(sheet_practice), str(people))
    assert code == 0, err
    code, out, err = nc("alerts", "plan", "--config", str(sheet_practice), "--on", "2026-12-01",
                        "--format", "json")
    assert code == 0, err
    # t-lee leaves on 12-04, the day of their case C-2: blocked, and they are not told
    [c2] = [a for a in json.loads(out)["alerts"] if a["case"] == "C-2" and a["kind"] == "case"]
    assert c2["recipients"] == ["dana", "r-adams"]
    assert not any(a["kind"] == "case_assigned" and a["person"] == "t-lee"
                   for a in json.loads(out)["alerts"])

    people.write_text(textwrap.dedent("""\
        people:
          - {id: t-lee, name: Alex Lee, role: technologist, left: 2026-13-04}
        """))
    code, out, err = nc("import", "--config", str(sheet_practice), str(people))
    assert code == 1
    assert "people.yaml:2: 2026-13-04 is not a date: there is no month 13" in err
    people.write_text(textwrap.dedent("""\
        people:
          - {id: t-lee, name: Alex Lee, role: technologist}
          - {id: t-old, name: Sam Old, role: technologist, active: true, left: 2026-12-01}
        """))
    code, out, err = nc("import", "--config", str(sheet_practice), str(people))
    assert code == 1
    assert ("people.yaml:3: active: is true but left is 2026-12-01; remove one of them") in err


def test_active_and_left_columns_of_a_spreadsheet(sheet_practice, nc):
    marks = {"t-lee": ("no", ""), "r-adams": ("", "12/01/2026")}
    rows = [ROSTER[0].replace(",notify,", ",notify,active,left,")]
    for row in ROSTER[1:]:
        cells = row.split(",")
        active, left = marks.get(cells[0], ("", "")) if cells[1] else ("", "")
        rows.append(",".join([*cells[:6], active, left, *cells[6:]]))
    write_csv(sheet_practice / "roster.csv", rows)
    code, _, err = nc("import", "--config", str(sheet_practice),
                        str(sheet_practice / "roster.csv"), str(sheet_practice / "cases.csv"))
    assert code == 0, err
    cases = cases_json(nc, sheet_practice, "2026-11-30")
    # r-adams left on 2026-12-01 (before every case); t-lee is inactive since this import
    assert [(p["person"], p["reason"]) for p in cases["C-1"]["problems"]] == [
        ("r-adams", "inactive")]
    assert "Elise Adams left the practice on 2026-12-01" in cases["C-1"]["problems"][0]["detail"]
    assert [p["person"] for p in cases["C-2"]["problems"]] == ["t-lee", "r-adams"]


# ---------------------------------------------------------------- a plugin's bug


@pytest.fixture
def broken_rule_kind(sheet_practice):
    """A third party's rule kind `on_call` whose check raises for one person (t-lee)."""
    from nervecenter import hookimpl
    from nervecenter.core import plugins
    from nervecenter.core.model import RuleKind

    def check(req, case, person, schedule):
        return {"t-price": None, "r-adams": None}[person]  # KeyError for anyone else

    class OnCall:
        @hookimpl
        def register_rule_kinds(self, register):
            register(RuleKind(id="on_call", description="on the on-call list", check=check,
                              params_schema={"type": "object", "properties": {}}))

    plugins.reset()
    plugins.add_plugin(OnCall(), "oncall", "0.3", package="nervecenter-oncall")
    path = sheet_practice / "facilities" / "tulane.yaml"
    path.write_text(path.read_text() + "  - rule: on_call\n    role: any\n")
    yield
    plugins.reset()


def test_a_rule_kind_that_raises_blocks_only_its_cases_and_tells_the_managers_once(
        sheet_practice, nc, smtp_server, broken_rule_kind):
    cases = cases_json(nc, sheet_practice, "2026-12-01")
    assert cases["C-1"]["outcome"] == "cleared"  # t-price and r-adams: the plugin answers
    c2 = cases["C-2"]
    assert c2["outcome"] == "blocked"
    assert c2["problems"] == [{
        "person": "t-lee", "role": "technologist", "type": "on_call", "reason": "rule_error",
        "source": "facility:tulane",
        "detail": "rule kind 'on_call' of plugin 'oncall' (package nervecenter-oncall) failed: "
                  "KeyError: 't-lee'; the case is blocked until the plugin is fixed or the rule "
                  "removed."}]
    assert c2["backups"] == ["t-price"]

    code, out, err = nc("run", "--once", "--config", str(sheet_practice), "--on", "2026-12-01",
                        "--format", "json")
    assert code == 0, err
    planned = json.loads(out)["alerts"]
    [broken] = [a for a in planned if a["kind"] == "rule_error"]
    assert (broken["key"], broken["recipients"]) == ("rule_error:on_call:KeyError", ["dana"])
    assert ("warning: rule kind 'on_call' of plugin 'oncall' (package nervecenter-oncall) "
            "failed: KeyError: 't-lee'") in err
    assert broken["title"] == "Rule kind on_call is broken: 1 case is blocked until it is fixed"
    # everything else is planned and sent as usual: Jordan Price's BLS by email
    assert any("BLS Provider no. B-1" in _text(m) for m in smtp_server.messages)
    assert any(a["kind"] == "case" and a["case"] == "C-2" for a in planned)
    code, out, err = nc("run", "--once", "--config", str(sheet_practice), "--on", "2026-12-02",
                        "--format", "json")
    assert code == 0, err
    assert not [a for a in json.loads(out)["alerts"] if a["kind"] == "rule_error"]  # once


# ---------------------------------------------------------------- names as people write them


def test_types_headers_dates_and_times_as_a_spreadsheet_writes_them(sheet_practice, nc):
    write_csv(sheet_practice / "roster.csv", [
        "Person,Name,Role,Email,Credential Type,Card #,Issuer,Issue Date,Expiration Date",
        "t-price,Jordan Price,technologist,jp@bayou.example,BLS Provider,B-1,AHA,1/10/25,12/31/26",
        "t-price,Jordan Price,technologist,,C.N.I.M.,C-1,ABRET,2023-6-1,12/31/2028",
        "r-adams,Elise Adams,reader,,D.ABNM,D-3,ABNM,6/1/2023,12/31/2028",
        "r-adams,Elise Adams,reader,,cnim,C-3,ABRET,6/1/2023,12/31/2028",
    ])
    write_csv(sheet_practice / "cases.csv", [
        "Case #,Hospital,Date,Start Time,End Time,Procedure,Tech,Interpreting Physician",
        "C-1,tulane,12/3/2026,8:00 AM,12 PM,spine,t-price,r-adams",
        "C-2,Tulane Medical Center,12/4/26,1:30 PM,17:00,spine,t-price,r-adams",
    ])
    code, out, err = nc("import", "--config", str(sheet_practice),
                        str(sheet_practice / "roster.csv"), str(sheet_practice / "cases.csv"))
    assert code == 0, err
    cases = cases_json(nc, sheet_practice, "2026-12-01")
    assert [(c["start"], c["end"], c["technologist"], c["reader"], c["outcome"])
            for c in cases.values()] == [
        ("2026-12-03T08:00:00-06:00", "2026-12-03T12:00:00-06:00", "t-price", "r-adams",
         "cleared"),
        ("2026-12-04T13:30:00-06:00", "2026-12-04T17:00:00-06:00", "t-price", "r-adams",
         "cleared")]
    assert {c["facility"] for c in cases.values()} == {"tulane"}  # by its id or its name
    code, out, err = nc("status", "--config", str(sheet_practice), "--on", "2026-12-01",
                        "--person", "t-price", "--format", "json")
    assert {(d["type"], d["expires"]) for d in json.loads(out)["items"]} >= {("bls", "2026-12-31")}


def test_people_yaml_takes_type_names_as_people_write_them(sheet_practice, nc):
    people = sheet_practice / "people.yaml"
    people.write_text(textwrap.dedent("""\
        people:
          - id: r-adams
            name: Elise Adams
            role: reader
            credentials:
              - {type: D.ABNM, issued: 2023-06-01}
              - {type: BLS Provider, expires: 2027-01-31}
            ce:
              - {credential: d abnm, date: 2025-01-01, hours: 5}
        """))
    code, out, err = nc("import", "--config", str(sheet_practice), str(people))
    assert code == 0, err
    code, out, err = nc("status", "--config", str(sheet_practice), "--on", "2026-12-01",
                        "--person", "r-adams", "--within", "3650", "--format", "json")
    assert {"r-adams:d_abnm", "r-adams:bls"} <= {d["credential"]
                                                  for d in json.loads(out)["items"]}


def test_names_people_get_wrong_are_one_line_each_with_the_fix(sheet_practice, nc):
    write_csv(sheet_practice / "roster.csv", [
        "person,name,role,type,expires",
        "t-price,Jordan Price,technologist,alcs,12/31/2026",
        "t-price,Jordan Price,technologist,bls,31.12.2026",
    ])
    write_csv(sheet_practice / "cases.csv", [
        "Case ID,Facility,Date,Time,Tech,Technologist",
        "C-1,tulane,12/3/2026,8:00 AM,t-price,t-price",
    ])
    code, _, err = nc("import", "--config", str(sheet_practice),
                      str(sheet_practice / "roster.csv"), str(sheet_practice / "cases.csv"))
    assert code == 1
    roster, cases = sheet_practice / "roster.csv", sheet_practice / "cases.csv"
    assert sorted(err.splitlines()) == [
        f"{cases}:1: technologist: columns Tech and Technologist are both technologist; keep one",
        f"{roster}:2: type: unknown credential type 'alcs' (did you mean 'acls', ACLS Provider?)",
        (f"{roster}:3: expires: '31.12.2026' is not a date; write YYYY-MM-DD, MM/DD/YYYY, "
         "M/D/YY (read as 20YY) or an Excel date")]


def test_a_credentials_sheet_needs_only_the_id_and_file_order_does_not_matter(sheet_practice,
                                                                             nc):
    extra = sheet_practice / "extra.csv"
    write_csv(extra, ["person,type,number,issuer,issued,expires",
                      "t-lee,acls,A-2,AHA,3/1/2025,3/31/2027"])
    # extra.csv names t-lee, whom roster.csv (later on the command line) defines
    code, out, err = nc("import", "--config", str(sheet_practice), str(extra),
                        str(sheet_practice / "cases.csv"), str(sheet_practice / "roster.csv"))
    assert code == 0, err
    code, out, err = nc("status", "--config", str(sheet_practice), "--on", "2026-12-01",
                        "--person", "t-lee", "--within", "3650", "--format", "json")
    assert code == 0, err
    assert "t-lee:acls" in {d["credential"] for d in json.loads(out)["items"]}
    # the roster gives the people; the credentials sheet leaving out Alex Lee is no departure
    write_csv(extra, ["person,type,number,issuer,issued,expires",
                      "t-price,acls,A-1,AHA,3/1/2025,3/31/2027"])
    code, out, err = nc("import", "--config", str(sheet_practice), str(extra))
    assert code == 0, err
    assert "left" not in out
    # an unknown id there is still an error with a suggestion
    write_csv(extra, ["person,type,expires", "t-le,acls,3/31/2027"])
    code, out, err = nc("import", "--config", str(sheet_practice), str(extra))
    assert code == 1
    assert f"{extra}:2: name: is empty; give the person's name" in err


def test_a_refused_person_is_one_line_however_many_rows_name_them(sheet_practice, nc):
    """One problem per cause: the rows that name someone whose own row is refused (their other
    credentials, their cases, in any file of the import) are counted on that row's line."""
    roster, cases = sheet_practice / "roster.csv", sheet_practice / "cases.csv"
    write_csv(roster, [row.replace("t-lee,Alex Lee,technologist,", "t-lee,Alex Lee,tech,")
                       for row in ROSTER])
    write_cases(sheet_practice, [*CASES, "C-4,tulane,2026-12-06T08:00,,spine,t-lee,"])
    expected = [(f"{roster}:4: role: 'tech' is not one of technologist, reader; t-lee is also "
                f"named by row 5, {cases} rows 3 and 5, left unread until this is fixed")]
    for files in ((roster, cases), (cases, roster)):  # in either order
        code, out, err = nc("import", "--config", str(sheet_practice), *map(str, files))
        assert (code, err.splitlines()) == (1, expected), out
    code, _, err = nc("check", "--config", str(sheet_practice))
    assert (code, err.splitlines()) == (1, expected)

    # in people.yaml, refused by the schema, with everyone else read: their cases are fine
    people = sheet_practice / "people.yaml"
    people.write_text(textwrap.dedent("""\
        people:
          - {id: r-adams, name: Elise Adams, role: reader}
          - {id: t-price, name: Jordan Price, role: technologist}
          - {id: t-lee, name: Alex Lee, role: technologist, emial: alex@bayou.example}
        """))
    for files in ((people, cases), (cases, people)):
        code, out, err = nc("import", "--config", str(sheet_practice), *map(str, files))
        assert code == 1, out
        [line] = err.splitlines()
        assert line.startswith(f"{people}:4: people.2: unknown key 'emial'"), line
        assert line.endswith(f"; t-lee is also named by {cases} rows 3 and 5, left unread until "
                             "this is fixed"), line


def test_check_finds_what_the_import_finds_and_nothing_else(sheet_practice, nc):
    """check asks the importer's dry run: people the database holds resolve the sources' rows,
    and what an import would refuse, check refuses (nothing is written either way)."""
    roster, cases = sheet_practice / "roster.csv", sheet_practice / "cases.csv"
    code, _, err = nc("import", "--config", str(sheet_practice), str(roster))
    assert code == 0, err
    practice = sheet_practice / "practice.yaml"
    practice.write_text(practice.read_text().replace("[roster.csv, cases.csv]", "[cases.csv]"))
    code, out, err = nc("check", "--config", str(sheet_practice))
    assert code == 0, err  # the schedule's people are in the database
    assert out.splitlines()[-1] == "  0 people, 0 credentials, 0 CE entries, 3 cases"
    code, out, err = nc("cases", "--config", str(sheet_practice), "--on", "2026-12-01")
    assert code == 0 and "C-1" in out, err  # the sync took the schedule in
    write_cases(sheet_practice, [*CASES, "C-4,tulane,2026-12-06T08:00,,spine,r-adams,"])
    code, out, err = nc("check", "--config", str(sheet_practice))
    assert (code, err.splitlines()) == (1, [
        f"{cases}:5: technologist: r-adams is a reader, not a technologist"])
    with sqlite3.connect(sheet_practice / "state.db") as db:  # check wrote nothing
        assert [i for (i,) in db.execute("SELECT id FROM cases ORDER BY id")] == \
            ["C-1", "C-2", "C-3"]


# ---------------------------------------------------------------- nothing silent


def test_a_case_value_close_to_one_a_rule_names_is_a_warning_unless_values_are_listed(
        sheet_practice, nc):
    path = sheet_practice / "facilities" / "tulane.yaml"
    path.write_text(path.read_text() + "  - credential: acls\n    when: {procedure: [cranial]}\n")
    write_cases(sheet_practice, [*CASES, "C-4,tulane,2026-12-06T08:00,,cranail,t-price,r-adams"])
    code, _, err = nc("check", "--config", str(sheet_practice))
    assert code == 0, err
    cases = sheet_practice / "cases.csv"
    warning = (f"warning: {cases}:5: procedure: 'cranail' is not a value any rule's when: names, "
               "but 'cranial' is: rules for 'cranial' cases will not apply to it; fix the value "
               "if it is a typo")
    assert warning in err.splitlines()
    roster = sheet_practice / "roster.csv"
    code, _, err = nc("import", "--config", str(sheet_practice), str(roster), str(cases))
    assert code == 0 and warning in err.splitlines()

    practice = sheet_practice / "practice.yaml"
    practice.write_text(practice.read_text() + "case_values: {procedure: [spine, cranial]}\n")
    code, _, err = nc("import", "--config", str(sheet_practice), str(roster), str(cases))
    assert code == 1
    assert err.splitlines() == [(
        f"{cases}:5: procedure: 'cranail' is not one of the values practice.yaml lists for "
        "procedure (spine, cranial); did you mean 'cranial'? fix it, or add it to case_values")]


def test_a_value_case_values_lists_no_longer_is_said_by_every_command(sheet_practice, nc):
    """The sources are read again once the configuration they are read with changes: a
    schedule imported before `case_values:` was written is not kept silently."""
    write_cases(sheet_practice, [*CASES, "C-4,tulane,2026-12-06T08:00,,cranail,t-price,"])
    code, out, err = nc("cases", "--config", str(sheet_practice), "--on", "2026-12-01")
    assert code == 0 and "C-4" in out, err
    practice = sheet_practice / "practice.yaml"
    practice.write_text(practice.read_text() + "case_values: {procedure: [spine, cranial]}\n")
    code, out, err = nc("cases", "--config", str(sheet_practice), "--on", "2026-12-01")
    assert code == 0, err
    assert err.startswith("warning: cases.csv:5: procedure: 'cranail' is "
                          "not one of the values practice.yaml lists for procedure"), err


def test_two_files_disagreeing_and_a_role_change_under_assigned_cases_are_errors(
        sheet_practice, nc):
    roster, cases = sheet_practice / "roster.csv", sheet_practice / "cases.csv"
    code, _, err = nc("import", "--config", str(sheet_practice), str(roster), str(cases))
    assert code == 0, err
    other = sheet_practice / "other.csv"
    write_csv(other, ["id,facility,start,technologist", "C-1,tulane,2026-12-03T09:00,t-price"])
    code, _, err = nc("import", "--config", str(sheet_practice), str(cases), str(other))
    assert code == 1
    assert err.splitlines() == [(f"{other}:2: case C-1 is given differently by {cases}:2; make "
                                 "the two agree or keep it in one file")]

    write_csv(other, ["person,name,role,type", "t-lee,Alex Lee,reader,"])
    code, _, err = nc("import", "--config", str(sheet_practice), str(other))
    assert code == 1
    assert err.splitlines() == [(f"{other}:2: role: t-lee becomes a reader, but case C-2 "
                                 "still assigns them as technologist; reassign it first")]
    code, _, err = nc("import", "--config", str(sheet_practice), str(other), str(cases))
    assert code == 1  # the schedule in the same import says so row by row, and only it
    assert err.splitlines() == [f"{cases}:3: technologist: t-lee is a reader, not a technologist"]


def test_check_runs_every_rule_kind_over_the_upcoming_cases(sheet_practice, nc, monkeypatch,
                                                           broken_rule_kind):
    from datetime import date

    from nervecenter.core import clock

    # the cases are in December 2026: check runs as of a day before them
    monkeypatch.setattr(clock, "today", lambda tz, on=None: on or date(2026, 12, 1))
    code, _, err = nc("check", "--config", str(sheet_practice))
    assert code == 0, err
    assert (f"warning: {sheet_practice}/cases.csv:3: case C-2: rule kind 'on_call' of plugin "
            "'oncall' (package nervecenter-oncall) failed: KeyError: 't-lee'; the case is "
            "blocked until the plugin is fixed or the rule removed.") in err.splitlines()
    # as the evaluation does, check never runs a rule for someone who has left
    write_csv(sheet_practice / "roster.csv", [ROSTER[0] + ",left", *(
        row + (",11/30/2026" if row.startswith("t-lee,Alex") else ",") for row in ROSTER[1:])])
    code, _, err = nc("check", "--config", str(sheet_practice))
    assert code == 0, err
    assert "on_call" not in err, err


# ---------------------------------------------------------------- an Excel workbook


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


@pytest.fixture
def workbook_practice(sheet_practice) -> Path:
    """The spreadsheet practice with its roster, credentials and schedule in one workbook."""
    path = sheet_practice / "practice.yaml"
    path.write_text(path.read_text().replace("sources: [roster.csv, cases.csv]",
                                             "sources: [practice.xlsx]"))
    (sheet_practice / "roster.csv").unlink()
    (sheet_practice / "cases.csv").unlink()
    return sheet_practice


WORKBOOK = {
    "Roster": [
        ["Person", "Name", "Role", "Email", "NPI", "Notify", "Active", "Left",
         "Credential Type", "Card #", "Issue Date", "Expiration Date"],
        ["t-price", "Jordan Price", "technologist", "jp@bayou.example", None,
         "file://outbox/t-price.jsonl", "yes", None, "BLS Provider", "B-1", "1/10/25",
         date(2026, 12, 31)],
        ["r-adams", "Elise Adams", "reader", None, "1234567893", None, None, None,
         "D.ABNM", "D-3", date(2023, 6, 1), "12/31/28"],
        ["t-lee", "Alex Lee", "technologist", None, None, None, "no", None,
         "BLS", "B-2", None, "12/31/2026"],
        ["t-ross", "Sam Ross", "technologist", None, None, None, None, date(2026, 12, 4),
         "bls", "B-4", None, datetime(2026, 12, 31)],
    ],
    "Credentials": [  # people of the roster: their id alone
        ["Person", "Credential Type", "Card #", "Expiration date"],
        ["t-price", "CNIM", "C-1", "12/31/28"],
        ["r-adams", "C.N.I.M.", "C-3", datetime(2028, 12, 31)],
        ["t-lee", "cnim", "C-2", "12/31/28"],
        ["t-ross", "cnim", "C-4", "12/31/28"],
    ],
    "Schedule": [
        ["Case #", "Hospital", "Date", "Start time", "End time", "Procedure", "Tech",
         "Interpreting physician"],
        ["C-1", "tulane", date(2026, 12, 3), "8:00 AM", "12 PM", "spine", "t-price", "r-adams"],
        ["C-2", "tulane", "12/7/26", time(13, 30), time(17, 0), "spine", "t-ross", "r-adams"],
        ["C-3", "tulane", "12/3/2026", "1:30 PM", "5:00 PM", "spine", "t-lee", "r-adams"],
    ],
}


def test_a_workbook_takes_the_columns_headers_dates_and_times_a_csv_does(workbook_practice, nc,
                                                                         monkeypatch):
    from nervecenter.core import clock

    # imported on 2026-12-02: "Active: no" is "left on the day it is first imported", before
    # C-3 on the 3rd whatever the day the test runs
    monkeypatch.setattr(clock, "today", lambda tz, on=None: on or date(2026, 12, 2))
    book = workbook_practice / "practice.xlsx"
    write_xlsx(book, WORKBOOK)
    code, out, err = nc("import", "--config", str(workbook_practice), str(book))
    assert code == 0, err
    cases = cases_json(nc, workbook_practice, "2026-12-01")
    assert [(c["id"], c["start"], c["end"], c["technologist"], c["reader"], c["outcome"])
            for c in cases.values()] == [
        ("C-1", "2026-12-03T08:00:00-06:00", "2026-12-03T12:00:00-06:00", "t-price", "r-adams",
         "cleared"),
        ("C-3", "2026-12-03T13:30:00-06:00", "2026-12-03T17:00:00-06:00", "t-lee", "r-adams",
         "blocked"),
        ("C-2", "2026-12-07T13:30:00-06:00", "2026-12-07T17:00:00-06:00", "t-ross", "r-adams",
         "blocked")]
    # Alex Lee is inactive since this import (the 2nd); Sam Ross left on the 4th, before C-2 on
    # the 7th
    assert [(p["person"], p["reason"]) for p in cases["C-3"]["problems"]] == [
        ("t-lee", "inactive")]
    assert [(p["person"], p["reason"]) for p in cases["C-2"]["problems"]] == [
        ("t-ross", "inactive")]
    assert "Sam Ross left the practice on 2026-12-04" in cases["C-2"]["problems"][0]["detail"]

    code, out, err = nc("status", "--config", str(workbook_practice), "--on", "2026-12-01",
                        "--person", "r-adams", "--within", "3650", "--format", "json")
    assert code == 0, err
    assert {(d["type"], d["expires"]) for d in json.loads(out)["items"]} == {
        ("d_abnm", "2028-12-31"), ("cnim", "2028-12-31")}
    code, out, err = nc("export", "--config", str(workbook_practice), "--out",
                        str(workbook_practice / "out"), "--on", "2026-12-01")
    assert code == 0, err
    people = (workbook_practice / "out" / "people.csv").read_text()
    assert "r-adams,Elise Adams,reader,,,,1234567893" in people
    # the Notify column is Jordan Price's own channel
    code, out, err = nc("run", "--once", "--config", str(workbook_practice), "--on",
                        "2026-12-01")
    assert code == 0, err
    assert any("BLS" in x["body"] for x in outbox(workbook_practice, "t-price"))


def test_every_problem_of_a_workbook_names_its_sheet(workbook_practice, nc):
    bad = {title: [list(row) for row in rows] for title, rows in WORKBOOK.items()}
    bad["Roster"][4][4] = "12345"  # Sam Ross's NPI: his line says which rows wait for it
    bad["Credentials"][1][3] = "31.12.2028"  # Expiration date
    bad["Credentials"][2][1] = "alcs"
    bad["Schedule"][1][3] = "25:00"  # Start time
    bad["Schedule"][3][6] = "t-le"  # Tech
    book = workbook_practice / "practice.xlsx"
    write_xlsx(book, bad)
    code, out, err = nc("import", "--config", str(workbook_practice), str(book))
    assert code == 1, out
    assert sorted(err.splitlines()) == [
        (f"{book}[Credentials]:2: expires: '31.12.2028' is not a date; write YYYY-MM-DD, "
        "MM/DD/YYYY, M/D/YY (read as 20YY) or an Excel date"),
        (f"{book}[Credentials]:3: type: unknown credential type 'alcs' (did you mean 'acls', "
        "ACLS Provider?)"),
        (f"{book}[Roster]:5: npi: '12345' is not a 10-digit NPI; give the NPI or leave it "
         "empty; t-ross is also named by sheet Credentials row 5, sheet Schedule row 3, left "
         "unread until this is fixed"),
        (f"{book}[Schedule]:2: start: '25:00' is not a time; write HH:MM (24-hour), H:MM AM/PM "
        "or H AM/PM, local to the facility"),
        (f"{book}[Schedule]:4: technologist: unknown person 't-le' (did you mean 't-lee'?); "
        "import the roster first or fix the id")]
    code, out, err = nc("cases", "--config", str(workbook_practice), "--on", "2026-12-01")
    assert "C-1" not in out  # nothing was written


def test_every_mistake_of_a_people_file_in_one_pass(sheet_practice, nc):
    """A schema error in one person does not hide the other people's mistakes, nor the cases'."""
    people = sheet_practice / "people.yaml"
    people.write_text(textwrap.dedent("""\
        people:
          - {id: t-price, name: Jordan Price, role: technologist, emial: jp@bayou.example}
          - id: t-lee
            name: Alex Lee
            role: technologist
            credentials:
              - {type: alcs, expires: 2027-03-31}
          - id: r-adams
            name: Elise Adams
            role: reader
            credentials:
              - {type: cnim, expires: 2028-12-31, status: lapsd}
        cases:
          - {id: C-9, facility: tulan, start: 2026-12-03T08:00, technologist: t-price}
        """))
    code, _, err = nc("import", "--config", str(sheet_practice), str(people))
    assert code == 1
    found = [line.removeprefix(f"{people}:") for line in err.splitlines()]
    assert len(found) == 4, err
    assert found[0].startswith("2: people.0: unknown key 'emial'"), err
    assert found[1:] == [
        "7: type: unknown credential type 'alcs' (did you mean 'acls', ACLS Provider?)",
        ("12: people.2.credentials.0.status: 'lapsd' is not one of active, renewal_submitted, "
         "revoked"),
        "14: facility: unknown facility 'tulan' (did you mean 'tulane', Tulane Medical Center?)"], err
