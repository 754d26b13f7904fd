"""Bad input at scale: generated configurations and spreadsheets, valid and broken.

For every input, either it loads, or the command exits 1 with one `file:line: message` per
problem and no traceback; a failed import writes nothing (the database digest is unchanged).
The roster property has its own oracle: it knows which generated rows are broken and in which
column, and expects exactly those rows and columns back. More examples with `pytest --slow`.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit import examples
from kit.cli import problems, run_process
from kit.cli import run as run_cli
from kit.practice import DROP, big_roster, copy_example, example_without_sources, yaml_paths
from kit.state import db_digest, file_digest, fresh_database

from nervecenter.core import yamlfile

CONFIG_FILES = ["practice.yaml", "facilities/ochsner-main.yaml", "facilities/tulane.yaml",
                "facilities/memorial-hermann-tmc.yaml", "states/LA.yaml", "people.yaml"]


def fuzz(default: int, slow: int) -> settings:
    """Hypothesis settings: `default` examples, `slow` under --slow; no deadline (the CLI
    loads plugins and opens databases, which takes varying time on a loaded machine)."""
    return settings(max_examples=examples(default, slow), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


TRIED = {"config-structure": 0, "config-text": 0, "roster": 0, "roster-failed": 0}


@pytest.fixture(scope="module")
def example_template(tmp_path_factory):
    return copy_example(tmp_path_factory.mktemp("template") / "practice")


def _plain(value):
    """Loaded YAML (LineDict/LineList) as plain dicts and lists, for yaml.safe_dump."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _parent(data, path):
    node = data
    for step in path[:-1]:
        node = node[step]
    return node


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**12), st.floats(allow_nan=True),
    st.text(max_size=30), st.dates(date(1, 1, 1), date(9999, 12, 31)),
    st.sampled_from(["", " ", "block", "warn", "technologist", "reader", "any", "cnim", "bls",
                     "LA", "TX", "Mars/Olympus", "America/Chicago", "0 6 * * *", "* * *",
                     "mailto://x", "2026-02-30", "2026-13-01", "on", "yes", "~", "-1"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=12), inner, max_size=3)),
    max_leaves=6)


def _check_output(config: Path, code: int, err: str) -> None:
    """Exit 0, or exit 1 with every line a problem in a file of the configuration directory at
    a line that exists in it."""
    assert code in (0, 1), err
    if code == 0:
        return
    for m in problems(err):
        path = config / m["file"]
        assert path.is_file(), f"the message names no file of the practice: {m.group(0)}"
        if m["line"]:
            lines = path.read_bytes().count(b"\n") + 1
            assert 1 <= int(m["line"]) <= lines, m.group(0)


