"""Loading a practice's configuration directory into a `Practice`, with every problem found.

    practice.yaml, facilities/*.yaml, states/*.yaml, credential_types/*.yaml
    + the credential types and rule kinds of the plugins

Nothing is loaded partially: every file is read and checked, and all problems across files are
raised together as one ConfigError (`file:line: message`, with the fix).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nervecenter.core import documents, limits, plugins, schemas, yamlfile
from nervecenter.core.errors import ConfigError, FileProblem
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
    RuleKind,
    Schedule,
    StateRules,
)
from nervecenter.core.states import STATE_NAMES

DATABASE_ENV = "NERVECENTER_DATABASE_URL"
DEFAULT_DATABASE = "sqlite:///.nervecenter/state.db"
PRACTICE_FILE = "practice.yaml"
NOT_A_STATE = " is not a US state code; use two capital letters like LA"


def _display(config_dir: Path, relative: str) -> str:
    return str(config_dir / relative) if str(config_dir) not in ("", ".") else relative


def _closest(word: str, choices, what: str) -> str:
    close = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {what} {word!r}{hint}"


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _timezone_problem(name: str) -> str:
    return (f"unknown time zone {name!r}; use an IANA name such as America/Chicago "
            "or America/New_York")


def _channels(items) -> tuple[Channel, ...]:
    out = []
    for item in items or ():
        if isinstance(item, str):
            out.append(Channel(item))
        else:
            stages = item.get("stages")
            out.append(Channel(item["url"], tuple(stages) if stages is not None else None))
    return tuple(out)


# ---------------------------------------------------------------- credential types


def parse_credential_type(data: Any, name: str, plugin: str, checked: bool = False,
                          ) -> tuple[CredentialType | None, list[FileProblem]]:
    """A CredentialType from its YAML or dict form, or what prevents it (unless `checked`)."""
    problems = [] if checked else yamlfile.validate(data, schemas.CREDENTIAL_TYPE, name)
    if problems:
        return None, problems
    ce = data.get("continuing_education")
    stages = data.get("stages")
    kind = CredentialType(
        id=data["id"], name=data["name"], aliases=tuple(data.get("aliases", ())),
        scope=data.get("scope", "person"),
        description=data.get("description", "").strip(), issuer=data.get("issuer"),
        holders=tuple(data.get("holders", ("technologist", "reader"))),
        validity_months=data.get("validity_months"), expiry=data.get("expiry", "exact"),
        season_start=data.get("season_start"),
        grace_days=data.get("grace_days", 0), renewal_lead_days=data.get("renewal_lead_days", 0),
        stages=tuple(sorted(stages, reverse=True)) if stages else None,
        continuing_education=ContinuingEducation(
            hours=ce["hours"], period_months=ce["period_months"],
            limits=dict(ce.get("limits", {})),
            alert_months=tuple(sorted(ce.get("alert_months", (12, 6, 3)), reverse=True)))
        if ce else None,
        verify_url=(data.get("verify") or {}).get("url"),
        sources=dict(data.get("sources") or {}),
        plugin=plugin, location=Location(name, getattr(data, "line", 0)))
    return kind, []


def _type_file(path: Path, name: str, plugin: str, cache) -> tuple[CredentialType | None,
                                                                   list[FileProblem], Any]:
    """(type, problems, data) of a credential type's file, validated unless the cache has it."""
    data = cache.get(path, schemas.CREDENTIAL_TYPE) if cache else None
    if data is not None:
        return *parse_credential_type(data, name, plugin, checked=True), data
    try:
        data = yamlfile.load(path, name)
    except ConfigError as e:
        return None, e.problems, None
    kind, problems = parse_credential_type(data, name, plugin)
    if cache and kind is not None:
        cache.put(path, schemas.CREDENTIAL_TYPE, data)
    return kind, problems, data


def _plugin_types(registry: plugins.Registry, cache=None,
                  ) -> tuple[dict[str, CredentialType], list[FileProblem]]:
    types: dict[str, CredentialType] = {}
    problems: list[FileProblem] = []
    for source in registry.credential_types:
        name = str(source.path) if source.path is not None else f"plugin {source.plugin}"
        if source.path is not None:
            kind, found, _ = _type_file(source.path, name, source.plugin, cache)
        else:
            kind, found = parse_credential_type(source.data, name, source.plugin)
        problems.extend(found)
        if kind is None:
            continue
        if kind.id in types:
            other = types[kind.id]
            problems.append(FileProblem(name, kind.location.line,
                                    f"credential type {kind.id!r} is also defined by plugin "
                                    f"{other.plugin!r} ({other.location}); uninstall one"))
            continue
        types[kind.id] = kind
    return types, problems


