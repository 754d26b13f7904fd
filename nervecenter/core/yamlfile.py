"""Reading YAML with line numbers, and JSON Schema validation that points at the line.

Every YAML file NerveCenter reads goes through `load()`: safe loading only, duplicate keys
refused, and each mapping and list remembers the line of each of its items so that a problem
found later (schema, unknown type, duplicate id) can name `file:line`.
"""

from __future__ import annotations

import calendar
import copy
import difflib
import functools
import os
import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from nervecenter.core import limits
from nervecenter.core.errors import ConfigError, FileProblem
from nervecenter.core.yaml12 import Core12, Number


class LineDict(dict):
    """A mapping from YAML: `.line` is its own line, `.lines[key]` the line of each key."""

    line: int = 0
    lines: dict


class LineList(list):
    """A sequence from YAML: `.line` is its own line, `.lines[i]` the line of each item."""

    line: int = 0
    lines: list


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when present
    first_line = 1  # the file's line of the text's first line (data/yamlparts.load reads a part of one)

    def build(self, node: yaml.Node) -> Any:
        """A child node's value (data/yamlparts.py builds a roster item's more directly)."""
        return self.construct_object(node, deep=True)


# YAML 1.2's booleans and numbers, as editors show them: `012345` is 12345 (not octal 5349), `on:`
# a key (not True), `1e1` 10.0 (not text).
Core12.install(_Loader)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line, result.lines = node.start_mark.line + loader.first_line, {}
    for key_node, value_node in node.value:
        key = loader.build(key_node)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {result.lines[key]}); "
                "remove one of them", key_node.start_mark)
        result[key] = loader.build(value_node)
        result.lines[key] = key_node.start_mark.line + loader.first_line
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.build(child) for child in node.value)
    result.line = node.start_mark.line + loader.first_line
    result.lines = [child.start_mark.line + loader.first_line for child in node.value]
    return result


_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")


@functools.lru_cache(maxsize=8192)  # a roster writes the same few thousand days many times
def _timestamp(text: str) -> date | datetime:
    return yaml.constructor.SafeConstructor.construct_yaml_timestamp(
        _Loader(""), yaml.ScalarNode("tag:yaml.org,2002:timestamp", text))


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> date | datetime:
    """YAML dates and times; an impossible date (2026-02-30) is a marked error, not a crash."""
    try:
        return _timestamp(node.value)
    except ValueError:
        text = loader.construct_scalar(node)
        raise yaml.constructor.ConstructorError(
            None, None, not_a_date(text), node.start_mark) from None


def not_a_date(text: str) -> str:
    """Why `text` (YYYY-MM-DD...) is not a date, e.g. 'February 2026 has 28 days'."""
    m = _YMD.match(text)
    if not m:
        return f"{text} is not a date; write YYYY-MM-DD"
    year, month, day = (int(g) for g in m.groups())
    if not 1 <= month <= 12:
        return f"{text} is not a date: there is no month {month}; write YYYY-MM-DD"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return (f"{text} is not a date: {calendar.month_name[month]} {year} has {days} days")
    return f"{text} is not a valid date or time; write YYYY-MM-DD or YYYY-MM-DDTHH:MM"


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def load(path: Path, display: str | None = None, limit: int | None = None) -> Any:
    """Parse one YAML file safely; raise ConfigError naming file and line on any problem.
    A file over `limit` bytes (default limits.max_input_bytes()) is refused unread."""
    name = display or str(path)
    try:
        with open(path, "rb") as f:
            limits.check_size(os.fstat(f.fileno()).st_size, limit or limits.max_input_bytes())
            data = f.read()
    except OSError as e:
        raise ConfigError([FileProblem(name, 0, f"cannot read: {e.strerror}")]) from None
    except limits.TooLarge as e:
        raise ConfigError([FileProblem(name, 0, str(e))]) from None
    return loads(decode(data, name), name)


