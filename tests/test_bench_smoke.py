"""The benchmark at a small size: the generator writes a practice NerveCenter accepts, with the
promised shape, and bench/run.py runs end to end with sane figures. No timing assertions: speed
lives in bench/ and docs/benchmarks.md."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from nervecenter.core import plugins

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import generate

AS_OF = date(2026, 12, 1)


@pytest.fixture(scope="module")
def practice_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "practice"
    sizes = generate.generate(out, people=120, seed=3, as_of=AS_OF)
    return out, sizes


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, practice_dir):
    out, _ = practice_dir
    generate.generate(tmp_path / "again", people=120, seed=3, as_of=AS_OF)
    generate.generate(tmp_path / "other", people=120, seed=4, as_of=AS_OF)
    names = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(tmp_path / "again")
                           for p in (tmp_path / "again").rglob("*") if p.is_file())
    for name in names:
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    assert (out / "people.yaml").read_bytes() != (tmp_path / "other" / "people.yaml").read_bytes()


def test_shape_of_the_practice(practice_dir):
    out, sizes = practice_dir
    creds = _rows(out / "credentials.csv")
    cases = _rows(out / "cases.csv")
    # one reader in twelve: people 12, 24, ..., 120 are readers
    assert (sizes["people"], sizes["readers"], sizes["technologists"]) == (120, 10, 110)
    assert len(creds) == sizes["credentials"]
    assert 10 <= len(creds) / 120 <= 14  # about twelve credentials a person
    # expiries against the as-of date, counted from the file, not from the generator
    horizon = AS_OF + timedelta(days=90)
    lapsed = sum(date.fromisoformat(r["expires"]) < AS_OF for r in creds)
    soon = sum(AS_OF <= date.fromisoformat(r["expires"]) < horizon for r in creds)
    assert 0.005 < lapsed / len(creds) < 0.05
    assert 0.05 < soon / len(creds) < 0.16
    scopes = {("state" if r["state"] else "facility" if r["facility"] else "person")
              for r in creds}
    assert scopes == {"person", "state", "facility"}
    # four cases a person over the 90 days, all in the horizon, at known facilities and people
    facilities = {p.stem for p in (out / "facilities").glob("*.yaml")}
    people = {r["person"] for r in creds}
    assert len(cases) == 480 and len(facilities) == sizes["facilities"] == 10
    for c in cases:
        assert AS_OF <= datetime.fromisoformat(c["start"]).date() < horizon
        assert c["facility"] in facilities
        assert c["technologist"] in people | {""} and c["reader"] in people | {""}
    assert any(not c["end"] for c in cases) and any(not c["technologist"] for c in cases)


def test_nervecenter_accepts_the_practice(practice_dir):
    from nervecenter.core.config import load_practice

    out, sizes = practice_dir
    practice = load_practice(out)
    assert len(practice.facilities) == sizes["facilities"]
    assert {"LA", "TX", "FL", "NY", "CA", "IL", "WA"} == set(practice.states)
    zones = {f.timezone for f in practice.facilities.values()}
    assert len(zones) >= 4  # several time zones
    reqs = [r for f in practice.facilities.values() for r in f.requirements]
    assert any(r.any_of for r in reqs) and any(r.when for r in reqs)
    assert any(r.rule == "concurrent_cases" for r in reqs)
    assert any(r.max_age_months for r in reqs) and any(r.enforcement == "warn" for r in reqs)


def test_run_py_runs_and_its_figures_are_sane(practice_dir, tmp_path):
    _, sizes = practice_dir
    work = tmp_path / "run"
    env = {k: v for k, v in os.environ.items() if k != "NERVECENTER_DATABASE_URL"}
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--people", "120", "--seed", "3", "--repeat", "1",
         "--json", "--dir", str(work)],
        check=False, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result["sizes"] == json.loads((work / "sizes.json").read_text())
    assert result["sizes"]["credentials"] == sizes["credentials"]  # same seed, same practice

    allowed_skips = set() if os.environ.get("NERVECENTER_TEST_POSTGRES_URL") else {
        "import_postgresql"}
    assert set(result["skipped"]) <= allowed_skips, result["skipped"]
    figures, counts = result["figures"], result["counts"]
    for name in ("config_load", "config_load_cached", "import_sqlite", "import_sqlite_csv",
                 "snapshot", "evaluation", "planning", "limit", "delivery", "cli_cases_json",
                 "cli_cases_json_shelved",
                 "cli_cases_day", "cli_cases_one", "cli_status_json", "cli_help", "run_first",
                 "run_daily", "web_first", "web_later_p95"):
        assert figures[name] > 0, name
    assert figures["evaluation_over_limit"] == pytest.approx(
        figures["evaluation"] / figures["limit"], rel=0.01)
    assert 20 < figures["peak_rss_mb"] < 4000
    assert counts["web_later"] == 60  # every later request of the web figures answered

    # what was measured is the whole practice, counted from the files by hand
    creds = _rows(work / "credentials.csv")
    cases = _rows(work / "cases.csv")
    assert counts["people"] == 120 and counts["credentials"] == len(creds)
    assert counts["cases"] == counts["clearances"] == counts["cli_cases"] == len(cases)
    tomorrow = (AS_OF + timedelta(days=1)).isoformat()
    assert counts["cli_cases_day"] == sum(c["start"][:10] == tomorrow for c in cases)
    assert sum(counts["outcomes"].values()) == len(cases)
    assert counts["outcomes"]["unstaffed"] == sum(not c["technologist"] for c in cases)
    horizon = (AS_OF + timedelta(days=90)).isoformat()
    assert counts["limit_due_within_90"] == sum(r["expires"] < horizon for r in creds)
    assert counts["due_dates"] == len(creds)
    assert counts["delivered"] == 1000
    # practice.yaml, every facility and state file and the plugins' credential-type files came
    # back from the configuration cache; the two runs were real runs (the first one plans what
    # the planning of an empty ledger counted), and the practice's database is left as the
    # import made it
    type_files = [t for t in plugins.registry().credential_types if t.path is not None]
    assert counts["config_cache_hits"] == 1 + len(list((work / "facilities").glob("*.yaml"))) \
        + len(list((work / "states").glob("*.yaml"))) + len(type_files)  # and practice.yaml
    first = re.match(rf"run as of {AS_OF.isoformat()}: (\d+) alerts planned", counts["run_first"])
    # the bench plans digests too; the run adds one first-run summary per recipient (people,
    # the three managers)
    assert first and 0 < int(first[1]) <= counts["alerts"] + counts["people"] + 3
    assert counts["run_daily"].startswith(f"run as of {tomorrow}: ")
    import sqlite3

    conn = sqlite3.connect(work / ".nervecenter" / "state.db")
    assert conn.execute("SELECT count(*) FROM alerts").fetchone() == (0,)
    conn.close()