def plugin_credential_types() -> dict[str, CredentialType]:
    """The credential types every installed plugin defines (ConfigError/PluginError if broken)."""
    types, problems = _plugin_types(plugins.registry())
    if problems:
        raise ConfigError(problems)
    return types


# ---------------------------------------------------------------- requirements


def _split_params(req: Any) -> tuple[Any, dict]:
    """A `rule:` requirement without its rule kind's own keys, and those keys."""
    if not isinstance(req, dict) or "rule" not in req:
        return req, {}
    common = yamlfile.LineDict()
    common.line, common.lines = getattr(req, "line", 0), {}
    params = yamlfile.LineDict()
    params.line, params.lines = common.line, {}
    for key, value in req.items():
        target = common if key in schemas.REQUIREMENT_PROPERTIES else params
        target[key] = value
        target.lines[key] = getattr(req, "lines", {}).get(key, common.line)
    return common, params


def _strip_params(data: Any) -> tuple[Any, list[dict]]:
    """A facility/state file's data with rule-kind keys set aside (per requirement index)."""
    reqs = data.get("requirements") if isinstance(data, dict) else None
    if not isinstance(reqs, list):
        return data, []
    stripped = yamlfile.LineList()
    stripped.line, stripped.lines = reqs.line, list(reqs.lines)
    params = []
    for req in reqs:
        common, own = _split_params(req)
        stripped.append(common)
        params.append(own)
    copy = yamlfile.LineDict(data)
    copy.line, copy.lines = data.line, dict(data.lines)
    copy["requirements"] = stripped
    return copy, params


class _Faults(list):
    """The paths of a file's schema problems: the checks that follow (unknown types, state codes,
    duplicate ids...) run on every other part, so that one pass reports every mistake."""

    cached = False  # the file passed its schemas before: service/configcache.py gave it back

    def ok(self, *path) -> bool:
        """Nothing at, above or below `path` is wrong."""
        return not any(p[:len(path)] == path or path[:len(p)] == p for p in self)


def _part(data: dict, key: str, kind: type):
    """data[key] when it is of `kind` (else the schema has said what is wrong with it)."""
    value = data.get(key)
    return value if isinstance(value, kind) else kind()


class _Loader:
    """Collects problems while reading one configuration directory."""

    def __init__(self, config_dir: Path, shown: Path, cache=None, rule_kinds=None):
        self.dir = config_dir
        self.shown = shown
        self.problems: list[FileProblem] = []
        self.cache = cache  # service/configcache.py: files read and validated before
        self.params = {k: r.params_schema for k, r in (rule_kinds or {}).items()}
        self.keys: dict[int, dict] = {}  # a file with requirements passed its rule kinds' too

    def name(self, path: Path) -> str:
        if not path.is_relative_to(self.dir):  # a file given on its own (load_practice)
            return str(path)
        return _display(self.shown, str(path.relative_to(self.dir)))

    def problem(self, name: str, data: Any, path, message: str) -> None:
        self.problems.append(FileProblem(name, yamlfile.line_of(data, path), message))

    def read(self, path: Path, schema: dict, requirements: bool = False,
             ) -> tuple[Any, str, list[dict], _Faults]:
        """Load and validate one file: its data (None when it is not a mapping), name, rule
        kinds' own keys per requirement (with `requirements`) and where its schema faults are."""
        name = self.name(path)
        key = self.keys.setdefault(id(schema), {"file": schema, "rule_kinds": self.params}) \
            if requirements else schema
        data = self.cache.get(path, key) if self.cache else None
        if data is not None:
            hit = _Faults()
            hit.cached = True
            return data, name, _strip_params(data)[1] if requirements else [], hit
        try:
            data = yamlfile.load(path, name)
        except ConfigError as e:
            self.problems.extend(e.problems)
            return None, name, [], _Faults()
        if data is None:
            self.problems.append(FileProblem(name, 0, "the file is empty; see `nervecenter schema`"))
            return None, name, [], _Faults()
        params: list[dict] = []
        checked = data
        if requirements:
            checked, params = _strip_params(data)
        found = yamlfile.problems(checked, schema, name)
        self.problems.extend(p for _, p in found)
        if self.cache and not found:
            self.cache.put(path, key, data)
        return (data if isinstance(data, dict) else None), name, params, _Faults(p for p, _ in found)

    def files(self, sub: str) -> list[Path]:
        folder = self.dir / sub
        if not folder.is_dir():
            return []
        extra = sorted(p for p in folder.iterdir() if p.suffix == ".yml")
        for p in extra:
            self.problems.append(FileProblem(self.name(p), 0, "rename it to end in .yaml"))
        return sorted(folder.glob("*.yaml"))


