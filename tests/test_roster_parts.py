"""people.yaml read one item at a time (data/yamlparts.py) gives what reading it whole gives.

The oracle is the whole-document reader (roster._read_yaml_whole): for the example roster and
for generated variants of it — values replaced by anything, lines inserted, indented, quoted,
anchored, tabbed, CRLF — both readers must give the same records (with their lines), the same
problems and warnings, and the same people. The JSON Schema predicate of data/fastschema.py is
held to yamlfile.validate the same way: it may only vouch for what the schema accepts.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit import examples
from kit.practice import EXAMPLE, dump, yaml_paths

from nervecenter.core import yamlfile
from nervecenter.core.config import load_practice
from nervecenter.core.errors import ConfigError
from nervecenter.core.schemas import PEOPLE
from nervecenter.data import fastschema, ids, roster, yamlparts

PERSON = PEOPLE["properties"]["people"]["items"]
ROSTER = (EXAMPLE / "people.yaml").read_text(encoding="utf-8")
TRIED = {"parts": 0, "whole": 0}


def fuzz(default: int, slow: int) -> settings:
    return settings(max_examples=examples(default, slow), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def practice():
    return load_practice(EXAMPLE)


def _read(path: Path, practice, whole: bool, known: dict | None = None) -> roster.Batch:
    """roster.read's work on one YAML file, by parts where they read, or as one document."""
    rows = roster._Rows("people.yaml", practice, dict(known or {}))
    rows.emails = {}
    try:
        (roster._read_yaml_whole if whole else roster._read_yaml)(path, rows)
    except ConfigError as e:
        rows.batch.problems.extend(e.problems)
    rows.batch.people = rows.people
    return rows.batch


def _same(text: str, practice, tmp: Path, known: dict | None = None) -> bool:
    """Both readers agree on `text`; whether the parts were read (not the whole file)."""
    path = tmp / "people.yaml"
    path.write_bytes(text.encode("utf-8"))
    by_parts, whole = _read(path, practice, False, known), _read(path, practice, True, known)
    assert [(r.kind, r.key, r.data, r.line) for r in by_parts.records] == \
        [(r.kind, r.key, r.data, r.line) for r in whole.records]
    assert sorted(by_parts.problems) == sorted(whole.problems)
    assert sorted(by_parts.warnings) == sorted(whole.warnings)
    assert by_parts.people == whole.people
    split = yamlparts.split(text)
    used = split is not None and roster._read_parts(
        split, roster._Rows("people.yaml", practice, dict(known or {})))
    TRIED["parts" if used else "whole"] += 1
    return used


def test_the_example_roster_is_read_by_parts_as_it_is_read_whole(practice, tmp_path):
    assert _same(ROSTER, practice, tmp_path)
    assert _same(ROSTER.replace("\n", "\r\n"), practice, tmp_path)  # saved on Windows
    cases = "cases:\n  - {id: C-1, facility: tulane, start: 2026-12-03T08:00}\n"
    assert _same(cases + ROSTER, practice, tmp_path)  # cases first: still read after people


@pytest.mark.parametrize("text", [
    "people:\n  - &p {id: t-a, name: A, role: technologist}\n  - *p\n",  # an alias
    "%YAML 1.1\n---\npeople:\n  - {id: t-a, name: A, role: technologist}\n",  # a directive
    "people: [{id: t-a, name: A, role: technologist}]\n",  # a flow list
    "people:\n  - {id: t-a, name: A, role: technologist}\nextra: 1\n",  # another key
    "people:\n  - {id: t-a, name: A, role: technologist}\npeople:\n  - {id: t-b}\n",  # twice
    "people:\n  - {id: t-a, name: \"A\n  - B\", role: technologist}\n",  # quotes across items
    "people:\n  -x\n",  # a scalar, not an item
    "people:\n\t- {id: t-a}\n",  # a tab
    "people:\n  - id: t-a\n name: A\n",  # a line left of its item
])
def test_what_does_not_split_plainly_is_read_whole_with_the_same_messages(practice, tmp_path,
                                                                          text):
    assert not _same(text, practice, tmp_path)


def _nested(depth: int) -> str:
    value = "x"
    for _ in range(depth):
        value = f"[{value}]"
    return f"people:\n  - {{id: t-a, name: A, role: technologist, notify: {value}}}\n"


def test_the_depth_limit_counts_the_whole_document(practice, tmp_path):
    """An item sits 3 levels below the file's top (mapping, list, item): around the limit, the
    parts measure their depth as the whole document would."""
    deep = []
    for depth in range(56, 64):
        _same(_nested(depth), practice, tmp_path)
        problems = _read(tmp_path / "people.yaml", practice, True).problems
        deep.append(any("nested more than" in p.message for p in problems))
    assert deep[0] is False and deep[-1] is True


PLAIN = st.sampled_from(["012345", "0x1F", "1e1", ".inf", "true", "False", "~", "null", "", "on",
                         "2026-02-30", "2026-12-04", "1:30", "<<", "=", "Ned", "t-00012"]) | \
    st.text(alphabet="0123456789-+.:eExXoOtTfFnN~<=aul _", max_size=12)


@settings(max_examples=300, deadline=None)
@given(PLAIN)
def test_a_parts_plain_scalar_has_the_tag_its_resolvers_give(text):
    """A part's loader remembers each plain scalar's tag and takes text that no resolver looks
    at for a string: asked first or again, the tag is the resolvers' own."""
    loader = yamlparts._PartLoader("")
    expected = yaml.resolver.BaseResolver.resolve(loader, yaml.ScalarNode, text, (True, False))
    for _ in range(2):
        assert loader.resolve(yaml.ScalarNode, text, (True, False)) == expected
    # quoted, it is text whatever it looks like
    assert loader.resolve(yaml.ScalarNode, text, (False, True)) == yamlparts._STR


