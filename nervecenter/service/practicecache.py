"""The whole Practice a load built, kept for the next process: `load(config_dir)`.

With every file given back by service/configcache.py, a load still rebuilt the values of 332
files and some 2,650 requirements, and checked them again. `.nervecenter/config-practice.json`
keeps the Practice a load built without a problem, with what it was built from: each file read
(its stat and SHA-256, checked as configcache.fresh does), the listing of each folder read, the
plugins' rule kinds and credential types, the variables of the database and of the input
limit, the code of core/ and of the caches. Anything else differs, or the file is damaged: the practice is loaded from the files.

A hit still checks what lies outside the files read: that each `sources:` file exists and each
time zone is known. Not checked again: a cron expression of `schedule:` against a croniter that
changed since (the practice was valid then).

The file is JSON with a checksum (configcache.write_checked): classes are named by this module's
own list, values tagged; nothing in it can run code.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from nervecenter.core import config, limits, plugins
from nervecenter.core.model import (
    AlertPolicy,
    Channel,
    ContinuingEducation,
    CredentialType,
    Facility,
    Location,
    Manager,
    Practice,
    Requirement,
    Schedule,
    StateRules,
)
from nervecenter.service import configcache
from nervecenter.service.configcache import ConfigCache, _Unfit
from nervecenter.store.collector import paused

FILE = "config-practice.json"
FOLDERS = ("credential_types", "facilities", "states")


def load(config_dir: str | Path) -> tuple[Practice, ConfigCache]:
    """core/config.load_practice's Practice, from the last load's when nothing it was built from
    changed; and the ConfigCache (for its digest; save() it)."""
    cache = ConfigCache(Path(config_dir))
    path = cache.dir / ".nervecenter" / FILE
    registry = plugins.registry()
    inputs = _inputs(Path(config_dir), cache.dir, registry)
    practice = _hit(path, cache, inputs, registry) if inputs else None
    if practice is None:
        practice = config.load_practice(config_dir, cache=cache)
        if inputs and cache.complete():
            _keep(path, cache, inputs, practice)
    return practice, cache


@functools.cache
def _code_version() -> str:
    """The code a Practice is built and checked with."""
    core = Path(config.__file__).parent
    files = sorted(core.glob("*.py")) + [Path(configcache.__file__), Path(__file__)]
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


def _inputs(shown: Path, root: Path, registry) -> str | None:
    """The SHA-256 of what a load depends on besides its files' bytes; None when unsure."""
    try:
        folders = [sorted(os.listdir(root / f)) if (root / f).is_dir() else None
                   for f in FOLDERS]
        kinds = [(k.id, k.plugin, k.package, k.reach_days, k.reads_date, k.description,
                  k.params_schema)
                 for k in registry.rule_kinds.values()]
        types = [(t.plugin, str(t.path) if t.path is not None else None,
                  t.data if t.path is None else None) for t in registry.credential_types]
        text = json.dumps([_code_version(), str(shown), str(root),
                           os.environ.get(config.DATABASE_ENV), os.environ.get(limits.INPUT_ENV),
                           folders, kinds, types],
                          sort_keys=True, default=repr)
    except (OSError, TypeError, ValueError):
        return None
    return hashlib.sha256(text.encode()).hexdigest()


def _hit(path: Path, cache: ConfigCache, inputs: str, registry) -> Practice | None:
    kept = configcache.read_checked(path)
    if not isinstance(kept, dict) or kept.get("inputs") != inputs:
        return None
    try:
        files, refreshed = {}, False
        for name, entry in kept["files"].items():
            now, _ = configcache.fresh(name, os.stat(name), entry)
            if now is None:
                return None
            files[name] = now
            refreshed |= now is not entry
        practice = _decode(kept["practice"])
        practice = dataclasses.replace(practice, rule_kinds=dict(registry.rule_kinds))
        # what a load checks outside the files it reads
        if not isinstance(practice, Practice) or not all(p.is_file() for p in practice.sources):
            return None
        zones = {practice.timezone} | {f.timezone for f in practice.facilities.values()}
        if not all(config.valid_timezone(z) for z in zones):
            return None
    except (OSError, _Unfit, KeyError, TypeError, ValueError, IndexError, AttributeError,
            RecursionError):
        return None
    cache.used, cache.hits, cache.settled = files, len(files), True
    if refreshed:  # stats confirmed by their SHA-256: kept, so as not to hash them again
        configcache.write_checked(path, {**kept, "files": files})
    return practice


def _keep(path: Path, cache: ConfigCache, inputs: str, practice: Practice) -> None:
    try:
        value = _encode(practice)
    except (_Unfit, TypeError, ValueError, AttributeError):  # kept only when it can be
        return
    files = {name: {k: v for k, v in entry.items() if k != "data"}
             for name, entry in cache.used.items()}
    configcache.write_checked(path, {"inputs": inputs, "files": files, "practice": value})


# JSON of a Practice: model classes by name (only these), fields left at their defaults left out;
# values from YAML as service/configcache.py keeps them.

_CLASSES = {c.__name__: c for c in (AlertPolicy, Channel, ContinuingEducation, CredentialType,
                                    Facility, Location, Manager, Practice, Requirement, Schedule,
                                    StateRules)}
_ATOMS = (type(None), str, bool, int, float)


