"""Reading YAML with line numbers, and JSON Schema validation that points at the line.

Every YAML file NerveCenter reads goes through `load()`: safe loading only, duplicate keys
refused, and each mapping and list remembers the line of each of its items so that a problem
found later (schema, unknown type, duplicate id) can name `file:line`.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Iterable

import yaml
from jsonschema import Draft202012Validator

from nervecenter.core.errors import ConfigError, Problem


class LineDict(dict):
    """A mapping from YAML: `.line` is its own line, `.lines[key]` the line of each key."""

    line: int = 0
    lines: dict


class LineList(list):
    """A sequence from YAML: `.line` is its own line, `.lines[i]` the line of each item."""

    line: int = 0
    lines: list


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line, result.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {result.lines[key]}); "
                "remove one of them", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load(path: Path, display: str | None = None) -> Any:
    """Parse one YAML file safely; raise ConfigError naming file and line on any problem."""
    name = display or str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError([Problem(name, 0, f"not UTF-8 (byte {e.start}); save the file as UTF-8")])
    except OSError as e:
        raise ConfigError([Problem(name, 0, f"cannot read: {e.strerror}")])
    return loads(text, name)


def loads(text: str, name: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 0
        what = e.problem or str(e)
        if "\\t" in what or "\t" in what:
            what += "; indent with spaces, not tabs"
        elif not isinstance(e, yaml.constructor.ConstructorError):
            what += "; check the indentation and quoting on this line or the one before"
        raise ConfigError([Problem(name, line, f"YAML syntax: {what}")])
    except yaml.YAMLError as e:
        raise ConfigError([Problem(name, 0, f"YAML syntax: {e}")])


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
    if error.validator == "minimum":
        return prefix + f"{error.instance!r} is below the minimum {error.validator_value}; use a number >= {error.validator_value}"
    if error.validator == "type":
        return prefix + f"{error.instance!r} is not of type {error.validator_value}"
    return prefix + error.message


def validate(data: Any, schema: dict, name: str) -> list[Problem]:
    """Problems of `data` against a JSON Schema (Draft 2020-12), each at its line."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    problems = []
    for error in validator.iter_errors(data):
        # For an unknown key, point at the key itself rather than its mapping.
        path = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
            if extra:
                path.append(extra[0])
        problems.append(Problem(name, line_of(data, path), _describe(error)))
    return problems
