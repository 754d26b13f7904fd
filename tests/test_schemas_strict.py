"""The published JSON Schemas are as strict as `nervecenter check` wherever JSON Schema can say it:
a broken file is refused by both the tool and a plain JSON Schema validator reading the YAML as an
editor does (YAML 1.2, dates as text). Each example file names its schema for editors, and the
schemas in config/example/schemas/ are what `nervecenter schema --out` writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from kit.practice import copy_example

from nervecenter.cli import main
from nervecenter.core import plugins
from nervecenter.core.yaml12 import Core12
from nervecenter.data import published_schemas

EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "example"
SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


class EditorLoader(yaml.SafeLoader):
    """YAML as an editor's language server reads it: YAML 1.2 core schema, no timestamps."""


Core12.install(EditorLoader)
EditorLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in EditorLoader.yaml_implicit_resolvers.items()}


def editor_errors(path: Path) -> list[str]:
    """What an editor shows for `path`: errors against the schema its first line names."""
    m = SCHEMA_LINE.match(path.read_text().splitlines()[0])
    assert m, f"{path} has no yaml-language-server $schema line"
    schema = json.loads((path.parent / m.group(1)).read_text())
    data = yaml.load(path.read_text(), Loader=EditorLoader)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [e.message for e in validator.iter_errors(data)]


def test_published_schemas_are_valid_and_the_examples_are_what_schema_out_writes(
        tmp_path, capsys, builtin_plugins):
    found = published_schemas.published(plugins.registry().rule_kinds)
    for schema in found.values():
        Draft202012Validator.check_schema(schema)
    with pytest.raises(SystemExit) as exit_:
        main(["schema", "--out", str(tmp_path / "out")])
    assert exit_.value.code == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(f"{n}.json" for n in found)
    for name in written:
        assert (tmp_path / "out" / name).read_text() == \
            (EXAMPLE / "schemas" / name).read_text(), f"run: nervecenter schema --out " \
            f"config/example/schemas ({name} is stale)"


def test_every_example_file_names_its_schema_and_passes_it():
    files = [EXAMPLE / "practice.yaml", EXAMPLE / "people.yaml",
             *sorted((EXAMPLE / "facilities").glob("*.yaml")),
             *sorted((EXAMPLE / "states").glob("*.yaml"))]
    for path in files:
        assert editor_errors(path) == [], path


FACILITY = """# yaml-language-server: $schema=../schemas/facility.json
id: ochsner-main
name: Ochsner Medical Center
state: LA
requirements:
  - credential: bls
{requirement}
"""
BROKEN_FACILITY = {
    "no kind": "  - role: reader",
    "two kinds": "  - {credential: cnim, any_of: [cnim, d_abnm]}",
    "a rule kind's key on a credential": "  - {credential: cnim, max: 2}",
    "a rule kind without its required key": "  - {rule: concurrent_cases}",
    "a rule kind's key out of range": "  - {rule: concurrent_cases, max: 0}",
    "an unknown rule kind": "  - {rule: concurrent_casez, max: 2}",
    "an unknown key": "  - {credential: cnim, max_age_month: 12}",
    "an unknown role": "  - {credential: cnim, role: surgeon}",
}
BROKEN_PEOPLE = {
    "a licence number written as a number": ('number: "CNIM-12345"', "number: 012345"),
    "hours below zero": ("hours: 6", "hours: -6"),
    "an unknown status": ("status: renewal_submitted", "status: submitted"),
}


def _copy(tmp_path) -> Path:
    return copy_example(tmp_path / "practice")


def _tool_refuses(config, capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(["check", "--config", str(config)])
    _, err = capsys.readouterr()
    assert exit_.value.code == 1, "nervecenter check accepted the file"
    return err


@pytest.mark.parametrize("what", BROKEN_FACILITY)
def test_a_broken_requirement_is_refused_by_tool_and_validator(what, tmp_path, capsys,
                                                              monkeypatch, builtin_plugins):
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    config = _copy(tmp_path)
    path = config / "facilities" / "ochsner-main.yaml"
    path.write_text(FACILITY.format(requirement=BROKEN_FACILITY[what]))
    assert "ochsner-main.yaml:7" in _tool_refuses(config, capsys)
    assert editor_errors(path) != []
    path.write_text(FACILITY.format(requirement="  - {rule: concurrent_cases, max: 2}"))
    assert editor_errors(path) == []  # the same file, mended, passes the validator


@pytest.mark.parametrize("what", BROKEN_PEOPLE)
def test_a_broken_roster_is_refused_by_tool_and_validator(what, tmp_path, capsys, monkeypatch,
                                                          builtin_plugins):
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    config = _copy(tmp_path)
    path = config / "people.yaml"
    good, bad = BROKEN_PEOPLE[what]
    text = path.read_text()
    assert good in text
    path.write_text(text.replace(good, bad, 1))
    assert "people.yaml:" in _tool_refuses(config, capsys)
    assert editor_errors(path) != []
