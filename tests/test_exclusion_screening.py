"""`nervecenter screen` end to end on a copy of the example practice, on SQLite and PostgreSQL:
a LEIE file in the OIG's published layout, an NPI match (confirmed, blocks from the exclusion
date, managers alerted), a name-only possible match (confirm/dismiss), a reinstatement, a SAM
extract, and malformed files (file:row: column: problem, nothing written)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from kit.practice import copy_example

HEADER = ("LASTNAME,FIRSTNAME,MIDNAME,BUSNAME,GENERAL,SPECIALTY,UPIN,NPI,DOB,ADDRESS,CITY,STATE,"
          "ZIP,EXCLTYPE,EXCLDATE,REINDATE,WAIVERDATE,WVRSTATE\n")
OKAFOR = ("OKAFOR,CHIDI,,,IND- LIC HC SERV PRO,NEUROMONITORING,,1234567893,19850101,1 MAIN ST,"
          "HOUSTON,TX,77030,1128b4,{excl},{rein},00000000,\n")
PRICE = ("PRICE,JORDAN,A,,OTHER BUSINESS,,,0000000000,19700101,2 ELM ST,BATON ROUGE,LA,70801,"
         "1128a1,20200101,00000000,00000000,\n")
BUSINESS = (",,,ACME DME,DME,,,0000000000,00000000,3 OAK,MIAMI,FL,33101,1128b7,20190101,"
            "00000000,00000000,\n")
# a different person with Okafor's name but another NPI: the NPIs decide, no match
NAMESAKE = ("OKAFOR,CHIDI,,,IND- LIC HC SERV PRO,NURSING,,1992753880,19600101,9 PINE,DALLAS,TX,"
            "75201,1128b4,20150101,00000000,00000000,\n")


@pytest.fixture
def practice(tmp_path, database_url):
    target = copy_example(tmp_path / "example", practice={"database": database_url})
    people = target / "people.yaml"  # by text: the YAML keeps its `on:` keys as written
    people.write_text(people.read_text().replace(
        "    name: Chidi Okafor\n", "    name: Chidi Okafor\n    npi: \"1234567893\"\n"))
    return target


@pytest.fixture
def nc(nc, practice):
    """The kit's in-process CLI, run in the practice's directory (its --config default)."""
    return lambda *args: nc(*args, cwd=practice)


def leie(tmp_path: Path, *rows: str, name: str = "UPDATED.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows))
    return path


def problems_of(nc, case_id: str, on: str) -> list[dict]:
    code, out, err = nc("cases", "--on", on, "--format", "json")
    assert code == 0, err
    return next(c for c in json.loads(out)["cases"] if c["id"] == case_id)["problems"]


def test_an_npi_match_blocks_from_the_exclusion_date_and_alerts_the_managers(practice, tmp_path,
                                                                             nc):
    path = leie(tmp_path, OKAFOR.format(excl="20261204", rein="00000000"), PRICE, BUSINESS,
                NAMESAKE)
    code, out, err = nc("screen", "--leie", str(path), "--on", "2026-12-01", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["files"] == [{"list": "LEIE", "name": "UPDATED.csv", "rows": 4,
                                "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}]
    assert (result["on"], result["people"], result["expires"]) == ("2026-12-01", 9, "2026-12-31")
    assert [(m["person"], m["matched_by"], m["decision"], m["kind"], m["since"], m["row"])
            for m in result["matches"]] == [
        ("t-okafor", "npi", "confirmed", "1128b4", "2026-12-04", 2),
        ("t-price", "name", "possible", "1128a1", "2020-01-01", 3)]
    # C-1004 (Okafor, 2026-12-07) is blocked; a case before the exclusion date is not touched
    [p] = [p for p in problems_of(nc, "C-1004", "2026-12-01") if p["reason"] == "excluded"]
    assert p == {"person": "t-okafor", "role": "technologist", "type": "exclusion_screening",
                 "reason": "excluded", "source": "exclusion:LEIE",
                 "detail": "Chidi Okafor is on the OIG exclusion list since 2026-12-04 (1128b4); "
                           "every case is blocked until a reinstatement."}
    # a possible (name-only) match never blocks by itself
    assert all(p["reason"] != "excluded" for p in problems_of(nc, "C-1001", "2026-12-01"))
    # the managers hear at once, and only once
    code, out, _ = nc("alerts", "plan", "--on", "2026-12-01", "--format", "json")
    [alert] = [a for a in json.loads(out)["alerts"] if a["kind"] == "excluded"]
    assert alert["recipients"] == ["dana", "marcus"] and alert["person"] == "t-okafor"
    assert alert["title"] == ("Chidi Okafor is on the OIG exclusion list (LEIE), excluded from "
                              "2026-12-04")
    # everyone's screening was renewed for the month, with the file's hash on record
    code, out, _ = nc("status", "--on", "2026-12-01", "--person", "r-adams", "--format", "json")
    [due] = [d for d in json.loads(out)["items"] if d["type"] == "exclusion_screening"]
    assert due["due"] == "2026-12-31"


def test_a_name_match_is_for_a_manager_to_confirm_or_dismiss(practice, tmp_path, nc):
    path = leie(tmp_path, PRICE)
    assert nc("screen", "--leie", str(path), "--on", "2026-12-01")[0] == 0
    code, out, err = nc("screen", "--dismiss", "t-price")
    assert (code, out) == (0, "t-price: 1 possible match dismissed.\n"), err
    # next month's screening remembers the dismissal instead of asking again
    code, out, _ = nc("screen", "--leie", str(path), "--on", "2027-01-02", "--format", "json")
    assert [m["decision"] for m in json.loads(out)["matches"]] == ["dismissed"]
    code, _out, err = nc("screen", "--confirm", "t-price")
    assert (code, err) == (1, ("t-price has no possible exclusion-list match to decide; "
                               "`nervecenter screen --list` shows the matches\n"))


def test_a_confirmed_name_match_blocks_and_a_reinstatement_clears(practice, tmp_path, nc):
    assert nc("screen", "--leie", str(leie(tmp_path, PRICE)), "--on", "2026-12-01")[0] == 0
    assert nc("screen", "--confirm", "t-price")[0] == 0
    assert [p["reason"] for p in problems_of(nc, "C-1001", "2026-12-01")][:1] == ["excluded"]
    # the next month's list carries the reinstatement (REINDATE): cleared from that day
    reinstated = PRICE.replace("1128a1,20200101,00000000", "1128a1,20200101,20261205")
    code, out, _ = nc("screen", "--leie", str(leie(tmp_path, reinstated, name="2026-12.csv")),
                      "--on", "2026-12-02", "--format", "json")
    assert code == 0
    [m] = json.loads(out)["matches"]
    assert (m["decision"], m["until"]) == ("possible", "2026-12-05")
    assert nc("screen", "--confirm", "t-price")[0] == 0
    assert any(p["reason"] == "excluded" for p in problems_of(nc, "C-1001", "2026-12-01"))
    later = [c for c in json.loads(nc("cases", "--on", "2026-12-06", "--format", "json")[1])
             ["cases"] if c["technologist"] == "t-price"]
    assert later and all(p["reason"] != "excluded" for c in later for p in c["problems"])


def test_a_sam_extract_is_screened_beside_the_leie(practice, tmp_path, nc):
    sam = tmp_path / "SAM_Exclusions.csv"
    sam.write_text("Classification,Name,Prefix,First,Middle,Last,Suffix,NPI,Exclusion Type,"
                   "Active Date,Termination Date\n"
                   "Individual,,,Linh,,Nguyen,,,Ineligible (Proceedings Completed),"
                   "03/14/2025,Indefinite\n")
    code, out, err = nc("screen", "--leie", str(leie(tmp_path, BUSINESS)), "--sam", str(sam),
                        "--on", "2026-12-01", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert [f["list"] for f in result["files"]] == ["LEIE", "SAM"]
    assert [(m["person"], m["list"], m["decision"], m["since"], m["until"])
            for m in result["matches"]] == [("t-nguyen", "SAM", "possible", "2025-03-14", None)]


@pytest.mark.parametrize("rows, problem", [
    (PRICE.replace("20200101", "2020-01-01"),
     "{f}:2: EXCLDATE: '2020-01-01' is not a date written YYYYMMDD"),
    (PRICE + PRICE.replace(",1128a1,20200101,", ",1128a1,00000000,"),
     "{f}:3: EXCLDATE: is empty; every exclusion has a date"),
    ("PRICE,JORDAN\n", "{f}:2: has 2 columns, the header 18"),
])
def test_a_malformed_leie_file_names_file_row_column_and_writes_nothing(practice, tmp_path, nc,
                                                                       rows, problem):
    path = leie(tmp_path, rows)
    code, out, err = nc("screen", "--leie", str(path), "--on", "2026-12-01")
    assert (code, out, err) == (1, "", problem.format(f=path) + "\n")
    code, out, _ = nc("screen", "--list", "--format", "json")
    assert json.loads(out) == {"matches": []}
    code, out, _ = nc("status", "--on", "2026-12-01", "--format", "json")
    assert "exclusion_screening" not in out


def test_a_file_not_in_the_leie_layout_is_refused(practice, tmp_path, nc):
    path = tmp_path / "names.csv"
    path.write_text("last,first\nPrice,Jordan\n")
    code, _out, err = nc("screen", "--leie", str(path))
    assert code == 1
    assert err.startswith(f"{path}:1: not the OIG's LEIE layout: no column LASTNAME, ")


def test_the_audit_packet_shows_the_screening_in_force_on_each_cases_day(practice, tmp_path,
                                                                          nc):
    november = leie(tmp_path, BUSINESS, name="2026-11.csv")
    december = leie(tmp_path, BUSINESS, PRICE, name="2026-12.csv")
    assert nc("screen", "--leie", str(november), "--on", "2026-11-01")[0] == 0
    assert nc("screen", "--leie", str(december), "--on", "2026-12-08")[0] == 0
    code, out, err = nc("audit", "--facility", "ochsner-main", "--from", "2026-12-01",
                        "--to", "2026-12-31", "--on", "2026-12-08", "--format", "json")
    assert code == 0, err
    by_case = {c["id"]: c["exclusion_screening"] for c in json.loads(out)["cases"]}
    # C-1001 on 2026-12-03: November's screening, run out on 2026-11-30, is shown as such
    assert by_case["C-1001"]["technologist"] == {
        "screened_on": "2026-11-01", "valid_through": "2026-11-30", "current": False,
        "verification": "LEIE 2026-11.csv sha256 "
                        + hashlib.sha256(november.read_bytes()).hexdigest()}
    # C-1013 on 2026-12-17: December's, with its own file's hash
    assert by_case["C-1013"]["reader"]["screened_on"] == "2026-12-08"
    assert by_case["C-1013"]["reader"]["verification"].endswith(
        hashlib.sha256(december.read_bytes()).hexdigest())


@pytest.mark.parametrize("flag", ["--leie", "--sam"])
def test_a_list_over_the_input_limit_is_refused_unread(practice, tmp_path, nc, monkeypatch, flag):
    """Before: the lists were read whole, whatever their size."""
    big = leie(tmp_path, PRICE * 10_000, name="big.csv")
    size = big.stat().st_size / 1024 / 1024
    more = int(size) + 2  # the whole megabytes over it, and one
    monkeypatch.setenv("NERVECENTER_MAX_INPUT_MB", "0.5")
    files = [flag, str(big)] + (["--leie", str(leie(tmp_path))] if flag == "--sam" else [])
    code, out, err = nc("screen", *files, "--on", "2026-12-01")
    assert (code, out) == (1, "")
    assert err == (f"{big}: is {size:,.1f} MB, over the 0.5 MB limit on input files; split it, "
                   f"or raise the limit with `limits: {{max_input_mb: {more}}}` in practice.yaml "
                   f"(or NERVECENTER_MAX_INPUT_MB={more} for one run)\n")
    monkeypatch.delenv("NERVECENTER_MAX_INPUT_MB")
    assert json.loads(nc("screen", "--list", "--format", "json")[1]) == {"matches": []}
