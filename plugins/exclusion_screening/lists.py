"""Readers of the exclusion lists, in their published layouts.

The OIG's LEIE download (UPDATED.csv and the monthly supplements): a header row of
LASTNAME, FIRSTNAME, MIDNAME, BUSNAME, GENERAL, SPECIALTY, UPIN, NPI, DOB, ADDRESS, CITY, STATE,
ZIP, EXCLTYPE, EXCLDATE, REINDATE, WAIVERDATE, WVRSTATE; dates YYYYMMDD, 00000000 for none; an
NPI of 0000000000 for none. A SAM.gov exclusions extract (CSV), read by its column names: First,
Last, NPI, Exclusion Type, Active Date, Termination Date (MM/DD/YYYY or YYYY-MM-DD).

Each reader returns what `nervecenter.screen` takes, or raises ConfigError with every problem
as `file:row: COLUMN: problem`; nothing is read from a file with a problem.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, datetime
from pathlib import Path

from nervecenter import ConfigError, FileProblem, NerveCenterError, check_input_size

LEIE_COLUMNS = ("LASTNAME", "FIRSTNAME", "MIDNAME", "BUSNAME", "GENERAL", "SPECIALTY", "UPIN",
                "NPI", "DOB", "ADDRESS", "CITY", "STATE", "ZIP", "EXCLTYPE", "EXCLDATE",
                "REINDATE", "WAIVERDATE", "WVRSTATE")
SAM_COLUMNS = ("First", "Last", "Active Date")  # required; NPI, Exclusion Type, Termination Date
MAX_PROBLEMS = 20


def _text(path: Path, limit: int) -> tuple[str, str]:
    try:
        check_input_size(path, limit)
        data = path.read_bytes()
    except OSError as e:
        raise NerveCenterError(f"{path}: cannot read it ({e.strerror}); check the path") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # the OIG's files are plain ASCII; older ones Latin-1
    return text, hashlib.sha256(data).hexdigest()


def _npi(value: str) -> str | None:
    value = (value or "").strip()
    return value if len(value) == 10 and value.isdigit() and value != "0000000000" else None


def _leie_date(value: str) -> date | None:
    value = (value or "").strip()
    if value in ("", "00000000"):
        return None
    return datetime.strptime(value, "%Y%m%d").date()  # ValueError for the caller


def read_leie(path: Path, limit: int) -> dict:
    """The LEIE file at `path` (at most `limit` bytes) as one list for `nervecenter.screen`."""
    text, digest = _text(path, limit)
    rows = csv.reader(io.StringIO(text))
    header = [h.strip().upper() for h in next(rows, [])]
    missing = [c for c in LEIE_COLUMNS if c not in header]
    if missing:
        raise ConfigError([FileProblem(str(path), 1, (
            f"not the OIG's LEIE layout: no column {', '.join(missing)}; download the LEIE "
            "CSV (UPDATED.csv) from oig.hhs.gov/exclusions"))])
    col = {name: header.index(name) for name in LEIE_COLUMNS}
    entries, problems, count = [], [], 0
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        count += 1
        if len(row) < len(header):
            problems.append(FileProblem(str(path), line, f"has {len(row)} columns, the header "
                                                         f"{len(header)}"))
            continue
        values = {name: row[i].strip() for name, i in col.items()}
        dates = {}
        for name in ("EXCLDATE", "REINDATE"):
            try:
                dates[name] = _leie_date(values[name])
            except ValueError:
                problems.append(FileProblem(str(path), line, f"{name}: {values[name]!r} is not a "
                                                             "date written YYYYMMDD"))
        if "EXCLDATE" in dates and dates["EXCLDATE"] is None:
            problems.append(FileProblem(str(path), line, "EXCLDATE: is empty; every exclusion "
                                                         "has a date"))
        if len(problems) >= MAX_PROBLEMS:
            break
        if problems or not values["LASTNAME"]:
            continue  # a business (BUSNAME only) is not a person on a roster
        entries.append({"row": line, "first": values["FIRSTNAME"], "last": values["LASTNAME"],
                        "npi": _npi(values["NPI"]), "kind": values["EXCLTYPE"],
                        "since": dates["EXCLDATE"], "until": dates["REINDATE"],
                        "entry": {k: values[k] for k in ("LASTNAME", "FIRSTNAME", "MIDNAME",
                                                         "GENERAL", "SPECIALTY", "NPI", "DOB",
                                                         "CITY", "STATE", "EXCLTYPE",
                                                         "EXCLDATE", "REINDATE")}})
    if problems:
        raise ConfigError(problems)
    return {"list": "LEIE", "name": path.name, "sha256": digest, "rows": count,
            "entries": entries}


def _sam_date(value: str) -> date | None:
    value = (value or "").strip()
    if not value or value.lower() == "indefinite":
        return None
    for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            pass
    raise ValueError(value)


def read_sam(path: Path, limit: int) -> dict:
    """A SAM.gov exclusions extract at `path` (at most `limit` bytes) as one list for
    `nervecenter.screen`."""
    text, digest = _text(path, limit)
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip() for f in reader.fieldnames or ()]
    missing = [c for c in SAM_COLUMNS if c not in fields]
    if missing:
        raise ConfigError([FileProblem(str(path), 1, (
            f"not a SAM.gov exclusions extract: no column {', '.join(missing)}; download the "
            "exclusions extract from sam.gov"))])
    entries, problems, count = [], [], 0
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue
        count += 1
        dates = {}
        for name in ("Active Date", "Termination Date"):
            try:
                dates[name] = _sam_date(row.get(name, ""))
            except ValueError:
                problems.append(FileProblem(str(path), line, f"{name}: {row[name]!r} is not a "
                                                             "date (MM/DD/YYYY)"))
        if "Active Date" in dates and dates["Active Date"] is None:
            problems.append(FileProblem(str(path), line, "Active Date: is empty"))
        if len(problems) >= MAX_PROBLEMS:
            break
        if problems or not row.get("Last"):
            continue
        entries.append({"row": line, "first": row.get("First", ""), "last": row["Last"],
                        "npi": _npi(row.get("NPI", "")), "kind": row.get("Exclusion Type", ""),
                        "since": dates["Active Date"], "until": dates["Termination Date"],
                        "entry": {k: row.get(k, "") for k in ("First", "Middle", "Last", "NPI",
                                                              "Exclusion Type", "Active Date",
                                                              "Termination Date")}})
    if problems:
        raise ConfigError(problems)
    return {"list": "SAM", "name": path.name, "sha256": digest, "rows": count,
            "entries": entries}
