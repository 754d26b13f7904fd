"""Options shared by every command, and the workspace a command opens."""

from __future__ import annotations

import os
from datetime import date

import click

from nervecenter.core import limits


def _parse_date(ctx, param, value):
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD")
    try:
        return limits.check_date(day, value)
    except ValueError as e:
        raise click.BadParameter(str(e))


config_option = click.option(
    "--config", "config_dir", type=click.Path(file_okay=False), show_default="$NERVECENTER_CONFIG or .",
    default=lambda: os.environ.get("NERVECENTER_CONFIG", "."),
    help="The practice's configuration directory.")
on_option = click.option("--on", "on", callback=_parse_date, metavar="YYYY-MM-DD",
                         help="Evaluate as if today were this date.")
format_option = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
                             default="table", show_default=True, help="Output format.")


def date_option(*names, **kwargs):
    return click.option(*names, callback=_parse_date, metavar="YYYY-MM-DD", **kwargs)


def workspace(config_dir):
    """The practice opened for this command. When the command ends (even with an error), one
    warning line per `sources:` file that failed to import goes to stderr; the exit code does
    not change."""
    from nervecenter.service.workspace import open_workspace

    ws = open_workspace(config_dir)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(lambda: _warn_sources(ws))
    return ws


def _warn_sources(ws) -> None:
    import sqlite3
    import sys

    gone: tuple = (sqlite3.Error,)  # SQLAlchemy's errors, if it was imported (the Store)
    if "sqlalchemy.exc" in sys.modules:
        gone += (sys.modules["sqlalchemy.exc"].SQLAlchemyError,)
    try:
        problems = ws.source_problems()
    except gone:  # the database went away: the command has said so already
        return
    for p in problems:
        click.echo(p.line(), err=True)


def _parse_written_date(ctx, param, value):
    from nervecenter.data.roster import parse_date

    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def written_date_option(*names, **kwargs):
    """A date in any form an import takes (2026-12-31, 12/31/2026, 12/31/26)."""
    return click.option(*names, callback=_parse_written_date, metavar="DATE", **kwargs)