def decode(data: bytes, name: str) -> str:
    """UTF-8 text (a BOM is dropped); ConfigError naming the line of the first byte that is not,
    or that the whole file is UTF-16."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ConfigError([FileProblem(name, 0, "is UTF-16; save the file as UTF-8")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ConfigError([FileProblem(name, line, f"not UTF-8: byte 0x{data[e.start]:02x} (Latin-1 or "
                                   "Windows-1252?); save the file as UTF-8")]) from None


def loads(text: str, name: str) -> Any:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        limits.check_yaml_nodes(node)  # before anything expands an alias bomb
        return loader.construct_document(node)
    except limits.TooLarge as e:
        raise ConfigError([FileProblem(name, e.line, str(e))]) from None
    except RecursionError:
        raise ConfigError([FileProblem(name, 0, f"nested more than {limits.MAX_YAML_DEPTH} "
                                       "levels deep; flatten it")]) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        lines = text.splitlines()
        # libyaml marks the end of a truncated file one line past its last line
        line = min(mark.line + 1, max(len(lines), 1)) if mark else 0
        what = " ".join((e.problem or str(e)).split())
        if isinstance(e, yaml.constructor.ConstructorError):  # a bad value, not bad syntax
            if "could not determine a constructor" in what:
                what += "; only plain YAML is read: remove the tag"
            raise ConfigError([FileProblem(name, line, what)]) from None
        if "tab" in what or (0 < line <= len(lines) and "\t" in lines[line - 1]):
            what += "; indent with spaces, not tabs"
        else:
            what += "; check the indentation and quoting on this line or the one before"
        raise ConfigError([FileProblem(name, line, f"YAML syntax: {what}")]) from None
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        raise ConfigError([FileProblem(name, line, f"character #x{e.character:04x} is not allowed in "
                                   "YAML; remove it or save the file as plain text")]) from None
    except yaml.YAMLError as e:
        what = " ".join(str(e).split())
        raise ConfigError([FileProblem(name, 0, f"YAML syntax: {what}")]) from None
    finally:
        loader.dispose()


def line_of(data: Any, path: Iterable[Any]) -> int:
    """The line of the item at `path` (keys and indexes) inside loaded YAML, as close as known."""
    line = getattr(data, "line", 0)
    node = data
    for step in path:
        lines = getattr(node, "lines", None)
        try:
            line = lines[step] if lines is not None else line
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    return line


def _describe(error) -> str:
    where = ".".join(str(p) for p in error.absolute_path)
    prefix = f"{where}: " if where else ""
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        hints = []
        for key in extra:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hints.append(f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        return prefix + "; ".join(hints) + f"; allowed keys: {', '.join(allowed)}"
    if error.validator == "enum":
        return prefix + f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "required":
        return prefix + error.message.replace("is a required property", "is required; add it")
    if error.validator == "type":
        hint = "; quote it to make it text" if isinstance(error.instance, date) else ""
        if isinstance(error.instance, Number) and "string" in error.validator_value:
            return prefix + f"{error.instance.text} is a number, not text; quote it: " \
                f"\"{error.instance.text}\""
        wanted = [error.validator_value] if isinstance(error.validator_value, str) \
            else error.validator_value
        return prefix + f"{_show(error.instance)} is not valid here; write " \
            + " or ".join(_WORDS.get(w, w) for w in wanted) + hint
    if error.validator == "format" and error.validator_value == "date":
        return prefix + not_a_date(str(error.instance))
    if error.validator == "oneOf" and "description" in error.schema:
        return prefix + f"{_show(error.instance)} is not valid here; expected: " + \
            error.schema["description"]
    if error.validator == "pattern":
        hint = error.schema.get("x-hint") or f"it must match {error.validator_value}"
        return prefix + f"{_show(error.instance)} is not valid here; {hint}"
    if error.validator == "uniqueItems":
        twice = next(x for i, x in enumerate(error.instance) if x in error.instance[:i])
        return prefix + f"{_show(twice)} is listed twice; remove one"
    v = error.validator_value
    return prefix + {
        "minItems": f"needs at least {v} value{'s' * (v > 1)}; add "
                    f"{'more' if error.instance else 'one'}",
        "minLength": "is empty; write a value",
        "minimum": f"{error.instance!r} is below the minimum {v}; use a number >= {v}",
        "maximum": f"{error.instance!r} is above the maximum {v}; use a number <= {v}",
        "exclusiveMinimum": f"{error.instance!r} is too small; use a number above {v}",
    }.get(error.validator, error.message)


_WORDS = {"string": "text", "number": "a number", "integer": "a whole number",
          "boolean": "true or false", "array": "a list", "object": "a mapping"}


def _show(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) \
        else repr(value)


def _is_string(checker, instance) -> bool:
    # YAML turns 2026-12-31 into a date: schemas say {"type": "string", "format": "date"}.
    return isinstance(instance, (str, date))


def _is_date(instance) -> bool:
    if isinstance(instance, date):  # a YAML date, not a date and time
        return not isinstance(instance, datetime)
    if isinstance(instance, str):
        try:
            date.fromisoformat(instance)
        except ValueError:
            return False
        return len(instance) == 10
    return True


@functools.cache
def _validator_class():
    """The JSON Schema validator, built on first use (a cached configuration needs none)."""
    from jsonschema import Draft202012Validator as Draft
    from jsonschema import ValidationError, validators

    def type_(validator, types, instance, schema):
        # A YAML date is a string only where the schema says `format: date`; elsewhere (a name,
        # a source file) it is refused here, before minLength or the loader's code meet a date.
        if isinstance(instance, date) and schema.get("format") != "date" and "string" in (
                [types] if isinstance(types, str) else types):
            others = [t for t in ([types] if isinstance(types, str) else types) if t != "string"]
            if not any(validator.is_type(instance, t) for t in others):
                yield ValidationError(f"{instance.isoformat()} is not of type 'string'")
            return
        yield from Draft.VALIDATORS["type"](validator, types, instance, schema)

    def text_only(keyword: str):
        """A string keyword (minLength, maxLength, pattern) that leaves YAML dates to `type`."""
        check = Draft.VALIDATORS[keyword]

        def validate(validator, value, instance, schema):
            if not isinstance(instance, date):
                yield from check(validator, value, instance, schema)
        return validate

    formats = copy.deepcopy(Draft.FORMAT_CHECKER)
    formats.checks("date")(_is_date)
    texts = {k: text_only(k) for k in ("minLength", "maxLength", "pattern")}
    cls = validators.extend(Draft, validators={"type": type_, **texts},
                            type_checker=Draft.TYPE_CHECKER.redefine("string", _is_string))
    return functools.partial(cls, format_checker=formats)


_validators: dict[int, Any] = {}


def _validator(schema: dict):
    v = _validators.get(id(schema))
    if v is None or v.schema is not schema:
        v = _validators[id(schema)] = _validator_class()(schema)
    return v


def _meant(error) -> list | None:
    """The errors of the `oneOf`/`anyOf` branch of the value's type whose discriminating keys
    (`required`, `const`) fit, then with the fewest errors; None when none is clearly meant."""
    branches: dict[int, list] = {}
    for e in error.context or ():
        branches.setdefault(e.relative_schema_path[0], []).append(e)
    for i, sub in enumerate(error.validator_value):
        if i not in branches and isinstance(sub, dict):  # a branch the value meets (oneOf: >1)
            return None
    ranked = sorted((sum(e.validator in ("required", "const") for e in errs), len(errs), i)
                    for i, errs in branches.items()
                    if not any(e.validator == "type" and not e.relative_path for e in errs))
    if not ranked or len(ranked) > 1 and ranked[0][:2] == ranked[1][:2]:
        return None
    return branches[ranked[0][2]]


def _errors(errors) -> Iterable[tuple[list, Any]]:
    """(path, error) of each error, a `oneOf` replaced by its meant branch's errors; the path
    names the key at fault (an unknown key, a missing one) where there is one."""
    for error in errors:
        meant = _meant(error) if error.validator in ("oneOf", "anyOf") else None
        if meant:
            yield from _errors(meant)
            continue
        path = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
            path += extra[:1]
        elif error.validator == "required" and isinstance(error.instance, dict):
            path += [k for k in error.validator_value if k not in error.instance][:1]
        yield path, error


def problems(data: Any, schema: dict, name: str,
             prefix: tuple = ()) -> list[tuple[tuple, FileProblem]]:
    """Every schema problem of `data`, one per mistake, each with the path of what is wrong
    (so that a later check can leave that part alone) and at its line; `prefix` is where `data`
    sits in the file's document when it is a part of one (data/yamlparts.py)."""
    found = []
    for path, error in _errors(_validator(schema).iter_errors(data)):
        error.path.extendleft(reversed(prefix))  # the message names the document's path
        found.append((tuple(path), FileProblem(name, line_of(data, path), _describe(error))))
    return found


def validate(data: Any, schema: dict, name: str, prefix: tuple = ()) -> list[FileProblem]:
    """The problems alone (see `problems`)."""
    return [p for _, p in problems(data, schema, name, prefix)]