@fuzz(40, 400)
@given(data=st.data())
def test_structurally_mutated_configurations_load_or_name_file_and_line(example_template, data):
    """Replace, delete or add one value anywhere in one YAML file, then `nervecenter check`."""
    TRIED["config-structure"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "practice"
        shutil.copytree(example_template, config)
        name = data.draw(st.sampled_from(CONFIG_FILES), label="file")
        tree = _plain(yamlfile.load(config / name))
        path = data.draw(st.sampled_from(list(yaml_paths(tree))), label="path")
        action = data.draw(st.sampled_from(["replace", "delete", "add"]), label="action")
        if not path:
            tree = data.draw(values, label="whole file")
        elif action == "replace":
            _parent(tree, path)[path[-1]] = data.draw(values, label="value")
        elif action == "delete":
            del _parent(tree, path)[path[-1]]
        else:
            parent = _parent(tree, path)
            if isinstance(parent, dict):
                parent[data.draw(st.text(min_size=1, max_size=12), label="key")] = \
                    data.draw(values, label="value")
            else:
                parent.insert(path[-1], data.draw(values, label="value"))
        text = yaml.safe_dump(tree, sort_keys=False, allow_unicode=True)
        (config / name).write_text(text, encoding="utf-8")
        code, _out, err = run_cli("check", "--config", ".", cwd=config)
        _check_output(config, code, err)


def _text_mutation(text: str, data) -> str:
    lines = text.split("\n")
    kind = data.draw(st.sampled_from(["truncate", "tab", "insert", "delete_line",
                                      "duplicate_line", "indent"]), label="mutation")
    at = data.draw(st.integers(0, max(len(lines) - 1, 0)), label="line")
    if kind == "truncate":
        return text[:data.draw(st.integers(0, len(text)), label="cut")]
    if kind == "tab":
        lines[at] = "\t" + lines[at]
    elif kind == "insert":
        col = data.draw(st.integers(0, len(lines[at])), label="column")
        junk = data.draw(st.one_of(st.text(max_size=8), st.sampled_from(
            [":", "- ", "{", "]", "'", '"', "&a", "*a", "!!python/object:os.system", "%", "@",
             "`", "|", ">", "#", "? ", "\x00", "\ufeff", "\u2028"])), label="junk")
        lines[at] = lines[at][:col] + junk + lines[at][col:]
    elif kind == "delete_line":
        del lines[at]
    elif kind == "duplicate_line":
        lines.insert(at, lines[at])
    else:
        lines[at] = " " * data.draw(st.integers(1, 6), label="spaces") + lines[at]
    return "\n".join(lines)


@fuzz(40, 400)
@given(data=st.data())
def test_textually_broken_configurations_load_or_name_file_and_line(example_template, data):
    """Truncate, tab-indent, insert junk, delete, duplicate or re-indent a line of one file."""
    TRIED["config-text"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "practice"
        shutil.copytree(example_template, config)
        name = data.draw(st.sampled_from(CONFIG_FILES), label="file")
        text = (config / name).read_text(encoding="utf-8")
        (config / name).write_text(_text_mutation(text, data), encoding="utf-8")
        code, _out, err = run_cli("check", "--config", ".", cwd=config)
        _check_output(config, code, err)


def test_a_line_separator_inside_a_value_stays_on_its_problems_line(example_template, tmp_path):
    """Found by the test above: U+2028 inside a date split the message into two lines."""
    config = tmp_path / "practice"
    shutil.copytree(example_template, config)
    people = config / "people.yaml"
    text = people.read_text(encoding="utf-8")
    # byte-level on purpose: the raw U+2028 in the file is the defect (a YAML writer escapes it)
    people.write_text(text.replace("issued: 2025-07-14", "issued: 2\u2028025-07-14", 1),
                      encoding="utf-8")
    code, _out, err = run_cli("check", "--config", ".", cwd=config)
    assert code == 1
    [line] = err.splitlines()
    # the cases of the person whose line it is wait for it, said on that one line
    assert line.endswith("issued: 2\\u2028025-07-14 is not a date; write YYYY-MM-DD; t-okafor is "
                         "also named by cases.csv rows 5, 10 and 13, left unread until this is "
                         "fixed"), line
    _check_output(config, code, err)


# ---------------------------------------------------------------- spreadsheets, with an oracle

EXCEL_EPOCH = date(1899, 12, 30)  # Excel's serial 1 is 1900-01-01 (and it counts 1900-02-29)
TYPES = {  # type -> scope, from the example's plugins (ionm, facility-health)
    "cnim": None, "bls": None, "acls": None, "pals": None, "d_abnm": None,
    "state_license": "state", "facility_privileges": "facility", "tb_screening": "facility"}
FACILITIES = ["ochsner-main", "tulane", "memorial-hermann-tmc"]
STATES = ["LA", "TX", "MS"]
BAD_DATES = ["2026-02-30", "31.12.2026", "Dec 31 2026", "=DATE(2026,12,31)", "13/01/2026",
             "2026/12/31", "tomorrow", "0", "2026-12", "12/31/26"]
# a cell of text that must come back unchanged (after stripping blanks at both ends)
names = st.builds(
    str.__add__, st.sampled_from(["J", "É", "王", "Ø", "Ņ", "'", "=", "-"]),
    st.text(st.characters(blacklist_categories=("Cs",),
                          blacklist_characters="\x00\r\u202a\u202b\u202c\u202d\u202e"
                                               "\u2066\u2067\u2068\u2069"),
            max_size=40)).filter(lambda s: s == s.strip() and not any(
                ord(c) < 32 and c not in "\t\n" or 0x7f <= ord(c) <= 0x9f for c in s))


def date_formats(day: date) -> st.SearchStrategy[str]:
    """Five ways practices write a date, all meaning `day`."""
    return st.sampled_from([
        day.isoformat(),                                   # 2026-12-31
        f"{day.year}-{day.month}-{day.day}",               # 2026-1-5
        f"{day.month:02d}/{day.day:02d}/{day.year}",       # 01/05/2026 (US)
        f"{day.month}/{day.day}/{day.year}",               # 1/5/2026 (US)
        str((day - EXCEL_EPOCH).days),                     # an Excel serial number as text
    ])


@st.composite
def rosters(draw):
    """(rows, expected problems {(row, column)}, expected credentials {id: expires}).

    Each row is one credential; a row may carry one fault, named by the column it is in."""
    rows, expected, stored = [], set(), {}
    n_people = draw(st.integers(1, 4))
    for p in range(n_people):
        pid = f"p-{p}"
        name = draw(names, label="name")
        role = "reader" if draw(st.booleans()) else "technologist"
        types = draw(st.lists(st.sampled_from(sorted(TYPES)), min_size=1, max_size=4,
                              unique=True), label="types")
        person_ok = True
        person_rows = []
        for i, type_id in enumerate(types):
            row_no = len(rows) + len(person_rows) + 2  # the header is row 1
            row = {"person": pid, "name": name if i == 0 else draw(st.sampled_from([name, ""])),
                   "role": role if i == 0 else "", "type": type_id, "state": "", "facility": "",
                   "number": draw(names), "issuer": draw(names), "issued": "", "expires": "",
                   "status": draw(st.sampled_from(["", "active", "renewal_submitted"]))}
            scope = TYPES[type_id]
            if scope == "state":
                row["state"] = draw(st.sampled_from(STATES))
            elif scope == "facility":
                row["facility"] = draw(st.sampled_from(FACILITIES))
            expires = draw(st.dates(date(1990, 1, 1), date(2060, 12, 31)), label="expires")
            row["expires"] = draw(date_formats(expires), label="expires text")
            if draw(st.booleans()):
                issued = expires - timedelta(days=draw(st.integers(1, 3650)))
                row["issued"] = draw(date_formats(issued), label="issued text")
            fault = draw(st.sampled_from([None] * 6 + [
                "type", "expires", "issued", "status", "facility", "state", "role", "name",
                "both_dates"]), label="fault")
            if fault in ("role", "name") and i != 0:
                fault = None
            if fault == "facility" and scope != "facility":
                fault = None
            if fault == "state" and scope != "state":
                fault = None
            column = fault
            if fault == "type":
                row["type"] = draw(st.sampled_from(["cnimm", "BLS card", "licence", "x"]))
            elif fault in ("expires", "issued"):
                row[fault] = draw(st.sampled_from(BAD_DATES))
            elif fault == "status":
                row["status"] = draw(st.sampled_from(["lapsed", "expired", "ACTIVE?"]))
            elif fault == "facility":
                row["facility"] = draw(st.sampled_from(["ochsner", "nowhere", "TULANE-X"]))
            elif fault == "state":
                row["state"] = draw(st.sampled_from(["", "Louisiana", "ZZ", "L A"]))
            elif fault == "role":
                row["role"] = draw(st.sampled_from(["nurse", "", "tech"]))
            elif fault == "name":
                row["name"] = " "
            elif fault == "both_dates":
                row["issued"] = row["expires"] = ""
                column = "expires"
            if fault in ("role", "name"):
                person_ok = False
            if column is not None and (person_ok or fault in ("role", "name")):
                expected.add((row_no, column))
            elif column is None and person_ok:
                state = row["state"].upper() or None
                scope_key = state if scope == "state" else (row["facility"] or None)
                cid = ":".join(x for x in (pid, type_id, scope_key) if x)
                stored[cid] = expires
            person_rows.append(row)
        if not person_ok:  # later rows of a person without a usable first row: name left empty
            for row in person_rows[1:]:
                row["name"] = ""
        rows.extend(person_rows)
    return rows, expected, stored


def _write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _write_xlsx(path: Path, rows: list[dict]) -> None:
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:  # a worksheet cannot hold control characters (Excel refuses them too)
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) for v in row.values()])
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # text as typed: '=Smith' is a name, not a formula
    book.save(path)


