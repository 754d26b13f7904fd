"""`nervecenter whatif` on the example practice (--on 2026-12-02), against what was worked out by
hand from config/example: which cases change, which coverage weeks change flag; nothing written."""

from __future__ import annotations

import json

import pytest
from kit.practice import EXAMPLE

ON = "2026-12-02"


@pytest.fixture
def config(example):
    return example


@pytest.fixture
def nc(example_nc):
    return example_nc


def whatif(nc, *args):
    code, out, err = nc("whatif", "--on", ON, "--format", "json", *args)
    assert code == 0, err
    return json.loads(out)


def flags(doc):
    return {(w["facility"], w["cases_of"], w["role"], w["week"]):
            (w["before"]["flag"], w["after"]["flag"]) for w in doc["coverage"]}


def test_without_a_technologist_from_a_day(nc):
    doc = whatif(nc, "--without", "t-hebert", "--from", "2026-12-10")
    assert doc["as_of"] == ON and doc["change"] == {"without": "t-hebert", "from": "2026-12-10"}
    changes = {c["case"]: c for c in doc["changes"]}
    # Camille Hebert's own cases from 12-10: C-1011 (Memorial Hermann, already blocked for want
    # of PALS: now because she left) and C-1016 (Tulane, cleared: now blocked, as a case of
    # someone who left always is, even where Tulane only warns). C-1006 on 12-08 is before she
    # leaves. Cases she was a backup for lose her: C-1005, C-1012, C-1013,
    # C-1015 (where Chidi Okafor, the next qualified and free, takes her place).
    assert sorted(changes) == ["C-1005", "C-1011", "C-1012", "C-1013", "C-1015", "C-1016"]
    c1016 = changes["C-1016"]
    assert (c1016["before"]["outcome"], c1016["after"]["outcome"]) == ("cleared", "blocked")
    assert [(p["person"], p["reason"]) for p in c1016["after"]["problems"]] == [
        ("t-hebert", "inactive")]
    assert [(p["person"], p["reason"]) for p in changes["C-1011"]["after"]["problems"]] == [
        ("t-hebert", "inactive")]
    assert c1016["after"]["backups"] == ["t-price"]
    assert set(c1016["before"]) == {"id", "facility", "start", "end", "procedure",
                                    "technologist", "reader", "outcome", "problems", "backups"}
    c1015 = changes["C-1015"]
    assert c1015["before"]["backups"] == ["t-boudreaux", "t-hebert", "t-nguyen"]
    assert c1015["after"]["backups"] == ["t-boudreaux", "t-nguyen", "t-okafor"]
    assert c1015["before"]["problems"] == c1015["after"]["problems"]
    # Ochsner from the week of 2027-01-04 had Hebert as its one cleared technologist (Price's BLS
    # too old from 12-16, Boudreaux's CNIM ends 2026-12-31, Nguyen's privileges 2027-01-09)
    changed = flags(doc)
    assert changed[("ochsner-main", "all cases", "technologist", "2027-01-04")] == ("thin", "short")
    assert changed[("ochsner-main", "all cases", "technologist", "2026-12-07")] == ("ok", "thin")
    # Tulane: the week of 12-07 keeps Price alone either way (thin), so it does not change
    assert ("tulane", "all cases", "technologist", "2026-12-07") not in changed
    assert not any(role == "reader" for _, _, role, _ in changed)


def test_renewal_and_lapse(nc):
    # Chidi Okafor's Tulane privileges (ending 12-12, renewal submitted) renewed to 2028
    doc = whatif(nc, "--renew", "t-okafor:facility_privileges:tulane", "--expires", "2028-12-12")
    [c1012] = doc["changes"]
    assert c1012["case"] == "C-1012"
    assert [p["person"] for p in c1012["before"]["problems"]] == ["t-okafor", "r-kim"]
    assert [p["person"] for p in c1012["after"]["problems"]] == ["r-kim"]
    changed = flags(doc)
    assert changed[("tulane", "all cases", "technologist", "2026-12-07")] == ("thin", "ok")
    assert changed[("tulane", "all cases", "technologist", "2027-01-11")] == ("short", "thin")
    # Jordan Price's BLS lapsing today: his C-1001 and C-1007 at Ochsner gain the problem
    doc = whatif(nc, "--lapse", "t-price:bls")
    lapsed = {c["case"]: c for c in doc["changes"]}
    for case in ("C-1001", "C-1007", "C-1013"):
        assert ("t-price", "expired") in {(p["person"], p["reason"])
                                          for p in lapsed[case]["after"]["problems"]}


def test_new_facility_rules(nc, tmp_path):
    strict = tmp_path / "tulane.yaml"
    text = (EXAMPLE / "facilities" / "tulane.yaml").read_text()
    strict.write_text(text.replace("enforcement: warn ", "enforcement: block"))
    doc = whatif(nc, "--facility-rules", str(strict))
    outcomes = {c["case"]: (c["before"]["outcome"], c["after"]["outcome"])
                for c in doc["changes"]}
    # Tulane's warnings become blocks: C-1003 (Garcia's TB screening lapsed) and C-1012
    assert outcomes == {"C-1003": ("warning", "blocked"), "C-1012": ("warning", "blocked")}
    assert doc["coverage"] == []  # who is cleared does not depend on enforcement


def test_mistakes_are_the_users_and_nothing_is_written(nc, config, tmp_path):
    from nervecenter.service.workspace import open_workspace

    code, _, err = nc("whatif", "--without", "t-hebrt")
    assert (code, err.strip()) == (1, ("no person 't-hebrt' in the roster (did you mean "
                                      "'t-hebert'?); check the id in people.yaml"))
    code, _, err = nc("whatif", "--renew", "t-price:bls", "--expires", "2027-01-01")
    assert code == 1 and "--expires must be after the current expiry of t-price:bls" in err
    code, _, err = nc("whatif", "--lapse", "t-price:cpr")
    assert code == 1 and "no credential 't-price:cpr'" in err
    code, _, err = nc("whatif")
    assert code == 2 and "say what changes" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: tulane\nname: Tulane\nstate: LA\nrequirements:\n  - credential: nope\n")
    code, _, err = nc("whatif", "--facility-rules", str(bad))
    assert code == 1 and f"{bad}:5" in err
    ws = open_workspace(config)
    before = ws.store.data_version()
    code, _, _ = nc("whatif", "--on", ON, "--without", "r-patel")
    assert code == 0 and ws.store.data_version() == before
