"""Practice directories for tests, written from Python data (never patched as text).

    write_practice(dir, practice={...}, facilities=[{...}], states=[{...}],
                   people=[{...}], cases=[{...}])     # a practice from scratch
    copy_example(dir, practice={"sources": DROP}, people=lambda people: ...)  # config/example,
                                                       # then the same keywords as changes
    small_practice(dir)                                # the web tests' hand-checked practice

Dates may be given as `date` objects or as "YYYY-MM-DD" strings: both are written as plain YAML
dates, as a person types them."""

from __future__ import annotations

import copy
import csv
import re
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import yaml

EXAMPLE = Path(__file__).resolve().parent.parent.parent / "config" / "example"
DROP = object()  # a key's value in `practice=` or a person's/facility's changes: remove the key

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value):
    if _ISO_DATE.match(value):  # a date as a person writes it, not the quoted text '2026-01-01'
        return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value)
    return dumper.represent_str(value)


_Dumper.add_representer(str, _str)


def dump(data) -> str:
    """YAML text of `data` (keys in the given order, Unicode as is)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=1000)


def write_yaml(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump(data), encoding="utf-8")
    return path


def read_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write_cases(path: Path, cases: list[dict], columns: list[str] | None = None) -> Path:
    """cases.csv: one row per dict; columns in first-seen order unless given."""
    if columns is None:
        columns = []
        for row in cases:
            columns += [k for k in row if k not in columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, columns, lineterminator="\n")
        w.writeheader()
        for row in cases:
            w.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return path


def read_cases(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _merge(base: dict, changes: dict) -> dict:
    out = dict(base)
    for key, value in changes.items():
        if value is DROP:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _apply(items: list[dict], changes, key: str = "id") -> list[dict]:
    """`changes`: a list (the new items), a callable (old list -> new list), or a dict
    {id: {key: value} | DROP} merged into the item with that id (a new id is appended)."""
    if changes is None:
        return items
    if callable(changes):
        return changes(copy.deepcopy(items))
    if isinstance(changes, dict):
        out, seen = [], set()
        for item in items:
            change = changes.get(item[key])
            seen.add(item[key])
            if change is DROP:
                continue
            out.append(_merge(item, change) if change is not None else item)
        out += [{key: k, **v} for k, v in changes.items() if k not in seen and v is not DROP]
        return out
    return list(changes)


def write_practice(root: Path, practice: dict | None = None, facilities=None, states=None,
                   people=None, cases=None, case_columns: list[str] | None = None,
                   files: dict[str, str | bytes] | None = None) -> Path:
    """A practice directory at `root`: practice.yaml (name and timezone default to a Chicago
    'Test Practice'; `sources` defaults to the roster files written), facilities/ID.yaml,
    states/XX.yaml, people.yaml ({people: [...]}) and cases.csv. `files` adds other files
    (relative path -> text or bytes) as they are."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    written = [n for n, v in (("people.yaml", people), ("cases.csv", cases)) if v is not None]
    data = {"name": "Test Practice", "timezone": "America/Chicago"}
    if written:
        data["sources"] = written
    write_yaml(root / "practice.yaml", _merge(data, practice or {}))
    for facility in facilities or ():
        write_yaml(root / "facilities" / f"{facility['id']}.yaml", facility)
    for state in states or ():
        write_yaml(root / "states" / f"{state['state']}.yaml", state)
    if people is not None:
        write_yaml(root / "people.yaml", {"people": list(people)})
    if cases is not None:
        write_cases(root / "cases.csv", list(cases), case_columns)
    for name, content in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def copy_example(target: Path, practice: dict | None = None, facilities=None, people=None,
                 cases=None) -> Path:
    """config/example copied to `target` (without .nervecenter/ state of earlier runs), then
    changed by data: `practice` is merged into practice.yaml (DROP removes a key);
    `facilities` {id: changes | DROP}; `people` a list, a callable on the list, or
    {id: changes | DROP}; `cases` a list of rows or a callable on them. A file without changes
    is left byte for byte as the example has it."""
    target = Path(target)
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".nervecenter", "__pycache__"))
    if practice:
        write_yaml(target / "practice.yaml",
                   _merge(read_yaml(target / "practice.yaml"), practice))
    for fid, change in (facilities or {}).items():
        path = target / "facilities" / f"{fid}.yaml"
        if change is DROP:
            path.unlink()
        else:
            write_yaml(path, _merge(read_yaml(path) if path.exists() else {"id": fid}, change))
    if people is not None:
        path = target / "people.yaml"
        write_yaml(path, {"people": _apply(read_yaml(path)["people"], people)})
    if cases is not None:
        path = target / "cases.csv"
        old = read_cases(path)
        write_cases(path, cases(old) if callable(cases) else list(cases), list(old[0]))
    return target


