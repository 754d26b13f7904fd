"""A large people.yaml read one item at a time instead of as one document.

A roster of 50,000 people is about 8 million YAML nodes: composed at once they took 4.9 GB and
most of the import's time. Laid out as NerveCenter writes it and as people keep it — the keys
`people:` and/or `cases:` at the left margin, each followed by a block list — the file splits
at the lines that start an item (`  - ` at the list's indentation) into parts that are read
one by one, with the file's line numbers (`load`).

Anything else — other keys, a flow list, anchors or aliases (whose limits count the whole
document), directives, unusual line breaks, a part that does not read alone — gives None, and
the caller reads the file whole as before: every message stays what it was.
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import Any

import yaml

from nervecenter.core import limits, yamlfile

# `&name` / `*name` where a YAML node may start (conservative: some plain text matches too)
_ANCHOR = re.compile(r"(?:^|[\s\[{,:?-])[&*]\S", re.MULTILINE)
_DIRECTIVE = re.compile(r"^(?:%|---|\.\.\.)", re.MULTILINE)
_MARGIN = re.compile(r"^[^ \n#].*", re.MULTILINE)  # a line that starts at the left margin
_KEY = re.compile(r"(people|cases):[ \t]*(?:#.*)?")
_ITEM = re.compile(r"-(?: .*)?")
_FIRST = re.compile(r"^( *)[^ \n#]", re.MULTILINE)  # the first line of a list that is not a comment

KEYS = ("people", "cases")


def split(text: str) -> dict[str, list[tuple[int, str]]] | None:
    """Each list's items as (first line, text), by key; None when the file is not laid out
    plainly (see the module's docstring)."""
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")  # what YAML reads a CRLF as, line for line
    if any(c in text for c in "\x85\u2028\u2029") or _ANCHOR.search(text) or \
            _DIRECTIVE.search(text):
        return None
    starts: list[tuple[str, int]] = []  # (key, where its list begins)
    for line in _MARGIN.finditer(text):
        key = _KEY.fullmatch(line.group())
        if key:
            if any(k == key.group(1) for k, _ in starts):
                return None  # twice: the whole file says which line
            starts.append((key.group(1), line.end()))
        elif not (starts and _ITEM.fullmatch(line.group())):
            return None
    if not starts:
        return None
    found: dict[str, list[tuple[int, str]]] = {}
    ends = [text.rfind("\n", 0, s) for _, s in starts[1:]] + [len(text)]
    for (key, start), end in zip(starts, ends):
        first = _FIRST.search(text, start, end)
        if first is None or text[first.end() - 1] != "-":
            return None  # an empty or a flow list
        item = re.compile(rf"^{first.group(1)}-(?=[ \n]|$)", re.MULTILINE)
        bounds = [m.start() for m in item.finditer(text, first.start(), end)] + [end]
        if bounds[0] != first.start():
            return None  # `-text`: a scalar, not an item
        line = text.count("\n", 0, bounds[0]) + 1
        parts = []
        for a, b in itertools.pairwise(bounds):
            parts.append((line, text[a:b]))
            line += text.count("\n", a, b)
        found[key] = parts
    return found


class _PartLoader(yamlfile._Loader):
    """The loader of a part, which holds no alias, so no node is met twice: each is built by its
    constructor directly, without construct_object's records, and a string without a call (a
    large roster has hundreds of thousands); the same values and errors."""

    def build(self, node: yaml.Node) -> Any:
        tag = node.tag
        if tag == _STR and node.__class__ is yaml.ScalarNode:
            return node.value  # construct_yaml_str
        constructor = self.yaml_constructors.get(tag)
        if constructor is None or tag in _GENERATED:
            return self.construct_object(node, deep=True)
        return constructor(self, node)

    def resolve(self, kind, value, implicit):
        """A plain scalar's tag hangs on its text alone (the loader has no path or wildcard
        resolver): text whose first character no resolver looks at is a string, and a roster
        repeats its dates and numbers, so each is matched once (`_plain_tag`)."""
        if kind is yaml.ScalarNode and implicit[0]:
            return _plain_tag(value) if value[:1] in self.yaml_implicit_resolvers else _STR
        return super().resolve(kind, value, implicit)


_STR = yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG
_GENERATED = {f"tag:yaml.org,2002:{t}" for t in ("omap", "pairs", "set")}  # built lazily
_plain_tag = functools.lru_cache(65536)(lambda text: yaml.resolver.BaseResolver.resolve(
    _PartLoader, yaml.ScalarNode, text, (True, False)))


def load(text: str, first_line: int) -> Any:
    """`yamlfile.loads` of one part of a larger YAML file that starts on the file's line `first_line`
    (`split` gives a roster's items); the part holds no anchor or alias, so
    only its depth is measured. None when it cannot be read alone: the caller reads the whole
    file, for the exact message."""
    loader = _PartLoader(text)
    loader.first_line = first_line
    try:
        node = loader.get_single_node()
        limits.check_yaml_depth(node, limits.MAX_YAML_DEPTH - 1)  # the file's mapping is above
        return loader.build(node) if node is not None else None
    except (limits.TooLarge, RecursionError, yaml.YAMLError):
        return None
    finally:
        loader.dispose()
