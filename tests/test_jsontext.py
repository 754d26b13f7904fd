"""The JSON text of `cases`, `status`, `conflicts`, `coverage`, `whatif` and `audit` is the
standard library's `json.dumps(doc, indent=2, ensure_ascii=False)`, byte for byte."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from nervecenter.data import jsontext

SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text())
KEYS = st.text() | st.integers()  # a key that is not a string goes through json.dumps
DOCS = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.tuples(inner, inner)
                    | st.dictionaries(KEYS, inner, max_size=4), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(DOCS)
def test_the_text_is_the_standard_librarys(doc):
    assert jsontext.dumps(doc) == json.dumps(doc, indent=2, ensure_ascii=False)


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
