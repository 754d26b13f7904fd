"""Plain scalars as YAML 1.2's core schema reads them, which is what editors show.

PyYAML follows YAML 1.1: `012345` is octal (5349), `on`/`yes` are booleans, `1:30` is 90 and
`1e1` is text. An editor speaking YAML 1.2 (VS Code's YAML extension, most others) shows 12345,
text, text and 10.0. `Core12.install(loader)` gives a PyYAML loader the core schema's booleans,
integers and floats (dates stay, as YAML dates are how a practice writes them).

Numbers remember the text they were written as (`Number.text`), so that a number where the schema
asks for text (a licence `number: 012345`) is refused with the fix, `quote it: "012345"`,
instead of being converted.
"""

from __future__ import annotations

import re

import yaml

_BOOL, _INT, _FLOAT = (f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float"))


class Number:
    """A YAML int or float with the text it was written as."""

    text: str


class Int(int, Number):
    pass


class Float(float, Number):
    pass


class Core12:
    """The implicit resolvers and constructors of YAML 1.2's core schema for booleans and numbers."""

    BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
    INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
    FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                       r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")

    @classmethod
    def install(cls, loader: type) -> None:
        """Replace `loader`'s YAML 1.1 booleans and numbers with the core schema's."""
        loader.yaml_implicit_resolvers = {
            first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _INT, _FLOAT)]
            for first, resolvers in loader.yaml_implicit_resolvers.items()}
        loader.add_implicit_resolver(_BOOL, cls.BOOL, list("tTfF"))
        loader.add_implicit_resolver(_INT, cls.INT, list("-+0123456789"))
        loader.add_implicit_resolver(_FLOAT, cls.FLOAT, list("-+.0123456789"))
        loader.add_constructor(_INT, cls._int)
        loader.add_constructor(_FLOAT, cls._float)

    @staticmethod
    def _int(loader, node: yaml.ScalarNode) -> Int:
        text = loader.construct_scalar(node)
        if not Core12.INT.match(text):  # an explicit !!int tag on something else
            raise yaml.constructor.ConstructorError(
                None, None, f"{text!r} is not an integer", node.start_mark)
        base = {"0o": 8, "0x": 16}.get(text[:2], 10)
        value = Int(int(text[2:] if base != 10 else text, base))
        value.text = text
        return value

    @staticmethod
    def _float(loader, node: yaml.ScalarNode) -> Float:
        text = loader.construct_scalar(node)
        if not Core12.FLOAT.match(text):
            raise yaml.constructor.ConstructorError(
                None, None, f"{text!r} is not a number", node.start_mark)
        value = Float(float(text.lower().replace(".inf", "inf").replace(".nan", "nan")))
        value.text = text
        return value


# Loaded data written back out (safe_dump) stays plain YAML: an Int is written as an int.
for _dumper in {yaml.SafeDumper, yaml.Dumper, getattr(yaml, "CSafeDumper", yaml.SafeDumper)}:
    _dumper.add_representer(Int, yaml.representer.SafeRepresenter.represent_int)
    _dumper.add_representer(Float, yaml.representer.SafeRepresenter.represent_float)
