"""Issue 13, points 5 and 12: spreadsheets that unpack to gigabytes, declare entity bombs or stop
mid-sheet; files over the size limit; memory that follows the rows kept, not the file. Each is
run through the installed command, with its peak memory as the kernel counted it."""

from __future__ import annotations

import pytest
from kit import hostile
from kit.cli import problems
from kit.cli import run as run_cli
from kit.practice import example_without_sources, write_yaml
from kit.state import db_digest, fresh_database

SAVE_AGAIN = "open it in Excel or LibreOffice and save it again"


@pytest.fixture
def practice(tmp_path):
    config = example_without_sources(tmp_path / "practice")
    fresh_database(config)
    return config


def _import_refused(config, name, env=None) -> tuple[str, dict]:
    """`import NAME` as a process: exit 1, one problem line, the database as it was."""
    db = config / ".nervecenter" / "state.db"
    before = db_digest(db)
    done = hostile.child(["import", "--config", ".", name], config, env)
    assert done["exit"] == 1, done
    [line] = done["stderr"].splitlines()
    assert "Traceback" not in done["stderr"]
    assert db_digest(db) == before
    return line, done


# ---------------------------------------------------------------- XLSX


def test_an_xlsx_of_whitespace_is_refused_unread(practice):
    """Before: 256 MB of spaces in a 0.3 MB workbook imported with exit 0 at ~600 MB of memory
    (1.5 GB of spaces: 3.2 GB). Now its unpacked size is read from the zip's directory first."""
    hostile.whitespace_xlsx(practice / "ws.xlsx", 256)
    line, done = _import_refused(practice, "ws.xlsx")
    assert line.startswith("ws.xlsx: sheet Sheet: unpacks to 256 MB from 0.25 MB (1,0")
    assert line.endswith(f"refused unread, as it would take that much memory; {SAVE_AGAIN}")
    assert done["peak_mb"] < 150, done


def test_an_xlsx_over_its_unpacked_limit_names_the_limit(practice):
    """A workbook whose parts pack like a real sheet (~10x) but unpack past 4x the input limit."""
    import openpyxl

    book = openpyxl.Workbook()
    for n in range(10_000):
        book.active.append([f"t-{n:06d}", f"Person {n}", "technologist", "bls", "2027-01-31",
                            f"N-{n * 7919 % 1000003:07d}"])
    book.save(practice / "big.xlsx")
    write_yaml(practice / "practice.yaml",
               {**_yaml(practice / "practice.yaml"), "limits": {"max_input_mb": 0.5}})
    line, _ = _import_refused(practice, "big.xlsx")
    assert line.startswith("big.xlsx: unpacks to ")
    assert "MB, over the 2 MB an XLSX may unpack to (4 times the 0.5 MB limit on input files); " \
           "split it, or raise the limit with `limits: {max_input_mb: " in line
    assert "NERVECENTER_MAX_INPUT_MB=" in line


@pytest.mark.parametrize("make, says", [
    (hostile.entity_xlsx, ("declares XML entities, which no spreadsheet program writes (an "
                          "entity bomb, or a reference to another file) and NerveCenter does "
                          f"not read; {SAVE_AGAIN}")),
    (lambda p: hostile.entity_xlsx(p, external=True), "declares XML entities"),
    (hostile.truncated_xlsx, "is cut off or damaged (XML: unclosed token: line 1, column "),
    (hostile.damaged_xlsx, "is damaged (Error -3 while decompressing data: "),
], ids=["entity-bomb", "external-entity", "truncated", "bad-crc"])
def test_a_hostile_or_damaged_sheet_is_one_line_naming_it(practice, make, says):
    """Before: a ParseError traceback (the bomb stopped by expat's amplification limit, the
    external entity left undefined). Now openpyxl parses with defusedxml."""
    make(practice / "x.xlsx")
    line, done = _import_refused(practice, "x.xlsx")
    assert line.startswith("x.xlsx: sheet Sheet: ") and says in line, line
    assert "root:" not in done["stderr"]


def test_openpyxl_parses_with_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML


# ---------------------------------------------------------------- the size of input files


def _yaml(path):
    from kit.practice import read_yaml

    return read_yaml(path)