@pytest.fixture(scope="module")
def roster_template(tmp_path_factory):
    """The example practice without sources, with an empty database at the newest revision."""
    config = example_without_sources(tmp_path_factory.mktemp("roster") / "practice")
    fresh_database(config)
    return config


def _stored_expiries(db: Path) -> dict[str, date]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return {cid: date.fromisoformat(exp) for cid, exp in
                conn.execute("SELECT credential_id, expires FROM credentials")}
    finally:
        conn.close()


@fuzz(30, 300)
@given(roster=rosters(), fmt=st.sampled_from(["csv", "csv", "xlsx"]))
def test_generated_rosters_import_whole_or_report_exactly_the_bad_rows(roster_template, roster,
                                                                      fmt):
    rows, expected, stored = roster
    TRIED["roster"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "practice"
        shutil.copytree(roster_template, config)
        db = config / ".nervecenter" / "state.db"
        before = db_digest(db)
        path = config / f"roster.{fmt}"
        (_write_csv if fmt == "csv" else _write_xlsx)(path, rows)
        code, out, err = run_cli("import", "--config", ".", path.name, cwd=config)
        if not expected:
            assert code == 0, err
            assert _stored_expiries(db) == stored
            return
        TRIED["roster-failed"] += 1
        assert code == 1, out
        found = {(int(m["line"] or 0), m["message"].split(":", 1)[0]) for m in problems(err)}
        # a row of a workbook is named with its sheet; the whole file without one
        sheet = f"{path.name}[Sheet]" if fmt == "xlsx" else path.name
        assert {(m["file"], bool(m["line"])) for m in problems(err)} <= {
            (path.name, False), (sheet, True)}, err
        assert found == expected, err
        assert db_digest(db) == before, "a refused import wrote to the database"


# ---------------------------------------------------------------- the corpus of broken files

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p for p in CORPUS.iterdir() if p.suffix != ".expected")


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_corpus_file_gives_its_expected_message(tmp_path, case):
    """Each tests/corpus/NAME has NAME.expected: `# check TARGET` (copied over TARGET of the
    example practice, then `check`) or `# import` (imported), then the exact expected stderr
    lines, or `exit 0` and the expected stdout lines."""
    header, *expected = case.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    if header.startswith("# import"):
        config = example_without_sources(tmp_path / "practice")
        shutil.copy(case, config / case.name)
        before = db_digest(fresh_database(config))
        code, out, err = run_cli("import", "--config", ".", case.name, cwd=config)
    else:
        config = copy_example(tmp_path / "practice")
        target = header.split()[2].rstrip(":")
        shutil.copy(case, config / target)
        code, out, err = run_cli("check", "--config", ".", cwd=config)
        before = None
    if expected[0] == "exit 0":
        assert code == 0, err
        assert all(line in out.splitlines() for line in expected[1:]), out
    else:
        assert code == 1, out
        assert err.splitlines() == expected
        if before is not None:
            assert db_digest(config / ".nervecenter" / "state.db") == before
    assert not (config / "pwned").exists() and not Path("pwned").exists()


