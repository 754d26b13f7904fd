"""`nervecenter init`, `check`, `plugins` and `schema`, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from kit.practice import copy_example

EXAMPLE_FILES = sorted([
    "practice.yaml", "people.yaml", "cases.csv", "facilities/ochsner-main.yaml",
    "facilities/tulane.yaml", "facilities/memorial-hermann-tmc.yaml", "states/LA.yaml",
    "documents/okafor-tulane-reappointment.pdf"] + [
    f"schemas/{name}.json" for name in ("practice", "facility", "state", "credential_type", "people")])


@pytest.fixture
def run(nc):
    return nc  # conftest.py: kit.cli.run without NERVECENTER_CONFIG/NERVECENTER_DATABASE_URL


@pytest.fixture
def practice(tmp_path, run) -> Path:
    target = tmp_path / "practice"
    assert run("init", str(target))[0] == 0
    return target


def files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


# ---------------------------------------------------------------- init


def test_init_writes_the_example_practice(tmp_path, run):
    target = tmp_path / "new"
    code, out, err = run("init", str(target))
    assert code == 0, err
    assert out == (f"Wrote the example practice to {target} (13 files).\n"
                   f"Next: nervecenter check --config {target}\n")
    assert files_under(target) == EXAMPLE_FILES


def test_init_refuses_a_non_empty_directory_unless_forced(tmp_path, run):
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    code, _out, err = run("init", str(target))
    assert code == 1
    assert err == (f"Error: {target} is not empty; choose a new directory or pass --force to "
                   "write the example files into it\n")
    assert files_under(target) == ["notes.txt"]
    assert run("init", "--force", str(target))[0] == 0
    assert files_under(target) == sorted(EXAMPLE_FILES + ["notes.txt"])


def test_init_blank_writes_an_empty_practice_that_checks_and_takes_its_first_rows(tmp_path,
                                                                                  run):
    target = tmp_path / "mine"
    code, out, err = run("init", str(target), "--blank")
    assert code == 0, err
    assert files_under(target) == ["cases.csv", "facilities/my-hospital.yaml", "practice.yaml",
                                   "roster.csv"]
    practice = (target / "practice.yaml").read_text()
    for key in ("alerts:", "schedule:", "contacts:", "case_values:", "database:"):
        assert f"# {key}" in practice, key  # every key there, commented
    code, out, err = run("check", "--config", str(target))
    assert code == 0, err
    assert "  1 facility, 0 states, 1 requirement\n  0 people, 0 credentials" in out
    with (target / "roster.csv").open("a") as f:
        f.write("t-lee,Alex Lee,technologist,alex@example.com,,BLS,,,B-1,AHA,1/5/25,\n")
    with (target / "cases.csv").open("a") as f:
        f.write("C-1,my-hospital,12/3/26 8:00 AM,,spine,t-lee,\n")
    code, out, err = run("check", "--config", str(target))
    assert code == 0, err
    assert "  1 person, 1 credential, 0 CE entries, 1 case" in out


def test_init_into_an_existing_empty_directory(tmp_path, run):
    assert run("init", str(tmp_path))[0] == 0
    assert files_under(tmp_path) == EXAMPLE_FILES


# ---------------------------------------------------------------- check


def test_check_passes_on_the_example(practice, run, builtin_plugins):
    code, out, err = run("check", "--config", str(practice))
    assert (code, err) == (0, "")
    # counted by hand in people.yaml, cases.csv and the facility and state files
    assert out == (f"OK: Bayou Neuromonitoring ({practice})\n"
                   "  23 credential types from exclusion-screening, facility-health, ionm; "
                   "1 rule kind\n"
                   "  3 facilities, 1 state, 23 requirements\n"
                   "  9 people, 82 credentials, 16 CE entries, 16 cases\n")


def test_check_counts_a_person_in_two_sources_once(tmp_path, run):
    practice = copy_example(tmp_path / "p", practice={
        "sources": ["people.yaml", "roster.csv", "more.csv", "cases.csv"]})
    for name in ("roster.csv", "more.csv"):  # Robin New and their BLS card, in both
        (practice / name).write_text("person,name,role,type,issued,expires\n"
                                     "t-new,Robin New,technologist,bls,2025-12-15,2027-12-31\n")
    code, out, err = run("check", "--config", str(practice))
    # Robin New has no channel in either file: one warning, at the first
    warning = (f"warning: {practice}/roster.csv:2: no channel for Robin New: their alerts go "
               "to the managers; give them notify, or an email or phone with contacts: in "
               "practice.yaml\n")
    assert (code, err) == (0, warning)
    assert out.splitlines()[-1] == "  10 people, 83 credentials, 16 CE entries, 16 cases"
    # given differently by two sources, they are an error, as the import says
    (practice / "more.csv").write_text("person,name,role,type,issued,expires\n"
                                       "t-new,Robin New,technologist,bls,2025-12-15,2027-12-30\n")
    code, out, err = run("check", "--config", str(practice))
    assert (code, out) == (1, "")
    assert err == (f"{practice}/more.csv:2: credential t-new:bls is given differently by "
                   f"{practice}/roster.csv:2; make the two agree or keep it in one file\n")


def test_check_reads_the_config_from_the_environment(practice, run, monkeypatch):
    monkeypatch.setenv("NERVECENTER_CONFIG", str(practice))
    assert run("check")[0] == 0


def test_check_reports_an_impossible_date_in_people_yaml(practice, run):
    people = practice / "people.yaml"
    # a text edit on purpose: the expected line is that of the example as `init` writes it
    people.write_text(people.read_text().replace("issued: 2025-12-15", "issued: 2026-02-30"))
    code, out, err = run("check", "--config", str(practice))
    assert (code, out) == (1, "")
    # a file that cannot be read at all: the rows naming people it would give wait for it
    assert err == (f"{people}:18: 2026-02-30 is not a date: February 2026 has 28 days; rows "
                   "naming people not known without it are left unread until this is fixed "
                   f"({practice}/cases.csv rows 2, 3, 4, 5, 7 and 10 more)\n")


def test_check_reports_every_problem_of_every_file(practice, run):
    people = practice / "people.yaml"
    text = people.read_text()
    # text edits on purpose: the expected lines are those of the example as `init` writes it
    text = text.replace("    home_state: LA\n    email: jordan", "    home_sate: LA\n    email: jordan")
    people.write_text(text)
    facility = practice / "facilities" / "tulane.yaml"
    facility.write_text(facility.read_text().replace("credential: cnim", "credential: cnim2"))
    code, out, err = run("check", "--config", str(practice))
    assert (code, out) == (1, "")
    # the configuration is checked first; its problems stop the check of the sources
    assert err == (f"{facility}:11: requirements.2.credential: unknown credential type 'cnim2' "
                   "(did you mean 'cnim'?); `nervecenter plugins` lists the types\n")
    facility.write_text(facility.read_text().replace("cnim2", "cnim"))
    code, _out, err = run("check", "--config", str(practice))
    assert code == 1
    assert err.startswith(f"{people}:8: people.0: unknown key 'home_sate' (did you mean "
                          "'home_state'?)")
    assert len(err.splitlines()) == 1


def test_check_reports_every_schema_error_of_a_yaml_file_in_one_pass(practice, run):
    # four mistakes in four places: a misspelt key, a value not in its list, a value that fits
    # no branch of a `oneOf` (a list item of `when:`), and, below a requirement the schema
    # refuses, an unknown credential type the loader checks after the schema
    facility = practice / "facilities" / "small.yaml"
    facility.write_text(
        "id: small\n"
        "name: Small Surgery Center\n"
        "state: LA\n"
        "enforcment: warn\n"                         # 4
        "requirements:\n"
        "  - credential: bls\n"
        "    role: tech\n"                           # 7
        "  - credential: acls\n"
        "    when:\n"
        "      procedure: [spine, {cranial: yes}]\n"  # 10
        "  - credential: cnmi\n"                     # 11
        "    max_age_months: 24\n")
    code, out, err = run("check", "--config", str(practice))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        (f"{facility}:4: unknown key 'enforcment' (did you mean 'enforcement'?); allowed keys: "
        "enforcement, id, name, requirements, state, timezone"),
        f"{facility}:7: requirements.0.role: 'tech' is not one of technologist, reader, any",
        (f"{facility}:10: requirements.1.when.procedure.1: a mapping is not valid here; write "
        "text or a number"),
        (f"{facility}:11: requirements.2.credential: unknown credential type 'cnmi' (did you "
        "mean 'cnim'?); `nervecenter plugins` lists the types")]


def test_a_oneof_value_is_reported_by_the_branch_it_evidently_meant(practice, run):
    path = practice / "practice.yaml"
    text = path.read_text()
    # text edits on purpose: the lines are those of the example as `init` writes it
    text = text.replace('notify: ["file://.nervecenter/outbox/dana.jsonl"]',
                        'notify: [5, {url: "json://localhost", stages: [-1]}]')
    text = text.replace("stages: [7, 0]}", "stage: [7, 0]}")
    path.write_text(text)
    code, _out, err = run("check", "--config", str(practice))
    assert code == 1
    assert err.splitlines() == [
        # fits no branch: the choices are said once
        (f"{path}:21: managers.0.notify.0: 5 is not valid here; expected: Where alerts go: an "
        "Apprise URL (mailto://, json://, a file:// outbox...) or one with a stage filter."),
        # a mapping: the channel with stages, whose own mistakes are shown
        f"{path}:21: managers.0.notify.1.stages.0: -1 is below the minimum 0; use a number >= 0",
        (f"{path}:26: managers.1.notify.0: unknown key 'stage' (did you mean 'stages'?); allowed "
        "keys: stages, url")]


def test_check_reports_a_missing_document_and_a_bad_channel(practice, run):
    (practice / "documents" / "okafor-tulane-reappointment.pdf").unlink()
    people = practice / "people.yaml"
    # a text edit on purpose: the expected lines are those of the example as `init` writes it
    people.write_text(people.read_text().replace(
        'notify: ["file://.nervecenter/outbox/t-nguyen.jsonl"]',
        'notify: ["smtp://secret-token@mail.example.org"]'))
    code, _out, err = run("check", "--config", str(practice))
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{people}:33: notify smtp://")
    assert "secret-token" not in err
    assert lines[1] == (f"{people}:75: document documents/okafor-tulane-reappointment.pdf does not "
                        "exist; add the file or fix the path (relative to the configuration "
                        "directory)")


def test_check_of_a_missing_directory(tmp_path, run):
    code, _out, err = run("check", "--config", str(tmp_path / "nowhere"))
    assert code == 1
    assert err == (f"{tmp_path / 'nowhere'}: no such configuration directory; create one with "
                   "`nervecenter init DIR` or pass --config DIR\n")


# ---------------------------------------------------------------- plugins


def test_plugins_lists_both_built_ins_with_versions_and_types(run):
    code, out, err = run("plugins")
    assert code == 0, err
    assert ("ionm 0.1.0 (built in)\n  credential types: abcn, abpn_cnp, acls, bls, cltm, cnim, "
            "d_abnm, facility_privileges, pals, r_eeg_t, r_ep_t, state_license\n") in out
    assert ("facility-health 0.1.0 (built in)\n  credential types: background_check, "
            "bloodborne_pathogens_training, hepatitis_b_immunity, hipaa_training, "
            "influenza_vaccine, mmr_immunity, respirator_fit_test, tb_screening, tdap, "
            "varicella_immunity\n") in out
    assert "  concurrent_cases (concurrency): " in out
    row = next(line for line in out.splitlines() if line.strip().startswith("cnim "))
    assert row.split() == ["cnim", "CNIM", "person", "60", "mo", "end_of_year,", "grace", "31",
                           "d", "90", "d"]


def test_plugins_shows_each_types_sources(run, builtin_plugins):
    code, out, _err = run("plugins", "--format", "json")
    assert code == 0
    types = {t["id"]: t for t in json.loads(out)["credential_types"]}
    assert types["respirator_fit_test"]["sources"]["validity_months"].startswith(
        "OSHA 29 CFR 1910.134(f)(2)")
    _code, out, _err = run("plugins")
    assert "    validity_months: " + "https://www.abret.org/recertification/recertification-faq/" in out


def test_plugins_as_json(run, builtin_plugins):
    _code, out, _err = run("plugins", "--format", "json")
    report = json.loads(out)
    assert set(report) == {"plugins", "credential_types", "rule_kinds", "channels"}
    assert len(report["credential_types"]) == 23
    ionm = next(p for p in report["plugins"] if p["name"] == "ionm")
    assert ionm["version"] == "0.1.0" and ionm["package"] is None
    assert len(ionm["credential_types"]) == 12
    bls = next(t for t in report["credential_types"] if t["id"] == "bls")
    assert bls == {"id": "bls", "name": "BLS Provider", "scope": "person", "issuer": "AHA",
                   "holders": ["technologist", "reader"], "validity_months": 24,
                   "expiry": "end_of_month", "grace_days": 0, "renewal_lead_days": 30,
                   "plugin": "ionm", "sources": bls["sources"]}
    assert bls["sources"]["grace_days"] == "AHA: no official grace period"


def test_plugins_refuses_csv(run):
    assert run("plugins", "--format", "csv")[0] == 2


# ---------------------------------------------------------------- schema


def _properties(schema, path="$"):
    """Every (path, property schema) under `properties` anywhere in a schema."""
    if isinstance(schema, dict):
        for key, sub in (schema.get("properties") or {}).items():
            yield f"{path}.{key}", sub
        for key, sub in schema.items():
            yield from _properties(sub, f"{path}.{key}")
    elif isinstance(schema, list):
        for i, sub in enumerate(schema):
            yield from _properties(sub, f"{path}[{i}]")


def test_schema_prints_every_schema_valid_and_described(run):
    _code, out, _err = run("schema")
    schemas = json.loads(out)
    assert sorted(schemas) == ["credential_type", "facility", "people", "practice", "state"]
    for name, schema in schemas.items():
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["additionalProperties"] is False
        undocumented = [p for p, sub in _properties(schema) if "description" not in sub]
        assert undocumented == [], f"{name}: properties without a description"


def test_schema_of_one_file_offers_the_rule_kinds_keys(run):
    _code, out, _err = run("schema", "facility")
    schema = json.loads(out)
    kinds = schema["properties"]["requirements"]["items"]["oneOf"]
    [rule] = [k for k in kinds if k["properties"].get("rule", {}).get("const") == "concurrent_cases"]
    assert rule["required"] == ["rule", "max"] and rule["properties"]["max"]["minimum"] == 1
    # `max` belongs to rule kinds that have it, never to a credential or any_of requirement
    assert all("max" not in k["properties"] for k in kinds if "rule" not in k["properties"])


def test_schema_of_an_unknown_name(run):
    code, _out, err = run("schema", "facilities")
    assert code == 2
    assert ("'facilities' is not a schema; use one of practice, facility, state, "
            "credential_type, people") in err


def test_the_example_files_validate_against_the_printed_schemas(run):
    import yaml


    schemas = json.loads(run("schema")[1])
    example = Path(__file__).resolve().parent.parent / "config" / "example"
    pairs = [("practice.yaml", "practice"), ("people.yaml", "people"),
             ("states/LA.yaml", "state")] + [
        (f"facilities/{p.name}", "facility") for p in (example / "facilities").glob("*.yaml")]
    for name, schema in pairs:
        # as an editor would check it: plain JSON types, dates as strings
        data = json.loads(json.dumps(yaml.load((example / name).read_text(),
                                               Loader=yaml.BaseLoader)))
        errors = [e.message for e in Draft202012Validator(schemas[schema]).iter_errors(data)
                  if e.validator not in ("type", "oneOf")]  # BaseLoader reads numbers as text
        assert errors == [], name


def test_check_warns_about_a_requirement_no_one_of_its_role_can_meet(practice, run):
    facility = practice / "facilities" / "tulane.yaml"
    facility.write_text(facility.read_text() + "  - credential: d_abnm\n")
    code, out, err = run("check", "--config", str(practice))
    assert code == 0 and out.startswith("OK: ")
    assert err == (f"warning: {facility}:15: no technologist can meet this requirement: d_abnm "
                   "is held by reader only; change `role:` or the type's `holders:`\n")