def example_practice(directory: Path) -> Path:
    """A copy of the example practice at DIRECTORY/example (the web tests' layout)."""
    return copy_example(Path(directory) / "example")


def change_credential(person_id: str, match: dict, **changes) -> Callable[[list], list]:
    """For `people=`: change the credential of `person_id` whose keys equal `match`
    (exactly one must match)."""
    def edit(people: list[dict]) -> list[dict]:
        person = next(p for p in people if p["id"] == person_id)
        hits = [c for c in person["credentials"]
                if all(_same(c.get(k), v) for k, v in match.items())]
        assert len(hits) == 1, f"{len(hits)} credentials of {person_id} match {match}"
        hits[0].update(changes)
        for k, v in changes.items():
            if v is DROP:
                hits[0].pop(k)
        return people
    return edit


def _same(a, b) -> bool:
    return str(a) == str(b)


# ------------------------------------------------------------------ the web tests' practice

def small_data() -> dict:
    """The keyword arguments of write_practice for the small practice (see test_web_pages.py
    for its arithmetic); a fresh copy each call, so a test may change it."""
    return {
        "practice": {
            "name": "Small Practice",
            "timezone": "America/Chicago",
            "managers": [{"id": "dana", "name": "Dana Lee",
                          "notify": ["file://.nervecenter/outbox/dana.jsonl"]}],
            "sources": ["people.yaml", "cases.csv"],
        },
        "facilities": [
            {"id": "ochsner-main", "name": "Ochsner Medical Center", "state": "LA",
             "requirements": [
                 {"credential": "bls", "max_age_months": 12},
                 {"any_of": ["cnim", "d_abnm"]},
                 {"credential": "state_license", "role": "reader", "valid_days_after_case": 30},
             ]},
            {"id": "tulane", "name": "Tulane Medical Center", "state": "LA",
             "enforcement": "warn", "requirements": [{"credential": "bls"}]},
        ],
        "people": [
            {"id": "t-price", "name": "Jordan Price", "role": "technologist",
             "notify": ["file://.nervecenter/outbox/t-price.jsonl"],
             "credentials": [
                 {"type": "cnim", "number": "CNIM-12345", "issuer": "ABRET",
                  "issued": "2023-06-01", "expires": "2028-12-31"},
                 {"type": "bls", "issuer": "AHA", "issued": "2025-11-20",
                  "expires": "2027-11-30"}],
             "ce": [
                 {"credential": "cnim", "date": "2024-03-01", "hours": 6,
                  "category": "conference", "provider": "ASET"},
                 {"credential": "cnim", "date": "2025-03-01", "hours": 30,
                  "category": "article", "provider": "ASET"}]},
            {"id": "t-mallory", "name": "<script>alert('owned')</script> Mallory",
             "role": "technologist",
             "credentials": [
                 {"type": "cnim", "issued": "2023-06-01", "expires": "2026-12-31"},
                 {"type": "bls", "issued": "2024-11-01", "expires": "2026-11-30"}]},
            {"id": "r-adams", "name": "Robin Adams", "role": "reader",
             "credentials": [
                 {"type": "d_abnm", "issued": "2020-01-01", "expires": "2030-01-01"},
                 {"type": "state_license", "state": "LA", "number": "LA-77",
                  "issued": "2024-12-20", "expires": "2026-12-20"}]},
        ],
        "cases": [
            {"id": "C-1", "facility": "ochsner-main", "start": "2026-12-03T08:00",
             "end": "2026-12-03T12:00", "procedure": "spine", "technologist": "t-mallory",
             "reader": "r-adams"},
            {"id": "C-2", "facility": "tulane", "start": "2026-12-04T08:00", "end": "",
             "procedure": "spine", "technologist": "t-price", "reader": ""},
            {"id": "C-3", "facility": "ochsner-main", "start": "2026-12-05T08:00", "end": "",
             "procedure": "spine", "technologist": "", "reader": ""},
        ],
    }