def test_a_file_over_the_input_limit_is_one_line_with_the_way_to_raise_it(practice):
    """Before: no limit at all. practice.yaml's `limits: {max_input_mb}` sets it; the
    environment variable overrides it for one run."""
    rows = "".join(f"t-{n:06d},Person {n},technologist,bls,2027-01-31\n" for n in range(40_000))
    (practice / "big.csv").write_text("person,name,role,type,expires\n" + rows)
    size = (practice / "big.csv").stat().st_size / 1024 / 1024
    write_yaml(practice / "practice.yaml",
               {**_yaml(practice / "practice.yaml"), "limits": {"max_input_mb": 1}})
    line, _ = _import_refused(practice, "big.csv")
    assert line == (f"big.csv: is {size:,.1f} MB, over the 1 MB limit on input files; split it, "
                    "or raise the limit with `limits: {max_input_mb: 3}` in practice.yaml (or "
                    "NERVECENTER_MAX_INPUT_MB=3 for one run)")
    done = hostile.child(["import", "--config", ".", "big.csv"], practice,
                         {"NERVECENTER_MAX_INPUT_MB": "3"})
    assert done["exit"] == 0, done["stderr"]


def test_every_kind_of_input_file_is_held_to_the_limit(practice, monkeypatch):
    """YAML configuration, people.yaml, an iCalendar schedule and a CE sheet alike."""
    monkeypatch.setenv("NERVECENTER_MAX_INPUT_MB", "0.01")  # 10 kB
    padding = "# " + "x" * 78 + "\n"
    (practice / "facilities" / "tulane.yaml").write_text(
        (practice / "facilities" / "tulane.yaml").read_text() + padding * 200)
    code, _, err = run_cli("check", "--config", ".", cwd=practice)
    assert code == 1
    assert [(p["file"], p["line"]) for p in problems(err)] == [("facilities/tulane.yaml", None)]
    assert "over the 0.01 MB limit on input files" in err and "is 16 kB" in err
    monkeypatch.setenv("NERVECENTER_MAX_INPUT_MB", "1")
    (practice / "facilities" / "tulane.yaml").write_text(
        (practice / "facilities" / "tulane.yaml").read_text().replace(padding, ""))
    for name, text in [("people2.yaml", "people: []\n" + padding * 14_000),
                       ("cal.ics", "BEGIN:VCALENDAR\r\n" + ("X-PAD:" + "x" * 74 + "\r\n") * 14_000
                        + "END:VCALENDAR\r\n"),
                       ("ce.csv", "person,credential,date,hours\n"
                        + "t-price,cnim,2026-01-05,1\n" * 45_000)]:
        (practice / name).write_text(text)
        code, _, err = run_cli("import", "--config", ".", name, cwd=practice)
        assert code == 1, (name, err)
        [p] = problems(err)
        assert p["file"] == name and p["message"].startswith("is 1.") \
            and "over the 1 MB limit on input files" in p["message"], err


def test_a_bad_limit_in_the_environment_is_one_line(practice, monkeypatch):
    monkeypatch.setenv("NERVECENTER_MAX_INPUT_MB", "lots")
    code, _, err = run_cli("check", "--config", ".", cwd=practice)
    assert (code, err) == (1, ("NERVECENTER_MAX_INPUT_MB='lots' is not a number of megabytes; "
                              "e.g. NERVECENTER_MAX_INPUT_MB=200\n"))


def test_memory_follows_the_rows_kept_not_the_file(practice):
    """10 MB of empty rows and one bad last row. Before: the bytes, the text and every parsed
    row were held at once (~250 MB); now rows are read as they come and empty ones keep
    nothing."""
    with (practice / "blank.csv").open("w", newline="") as f:
        f.write("person,name,role,type,number,issuer,issued,expires\r\n")
        f.write(",,,,,,,\r\n" * 1_100_000)
        f.write("t-last,Last Person,technologist,bls,,,,31.01.2027\r\n")
    line, done = _import_refused(practice, "blank.csv")
    assert line.startswith("blank.csv:1100002: expires: '31.01.2027' is not a date")
    assert done["peak_mb"] < 150, done
