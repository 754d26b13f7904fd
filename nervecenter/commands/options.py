"""Options shared by every command."""

from __future__ import annotations

import os
from datetime import date

import click


def _parse_date(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD")


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