def small_practice(directory: Path, practice: dict | None = None, facilities=None, people=None,
                   cases=None) -> Path:
    """The small practice in `directory`. Changes as in copy_example: `practice` merged into
    practice.yaml; `facilities`, `people`, `cases` each a new list, a callable on the list, or
    {id: changes | DROP}."""
    data = small_data()
    return write_practice(directory, practice=_merge(data["practice"], practice or {}),
                          facilities=_apply(data["facilities"], facilities),
                          people=_apply(data["people"], people),
                          cases=_apply(data["cases"], cases))


# ------------------------------------------------------------------ the daemon tests' practice

DAEMON_PEOPLE = 6


def daemon_practice(root: Path, server, database: str = "sqlite:///.nervecenter/state.db",
                    evaluate: str = "0 6 * * *", **practice) -> Path:
    """DAEMON_PEOPLE technologists p0..p5 whose BLS expires in 5 days (stage 7: an alert for each
    and for manager dana), every notify URL on `server` (/p0.., /dana). `practice` keys are
    merged into practice.yaml."""
    from nervecenter.core import clock

    expires = (clock.today("America/Chicago") + timedelta(days=5)).isoformat()
    return write_practice(
        root,
        practice={"database": database,
                  "schedule": {"evaluate": evaluate, "digest": "0 7 1 1 *"},
                  "managers": [{"id": "dana", "name": "Dana Lee",
                                "notify": [server.url("/dana")]}],
                  "sources": ["people.yaml"], **practice},
        people=[{"id": f"p{i}", "name": f"Person {i}", "role": "technologist",
                 "notify": [server.url(f"/p{i}")],
                 "credentials": [{"type": "bls", "issuer": "AHA", "expires": expires}]}
                for i in range(DAEMON_PEOPLE)])


# ------------------------------------------------------------------ rosters to import

def big_roster(path: Path, target_bytes: int, bad_at_end: bool) -> int:
    """A valid roster CSV of about `target_bytes` (+ one bad row at the end); its row count."""
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["person", "name", "role", "type", "number", "issuer", "issued", "expires"])
        while f.tell() < target_bytes:
            n = rows // 2
            w.writerow([f"t-{n:07d}", f"Technologist Ñumber {n}", "technologist",
                        ("bls", "cnim")[rows % 2], f"N-{rows:09d}", "AHA", "2025-01-05",
                        "2027-01-31"])
            rows += 1
        if bad_at_end:
            w.writerow(["t-last", "Last Person", "technologist", "bls", "", "", "", "31.01.2027"])
            rows += 1
    return rows


def example_without_sources(target: Path, **changes) -> Path:
    """The example practice with no `sources` (so a roster can be imported into it)."""
    return copy_example(target, practice={"sources": DROP, **changes.pop("practice", {})},
                        **changes)


__all__ = ["DAEMON_PEOPLE", "DROP", "EXAMPLE", "big_roster", "change_credential", "copy_example",
           "daemon_practice", "dump", "example_practice", "example_without_sources",
           "read_cases", "read_yaml", "small_data", "small_practice", "write_cases",
           "write_practice", "write_yaml"]


def yaml_paths(value, prefix=()):
    """Every (path) to a node inside loaded YAML, the root included."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from yaml_paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from yaml_paths(v, (*prefix, i))
