"""Importing files: validate every row of every file, then write all of it in one transaction.

Each file remembers, per row key, the hash of the row it last gave (table import_rows). A row
whose hash is unchanged is left alone — so a renewal recorded through the CLI or the web is not
reverted by the same old spreadsheet row — and a row edited in the file since wins. A case that
disappears from the file that gave it is removed (cancelled); people and credentials are never
removed by an import. `sync` (practice `sources:`) also skips a file whose size, mtime and
SHA-256 are what they were at its last import, without parsing it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from nervecenter.core import clock
from nervecenter.core.errors import ConfigError, FileProblem
from nervecenter.core.model import Practice
from nervecenter.data.stamps import reading_key, unchanged
from nervecenter.store.changes import Changes
from nervecenter.store.collector import paused
from nervecenter.store.db import begin_write
from nervecenter.store.store import Store, bulk_insert, mark_left
from nervecenter.store.tables import cases as K
from nervecenter.store.tables import import_files as F
from nervecenter.store.tables import import_rows as R

if TYPE_CHECKING:
    from nervecenter.data import roster


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


@dataclass
class _File:
    path: Path
    source: str  # absolute path, the key of import state
    display: str
    stat: os.stat_result
    sha256: str
    batch: roster.Batch | None = None
    config_sha256: str | None = None


def _display(path: Path, base: Path | None) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve())) if base else str(path)
    except ValueError:
        return str(path)


def import_files(store: Store, practice: Practice, paths, *, actor: str | None = None,
                 dry_run: bool = False, skip_unchanged_files: bool = False,
                 base: Path | None = None, failed: dict | None = None,
                 progress=None, read: list | None = None) -> Changes:
    """Import `paths`; raise ConfigError listing every bad row of every file (nothing written).

    With a `failed` dict (the sync of `sources:`), a bad file is left out instead, so the rows
    it last gave stay in force; `failed` then maps its absolute path to (name, problems).
    `progress`, when given, is called with one line naming each long step as it starts; a
    `read` list gets every record the files gave, problems or not (what `check` counts)."""
    with paused():
        return _import_files(store, practice, paths, actor, dry_run, skip_unchanged_files, base,
                             failed, progress, read)


def _import_files(store: Store, practice: Practice, paths, actor, dry_run, skip_unchanged_files,
                  base, failed, progress, read) -> Changes:
    progress = progress or (lambda step: None)
    files, problems = [], []
    config = reading_key(practice)
    with store.engine.connect() as conn:
        known = {m["source"]: m for m in conn.execute(select(F)).mappings()}
    for p in map(Path, paths):
        display = _display(p, base)
        try:
            stat = p.stat()
        except OSError:
            missing = FileProblem(display, 0, "no such file; check the path")
            if failed is None:
                problems.append(missing)
            else:
                failed[str(p.resolve())] = (display, [missing])
            continue
        before = known.get(str(p.resolve()))
        stamp = before and (before["size"], before["mtime_ns"], before["config_sha256"])
        if skip_unchanged_files and unchanged(stamp, stat, config):
            continue
        same = skip_unchanged_files and before is not None and before["config_sha256"] == config
        with p.open("rb") as f:  # streamed: the file is never held whole (roster.read)
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        if same and before["sha256"] == digest:
            if not dry_run:  # touched, not changed: remember the new mtime to stay cheap
                with store.engine.begin() as conn:
                    conn.execute(update(F).where(F.c.source == before["source"])
                                 .values(mtime_ns=stat.st_mtime_ns, size=stat.st_size))
            continue
        files.append(_File(p, str(p.resolve()), display, stat, digest, config_sha256=config))
    if not files and not problems:
        return Changes()  # all unchanged: the sync before every evaluation stays a few stat()s
    from nervecenter.data import roster  # the readers (YAML, CSV, XLSX): only for a file to read

    people = store.people_roles()
    emails = store.people_emails()
    # Roster files first, so that cases may name people added in the same import.
    files.sort(key=lambda f: f.path.suffix.lower() == ".ics")

    # All or nothing (failed is None): a bad file's good people still resolve the other files'
    # rows, and rows naming someone it refused wait silently (note_waiting). A sync leaves a bad
    # file out instead: its people do not come in, so what names them must fail too.
    whole = failed is None

    read_with: dict[int, set] = {}  # id(file) -> the people refused elsewhere it was read with

    def refused(f: _File) -> dict:  # by the other files
        return {k: v for g in files if whole and g is not f and g.batch
                for k, v in g.batch.refused.items()}

    def read_file(f: _File) -> None:
        elsewhere = refused(f)
        read_with[id(f)] = set(elsewhere)
        f.batch = roster.read(f.path, practice, people, f.display, emails, elsewhere)
        if whole or not f.batch.problems:
            people.update(f.batch.people)
            for r in f.batch.of("person"):
                if r.data["email"]:
                    emails[r.data["email"]] = r.key

    for f in files:
        size = f.stat.st_size
        progress(f"reading {f.display} ({size / 1e6:.1f} MB)" if size >= 1e6
                 else f"reading {f.display} ({max(1, round(size / 1e3))} kB)")
        read_file(f)
    # The files of one import are resolved together: a file that named people another file
    # defines (a schedule before its roster on the command line), or someone another file
    # refuses, is read again knowing them.
    for f in files:
        if f.batch.problems and any(g is not f and (whole or not g.batch.problems)
                                    and g.batch.of("person") for g in files) \
                or read_with[id(f)] != set(refused(f)):
            read_file(f)
    roster.note_waiting([f.batch for f in files], whole)
    if read is not None:
        read.extend(r for f in files for r in f.batch.records)
    for f in list(files):
        if f.batch.problems and failed is not None:
            failed[f.source] = (f.display, sorted(f.batch.problems))
            files.remove(f)
            continue
        problems.extend(f.batch.problems)
    for problem in [*_disagreements(files), *_roles_changed(store, files)]:
        bad = next((f for f in files if f.display == problem.file), None)
        if failed is not None and bad is not None:  # a sync leaves the file out, as above
            failed.setdefault(bad.source, (bad.display, []))[1].append(problem)
            files.remove(bad)
        else:
            problems.append(problem)
    if problems:
        raise ConfigError(problems)
    if not files:
        return Changes()
    warnings = [w for f in files for w in f.batch.warnings]
    progress(f"comparing and writing {sum(len(f.batch.records) for f in files):,} rows")
    for attempt in (1, 2):
        changes = Changes(warnings=warnings)
        try:
            given = {f"person:{r.key}" for f in files for r in f.batch.of("person")}
            with store.engine.begin() as conn:
                begin_write(conn)
                # files that give people first: the others' rows may name them
                for f in sorted(files, key=lambda f: not f.batch.of("person")):
                    _apply_file(conn, store, f, actor or f"import:{f.display}", changes, given)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        except (IntegrityError, OperationalError) as e:
            # Another process (the daemon, the web) imported the same rows a moment before us
            # (or, on SQLite, wrote after our read began): our transaction is rolled back;
            # compare again with what it wrote.
            if attempt == 2 or (isinstance(e, OperationalError) and "locked" not in str(e)):
                raise
            continue
        return changes
    return changes


def _disagreements(files: list[_File]) -> list[FileProblem]:
    """The same key given differently by two files of one import: which one wins would depend
    on the order of the command line, so neither does."""
    given = [{r.kind for r in f.batch.records} for f in files]
    shared = {k for i, kinds in enumerate(given) for k in kinds
              if any(k in other for other in given[i + 1:])}  # kinds two files or more give
    if not shared:
        return []
    first: dict[tuple[str, str], object] = {}
    found = []
    for f in files:
        for r in f.batch.records:
            if r.kind not in shared:
                continue
            seen = first.setdefault((r.kind, r.key), r)
            if seen is not r and seen.file != r.file and seen.hash != r.hash:
                found.append(FileProblem(r.file, r.line, f"{r.kind} {r.key} is given "
                                            f"differently by {seen.file}:{seen.line}; make the "
                                            "two agree or keep it in one file"))
    return found


def _roles_changed(store: Store, files: list[_File]) -> list[FileProblem]:
    """A person whose role changes while cases outside this import still assign them in the
    old one (those in it are checked row by row)."""
    known = store.people_roles()
    reimported = {i for f in files for i in f.batch.case_ids}  # each row says it, if wrong
    found = []
    for f in files:
        for r in f.batch.of("person"):
            old = known.get(r.key)
            if old is None or old == r.data["role"]:
                continue
            column = K.c.technologist if old == "technologist" else K.c.reader
            with store.engine.connect() as conn:
                ids = [i for (i,) in conn.execute(select(K.c.id).where(column == r.key)
                                                  .order_by(K.c.start))
                       if i not in reimported]
            if ids:
                shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
                cases = (f"case {shown} still assigns them as {old}; reassign it first"
                         if len(ids) == 1 else f"cases {shown} still assign them as {old}; "
                         "reassign those cases first")
                found.append(FileProblem(r.file, r.line, f"role: {r.key} becomes a "
                                            f"{r.data['role']}, but {cases}"))
    return found


def _apply_file(conn, store: Store, f: _File, actor: str, changes: Changes,
                given: set[str]) -> None:
    """Write one file's changed records; `given` are the people keys any file of this import
    gives (someone moved to another file of the same import has not left)."""
    state = dict(conn.execute(select(R.c.key, R.c.hash).where(R.c.source == f.source)).all())
    todo, new_state, changed_state = [], [], []
    keys = set()
    for r in f.batch.records:
        key = f"{r.kind}:{r.key}"
        keys.add(key)
        h = r.hash
        old = state.get(key)
        if old == h:
            changes.count(r.kind, "unchanged")
            continue
        todo.append(r)
        if old is None:
            new_state.append({"source": f.source, "key": key, "hash": h})
        else:
            changed_state.append({"_key": key, "hash": h})
    # the rows' new hashes first: what they take is freed before the records are written
    bulk_insert(conn, R, new_state)
    del new_state
    if changed_state:
        conn.execute(update(R).where(R.c.source == f.source, R.c.key == _bind("_key"))
                     .values(hash=_bind("hash")), changed_state)
    gone = [k for k in state if k not in keys]
    removed_cases = [k.split(":", 1)[1] for k in gone if k.startswith("case:")]
    store.apply(conn, todo, actor, changes, remove_cases=removed_cases)
    left = [k for k in gone if k.startswith("person:") and k not in given]
    if left:  # ...nor has someone another source still gives
        elsewhere = {k for (k,) in conn.execute(select(R.c.key).where(
            R.c.key.in_(left), R.c.source != f.source))}
        mark_left(conn, store, [k.split(":", 1)[1] for k in left if k not in elsewhere],
                  actor, changes)
    if gone:
        conn.execute(delete(R).where(R.c.source == f.source, R.c.key.in_(gone)))
    values = {"mtime_ns": f.stat.st_mtime_ns, "size": f.stat.st_size, "sha256": f.sha256,
              "config_sha256": f.config_sha256,
              "imported_at": clock.utcnow().isoformat(timespec="seconds")}
    if conn.execute(select(F.c.source).where(F.c.source == f.source)).first():
        conn.execute(update(F).where(F.c.source == f.source).values(**values))
    else:
        conn.execute(insert(F).values(source=f.source, **values))


def _bind(name: str):
    from sqlalchemy import bindparam

    return bindparam(name)


def report(changes: Changes, dry_run: bool) -> str:
    """Lines for the `import` command: what was (or would be) added, changed, left alone."""
    verb = "would be" if dry_run else "were"
    lines = []
    for kind in ("person", "credential", "ce", "case"):
        c = changes.counts.get(kind)
        if not c:
            continue
        label = {"person": "people", "credential": "credentials", "ce": "CE entries",
                 "case": "cases"}[kind]
        parts = [f"{c['added']} added", f"{c['changed']} changed", f"{c['unchanged']} unchanged"]
        if c["removed"]:
            parts.append(f"{c['removed']} removed")
        if c.get("left"):
            parts.append(f"{c['left']} left")
        lines.append(f"{label}: {', '.join(parts)}")
    lines.extend(changes.lines[:50])
    if len(changes.lines) > 50:
        lines.append(f"... and {len(changes.lines) - 50} more changes")
    if not lines:
        lines.append("nothing to import: every file is unchanged")
    elif dry_run:
        lines.append(f"dry run: nothing was written ({changes.total} changes {verb} made)")
    return "\n".join(lines)
