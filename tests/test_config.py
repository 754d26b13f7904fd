"""Loading a configuration directory: the example practice, defaults, and every kind of bad
input, each reported with its file, its line and a message that says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from kit.plugins import built_in_types
from kit.practice import copy_example, write_yaml

from nervecenter.core import yamlfile
from nervecenter.core.config import DEFAULT_DATABASE, load_practice
from nervecenter.core.errors import ConfigError
from nervecenter.core.model import AlertPolicy, Channel, Schedule

EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "example"


@pytest.fixture
def cfg(tmp_path, monkeypatch) -> Path:
    """A copy of the example practice to break."""
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    target = tmp_path / "cfg"
    return copy_example(target)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def problems_of(config_dir: Path) -> list[tuple[str, int, str]]:
    with pytest.raises(ConfigError) as info:
        load_practice(config_dir)
    return [(p.file, p.line, p.message) for p in info.value.problems]


def only_problem(config_dir: Path) -> tuple[str, int, str]:
    found = problems_of(config_dir)
    assert len(found) == 1, found
    return found[0]


MINIMAL_FACILITY = """\
id: small
name: Small Surgery Center
state: LA
requirements:
  - credential: bls
"""


def minimal_facility(id: str = "small", credential: str = "bls", **keys) -> dict:
    """MINIMAL_FACILITY as data (written by write_yaml its lines are the same: id 1, name 2,
    state 3, then `keys`, then requirements)."""
    return {"id": id, "name": "Small Surgery Center", "state": "LA", **keys,
            "requirements": [{"credential": credential}]}


# ---------------------------------------------------------------- what loads


def test_the_example_practice_loads(cfg):
    p = load_practice(cfg)
    assert p.name == "Bayou Neuromonitoring"
    assert p.timezone == "America/Chicago"
    assert p.config_dir == cfg.resolve()
    assert p.database == f"sqlite:///{cfg.resolve()}/.nervecenter/state.db"
    assert sorted(p.facilities) == ["memorial-hermann-tmc", "ochsner-main", "tulane"]
    assert sorted(p.states) == ["LA"]
    assert len(built_in_types(p.credential_types)) == 23  # CI adds a third-party plugin
    assert "concurrent_cases" in p.rule_kinds
    assert [m.id for m in p.managers] == ["dana", "marcus"]
    assert p.managers[1].notify == (Channel("file://.nervecenter/outbox/marcus.jsonl", (7, 0)),)
    assert p.sources == (cfg.resolve() / "people.yaml", cfg.resolve() / "cases.csv")


def test_requirements_carry_their_keys_and_resolved_enforcement(cfg):
    p = load_practice(cfg)
    ochsner = p.facilities["ochsner-main"].requirements
    assert [r.credential or r.rule or r.any_of for r in ochsner] == [
        "facility_privileges", "bls", "cnim", ("d_abnm", "abcn", "abpn_cnp"), "acls",
        "state_license", "concurrent_cases", "concurrent_cases"]
    bls, boards, acls, licence, concurrency = (ochsner[1], ochsner[3], ochsner[4], ochsner[5],
                                               ochsner[6])
    assert boards.role == "reader"  # a reader's board, not the technologist's default
    assert ochsner[7].role == "technologist" and ochsner[7].params == {"max": 1}
    assert bls.max_age_months == 12 and bls.role == "technologist"
    assert acls.when == {"procedure": ("cranial", "vascular")}
    assert licence.role == "reader" and licence.valid_days_after_case == 30
    assert concurrency.params == {"max": 3} and concurrency.source == "facility:ochsner-main"
    assert bls.location.line == 10
    # tulane warns by default; at memorial one requirement overrides the facility's block
    assert {r.enforcement for r in p.facilities["tulane"].requirements} == {"warn"}
    memorial = {r.credential or r.rule: r for r in p.facilities["memorial-hermann-tmc"].requirements}
    assert memorial["acls"].enforcement == "warn"
    assert memorial["bls"].enforcement == "block"
    assert memorial["state_license"].state == "TX"
    assert memorial["cnim"].issuers == ("ABRET",) and memorial["cnim"].verified is True
    assert memorial["pals"].when == {"population": ("pediatric",)}
    la = p.states["LA"].requirements
    assert [(r.credential, r.role, r.source, r.enforcement) for r in la] == [
        ("state_license", "reader", "state:LA", "block")]


def test_built_in_types_carry_the_domain_facts(cfg):
    types = load_practice(cfg).credential_types
    cnim = types["cnim"]
    assert (cnim.issuer, cnim.validity_months, cnim.expiry, cnim.grace_days) == \
        ("ABRET", 60, "end_of_year", 31)
    assert cnim.continuing_education.hours == 50
    assert cnim.continuing_education.period_months == 60
    assert cnim.continuing_education.limits["article"] == 0.5
    assert types["r_eeg_t"].continuing_education.hours == 30
    assert types["r_ep_t"].continuing_education.hours == 30
    assert types["cltm"].continuing_education.hours == 50
    assert (types["bls"].expiry, types["bls"].validity_months, types["bls"].grace_days) == \
        ("end_of_month", 24, 0)
    assert types["d_abnm"].validity_months == 120 and types["d_abnm"].renewal_lead_days == 365
    assert "unconfirmed" in types["d_abnm"].description
    assert types["state_license"].scope == "state"
    assert types["state_license"].renewal_lead_days == 42
    fp = types["facility_privileges"]
    assert (fp.scope, fp.validity_months, fp.renewal_lead_days) == ("facility", 24, 120)
    assert "36" in fp.description
    assert types["bls"].verify_url == "https://www.heart.org/cpr/mycards"
    health = {t.id for t in types.values() if t.plugin == "facility-health"}
    immunity = {"hepatitis_b_immunity", "mmr_immunity", "varicella_immunity", "tdap"}
    assert health == {"tb_screening", "influenza_vaccine", "respirator_fit_test",
                      "background_check", "hipaa_training", "bloodborne_pathogens_training",
                      *immunity}
    assert all(types[t].scope == "facility" for t in health - immunity)
    assert all(types[t].scope == "person" for t in immunity)  # a person's, whatever the facility


def test_defaults_of_a_minimal_practice(tmp_path, monkeypatch):
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    write(tmp_path / "practice.yaml", "name: Solo\ntimezone: America/New_York\n")
    write(tmp_path / "facilities" / "small.yaml", MINIMAL_FACILITY)
    p = load_practice(tmp_path)
    assert p.alerts == AlertPolicy(stages=(90, 60, 30, 7, 0), escalate_at=7,
                                   expired_repeat_days=7, case_horizon_days=30)
    assert p.schedule == Schedule("0 6 * * *", "0 7 * * MON")
    assert p.database == f"sqlite:///{tmp_path.resolve()}/.nervecenter/state.db"
    assert DEFAULT_DATABASE == "sqlite:///.nervecenter/state.db"
    small = p.facilities["small"]
    assert small.timezone == "America/New_York"  # the practice's
    assert small.enforcement == "block"
    assert p.managers == () and p.sources == ()


def test_database_url_from_the_environment_wins(cfg, monkeypatch):
    monkeypatch.setenv("NERVECENTER_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:5432/x")
    assert load_practice(cfg).database == "postgresql+psycopg://u@127.0.0.1:5432/x"


@pytest.mark.parametrize("url, expected", [
    ("sqlite:///data/nc.db", "sqlite:///{dir}/data/nc.db"),
    ("sqlite:////var/lib/nc.db", "sqlite:////var/lib/nc.db"),
    ("sqlite:///:memory:", "sqlite:///:memory:"),
    ("postgresql+psycopg://postgres@127.0.0.1/test", "postgresql+psycopg://postgres@127.0.0.1/test"),
])
def test_relative_sqlite_paths_are_relative_to_the_config_dir(tmp_path, monkeypatch, url, expected):
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    write(tmp_path / "practice.yaml", f"name: X\ntimezone: UTC\ndatabase: '{url}'\n")
    assert load_practice(tmp_path).database == expected.format(dir=tmp_path.resolve())


def test_a_practice_type_file_replaces_a_plugin_type(cfg):
    write(cfg / "credential_types" / "d_abnm.yaml",
          "id: d_abnm\nname: D.ABNM\nissuer: ABNM\nholders: [reader]\nvalidity_months: 96\n")
    write(cfg / "credential_types" / "aud_license.yaml",
          "id: aud_license\nname: Audiology licence\nscope: state\nvalidity_months: 24\n")
    types = load_practice(cfg).credential_types
    assert types["d_abnm"].validity_months == 96 and types["d_abnm"].plugin == "practice"
    assert types["aud_license"].scope == "state"
    assert len(built_in_types(types)) == 24


# ---------------------------------------------------------------- bad input


def test_yaml_syntax_error(cfg):
    f = write(cfg / "facilities" / "tulane.yaml",
              "id: tulane\nname: Tulane\nstate: LA\nrequirements:\n  - credential: bls\n"
              "   role: reader\n")
    file, line, message = only_problem(cfg)
    assert (file, line) == (str(f), 6)
    assert message.startswith("YAML syntax: ")
    assert "check the indentation" in message


def test_tabs_are_named(cfg):
    f = write(cfg / "states" / "LA.yaml", "state: LA\nrequirements:\n\t- credential: bls\n")
    file, line, message = only_problem(cfg)
    assert (file, line) == (str(f), 3)
    assert "indent with spaces, not tabs" in message


def test_unknown_key_with_a_suggestion(cfg):
    f = write(cfg / "facilities" / "small.yaml",
              MINIMAL_FACILITY + "  - credential: acls\n    max_age_month: 12\n")
    assert only_problem(cfg) == (
        str(f), 7, ("requirements.1: unknown key 'max_age_month' (did you mean "
        "'max_age_months'?); allowed keys: accept_grace, any_of, credential, enforcement, "
        "facility, issuers, max_age_months, role, rule, state, valid_days_after_case, "
        "verified, when"))


def test_wrong_type(cfg):
    f = write(cfg / "facilities" / "small.yaml",
              MINIMAL_FACILITY + "  - credential: acls\n    accept_grace: maybe\n")
    assert only_problem(cfg) == (str(f), 7, ("requirements.1.accept_grace: 'maybe' is not "
                                            "valid here; write true or false"))


def test_negative_months(cfg):
    f = write(cfg / "credential_types" / "acls_local.yaml",
              "id: acls_local\nname: ACLS (local)\nvalidity_months: -24\n")
    assert only_problem(cfg) == (str(f), 3, ("validity_months: -24 is below the minimum 1; "
                                            "use a number >= 1"))


def test_unknown_credential_type_suggests_the_closest(cfg):
    f = write_yaml(cfg / "facilities" / "small.yaml", minimal_facility(credential="bsl"))
    assert only_problem(cfg) == (str(f), 5, ("requirements.0.credential: unknown credential type "
                                            "'bsl' (did you mean 'bls'?); `nervecenter plugins` "
                                            "lists the types"))


def test_unknown_type_inside_any_of(cfg):
    f = write(cfg / "facilities" / "small.yaml",
              MINIMAL_FACILITY + "  - any_of: [cnim, d-abnm]\n")
    file, line, message = only_problem(cfg)
    assert (file, line) == (str(f), 6)
    assert "unknown credential type 'd-abnm' (did you mean 'd_abnm'?)" in message


def test_unknown_rule_kind_suggests_the_closest(cfg):
    f = write(cfg / "facilities" / "small.yaml",
              MINIMAL_FACILITY + "  - rule: concurrent_case\n    role: reader\n    max: 3\n")
    assert only_problem(cfg) == (str(f), 6, ("requirements.1.rule: unknown rule kind "
                                            "'concurrent_case' (did you mean 'concurrent_cases'?); "
                                            "`nervecenter plugins` lists the rule kinds"))


def test_rule_kind_params_are_checked_against_its_schema(cfg):
    f = write(cfg / "facilities" / "small.yaml",
              MINIMAL_FACILITY + "  - rule: concurrent_cases\n    role: reader\n    max: 0\n"
              "  - rule: concurrent_cases\n    role: reader\n")
    found = problems_of(cfg)
    assert found == [
        (str(f), 8, ("requirements.1 (rule concurrent_cases): max: 0 is below the minimum 1; "
                    "use a number >= 1")),
        (str(f), 9, "requirements.2 (rule concurrent_cases): 'max' is required; add it"),
    ]


def test_a_requirement_needs_exactly_one_kind(cfg):
    f = write(cfg / "facilities" / "small.yaml",
              MINIMAL_FACILITY + "  - credential: acls\n    rule: concurrent_cases\n    max: 2\n")
    file, line, message = only_problem(cfg)
    assert (file, line) == (str(f), 6)
    assert message == ("requirements.1: a requirement needs exactly one of credential, any_of, "
                       "rule (found credential and rule); split it into one per rule")


def test_duplicate_facility_ids_across_files(cfg):
    f = write_yaml(cfg / "facilities" / "tulane2.yaml", minimal_facility(id="tulane"))
    file, line, message = only_problem(cfg)
    assert (file, line) == (str(f), 1)
    assert message == (f"duplicate facility id 'tulane' (also in {cfg / 'facilities/tulane.yaml'});"
                       " give each facility its own id")


def test_duplicate_credential_type_ids_across_files(cfg):
    write(cfg / "credential_types" / "a.yaml", "id: rpsgt\nname: RPSGT\n")
    f = write(cfg / "credential_types" / "b.yaml", "name: RPSGT again\nid: rpsgt\n")
    assert only_problem(cfg) == (str(f), 2, ("duplicate credential type id 'rpsgt' (also in "
                                            f"{cfg / 'credential_types/a.yaml'}); rename one"))


def test_duplicate_state_files(cfg):
    f = write(cfg / "states" / "louisiana.yaml", "state: LA\n")
    file, line, message = only_problem(cfg)
    assert (file, line) == (str(f), 1)
    assert message.startswith("duplicate state 'LA' (also in ")


def test_a_file_with_faults_is_still_checked_everywhere_else(cfg):
    # a state code no state has, a duplicate facility id and schema faults: each file's other
    # requirements are still checked, so every mistake is listed at once
    s = write(cfg / "states" / "TQ.yaml", "state: TQ\nrequirements:\n  - credential: bsl\n"
              "  - rule: concurrent_cases\n    max: 0\n")
    f = write(cfg / "facilities" / "vieux-carre.yaml",
              "id: tulane\nname: Again\nstate: LA\ntimezone: [UTC]\nrequirements:\n"
              "  - credential: acsl\n    role: nobody\n")
    found = problems_of(cfg)
    assert [(file, line) for file, line, _ in found] == [
        (str(f), 1), (str(f), 4), (str(f), 6), (str(f), 7), (str(s), 1), (str(s), 3), (str(s), 5)]
    starts = ["duplicate facility id 'tulane' (also in ",
              "timezone: a list is not valid here; write text",
              "requirements.0.credential: unknown credential type 'acsl'",
              "requirements.0.role: 'nobody' is not one of",
              "'TQ' is not a US state code",
              "requirements.0.credential: unknown credential type 'bsl'",
              "requirements.1 (rule concurrent_cases): max: 0 is below"]
    assert all(m.startswith(s) for (_, _, m), s in zip(found, starts, strict=True)), found


def test_lists_and_bounds_say_the_fix(cfg):
    write(cfg / "credential_types" / "x.yaml", "id: x\nname: ''\nstages: [30, 7, 30]\n"
          "holders: []\n"
          "continuing_education: {hours: 1, period_months: 12, limits: {a: 2, b: 0}}\n")
    assert [m for _, _, m in problems_of(cfg)] == [
        "name: is empty; write a value",
        "stages: 30 is listed twice; remove one",
        "holders: needs at least 1 value; add one",
        "continuing_education.limits.a: 2 is above the maximum 1; use a number <= 1",
        "continuing_education.limits.b: 0 is too small; use a number above 0"]


def test_facility_scoped_requirement_for_an_unknown_facility(cfg):
    f = write(cfg / "facilities" / "small.yaml",
              MINIMAL_FACILITY + "  - credential: facility_privileges\n    facility: ochsner\n")
    assert only_problem(cfg) == (str(f), 7, ("requirements.1.facility: unknown facility 'ochsner' "
                                            "(did you mean 'ochsner-main'?); name a file in "
                                            "facilities/ by its id"))


def test_facility_key_on_a_type_that_is_not_facility_scoped(cfg):
    f = write(cfg / "facilities" / "small.yaml",
              MINIMAL_FACILITY + "  - credential: bls\n    facility: tulane\n")
    assert only_problem(cfg) == (str(f), 7, ("requirements.1.facility: bls is person-scoped, not "
                                            "facility-scoped; remove `facility:`"))


def test_unknown_state_format(cfg):
    f = write(cfg / "facilities" / "small.yaml",
              MINIMAL_FACILITY + "  - credential: state_license\n    state: Texas\n")
    assert only_problem(cfg) == (str(f), 7, ("requirements.1.state: 'Texas' is not valid here; "
                                            "use a two-letter state code like LA"))


def test_unknown_state_code(cfg):
    f = write(cfg / "facilities" / "small.yaml",
              MINIMAL_FACILITY + "  - credential: state_license\n    state: TQ\n")
    assert only_problem(cfg) == (str(f), 7, ("requirements.1.state: 'TQ' is not a US state code; "
                                            "use two capital letters like LA"))


def test_invalid_time_zones(cfg):
    # a text edit on purpose: the expected lines are those of the example's own practice.yaml
    text = (cfg / "practice.yaml").read_text().replace("America/Chicago", "America/Chicgo")
    p = write(cfg / "practice.yaml", text)
    f = write_yaml(cfg / "facilities" / "small.yaml", minimal_facility(timezone="Central"))
    assert problems_of(cfg) == [
        (str(f), 4, ("unknown time zone 'Central'; use an IANA name such as America/Chicago or "
                    "America/New_York")),
        (str(p), 5, ("unknown time zone 'America/Chicgo'; use an IANA name such as "
                    "America/Chicago or America/New_York")),
    ]


def test_bad_cron_and_missing_source(cfg):
    # a text edit on purpose: the expected lines are those of the example's own practice.yaml
    text = (cfg / "practice.yaml").read_text()
    text = text.replace('evaluate: "0 6 * * *"', 'evaluate: "every morning"')
    text = text.replace("sources: [people.yaml, cases.csv]", "sources: [people.yaml, case.csv]")
    p = write(cfg / "practice.yaml", text)
    assert problems_of(cfg) == [
        (str(p), 13, ("schedule.evaluate: 'every morning' is not a cron expression; write five "
                     "fields like \"0 6 * * *\" (minute hour day month weekday)")),
        (str(p), 27, ("sources: case.csv does not exist in the configuration directory; create "
                     "it or remove it from sources")),
    ]


def test_an_impossible_date_is_a_marked_error(tmp_path):
    f = write(tmp_path / "people.yaml", "people:\n  - id: a\n    credentials:\n"
              "      - {type: bls, issued: 2026-02-30}\n")
    with pytest.raises(ConfigError) as info:
        yamlfile.load(f)
    (problem,) = info.value.problems
    assert (problem.file, problem.line) == (str(f), 4)
    assert problem.message == "2026-02-30 is not a date: February 2026 has 28 days"


@pytest.mark.parametrize("text, message", [
    ("2024-02-30", "2024-02-30 is not a date: February 2024 has 29 days"),
    ("2026-04-31", "2026-04-31 is not a date: April 2026 has 30 days"),
    ("2026-13-01", "2026-13-01 is not a date: there is no month 13; write YYYY-MM-DD"),
])
def test_impossible_dates_say_why(text, message):
    with pytest.raises(ConfigError) as info:
        yamlfile.loads(f"expires: {text}\n", "x.yaml")
    assert str(info.value) == f"x.yaml:1: {message}"


def test_on_and_yes_stay_strings():
    assert yamlfile.loads("on: 2026-01-02\nanswer: yes\nflag: true\n", "x") == {
        "on": __import__("datetime").date(2026, 1, 2), "answer": "yes", "flag": True}


def test_duplicate_keys_are_refused(cfg):
    f = write(cfg / "facilities" / "small.yaml", MINIMAL_FACILITY + "name: Again\n")
    assert only_problem(cfg) == (str(f), 6, ("duplicate key 'name' (first on line 2); remove one "
                                            "of them"))


def test_all_problems_across_files_at_once(cfg):
    a = write_yaml(cfg / "facilities" / "small.yaml", minimal_facility(credential="bsl"))
    b = write(cfg / "states" / "TX.yaml", "state: TX\nrequirements:\n  - rule: on_call\n")
    c = write(cfg / "credential_types" / "x.yaml", "id: x\nname: X\nscope: planet\n")
    found = problems_of(cfg)
    assert [(f, line) for f, line, _ in found] == [(str(c), 3), (str(a), 5), (str(b), 3)]


def test_missing_directory_and_missing_practice_file(tmp_path):
    assert only_problem(tmp_path / "nope")[2].startswith("no such configuration directory")
    (tmp_path / "empty").mkdir()
    file, line, message = only_problem(tmp_path / "empty")
    assert (file, line) == (str(tmp_path / "empty" / "practice.yaml"), 0)
    assert "nervecenter init" in message


def test_empty_file_and_yml_extension(cfg):
    e = write(cfg / "facilities" / "empty.yaml", "")
    y = write(cfg / "facilities" / "other.yml", MINIMAL_FACILITY)
    assert problems_of(cfg) == [
        (str(e), 0, "the file is empty; see `nervecenter schema`"),
        (str(y), 0, "rename it to end in .yaml"),
    ]


def test_a_control_character_is_named_at_its_line(cfg):
    f = write(cfg / "states" / "LA.yaml", "state: LA\nrequirements:\n  - credential: \x1fbls\n")
    assert only_problem(cfg) == (str(f), 3, ("character #x001f is not allowed in YAML; remove it "
                                            "or save the file as plain text"))


def test_when_values_are_compared_as_text(cfg):
    write(cfg / "facilities" / "small.yaml",
          MINIMAL_FACILITY + "    when: {age_group: [12, teen], side: left}\n"
          "  - credential: pals\n    when: {age: true}\n")
    _file, line, message = only_problem(cfg)
    assert line == 8
    assert message.startswith("requirements.1.when.age: True is not valid here; expected: a "
                              "value, or a list of values")
    write(cfg / "facilities" / "small.yaml",
          MINIMAL_FACILITY + "    when: {age_group: [12, teen], side: left}\n"
          "  - credential: pals\n    when: {age: '3'}\n")
    reqs = load_practice(cfg).facilities["small"].requirements
    assert reqs[0].when == {"age_group": ("12", "teen"), "side": ("left",)}
    assert reqs[1].when == {"age": ("3",)}


def test_a_misspelled_key_beside_a_rule_is_suggested_from_all_keys(cfg):
    f = write(cfg / "facilities" / "small.yaml",
              MINIMAL_FACILITY + "  - rule: concurrent_cases\n    rol: reader\n    max: 2\n")
    assert only_problem(cfg) == (
        str(f), 7, ("requirements.1: unknown key 'rol' (did you mean 'role'?); allowed keys with "
                    "rule concurrent_cases: accept_grace, any_of, credential, enforcement, "
                    "facility, issuers, max, max_age_months, role, rule, state, "
                    "valid_days_after_case, verified, when"))
