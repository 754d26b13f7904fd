"""`nervecenter check`'s reading of a practice's source files: the problems an import would
find (the importer's own dry run: nothing is written), what the files hold, and who no channel
reaches."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from nervecenter.alerts import contacts
from nervecenter.core import channels, clock, model, yamlfile
from nervecenter.core.errors import ConfigError, FileProblem
from nervecenter.core.model import Case, Person, Practice, Snapshot
from nervecenter.data.importer import import_files
from nervecenter.rules import evaluate
from nervecenter.service.workspace import open_store


def unmeetable(practice: Practice) -> list[FileProblem]:
    """Rules that load but cannot be met: a requirement for types no one of its role may hold."""
    found = []
    rules = [*practice.states.values(), *practice.facilities.values()]
    for req in (r for rule_set in rules for r in rule_set.requirements):
        if req.role == "any" or not req.types:
            continue
        holders = {t: practice.credential_types[t].holders for t in req.types}
        if all(req.role not in h for h in holders.values()):
            names = " or ".join(req.types)
            found.append(FileProblem(req.location.file, req.location.line,
                                 f"no {req.role} can meet this requirement: {names} is held by "
                                 f"{', '.join(sorted({r for h in holders.values() for r in h}))}"
                                 f" only; change `role:` or the type's `holders:`"))
    return found


def source_problems(practice, shown: str) -> tuple[list[FileProblem], dict[str, int],
                                                    list[FileProblem]]:
    """Problems of the practice's source files (people.yaml, cases.csv...): what a dry run of
    the importer finds importing them all together, and what it cannot (notify URLs no channel
    sends to, missing documents); counts of what they hold; warnings (who no channel reaches,
    case values close to a rule's, rule kinds that raise)."""
    kinds = channels.load(practice.config_dir)
    problems: list[FileProblem] = _manager_channel_problems(practice, shown, kinds)
    held: dict[str, set] = {"person": set(), "credential": set(), "ce": set(), "case": set()}
    warned = [FileProblem(_display(practice, shown, practice.config_dir / "practice.yaml"), 0,
                          _unreachable(m.name))
              for m in contacts.unreachable((), practice.managers, practice.contacts)]
    sources = list(practice.sources)
    default_people = practice.config_dir / "people.yaml"
    if default_people.is_file() and default_people not in sources:
        sources.insert(0, default_people)
    read: list = []
    store = open_store(practice) if sources else None
    if store is not None:
        try:
            warned.extend(import_files(store, practice,
                                       [Path(_display(practice, shown, p)) for p in sources],
                                       dry_run=True, read=read).warnings)
        except ConfigError as e:
            problems.extend(e.problems)
    unreached: dict[str, list] = {}  # person id -> [first record, reached by some source?]
    for record in read:
        # by key: a person in people.yaml and in a spreadsheet is one person
        held.setdefault(record.kind, set()).add(record.key)
        if record.kind == "person":
            who = SimpleNamespace(**{**record.data, "notify": tuple(
                model.Channel(c["url"]) for c in record.data.get("notify") or ())})
            reached = bool(contacts.channels(who, practice.contacts)) or not who.active \
                or bool(who.left)  # someone who left is reached by no one, on purpose
            unreached.setdefault(record.key, [record, False])[1] |= reached
            for channel in record.data.get("notify") or ():
                problem = kinds.check(channel["url"])
                if problem:
                    problems.append(FileProblem(record.file, record.line, f"notify "
                                                f"{kinds.privacy(channel['url'])}: {problem}"))
        for doc in record.data.get("documents") or () if record.kind == "credential" else ():
            if not (practice.config_dir / doc).is_file():
                problems.append(FileProblem(record.file, record.line,
                                            f"document {doc} does not exist; add the file or "
                                            "fix the path (relative to the configuration "
                                            "directory)"))
    # one warning per person whom no source gives a channel (a person may be in two sources)
    warned.extend(FileProblem(r.file, r.line, _unreachable(r.data["name"]))
                  for r, reached in unreached.values() if not reached)
    if practice.rule_kinds and not problems and store is not None:
        warned.extend(_rule_kind_failures(practice, store, read))
    return problems, {kind: len(keys) for kind, keys in held.items()}, warned


def _rule_kind_failures(practice, store, records) -> list[FileProblem]:
    """Every rule kind run over the upcoming cases of the sources, as the evaluation runs them
    (never for someone who has left): what a plugin raises."""
    today = clock.today(practice.timezone)
    people = dict(store.snapshot(today).people)  # those the sources name but do not give
    for r in (r for r in records if r.kind == "person"):
        left = r.data.get("left") or (None if r.data.get("active", True) else today.isoformat())
        people[r.key] = Person(r.key, r.data["name"], r.data["role"],
                               left=date.fromisoformat(left) if left else None)
    cases, where = [], {}
    for r in records:
        if r.kind == "case":
            d = r.data
            zone = ZoneInfo(practice.facilities[d["facility"]].timezone)
            cases.append(Case(d["id"], d["facility"], datetime.fromisoformat(d["start"])
                              .astimezone(zone), None, d["procedure"], d["technologist"],
                              d["reader"], dict(d["fields"])))
            where[d["id"]] = r
    ev = evaluate(practice, Snapshot(people, (), cases=tuple(cases)), today, due=False,
                  conflicts=False)
    return [FileProblem(where[cl.case.id].file, where[cl.case.id].line,
                        f"case {cl.case.id}: {p.detail}")
            for cl in ev.clearances for p in cl.problems if p.reason == "rule_error"]


def _unreachable(name: str) -> str:
    return (f"no channel for {name}: their alerts go to the managers; give them notify, or an "
            "email or phone with contacts: in practice.yaml")


def _manager_channel_problems(practice, shown: str, kinds) -> list[FileProblem]:
    path = practice.config_dir / "practice.yaml"
    data = yamlfile.load(path)
    problems = []
    for i, manager in enumerate(practice.managers):
        for j, channel in enumerate(manager.notify):
            problem = kinds.check(channel.url)
            if problem:
                line = yamlfile.line_of(data, ("managers", i, "notify", j))
                problems.append(FileProblem(_display(practice, shown, path), line,
                                        f"managers.{i}.notify: {kinds.privacy(channel.url)}: "
                                        f"{problem}"))
    return problems


def _display(practice, shown: str, path: Path) -> str:
    """`path` as the user named the configuration directory (`config/example/people.yaml`)."""
    rel = path.relative_to(practice.config_dir) if path.is_relative_to(practice.config_dir) \
        else path
    return str(Path(shown) / rel) if shown not in (".", "") else str(rel)
