"""A JSON Schema compiled to a plain Python predicate, for the roster's hot path.

`predicate(schema)(value)` is True only when `core/yamlfile.validate` would find no problem in
`value` (its YAML dates, its numbers that remember their text); False means "not sure", and the
caller asks yamlfile.validate, which names every problem. jsonschema visits every keyword of
every node through several calls: for a 5,000-person roster that was half of reading it.

Only the keywords NerveCenter's people schema uses are understood (a schema with any other is
never vouched for); tests/test_roster.py holds the predicate to yamlfile.validate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = {"description", "default", "title", "examples", "x-hint", "$schema", "$id"}
_TYPES: dict[str, Check] = {  # what could be of each JSON type, for oneOf's other branches
    "string": lambda v: isinstance(v, (str, date)),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "integer": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _never(value: Any) -> bool:
    return False


def predicate(schema: dict) -> Check:
    """A predicate: True when `value` is surely valid against `schema`."""
    keys = set(schema) - _ANNOTATIONS
    kind = schema.get("type")
    if keys == {"enum"}:
        values = schema["enum"]
        if not all(isinstance(v, str) for v in values):
            return _never
        allowed = frozenset(values)
        return lambda v: v.__class__ is str and v in allowed
    if keys == {"oneOf"}:
        return _one_of(schema["oneOf"])
    if kind == "string" and keys <= {"type", "pattern", "minLength", "maxLength", "format"}:
        return _string(schema)
    if kind == "object" and keys <= {"type", "properties", "required", "additionalProperties"}:
        return _object(schema)
    if kind == "array" and keys <= {"type", "items", "minItems", "uniqueItems"}:
        return _array(schema)
    if kind == "integer" and keys <= {"type", "minimum"}:
        low = schema.get("minimum", float("-inf"))
        return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= low
    if kind == "number" and keys <= {"type", "exclusiveMinimum"}:
        above = schema.get("exclusiveMinimum", float("-inf"))
        return lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v > above
    if kind == "boolean" and keys == {"type"}:
        return lambda v: v.__class__ is bool
    return _never


def _string(schema: dict) -> Check:
    fmt = schema.get("format")
    if fmt not in (None, "date"):
        return _never
    search = re.compile(schema["pattern"]).search if "pattern" in schema else None
    shortest, longest = schema.get("minLength", 0), schema.get("maxLength")

    def check(v: Any) -> bool:
        if v.__class__ is date:  # a YAML date is text only where the schema asks for a date
            return fmt == "date"
        return (v.__class__ is str and len(v) >= shortest
                and (longest is None or len(v) <= longest)
                and (search is None or search(v) is not None)
                and (fmt is None or _iso_date(v)))
    return check


def _iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _object(schema: dict) -> Check:
    extra = schema.get("additionalProperties", True)
    if extra not in (True, False):
        return _never
    properties = {k: predicate(s) for k, s in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))

    def check(v: Any) -> bool:
        if not isinstance(v, dict) or any(k not in v for k in required):
            return False
        for key, value in v.items():
            inner = properties.get(key)
            if inner is None:
                if not extra:
                    return False
            elif not inner(value):
                return False
        return True
    return check


def _array(schema: dict) -> Check:
    item = predicate(schema["items"]) if "items" in schema else (lambda v: True)
    fewest, unique = schema.get("minItems", 0), schema.get("uniqueItems", False)

    def check(v: Any) -> bool:
        if not isinstance(v, list) or len(v) < fewest:
            return False
        if unique and not (all(x.__class__ is not bool and isinstance(x, int) for x in v)
                           and len(set(v)) == len(v)):
            return False
        return all(item(x) for x in v)
    return check


def _one_of(branches: list[dict]) -> Check:
    """Surely valid: one branch surely is, and every other is surely not of its type."""
    checks = [predicate(b) for b in branches]
    kinds = [b.get("type") for b in branches]
    if not all(isinstance(k, str) and k in _TYPES for k in kinds):
        return _never

    def check(v: Any) -> bool:
        for i, c in enumerate(checks):
            if c(v):
                return not any(_TYPES[k](v) for j, k in enumerate(kinds) if j != i)
        return False
    return check