def test_non_ascii_names_are_stored_as_written(tmp_path):
    config = example_without_sources(tmp_path / "practice")
    shutil.copy(CORPUS / "non-ascii-roster.csv", config)
    assert run_cli("import", "--config", ".", "non-ascii-roster.csv", cwd=config)[0] == 0
    import sqlite3

    conn = sqlite3.connect(config / ".nervecenter" / "state.db")
    names = dict(conn.execute("SELECT id, name FROM people"))
    scopes = [r[0] for r in conn.execute("SELECT scope FROM credentials WHERE type = ?",
                                         ("state_license",))]
    conn.close()
    assert names == {"t-zoe": "Zoë Ångström", "t-wang": "王伟", "r-nunez": "José Núñez-Ó'Brien",
                     "t-emoji": "Kai 🧠 Neuro"}
    assert scopes == ["LA"]


def _xlsx_with_cached_formula(path: Path) -> None:
    """A workbook as Excel saves it: expires is the formula DATE(2027,1,31) with its value
    46418 (2027-01-31) cached; issued is a date cell; the second row's expiry an Excel serial
    number typed as a number (45688 = 2025-01-31); the third a formula never calculated."""
    import re
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["person", "name", "role", "type", "issued", "expires"])
    sheet.append(["t-f", "Formula Cached", "technologist", "bls", date(2025, 1, 5),
                  "=DATE(2027,1,31)"])
    sheet.append(["t-s", "Serial Number", "technologist", "acls", None, 45688])
    sheet.append(["t-n", "Never Calculated", "technologist", "pals", None, "=DATE(2027,2,28)"])
    book.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml = re.sub(r"<f>DATE\(2027,1,31\)</f>(<v\s*/>|<v></v>)?",
                 "<f>DATE(2027,1,31)</f><v>46418</v>", xml)
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts.items():
            z.writestr(n, b)


