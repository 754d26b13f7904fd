"""Data commands: import, export, audit, renew, ce, db upgrade."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from nervecenter.commands.options import (
    config_option,
    date_option,
    format_option,
    on_option,
    workspace,
    written_date_option,
)


def _workspace(config_dir):
    return workspace(config_dir)


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
    from nervecenter.commands.progress import Progress
    from nervecenter.data.importer import import_files, report

    ws = _workspace(config_dir)
    with Progress() as progress:
        changes = import_files(ws.store, ws.practice, [Path(f) for f in files], dry_run=dry_run,
                               progress=progress)
    for warning in changes.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(report(changes, dry_run))


@click.command()
@config_option
@click.option("--out", "out", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Directory for people.csv, credentials.csv, ce.csv and cases.csv.")
@on_option
@format_option
def export(config_dir, out, on, fmt):
    """Export people, credentials (the versions in force), CE entries and cases as CSV.

    credentials.csv has the one-row-per-credential layout `import` reads; --format gives the
    summary of what was written as a table, JSON or CSV."""
    from nervecenter.data.export import export_csv
    from nervecenter.data.listings import render_export

    ws = _workspace(config_dir)
    day = ws.today(on)
    written = export_csv(ws.practice, ws.snapshot(day), Path(out))
    click.echo(render_export(written, day, fmt))


@click.command()
@config_option
@click.option("--facility", required=True, help="The facility id.")
@date_option("--from", "start", help="First day of cases (default: 12 months before --on).")
@date_option("--to", "end", help="Last day of cases (default: the --on date).")
@on_option
@click.option("--format", "fmt", type=click.Choice(["csv", "html", "json"]), default="csv",
              show_default=True, help="CSV for spreadsheets, HTML for a readable packet, JSON.")
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Write to FILE (default stdout).")
def audit(config_dir, facility, start, end, on, fmt, out):
    """The credentialing packet for a facility: every case there from --from to --to with its
    outcome and problems as `cases --on` its day gives them, then each credential the facility
    requires of the people who worked them, its status on --on, with documents."""
    from nervecenter.data import audit as render
    from nervecenter.data.report import to_json
    from nervecenter.service.audit import packet

    ws = _workspace(config_dir)
    doc = packet(ws, facility, start, end, on)
    text = (render.packet_csv(doc) if fmt == "csv" else to_json(doc) + "\n" if fmt == "json"
            else render.packet_html(ws.practice, doc))
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"{out}: {len(doc['cases'])} cases, {len(doc['people'])} credential rows",
                   err=True)
    else:
        sys.stdout.write(text)


@click.command()
@config_option
@click.argument("person")
@click.argument("type_id", metavar="TYPE")
@click.option("--scope", help="State code or facility id, for state- and facility-scoped types.")
@click.option("--submitted", is_flag=True, help="The renewal is submitted (stops personal reminders).")
@written_date_option("--expires", help="The new expiry date: records a new version (derived "
                     "from --issued when the type has a validity).")
@written_date_option("--issued", help="The new issue date (kept from the current version when "
                     "left out).")
@click.option("--correct", is_flag=True, help="Put a mistake right: the expiry may be earlier "
              "than the current one; audited as a correction, not a renewal.")
@click.option("--number", help="The new credential number.")
@click.option("--document", type=click.Path(dir_okay=False),
              help="A document (path relative to the configuration directory); its SHA-256 is kept.")
def renew(config_dir, person, type_id, scope, submitted, expires, issued, correct, number,
          document):
    """Record a renewal: --submitted, or a new --expires and/or --issued (the old version stays
    as history). TYPE may be its id, name or an alias (CNIM, D.ABNM, "BLS Provider")."""
    from nervecenter.service import actions

    if submitted == (expires is not None or issued is not None):
        raise click.UsageError("give either --submitted or --expires DATE (or --issued DATE)")
    if submitted and (number or document or correct):
        raise click.UsageError("--number, --document and --correct go with --expires")
    ws = _workspace(config_dir)
    actor = f"cli:{_user()}"
    if submitted:
        cred = actions.renewal_submitted(ws, actor, person, type_id, scope)
        click.echo(f"{cred.id}: renewal submitted (version {cred.version}, "
                   f"expires {cred.expires})")
        return
    cred = actions.renew(ws, actor, person, type_id, scope, expires=expires, issued=issued,
                         number=number, correct=correct,
                         document=actions.local_document(ws, document) if document else None)
    click.echo(f"{cred.id}: version {cred.version}, expires {cred.expires}"
               + (f", issued {cred.issued}" if cred.issued else ""))


@click.command()
@config_option
@click.argument("person")
@on_option
@format_option
def ce(config_dir, person, on, fmt):
    """Continuing-education hours of PERSON per credential in its current cycle (the CE period
    ending on its expiry), against the type's required hours and category limits."""
    from nervecenter.core.errors import NerveCenterError
    from nervecenter.data.listings import render_ce
    from nervecenter.rules.ce import ce_rows

    ws = _workspace(config_dir)
    ws.sync_sources()
    day = ws.today(on)
    snap = ws.snapshot(day)
    if person not in snap.people:
        raise NerveCenterError(f"no person {person!r}")
    click.echo(render_ce(ce_rows(ws.practice, snap, person, day), person, day, fmt))


@click.group()
def db():
    """Database maintenance: upgrade, backup."""


@db.command()
@config_option
def upgrade(config_dir):
    """Bring the database to the newest revision (creates it when new)."""
    from nervecenter.core.config import load_practice
    from nervecenter.store import backup, migrations
    from nervecenter.store import db as dbmod

    practice = load_practice(config_dir)
    if backup.sqlite_path(practice.database):
        backup.check_file(backup.sqlite_path(practice.database))
    dbmod.make_sqlite_dir(practice.database)
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


@db.command("backup")
@config_option
@click.argument("file", type=click.Path(dir_okay=False))
def backup_(config_dir, file):
    """A consistent copy of the SQLite database in FILE, safe while the daemon and the web run
    (docs/reliability.md says how to restore it); PostgreSQL: use pg_dump."""
    from nervecenter.core.config import load_practice
    from nervecenter.store import backup

    practice = load_practice(config_dir)
    size = backup.backup(practice.database, Path(file))
    click.echo(f"{file}: a copy of {backup.sqlite_path(practice.database)} ({size:,} bytes)")