def _requirements(ld: _Loader, name: str, data: Any, params: list[dict], bad: _Faults,
                  source: str, default_enforcement: str, types: dict[str, CredentialType],
                  rule_kinds: dict[str, RuleKind], facility_ids: set[str],
                  ) -> tuple[Requirement, ...]:
    """The file's requirements, each key checked unless the schema already found it wrong."""
    out = []
    reqs = data.get("requirements")
    for i, req in enumerate(reqs if isinstance(reqs, list) else ()):
        at = ("requirements", i)
        if not isinstance(req, dict):
            continue
        given = [k for k in ("credential", "any_of", "rule") if k in req]
        if len(given) != 1:
            what = "none" if not given else " and ".join(given)
            ld.problem(name, data, at, f"requirements.{i}: a requirement needs exactly one of "
                       f"credential, any_of, rule (found {what}); split it into one per rule")
            continue
        key = "credential" if "credential" in req else "any_of"
        ok = bad.ok(*at, key)
        named = ([req["credential"]] if key == "credential" else list(req.get("any_of", ()))) \
            if ok else []
        for type_id in named:
            if type_id not in types:
                ld.problem(name, data, (*at, key),
                           f"requirements.{i}.{key}: " + _closest(type_id, types, "credential type")
                           + "; `nervecenter plugins` lists the types")
                ok = False
        own = params[i] if i < len(params) else {}
        if "rule" in req and bad.ok(*at, "rule"):
            kind = rule_kinds.get(req["rule"])
            if kind is None:
                ld.problem(name, data, (*at, "rule"), f"requirements.{i}.rule: "
                           + _closest(req["rule"], rule_kinds, "rule kind")
                           + "; `nervecenter plugins` lists the rule kinds")
                continue
            own_keys = set(kind.params_schema.get("properties", {}))
            allowed = sorted(own_keys | set(schemas.REQUIREMENT_PROPERTIES))
            for key in [k for k in own if k not in own_keys]:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                ld.problem(name, data, (*at, key), f"requirements.{i}: unknown key {key!r}{hint};"
                           f" allowed keys with rule {kind.id}: {', '.join(allowed)}")
                del own[key]
                ok = False
            for p in [] if bad.cached else yamlfile.validate(own, kind.params_schema, name):
                ld.problems.append(FileProblem(p.file, p.line,
                                           f"requirements.{i} (rule {kind.id}): {p.message}"))
                ok = False
        if req.get("facility") is not None and bad.ok(*at, "facility"):
            fac = req["facility"]
            if fac not in facility_ids:
                ld.problem(name, data, (*at, "facility"), f"requirements.{i}.facility: "
                           + _closest(fac, facility_ids, "facility")
                           + "; name a file in facilities/ by its id")
                ok = False
            for type_id in named:
                if type_id in types and types[type_id].scope != "facility":
                    ld.problem(name, data, (*at, "facility"),
                               f"requirements.{i}.facility: {type_id} is {types[type_id].scope}-"
                               "scoped, not facility-scoped; remove `facility:`")
                    ok = False
        if req.get("state") is not None and bad.ok(*at, "state"):
            code = req["state"]
            if code not in STATE_NAMES:
                ld.problem(name, data, (*at, "state"),
                           f"requirements.{i}.state: {code!r}{NOT_A_STATE}")
                ok = False
            for type_id in named:
                if type_id in types and types[type_id].scope != "state":
                    ld.problem(name, data, (*at, "state"),
                               f"requirements.{i}.state: {type_id} is {types[type_id].scope}-"
                               "scoped, not state-scoped; remove `state:`")
                    ok = False
        if not ok or bad:
            continue
        when = {str(k): tuple(str(x) for x in (v if isinstance(v, list) else [v]))
                for k, v in (req.get("when") or {}).items()}
        out.append(Requirement(
            source=source, credential=req.get("credential"), any_of=tuple(req.get("any_of", ())),
            rule=req.get("rule"), role=req.get("role", "technologist"), when=when,
            max_age_months=req.get("max_age_months"),
            valid_days_after_case=req.get("valid_days_after_case", 0),
            issuers=tuple(req["issuers"]) if "issuers" in req else None,
            enforcement=req.get("enforcement", default_enforcement),
            accept_grace=req.get("accept_grace", False), verified=req.get("verified", False),
            state=req.get("state"), facility=req.get("facility"), params=dict(own),
            location=Location(name, yamlfile.line_of(data, at))))
    return tuple(out)