def test_xlsx_formulas_serials_and_date_cells(tmp_path):
    config = example_without_sources(tmp_path / "practice")
    _xlsx_with_cached_formula(config / "roster.xlsx")
    db = fresh_database(config)
    before = db_digest(db)
    code, _out, err = run_cli("import", "--config", ".", "roster.xlsx", cwd=config)
    # the formula nobody calculated has no value: row 4 is refused, nothing is written
    assert code == 1
    assert err.splitlines() == [("roster.xlsx[Sheet]:4: expires: =DATE(2027,2,28) is a formula without a "
                                 "saved value; open the file in Excel or LibreOffice and save it, "
                                 "or type the value")]
    assert db_digest(db) == before
    # without the uncalculated row (cut from the XML: openpyxl would drop the cached value)
    import sqlite3
    import zipfile

    with zipfile.ZipFile(config / "roster.xlsx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = xml[:xml.index('<row r="4"')].encode() + \
        xml[xml.index("</sheetData>"):].encode()
    with zipfile.ZipFile(config / "roster3.xlsx", "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    code, _out, err = run_cli("import", "--config", ".", "roster3.xlsx", cwd=config)
    assert code == 0, err
    conn = sqlite3.connect(db)
    got = dict(conn.execute("SELECT credential_id, expires FROM credentials"))
    issued = conn.execute("SELECT issued FROM credentials WHERE person = 't-f'").fetchone()[0]
    conn.close()
    assert got == {"t-f:bls": "2027-01-31", "t-s:acls": "2025-01-31"}
    assert issued == "2025-01-05"


# ---------------------------------------------------------------- as real processes, and large


def test_broken_inputs_through_the_installed_command(tmp_path):
    """The console script, not just cli.main: one line per problem, exit 1, no traceback, and
    the SQLite file itself (bytes, after the process ended) unchanged by a refused import."""
    config = example_without_sources(tmp_path / "practice")
    shutil.copy(CORPUS / "dates-roster.csv", config)
    fresh_database(config)
    db = config / ".nervecenter" / "state.db"
    before = file_digest(db, db.with_name("state.db-wal"))
    done = run_process("import", "--config", ".", "dates-roster.csv", cwd=config)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 5
    assert file_digest(db, db.with_name("state.db-wal")) == before
    shutil.copy(CORPUS / "tabs-facility.yaml", config / "facilities" / "tulane.yaml")
    done = run_process("check", "--config", ".", cwd=config)
    assert (done.returncode, done.stderr) == (1, (CORPUS / "tabs-facility.expected")
                                              .read_text().splitlines()[1] + "\n")
    done = run_process("cases", "--config", ".", cwd=config)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr


@pytest.mark.parametrize("size", [
    pytest.param(1_000_000, id="1MB"),
    pytest.param(50_000_000, id="50MB", marks=pytest.mark.slow)])
def test_a_large_roster_with_one_bad_last_row_writes_nothing(tmp_path, size):
    config = example_without_sources(tmp_path / "practice")
    rows = big_roster(config / "big.csv", size, bad_at_end=True)
    db = fresh_database(config)
    before = db_digest(db)
    done = run_process("import", "--config", ".", "big.csv", cwd=config, timeout=1800)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [(f"big.csv:{rows + 1}: expires: '31.01.2027' is not a "
                                         "date; write YYYY-MM-DD, MM/DD/YYYY, M/D/YY (read as "
                                         "20YY) or an Excel date")]
    assert db_digest(db) == before


@pytest.mark.slow
def test_a_large_valid_roster_imports_whole(tmp_path):
    config = example_without_sources(tmp_path / "practice")
    rows = big_roster(config / "big.csv", 5_000_000, bad_at_end=False)
    fresh_database(config)
    done = run_process("import", "--config", ".", "big.csv", cwd=config, timeout=1800)
    assert done.returncode == 0, done.stderr
    assert f"credentials: {rows} added" in done.stdout


def test_too_long_and_nul_values_are_row_problems(tmp_path, database_url):
    """PostgreSQL enforces column lengths and refuses NUL characters where SQLite does not:
    on both, they must be row problems found before anything is written, not a traceback."""
    from sqlalchemy import create_engine, text

    config = copy_example(tmp_path / "practice",
                          practice={"sources": DROP, "database": database_url})
    (config / "r.csv").write_text(
        "person,name,role,type,number,expires\n"
        f"t-long,{'N' * 201},technologist,bls,,2027-01-31\n"
        "t-nul,Nul\x00Name,technologist,bls,,2027-01-31\n"
        f"t-num,Number,technologist,bls,{'9' * 101},2027-01-31\n"
        "t-ok,Fine,technologist,bls,,2027-01-31\n", encoding="utf-8")
    code, out, err = run_cli("import", "--config", ".", "r.csv", cwd=config)
    assert code == 1, out
    assert err.splitlines() == [
        "r.csv:2: name: is 201 characters long; at most 200 fit",
        "r.csv:3: name: contains a NUL character; remove it",
        "r.csv:4: number: is 101 characters long; at most 100 fit"]
    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM people")).scalar() == 0
    engine.dispose()


def test_exported_csv_does_not_run_formulas_and_round_trips(tmp_path):
    """Text a person wrote that a spreadsheet would run (=HYPERLINK..., @SUM..., -cmd...) is
    exported with a leading quote; importing the export gives back the same values."""
    config = example_without_sources(tmp_path / "practice")
    (config / "r.csv").write_text(
        "person,name,role,type,number,issuer,expires,phone\n"
        't-eq,"=HYPERLINK(""http://evil.example"",""click"")",technologist,bls,@SUM(1+1),'
        "-cmd|' /C calc'!A0,2027-01-31,+15045550100\n", encoding="utf-8")
    assert run_cli("import", "--config", ".", "r.csv", cwd=config)[0] == 0
    code, _, err = run_cli("export", "--config", ".", "--out", "out", cwd=config)
    assert code == 0, err
    rows = list(csv.DictReader((config / "out" / "credentials.csv").open(encoding="utf-8")))
    assert rows[0]["name"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert rows[0]["number"] == "'@SUM(1+1)"
    assert rows[0]["issuer"] == "'-cmd|' /C calc'!A0"
    people = list(csv.DictReader((config / "out" / "people.csv").open(encoding="utf-8")))
    assert people[0]["phone"] == "+15045550100"  # a number, left alone
    code, out, _ = run_cli("audit", "--config", ".", "--facility", "ochsner-main", cwd=config)
    assert code == 0 and "\n=" not in out and ",=" not in out
    # the export imported into a new practice gives the same values
    other = example_without_sources(tmp_path / "other")
    shutil.copy(config / "out" / "credentials.csv", other / "credentials.csv")
    code, _, err = run_cli("import", "--config", ".", "credentials.csv", cwd=other)
    assert code == 0, err
    import sqlite3

    for root in (config, other):
        conn = sqlite3.connect(root / ".nervecenter" / "state.db")
        got = conn.execute("SELECT p.name, c.number, c.issuer FROM people p JOIN credentials c "
                           "ON c.person = p.id").fetchall()
        conn.close()
        assert got == [('=HYPERLINK("http://evil.example","click")', "@SUM(1+1)",
                        "-cmd|' /C calc'!A0")]


# ---------------------------------------------------------------- any cell, any column

cells = st.one_of(
    st.text(max_size=25), st.sampled_from([
        "", "t-price", "r-adams", "ochsner-main", "tulane", "bls", "cnim", "state_license",
        "facility_privileges", "LA", "technologist", "reader", "2026-12-03T08:00",
        "2026-12-03T25:00", "2026-12-03T08:00+14:00", "2026-12-03T08:00-99:00", "12/3/2026 8:00",
        "46000.5", "99999999", "-1", "1e308", "nan", "2026-02-30", "0001-01-01T00:00",
        "9999-12-31T23:59", "renewal_submitted", "revoked", "=1+1", "'=1", "\u2028", "\x0c"]))


@pytest.fixture(scope="module")
def people_template(tmp_path_factory, roster_template):
    """The roster template with the example's people (t-price, r-adams...) imported."""
    config = tmp_path_factory.mktemp("people") / "practice"
    shutil.copytree(roster_template, config)
    assert run_cli("import", "--config", ".", "people.yaml", cwd=config)[0] == 0
    return config


@fuzz(30, 300)
@given(kind=st.sampled_from(["roster", "cases", "ce"]), data=st.data())
def test_any_cell_in_any_known_column_imports_or_names_its_row(people_template, kind, data):
    """Columns of a roster, a schedule or a CE sheet, cells of anything: exit 0, or exit 1 with
    `file:row: ...` lines for rows that exist, and nothing written."""
    from nervecenter.data.roster import CASE_COLUMNS, CE_COLUMNS, ROSTER_COLUMNS

    known = {"roster": ROSTER_COLUMNS, "cases": CASE_COLUMNS, "ce": CE_COLUMNS}[kind]
    required = {"roster": ["person", "type"], "cases": ["id", "facility", "start"],
                "ce": ["person", "credential", "date", "hours"]}[kind]
    header = required + data.draw(st.lists(st.sampled_from(
        [c for c in known if c not in required]), unique=True, max_size=6), label="columns")
    body = data.draw(st.lists(st.lists(cells, min_size=len(header), max_size=len(header)),
                              min_size=1, max_size=6), label="rows")
    TRIED["roster"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "practice"
        shutil.copytree(people_template, config)
        db = config / ".nervecenter" / "state.db"
        before = db_digest(db)
        with (config / "sheet.csv").open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header, *body])
        code, _out, err = run_cli("import", "--config", ".", "sheet.csv", cwd=config)
        assert code in (0, 1), err
        if code == 1:
            for m in problems(err):
                assert m["file"] == "sheet.csv"
                assert 0 <= int(m["line"] or 0) <= len(body) + 1, m.group(0)
            assert db_digest(db) == before
        else:
            TRIED["any-cell-imported"] = TRIED.get("any-cell-imported", 0) + 1
