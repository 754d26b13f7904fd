"""YAML as an editor shows it (YAML 1.2's core schema), and a number where the schema says text is
refused with the fix, never converted: `number: 012345` was stored as 5349 (YAML 1.1's octal)."""

from __future__ import annotations

import math

import pytest
from jsonschema import Draft202012Validator

from nervecenter.cli import main
from nervecenter.core import schemas, yamlfile
from nervecenter.core.errors import ConfigError


@pytest.mark.parametrize("text, value", [
    ("012345", 12345), ("0o10", 8), ("0x1F", 31), ("-7", -7), ("+7", 7), ("1e1", 10.0),
    ("1.5", 1.5), (".5", 0.5), ("1.", 1.0), ("-.inf", -math.inf), ("true", True),
    ("False", False), ("~", None), ("null", None),
    # YAML 1.1 reads these as booleans or numbers; YAML 1.2 (and an editor) as text
    ("on", "on"), ("yes", "yes"), ("No", "No"), ("1:30", "1:30"), ("1_000", "1_000"),
    ("0b101", "0b101"), ("08", 8), ("0o8", "0o8"), ("12-345", "12-345"),
])
def test_plain_scalars_as_yaml_1_2_reads_them(text, value):
    got = yamlfile.loads(f"v: {text}\n", "t.yaml")["v"]
    assert got == value and type(got) is not bool or type(value) is bool
    assert isinstance(got, type(value)) if value is not None else got is None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        assert got.text == text


def test_nan():
    assert math.isnan(yamlfile.loads("v: .nan\n", "t.yaml")["v"])


PRACTICE = "name: Test Practice\ntimezone: America/Chicago\n"
PEOPLE = """people:
  - id: r-adams
    name: Riley Adams
    role: reader
    credentials:
      - {{type: state_license, state: LA, number: {number}, expires: 2027-11-30}}
    ce:
      - {{credential: state_license, date: 2026-03-01, hours: {hours}, category: conference}}
"""


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    (tmp_path / "practice.yaml").write_text(PRACTICE)
    return tmp_path


def run(capsys, config, *args):
    with pytest.raises(SystemExit) as exit_:
        main([args[0], "--config", str(config), *args[1:]])
    out, err = capsys.readouterr()
    return exit_.value.code, out, err


def _schema_errors(path):
    data = yamlfile.load(path)
    validator = Draft202012Validator(schemas.PEOPLE)
    # the published schema, read by a plain validator: dates as the text an editor sees
    plain = yamlfile.loads(path.read_text().replace("2027-11-30", '"2027-11-30"')
                           .replace("2026-03-01", '"2026-03-01"'), str(path))
    assert data is not None
    return [e.message for e in validator.iter_errors({"people": plain["people"]})]


def test_a_licence_number_with_a_leading_zero_is_refused_with_the_fix(capsys, config):
    people = config / "people.yaml"
    people.write_text(PEOPLE.format(number="012345", hours="1e1"))
    db = config / ".nervecenter" / "state.db"
    code, out, err = run(capsys, config, "import", str(people))
    assert code == 1 and out == ""
    assert err.strip() == (f'{people}:6: people.0.credentials.0.number: 012345 is a number, not '
                           'text; quote it: "012345"')
    assert not db.exists() or "r-adams" not in db.read_bytes().decode("latin-1")
    # A JSON Schema validator reading the file as an editor does refuses it too.
    assert _schema_errors(people) == ["12345 is not of type 'string'"]


def test_a_quoted_number_stays_as_written_and_hours_read_as_an_editor_shows(capsys, config):
    people = config / "people.yaml"
    people.write_text(PEOPLE.format(number='"012345"', hours="1e1"))
    assert _schema_errors(people) == []
    code, _, err = run(capsys, config, "import", str(people))
    assert code == 0, err
    code, _, err = run(capsys, config, "export", "--on", "2026-12-01", "--out", str(config))
    assert code == 0, err
    credentials = (config / "credentials.csv").read_text()
    assert ",012345," in credentials and "5349" not in credentials
    ce = (config / "ce.csv").read_text().splitlines()
    assert ce[1].split(",")[ce[0].split(",").index("hours")] in ("10", "10.0")


@pytest.mark.parametrize("hours, value", [("0o10", 8), ("1e1", 10)])
def test_hours_in_yaml_1_2_notation_are_numbers(config, hours, value):
    people = config / "people.yaml"
    people.write_text(PEOPLE.format(number='"LA-1"', hours=hours))
    data = yamlfile.load(people)
    assert data["people"][0]["ce"][0]["hours"] == value
    assert yamlfile.validate(data, schemas.PEOPLE, "people.yaml") == []


def test_an_integer_tag_on_text_is_a_marked_error():
    with pytest.raises(ConfigError, match="t.yaml:1: 'abc' is not an integer"):
        yamlfile.loads("v: !!int abc\n", "t.yaml")
