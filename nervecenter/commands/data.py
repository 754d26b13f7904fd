"""Data commands: import, export, audit, renew, ce, db upgrade (SPEC.md sections 9 and 11)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from nervecenter.commands.options import config_option, date_option, on_option


def _workspace(config_dir):
    from nervecenter.core.workspace import open_workspace

    return open_workspace(config_dir)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@click.command("import")
@config_option
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would be added and changed; write nothing.")
def import_(config_dir, files, dry_run):
    """Import people, credentials, CE entries and cases from YAML, CSV, XLSX or ICS files.

    Every row of every file is checked first; one bad row and nothing is written."""
    from nervecenter.core.importer import import_files, report

    ws = _workspace(config_dir)
    changes = import_files(ws.store, ws.practice, [Path(f) for f in files], dry_run=dry_run)
    click.echo(report(changes, dry_run))


@click.command()
@config_option
@click.option("--out", "out", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Directory for people.csv, credentials.csv, ce.csv and cases.csv.")
@on_option
def export(config_dir, out, on):
    """Export people, credentials (the versions in force), CE entries and cases as CSV.

    credentials.csv has the one-row-per-credential layout `import` reads."""
    from nervecenter.core.export import export_csv

    ws = _workspace(config_dir)
    written = export_csv(ws.practice, ws.snapshot(ws.today(on)), Path(out))
    for path, rows in written:
        click.echo(f"{path}: {rows} rows")


@click.command()
@config_option
@click.option("--facility", required=True, help="The facility id.")
@on_option
@click.option("--format", "fmt", type=click.Choice(["csv", "html"]), default="csv",
              show_default=True, help="CSV for spreadsheets, HTML for a readable packet.")
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Write to FILE (default stdout).")
def audit(config_dir, facility, on, fmt, out):
    """The credentialing packet for a facility: every person who worked there up to the date,
    each credential required there and its status on that date, with documents."""
    from nervecenter.core import audit as packet
    from nervecenter.core.errors import NerveCenterError

    ws = _workspace(config_dir)
    day = ws.today(on)
    if facility not in ws.practice.facilities:
        import difflib

        close = difflib.get_close_matches(facility, list(ws.practice.facilities), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise NerveCenterError(f"unknown facility {facility!r}{hint}")
    ws.sync_sources()
    rows = packet.audit_rows(ws.practice, ws.store, ws.snapshot(day), facility, day)
    text = (packet.audit_csv(rows) if fmt == "csv"
            else packet.audit_html(ws.practice, facility, day, rows))
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"{out}: {len(rows)} rows", err=True)
    else:
        sys.stdout.write(text)


@click.command()
@config_option
@click.argument("person")
@click.argument("type_id", metavar="TYPE")
@click.option("--scope", help="State code or facility id, for state- and facility-scoped types.")
@click.option("--submitted", is_flag=True, help="The renewal is submitted (stops personal reminders).")
@date_option("--expires", help="The new expiry date: records a new version.")
@date_option("--issued", help="The new issue date.")
@click.option("--number", help="The new credential number.")
@click.option("--document", type=click.Path(dir_okay=False),
              help="A document (path relative to the configuration directory); its SHA-256 is kept.")
def renew(config_dir, person, type_id, scope, submitted, expires, issued, number, document):
    """Record a renewal: --submitted, or a new --expires (the old version stays as history)."""
    from nervecenter.core.errors import NerveCenterError

    if submitted == (expires is not None):
        raise click.UsageError("give either --submitted or --expires DATE")
    if submitted and (issued or number or document):
        raise click.UsageError("--issued, --number and --document go with --expires")
    ws = _workspace(config_dir)
    ctype = ws.practice.credential_types.get(type_id)
    if ctype is None:
        import difflib

        close = difflib.get_close_matches(type_id, list(ws.practice.credential_types), n=1)
        raise NerveCenterError(f"unknown credential type {type_id!r}"
                               + (f" (did you mean {close[0]!r}?)" if close else ""))
    if ctype.scope != "person" and not scope:
        raise NerveCenterError(f"{type_id} is per {ctype.scope}: give --scope "
                               f"{'STATE' if ctype.scope == 'state' else 'FACILITY'}")
    if ctype.scope == "person" and scope:
        raise NerveCenterError(f"{type_id} is per person: leave out --scope")
    if ctype.scope == "state":
        scope = scope.upper()
    if document:
        document = _document_path(ws.practice.config_dir, document)
    if issued and expires and issued > expires:
        raise NerveCenterError(f"--issued {issued} is after --expires {expires}")
    ws.sync_sources()
    cred = ws.store.renew(person, type_id, scope, submitted=submitted, expires=expires,
                          issued=issued, number=number, document=document,
                          actor=f"cli:{_user()}")
    if submitted:
        click.echo(f"{cred.id}: renewal submitted (version {cred.version}, "
                   f"expires {cred.expires})")
    else:
        click.echo(f"{cred.id}: version {cred.version}, expires {cred.expires}"
                   + (f", issued {cred.issued}" if cred.issued else ""))


def _document_path(config_dir: Path, document: str) -> str:
    """The path to store: relative to the configuration directory when the file is inside it
    (as people.yaml writes them), else absolute."""
    from nervecenter.core.errors import NerveCenterError

    if (config_dir / document).is_file() and not Path(document).is_absolute():
        return document
    path = Path(document).resolve()
    if not path.is_file():
        raise NerveCenterError(f"{document}: no such file")
    try:
        return path.relative_to(config_dir.resolve()).as_posix()
    except ValueError:
        return str(path)


@click.command()
@config_option
@click.argument("person")
@on_option
def ce(config_dir, person, on):
    """Continuing-education hours of PERSON per credential in its current cycle (the CE period
    ending on its expiry), against the type's required hours and category limits."""
    from nervecenter.core.ce import ce_rows
    from nervecenter.core.errors import NerveCenterError

    ws = _workspace(config_dir)
    ws.sync_sources()
    day = ws.today(on)
    snap = ws.snapshot(day)
    if person not in snap.people:
        raise NerveCenterError(f"no person {person!r}")
    rows = ce_rows(ws.practice, snap, person, day)
    if not rows:
        click.echo(f"{person} holds no credential with a continuing-education requirement")
        return
    for r in rows:
        click.echo(f"{r['type']}: {r['counted']:g} of {r['required']:g} h counted for the cycle "
                   f"{r['from']} to {r['to']} ({r['earned']:g} h earned by {day})"
                   + ("" if r["counted"] >= r["required"] else f", {r['missing']:g} h to go"))
        for note in r["notes"]:
            click.echo(f"  {note}")


@click.group()
def db():
    """Database maintenance."""


@db.command()
@config_option
def upgrade(config_dir):
    """Bring the database to the newest revision (creates it when new)."""
    from nervecenter.core import db as dbmod
    from nervecenter.core import migrations
    from nervecenter.core.config import load_practice
    from nervecenter.core.workspace import _make_sqlite_dir

    practice = load_practice(config_dir)
    _make_sqlite_dir(practice.database)
    engine = dbmod.create(practice.database)
    before = migrations.current(engine)
    migrations.upgrade(engine)
    after = migrations.current(engine)
    engine.dispose()
    where = dbmod.describe(practice.database)
    if before == after:
        click.echo(f"{where}: already at revision {after}")
    else:
        click.echo(f"{where}: revision {before or '(new)'} -> {after}")