# ---------------------------------------------------------------- generated rosters

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**12), st.floats(allow_nan=True),
    st.text(max_size=20), st.dates(date(1, 1, 1), date(9999, 12, 31)),
    st.sampled_from(["", "technologist", "reader", "cnim", "bls", "LA", "tulane", "t-price",
                     "2026-02-30", "file://x", "on", "~", "-1", "a: b", "- x", "&a", "*a"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)),
    max_leaves=6)


@fuzz(60, 600)
@given(data=st.data())
def test_a_changed_roster_reads_the_same_by_parts_and_whole(practice, tmp_path_factory, data):
    """Values anywhere replaced by anything (the file written back as plain YAML, its lists at
    the left margin), or the text itself changed line by line."""
    tmp = tmp_path_factory.mktemp("roster")
    if data.draw(st.booleans(), label="structural"):
        doc = yaml.safe_load(ROSTER)
        for _ in range(data.draw(st.integers(1, 3), label="changes")):
            path = data.draw(st.sampled_from([p for p in yaml_paths(doc) if len(p) > 2]),
                             label="path")
            node = doc
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = data.draw(values, label="value")
        text = dump(doc)
    else:
        lines = ROSTER.split("\n")
        for _ in range(data.draw(st.integers(1, 3), label="changes")):
            i = data.draw(st.integers(0, len(lines) - 1), label="line")
            change = data.draw(st.sampled_from(["indent", "dedent", "insert", "delete",
                                                "quote", "anchor", "tab", "comment"]))
            if change == "indent":
                lines[i] = " " + lines[i]
            elif change == "dedent":
                lines[i] = lines[i][1:]
            elif change == "insert":
                lines.insert(i, data.draw(st.sampled_from(
                    ["  - id: t-new", "  - {id: t-x, name: X, role: reader}", "  -", "- x",
                     "cases:", "people:", "    name: Z", "  - 'open", "#", "  ---"])))
            elif change == "delete":
                del lines[i]
            elif change == "quote":
                lines[i] = lines[i].replace(": ", ': "', 1)
            elif change == "anchor":
                lines[i] = lines[i].replace("- ", "- &a ", 1)
            elif change == "tab":
                lines[i] = "\t" + lines[i].lstrip()
            else:
                lines[i] = "# " + lines[i]
        text = "\n".join(lines)
    _same(text, practice, tmp, known={"t-price": "technologist"})


def test_most_generated_rosters_were_read_by_parts():
    """Guards the property above: it must have exercised the parts, not only the fallback."""
    if TRIED["parts"] + TRIED["whole"] >= 20:
        assert TRIED["parts"] >= (TRIED["parts"] + TRIED["whole"]) // 4, TRIED


# ---------------------------------------------------------------- the schema predicate

@fuzz(200, 2000)
@given(data=st.data())
def test_the_schema_predicate_vouches_only_for_what_the_schema_accepts(data):
    people = yaml.safe_load(ROSTER)["people"]
    person = data.draw(st.sampled_from(people), label="person")
    for _ in range(data.draw(st.integers(0, 2), label="changes")):
        path = data.draw(st.sampled_from([p for p in yaml_paths(person) if p]), label="path")
        node = person
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = data.draw(values, label="value")
    if fastschema.predicate(PERSON)(person):
        assert yamlfile.validate(person, PERSON, "people.yaml") == []


def test_the_example_people_are_vouched_for():
    """Else every person would go through jsonschema, which the predicate is there to spare."""
    check = fastschema.predicate(PERSON)
    assert all(check(p) for p in yamlfile.loads(ROSTER, "people.yaml")["people"])


def test_control_characters_are_unicode_category_cc_and_the_overrides():
    """ids.control_character's one search is the per-character rule it replaced."""
    overrides = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    for cp in range(0x110000):
        ch = chr(cp)
        obeyed = ch in overrides or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r")
        assert (ids.control_character(f"a{ch}b") == f"U+{cp:04X}") == obeyed, hex(cp)


@fuzz(200, 2000)
@given(values=st.lists(st.one_of(st.none(), st.text(max_size=3), st.text(min_size=25, max_size=260),
                                 st.sampled_from(["\x07", "\u202e", "\t\n"])), min_size=5, max_size=5))
def test_the_quick_fit_of_a_record_is_the_rule_column_by_column(practice, values):
    """_Rows.fits passes most records by their longest text against the shortest limit; what
    it passes and every problem it names are still the per-column rule's."""
    data = {"person": values[0], "type": "cnim", "scope": None, "number": values[1],
            "issuer": values[2], "issued": None, "expires": "2027-01-01", "status": values[3],
            "verified": {"on": "2026-01-01", "by": values[4], "method": ""}, "documents": []}
    rows = roster._Rows("r.csv", practice, {})
    expected = []
    for column, part, limit in roster._column_limits()["credential"]:
        value = data["verified"].get(part) if part else data.get(column)
        if not isinstance(value, str):
            continue
        shown = column.replace("verified_", "verified.")
        if "\x00" in value:
            expected.append(f"{shown}: contains a NUL character; remove it")
        elif ids.control_character(value):
            expected.append(f"{shown}: contains the control character "
                            f"{ids.control_character(value)}; remove it")
        elif limit and len(value) > limit:
            expected.append(f"{shown}: is {len(value)} characters long; at most {limit} fit")
    assert rows.fits("credential", data, 2) == (not expected)
    assert [p.message for p in rows.batch.problems] == expected
