"""`nervecenter coverage` on the example practice, against expectations worked out by hand from
config/example (people.yaml, facilities/, states/LA.yaml, cases.csv), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pytest
from kit.practice import copy_example

from nervecenter.rules.coverage import flag


@pytest.fixture
def nc(example_nc):
    return example_nc


def weeks_of(doc, facility, role, variant=None):
    f = next(f for f in doc["facilities"] if f["id"] == facility)
    if variant is None:
        return {w["week"]: w for w in f["roles"][role]}
    v = next(v for v in f["variants"] if v["label"] == variant)
    return {w["week"]: w for w in v["roles"][role]}


def test_tulane_readers_thin_out_as_licences_lapse(nc):
    code, out, err = nc("coverage", "--on", "2026-12-02", "--weeks", "10", "--format", "json",
                        "--facility", "tulane")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["as_of"] == "2026-12-02" and [f["id"] for f in doc["facilities"]] == ["tulane"]
    readers = weeks_of(doc, "tulane", "reader")
    # the first week is the ISO week holding --on, named by its Monday
    assert list(readers)[:3] == ["2026-11-30", "2026-12-07", "2026-12-14"]
    # A Tulane reader needs Tulane privileges, Tulane HIPAA training and (state rule) a LA
    # licence. r-kim's Tulane privileges ended 2026-11-30: never. r-adams' LA licence expires
    # Sunday 2026-12-20: the last whole week is 12-14. r-patel's expires Sunday 2027-01-31.
    assert readers["2026-12-14"]["cleared"] == ["r-adams", "r-patel"]
    assert readers["2026-12-21"]["cleared"] == ["r-patel"]
    assert readers["2027-01-25"]["cleared"] == ["r-patel"]
    assert readers["2027-02-01"]["cleared"] == []
    # C-1012 on 12-16 is the one case of that week; two cleared for a peak of one is thin
    assert (readers["2026-12-14"]["cases"], readers["2026-12-14"]["peak"],
            readers["2026-12-14"]["flag"]) == (1, 1, "thin")
    assert readers["2026-12-21"]["flag"] == "thin"  # a single person
    assert readers["2027-02-01"]["flag"] == "short"  # nobody, with or without a case


def test_tulane_technologists_and_a_submitted_renewal(nc):
    code, out, err = nc("coverage", "--on", "2026-12-02", "--format", "json")
    assert code == 0, err
    techs = weeks_of(json.loads(out), "tulane", "technologist")
    assert len(techs) == 12  # the default
    # t-garcia's TB screening lapsed 2026-11-15: never. t-okafor's Tulane privileges expire
    # Saturday 12-12 with a renewal submitted: counted the week of --on (12-02..12-06), then
    # shown as renewal_submitted, not cleared. t-hebert's TB screening and HIPAA training
    # expire Monday 2027-01-04; t-price's HIPAA training Thursday 2027-01-14.
    assert techs["2026-11-30"]["cleared"] == ["t-hebert", "t-okafor", "t-price"]
    assert techs["2026-11-30"]["flag"] == "ok"
    assert techs["2026-12-07"]["cleared"] == ["t-hebert", "t-price"]
    assert techs["2026-12-07"]["renewal_submitted"] == ["t-okafor"]
    assert techs["2026-12-28"]["cleared"] == ["t-hebert", "t-price"]
    assert techs["2027-01-04"]["cleared"] == ["t-price"]
    assert techs["2027-01-11"]["cleared"] == []
    assert techs["2027-01-11"]["flag"] == "short"
    # cases booked at Tulane: C-1003 (12-04), C-1005 (12-10), C-1012 (12-16), none the week of
    # 12-21, C-1016 (12-30)
    assert [techs[w]["cases"] for w in ("2026-11-30", "2026-12-07", "2026-12-14",
                                        "2026-12-21", "2026-12-28")] == [1, 1, 1, 0, 1]


def test_ochsner_peak_and_the_cranial_vascular_line(nc):
    code, out, err = nc("coverage", "--on", "2026-12-02", "--weeks", "6", "--format", "json",
                        "--facility", "ochsner-main")
    assert code == 0, err
    doc = json.loads(out)
    techs = weeks_of(doc, "ochsner-main", "technologist")
    # week of 12-07: C-1006 08:00-12:00 and C-1007 09:00-13:00 overlap on 12-08, C-1010 is alone
    # on 12-09: three cases, two at once
    assert (techs["2026-12-07"]["cases"], techs["2026-12-07"]["peak"]) == (3, 2)
    # Ochsner takes a BLS card no older than 12 months: t-price's (issued 2025-12-15) is too old
    # from 12-16, so the week of 12-14 is not his
    assert techs["2026-12-07"]["cleared"] == ["t-boudreaux", "t-hebert", "t-nguyen", "t-price"]
    assert techs["2026-12-14"]["cleared"] == ["t-boudreaux", "t-hebert", "t-nguyen"]
    # ACLS for cranial and vascular cases: t-nguyen's lapses 2026-11-30, so she is on the
    # all-cases line and not on this one; cases there are C-1006, C-1010 (12-07) and C-1014
    variant = weeks_of(doc, "ochsner-main", "technologist", "cranial, vascular cases")
    f = doc["facilities"][0]
    assert f["variants"][0]["when"] == {"procedure": ["cranial", "vascular"]}
    assert list(f["variants"][0]["roles"]) == ["technologist"]  # ACLS binds technologists only
    assert variant["2026-12-07"]["cleared"] == ["t-boudreaux", "t-hebert", "t-price"]
    assert (variant["2026-12-07"]["cases"], variant["2026-12-07"]["peak"]) == (2, 1)
    assert (variant["2026-12-21"]["cases"], variant["2026-12-21"]["flag"]) == (1, "thin")


def test_table_and_csv_say_the_same(nc):
    code, table, _ = nc("coverage", "--on", "2026-12-02", "--weeks", "2", "--facility", "tulane")
    assert code == 0
    assert "Tulane Medical Center (tulane)" in table
    assert "t-hebert, t-price (renewal submitted: t-okafor)" in table
    code, out, _ = nc("coverage", "--on", "2026-12-02", "--weeks", "2", "--format", "csv")
    rows = out.splitlines()
    assert rows[0] == "facility,cases_of,role,week,cleared,renewal_submitted,cases,peak,flag"
    assert "tulane,all cases,technologist,2026-12-07,t-hebert t-price,t-okafor,1,1,thin" in rows


def test_unknown_facility_is_the_users_error(nc):
    code, out, err = nc("coverage", "--facility", "ochsner")
    assert code == 1 and out == ""
    assert err.strip() == ("no facility 'ochsner'; the configured ones are "
                           "memorial-hermann-tmc, ochsner-main, tulane")


@pytest.mark.parametrize("cleared, peak, expected", [
    (0, 0, "short"), (1, 0, "thin"), (2, 0, "thin"), (3, 0, "ok"),
    (1, 2, "short"), (2, 2, "thin"), (3, 2, "thin"), (4, 2, "ok")])
def test_flags(cleared, peak, expected):
    assert flag(cleared, peak) == expected


def test_the_managers_digest_names_the_thin_and_short_weeks(tmp_path, database_url):
    from nervecenter.service import runner
    from nervecenter.service.workspace import open_workspace

    config = copy_example(tmp_path / "example")
    ws = open_workspace(config, database_url)
    _, alerts, digest = runner.plan(ws, date(2026, 12, 7), digest=True)
    assert digest
    [dana] = [a.message.text for a in alerts
              if a.kind == "digest" and a.recipients == ("dana",)]
    section = dana.split("Thin or short in the next 4 weeks\n")[1]
    items = [line[2:] for line in section.splitlines() if line.startswith("- ")]
    # four weeks from the week of 12-07 (to the week of 12-28); Tulane's readers: Adams and Patel
    # until Adams's LA licence lapses on Sunday 12-20, then Patel alone
    assert ("Tulane Medical Center, readers (all cases), week of 2026-12-21: thin — 1 cleared "
            "(Anil Patel, DO), 0 cases booked, 0 at once") in items
    assert ("Tulane Medical Center, technologists (all cases), week of 2026-12-07: thin — "
            "2 cleared (Camille Hebert, Jordan Price), 1 cases booked, 1 at once; "
            "renewal submitted: Chidi Okafor") in items
    assert not any("2026-11-30" in i or "2027-01-04" in i for i in items)
    # Memorial Hermann's technologists stay ok (four cleared, at most two at once)
    assert not any(i.startswith("Memorial Hermann-Texas Medical Center, technologists (all")
                   for i in items)


def test_the_digest_section_keeps_to_its_limit_short_weeks_first():
    from types import SimpleNamespace

    from nervecenter.alerts import messages
    from nervecenter.rules.coverage import FacilityCoverage, Week

    f = FacilityCoverage("f", "Facility", {})
    day = date(2026, 12, 7)
    thin = [(f, "all cases", "reader", Week(day, ("r-1", "r-2"), (), 0, 0, "thin"))] * 60 + [
        (f, "all cases", "technologist", Week(day, (), (), 1, 1, "short"))]
    ctx = messages.MessageContext(SimpleNamespace(name="P", base_url=None), None,
                                  lambda pid: pid, {}, day)
    text = messages.digest(ctx, "dana", [], [], [], [], thin).text
    section = text.split("Thin or short in the next 4 weeks\n")[1]
    items = [line for line in section.splitlines() if line.startswith("- ")]
    assert len(items) == 50
    assert items[0] == ("- Facility, technologists (all cases), week of 2026-12-07: short — "
                        "0 cleared (nobody), 1 cases booked, 1 at once")
    assert section.rstrip().endswith("… and 11 more, not written out here: nervecenter "
                                     "coverage --weeks 4")