@functools.cache
def _fields(cls: type) -> tuple[dict[str, Any], dict[str, Any], frozenset[str]]:
    """(field -> default value, field -> default factory, every field) of a model class."""
    values, factories = {}, {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            values[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            factories[f.name] = f.default_factory
    return values, factories, frozenset(f.name for f in dataclasses.fields(cls))


def _left_out(value: Any, name: str, values: dict, factories: dict) -> bool:
    """Whether a field holds exactly what its default would give (same type, no contents)."""
    if name in values:
        default = values[name]
    elif name in factories:
        default = factories[name]()
    else:
        return False
    kind = type(value)
    return kind is type(default) and value == default and (kind in _ATOMS or not value)


class _Encoder:
    """A Practice as JSON. A requirement is ["R", template, source, file, line]: the facilities'
    requirements differ mostly in those, the rest (its template) is written once; a file's
    requirements are ["RS", source, file, [[template, line], ...]]."""

    def __init__(self):
        self.templates: list[Any] = []
        self.known: dict[str, int] = {}

    def __call__(self, value: Any) -> Any:
        kind = type(value)
        if value is None or kind in (str, bool, int):
            return value
        if kind is tuple:
            rows = [self(v) for v in value]
            if rows and all(type(r) is list and r[0] == "R" and r[2:4] == rows[0][2:4]
                            for r in rows):
                return ["RS", rows[0][2], rows[0][3], [[r[1], r[4]] for r in rows]]
            return ["T", rows]
        if kind is dict:
            return ["D", [[self(k), self(v)] for k, v in value.items()]]
        if kind is float:
            return ["F", repr(value)]
        if kind is type(Path()):
            return ["P", str(value)]
        if kind is Requirement and type(value.location) is Location \
                and type(value.location.file) is str and type(value.location.line) is int \
                and type(value.source) is str:
            rest = self.object(value, ("source", "location"))
            key = json.dumps(rest)
            if key not in self.known:
                self.known[key] = len(self.templates)
                self.templates.append(rest)
            return ["R", self.known[key], value.source, value.location.file, value.location.line]
        if _CLASSES.get(kind.__name__) is kind:
            return self.object(value, ("rule_kinds",))
        return ["Y", configcache._encode(value)]

    def object(self, value: Any, leave: tuple[str, ...]) -> list:
        kind = type(value)
        values, factories, _ = _fields(kind)
        return ["C", kind.__name__,
                {f.name: self(getattr(value, f.name)) for f in dataclasses.fields(kind)
                 if f.name not in leave
                 and not _left_out(getattr(value, f.name), f.name, values, factories)}]


class _Decoder:
    def __init__(self, templates: list):
        self.templates = templates
        self.decoded: dict[int, tuple[dict, dict]] = {}

    def __call__(self, value: Any) -> Any:
        kind = type(value)
        if value is None or kind in (str, bool, int):
            return value
        tag = value[0]
        if tag == "RS":
            _, source, file, rows = value
            return tuple([self.requirement(index, source, file, line) for index, line in rows])
        if tag == "R":
            return self.requirement(*value[1:])
        if tag == "T":
            return tuple([self(v) for v in value[1]])
        if tag == "D":
            return {self(k): self(v) for k, v in value[1].__iter__()}
        if tag == "C":
            cls = _CLASSES[value[1]]
            return _made(cls, self.fields(cls, value[2]), _fields(cls)[2])
        if tag == "F":
            return float(value[1])
        if tag == "P":
            return Path(value[1])
        if tag == "Y":
            return configcache._decode(value[1])
        raise _Unfit(repr(tag))

    def fields(self, cls: type, given: dict) -> dict:
        values, factories, _ = _fields(cls)
        fields = {**values, **{k: f() for k, f in factories.items()}}
        for k, v in given.items():
            fields[k] = self(v)
        return fields

    def requirement(self, index: int, source: str, file: str, line: int) -> Requirement:
        if type(source) is not str or type(file) is not str or type(line) is not int:
            raise _Unfit("requirement")
        base, fresh = self.decoded.get(index) or self.template(index)
        made = _new(Requirement)
        fields = made.__dict__
        fields.update(base)
        if fresh:  # what may change in place is made anew for each requirement, as a load does
            fields.update({k: self(v) for k, v in fresh.items()})
        for k, factory in _REQUIREMENT_FACTORIES:
            if k not in fresh:
                fields[k] = factory()
        location = _new(Location)
        location.__dict__.update(file=file, line=line)
        fields["source"], fields["location"] = source, location
        return made

    def template(self, index: int) -> tuple[dict, dict]:
        template = self.templates[index]
        if type(index) is not int or template[:2] != ["C", "Requirement"]:
            raise _Unfit("template")
        fields = self.fields(Requirement, template[2])
        if fields.keys() | {"source", "location"} != _REQUIREMENT:
            raise _Unfit("template")
        fresh = {k: v for k, v in template[2].items() if not _shared(fields[k])}
        self.decoded[index] = fields, fresh
        return fields, fresh


def _shared(value: Any) -> bool:
    """Whether `value` may be the same object in many requirements: nothing in it changes."""
    kind = type(value)
    return kind in _ATOMS or kind is tuple and all(_shared(v) for v in value)


_new = object.__new__  # a frozen dataclass's fields set in its __dict__, as its __init__ would
_LOCATION = _fields(Location)[2]
_REQUIREMENT = _fields(Requirement)[2]
_REQUIREMENT_FACTORIES = tuple(_fields(Requirement)[1].items())


def _made(cls: type, fields: dict, names: frozenset) -> Any:
    """What the frozen dataclass's __init__ would give for `fields`, set directly."""
    if fields.keys() != names:
        raise _Unfit(cls.__name__)
    made = _new(cls)
    made.__dict__.update(fields)
    return made


def _encode(practice: Practice) -> dict:
    encoder = _Encoder()
    value = encoder(practice)
    return {"templates": encoder.templates, "value": value}


def _decode(kept: dict) -> Practice:
    with paused():  # thousands of new objects, no cycle among them: no collection of a large heap
        return _Decoder(kept["templates"])(kept["value"])