def resolve_database(url: str, config_dir: Path) -> str:
    """`url` with a relative SQLite path made relative to the configuration directory."""
    prefix, sep, rest = url.partition(":///")
    if sep and prefix.split("+")[0] == "sqlite" and rest and not rest.startswith("/") \
            and not rest.startswith(":memory:"):
        return f"{prefix}:///{(config_dir / rest).as_posix()}"
    return url


def load_practice(config_dir: str | Path, facility_file: str | Path | None = None,
                  cache=None) -> Practice:
    """The practice configured in `config_dir`, validated; ConfigError lists every problem.

    With `facility_file` (a facility's YAML anywhere), that file is read as one of facilities/,
    in place of the one with the same id: a hospital's new rules, tried before they are adopted.
    A `cache` (service/configcache.py) gives back files validated before, unchanged since.
    """
    shown = Path(config_dir)
    root = shown.resolve()
    if not root.is_dir():
        raise ConfigError([FileProblem(str(shown), 0, "no such configuration directory; create one "
                                   "with `nervecenter init DIR` or pass --config DIR")])
    if not (root / PRACTICE_FILE).is_file():
        raise ConfigError([FileProblem(_display(shown, PRACTICE_FILE), 0,
                                   "missing: every configuration directory needs one; "
                                   "`nervecenter init DIR` writes an example")])
    registry = plugins.registry()
    rule_kinds = dict(registry.rule_kinds)
    ld = _Loader(root, shown, cache, rule_kinds)

    # credential types: the plugins', then the practice's own (which may replace a plugin's)
    types, found = _plugin_types(registry, cache)
    ld.problems.extend(found)
    own_types: dict[str, str] = {}
    for path in ld.files("credential_types"):
        name = ld.name(path)
        kind, found, data = _type_file(path, name, "practice", cache)
        ld.problems.extend(found)
        if kind is None:
            if isinstance(data, dict) and isinstance(data.get("id"), str):
                own_types[data["id"]] = name  # known, so requirements naming it are not noise
                types.setdefault(data["id"], CredentialType(data["id"], data["id"]))
            continue
        if kind.id in own_types:
            ld.problem(name, data, ("id",), f"duplicate credential type id {kind.id!r} (also in "
                       f"{own_types[kind.id]}); rename one")
            continue
        own_types[kind.id] = name
        types[kind.id] = kind

    practice, pname, _, bad = ld.read(root / PRACTICE_FILE, schemas.PRACTICE)
    if practice is not None:
        if bad.ok("timezone") and not valid_timezone(practice["timezone"]):
            ld.problem(pname, practice, ("timezone",), _timezone_problem(practice["timezone"]))
        seen: dict[str, int] = {}
        for i, m in enumerate(_part(practice, "managers", list)):
            if not bad.ok("managers", i, "id"):
                continue
            if m["id"] in seen:
                ld.problem(pname, practice, ("managers", i, "id"),
                           f"duplicate manager id {m['id']!r} (first on line {seen[m['id']]}); "
                           "rename one")
            seen.setdefault(m["id"], yamlfile.line_of(practice, ("managers", i, "id")))
        for kind, template in _part(practice, "contacts", dict).items():
            if bad.ok("contacts", kind) and "{" + kind + "}" not in template:
                ld.problem(pname, practice, ("contacts", kind),
                           f"contacts.{kind} has no {{{kind}}}; write it where the address "
                           f"goes, e.g. ...&to={{{kind}}}")
        for key in ("evaluate", "digest"):
            expr = _part(practice, "schedule", dict).get(key)
            if bad.ok("schedule", key) and expr is not None and not _valid_cron(expr):
                ld.problem(pname, practice, ("schedule", key),
                           f"schedule.{key}: {expr!r} is not a cron expression; write five "
                           "fields like \"0 6 * * *\" (minute hour day month weekday)")
        folder = Path((practice.get("documents") if bad.ok("documents") else None) or "documents")
        if folder.is_absolute() or ".." in folder.parts or documents.PRIVATE in folder.parts:
            ld.problem(pname, practice, ("documents",),
                       f"documents: {folder} must be a folder inside the configuration "
                       f"directory and outside {documents.PRIVATE}/; e.g. documents")
        for i, src in enumerate(_part(practice, "sources", list)):
            if bad.ok("sources", i) and not (root / src).is_file():
                ld.problem(pname, practice, ("sources", i),
                           f"sources: {src} does not exist in the configuration directory; "
                           "create it or remove it from sources")
    timezone = practice["timezone"] if practice is not None and bad.ok("timezone") else "UTC"

    # facilities first (ids are needed by requirements), then their requirements and the states'
    facility_files = []
    facility_ids: dict[str, str] = {}
    extra = Path(facility_file) if facility_file is not None else None
    if extra is not None and not extra.is_file():
        raise ConfigError([FileProblem(str(extra), 0, "no such file; give the path of a "
                                       "facility's YAML (as in facilities/)")])
    replaced = None
    for path in ([extra] if extra is not None else []) + ld.files("facilities"):
        data, name, params, bad = ld.read(path, schemas.FACILITY, requirements=True)
        fid = data["id"] if data is not None and bad.ok("id") else None
        if data is None or fid is not None and fid == replaced:
            continue
        if fid in facility_ids:
            ld.problem(name, data, ("id",), f"duplicate facility id {fid!r} (also in "
                       f"{facility_ids[fid]}); give each facility its own id")
            bad.append(("id",))  # its other keys are still checked
        elif fid is not None:
            facility_ids[fid] = name
            replaced = fid if path is extra else replaced
        facility_files.append((data, name, params, bad))

    facilities: dict[str, Facility] = {}
    for data, name, params, bad in facility_files:
        if bad.ok("state") and data["state"] not in STATE_NAMES:
            ld.problem(name, data, ("state",), f"{data['state']!r}{NOT_A_STATE}")
        tz = data.get("timezone", timezone)
        if "timezone" in data and bad.ok("timezone") and not valid_timezone(tz):
            ld.problem(name, data, ("timezone",), _timezone_problem(tz))
        enforcement = data.get("enforcement", "block")
        reqs = _requirements(ld, name, data, params, bad, f"facility:{data.get('id')}",
                             enforcement, types, rule_kinds, set(facility_ids))
        if bad:
            continue
        facilities[data["id"]] = Facility(
            id=data["id"], name=data["name"], state=data["state"], timezone=tz,
            enforcement=enforcement, requirements=reqs, location=Location(name, data.line))

    states: dict[str, StateRules] = {}
    state_files: dict[str, str] = {}
    for path in ld.files("states"):
        data, name, params, bad = ld.read(path, schemas.STATE, requirements=True)
        if data is None:
            continue
        code = data["state"] if bad.ok("state") else None
        if code is not None and code not in STATE_NAMES:
            ld.problem(name, data, ("state",), f"{code!r}{NOT_A_STATE}")
            code = None
        elif code in state_files:
            ld.problem(name, data, ("state",), f"duplicate state {code!r} (also in "
                       f"{state_files[code]}); merge the two files")
            code = None
        elif code is not None:
            state_files[code] = name
        reqs = _requirements(ld, name, data, params, bad, f"state:{code}", "block", types,
                             rule_kinds, set(facility_ids))
        if bad or code is None:
            continue
        states[code] = StateRules(code, reqs, Location(name, data.line))

    if ld.problems or practice is None:
        raise ConfigError(ld.problems)

    alerts = practice.get("alerts") or {}
    schedule = practice.get("schedule") or {}
    database = os.environ.get(DATABASE_ENV) or practice.get("database") or DEFAULT_DATABASE
    return Practice(
        name=practice["name"], timezone=timezone, config_dir=root,
        database=resolve_database(database, root),
        alerts=AlertPolicy(**{k: (tuple(sorted(v, reverse=True)) if k == "stages" else v)
                              for k, v in alerts.items()}),
        schedule=Schedule(**schedule),
        managers=tuple(Manager(m["id"], m["name"], _channels(m.get("notify")), m.get("email"),
                               m.get("phone"))
                       for m in practice.get("managers") or ()),
        contacts=dict(practice.get("contacts") or {}),
        case_values={k: tuple(v) for k, v in (practice.get("case_values") or {}).items()},
        sources=tuple(root / s for s in practice.get("sources") or ()),
        documents_dir=root / (practice.get("documents") or "documents"),
        base_url=(practice.get("base_url") or "").rstrip("/") or None,
        max_input=limits.max_input_bytes((practice.get("limits") or {}).get("max_input_mb")),
        credential_types=types, facilities=facilities, states=states, rule_kinds=rule_kinds)


def _valid_cron(expr: str) -> bool:
    from croniter import croniter

    return croniter.is_valid(expr)
