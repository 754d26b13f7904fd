"""The JSON text of `cases`, `status`, `conflicts`, `coverage`, `whatif` and `audit` is the
standard library's `json.dumps(doc, indent=2, ensure_ascii=False)`, byte for byte; so are the
database's JSON columns and the import's row hashes (store/records.py) with json.dumps's own
arguments."""

import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from nervecenter.core.yaml12 import Float, Int
from nervecenter.data import jsontext
from nervecenter.store import records


class Text(str):
    pass


# numbers as the configuration's YAML gives them (subclasses of int and float), and a str subclass
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text()
           | st.integers().map(Int) | st.floats().map(Float) | st.text().map(Text))
KEYS = st.text() | st.integers()  # a key that is not a string goes through json.dumps
DOCS = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.tuples(inner, inner)
                    | st.dictionaries(KEYS, inner, max_size=4), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(DOCS)
def test_the_text_is_the_standard_librarys(doc):
    assert jsontext.dumps(doc) == json.dumps(doc, indent=2, ensure_ascii=False)


def test_numbers_read_from_yaml_take_the_fast_path(monkeypatch):
    """A status document holds the configuration's stages, which are yaml12 Ints: they once
    sent the whole document through json.dumps's pure-Python encoder."""
    doc = {"items": [{"stage": Int(30), "hours": Float(1.5), "type": Text("bls")}]}
    expected = json.dumps(doc, indent=2, ensure_ascii=False)

    def refused(*args, **kwargs):
        raise AssertionError("json.dumps was called")

    monkeypatch.setattr(json, "dumps", refused)
    assert jsontext.dumps(doc) == expected


def test_unusual_values_keep_the_standard_librarys_text_and_errors():
    doc = {"nan": float("nan"), "inf": [float("-inf")], 3: True, "é\n\"\x00": "\u2028"}
    assert jsontext.dumps(doc) == json.dumps(doc, indent=2, ensure_ascii=False)
    for bad in ({"when": object()}, {(1, 2): "tuple key"}):
        try:
            json.dumps(bad, indent=2, ensure_ascii=False)
        except TypeError as expected:
            try:
                jsontext.dumps(bad)
            except TypeError as got:
                assert str(got) == str(expected)
            else:
                raise AssertionError("no TypeError")


def _outcome(dumps, doc):
    try:
        return dumps(doc)
    except (TypeError, ValueError) as e:
        return type(e), str(e)


@settings(max_examples=400, deadline=None)
@given(st.recursive(SCALARS | st.dates(), lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(KEYS, inner, max_size=4), max_leaves=30))
def test_a_json_column_and_a_row_hash_are_the_standard_librarys_text(doc):
    plain = _outcome(json.dumps, doc)
    assert _outcome(records.json_text, doc) == plain
    assert _outcome(records._HASHED, doc) == _outcome(
        lambda d: json.dumps(d, sort_keys=True, default=str), doc)
    assert _outcome(records._encoder(False, None), doc) == plain


def test_without_the_c_encoder_it_is_json_dumps(monkeypatch):
    monkeypatch.setattr(json.encoder, "c_make_encoder", None)
    doc = {"b": [1, 2.5, None], "a": date(2026, 12, 3)}
    assert records._encoder(True, str)(doc) == json.dumps(doc, sort_keys=True, default=str)
    assert _outcome(records._encoder(False, None), doc) == _outcome(json.dumps, doc)
