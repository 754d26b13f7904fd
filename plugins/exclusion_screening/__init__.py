"""The `exclusion-screening` plugin: the monthly check of everyone against the OIG's LEIE and
SAM.gov's exclusions. It adds the credential type `exclusion_screening` and the command

    nervecenter screen --leie FILE [--sam FILE] [--on D]     screen everyone, record it
    nervecenter screen --confirm PERSON | --dismiss PERSON   decide a possible (name) match
    nervecenter screen --list                                every match recorded

Matching, recording and blocking are NerveCenter's (`nervecenter.screen`); this plugin reads
the lists' files (lists.py) and prints."""

from __future__ import annotations

import getpass
import json
import os
from datetime import date
from pathlib import Path

import click
from nervecenter.plugins.exclusion_screening.lists import read_leie, read_sam

import nervecenter  # its workspace and actions load on first use, not with `--help`
from nervecenter import NerveCenterError, hookimpl

PLUGIN_NAME = "exclusion-screening"
HERE = Path(__file__).parent


@hookimpl
def register_credential_types(register):
    register(HERE / "exclusion_screening.yaml")


def _day(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD") from None


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _print(result: dict) -> None:
    files = ", ".join(f"{f['list']} {f['name']} ({f['rows']} rows, sha256 {f['sha256'][:12]}…)"
                      for f in result["files"])
    click.echo(f"Screened {result['people']} people on {result['on']} against {files}; "
               f"everyone's exclusion screening is valid through {result['expires']}.")
    if not result["matches"]:
        click.echo("No matches.")
    for m in result["matches"]:
        what = {"confirmed": "EXCLUDED (NPI match)", "possible": "possible match (name only): "
                "confirm or dismiss with `nervecenter screen --confirm/--dismiss "
                f"{m['person']}`", "dismissed": "name match dismissed before"}[m["decision"]]
        until = f", reinstated {m['until']}" if m["until"] else ""
        click.echo(f"  {m['name']} ({m['person']}): {m['list']} row {m['row']}, "
                   f"{m['kind'] or 'excluded'} since {m['since']}{until}: {what}")


@hookimpl
def register_commands(cli):
    @cli.command("screen")
    @click.option("--config", "config_dir", type=click.Path(file_okay=False),
                  default=lambda: os.environ.get("NERVECENTER_CONFIG", "."),
                  show_default="$NERVECENTER_CONFIG or .",
                  help="The practice's configuration directory.")
    @click.option("--leie", type=click.Path(dir_okay=False, path_type=Path),
                  help="The OIG's LEIE CSV (UPDATED.csv or a monthly supplement).")
    @click.option("--sam", type=click.Path(dir_okay=False, path_type=Path),
                  help="A SAM.gov exclusions extract (CSV).")
    @click.option("--on", "on", callback=_day, metavar="YYYY-MM-DD",
                  help="The day of the screening (default today).")
    @click.option("--confirm", metavar="PERSON", help="Confirm PERSON's possible match.")
    @click.option("--dismiss", metavar="PERSON", help="Dismiss PERSON's possible match.")
    @click.option("--list", "show", is_flag=True, help="Every match recorded, newest last.")
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
                  show_default=True, help="Output format.")
    def screen_command(config_dir, leie, sam, on, confirm, dismiss, show, fmt):
        """Screen everyone against the OIG exclusion list (LEIE) and SAM.gov; record it."""
        chosen = [x for x in (leie or sam, confirm, dismiss, show) if x]
        if len(chosen) != 1:
            raise NerveCenterError("give --leie FILE (and --sam FILE), or --confirm PERSON, or "
                                   "--dismiss PERSON, or --list")
        if sam and not leie:
            raise NerveCenterError("--sam needs --leie: the LEIE is the list to screen monthly")
        ws = nervecenter.open_workspace(config_dir)
        limit = ws.practice.max_input
        lists = [read_leie(leie, limit)] + ([read_sam(sam, limit)] if sam else []) if leie else []
        if lists:
            result = nervecenter.screen(ws, _actor(), lists, on)
            click.echo(json.dumps(result, indent=2) if fmt == "json" else "", nl=False)
            if fmt != "json":
                _print(result)
            return
        if show:
            rows = [{k: (v.isoformat() if isinstance(v, date) else v) for k, v in m.items()
                     if k != "entry"} for m in ws.store.exclusion_matches()]
            if fmt == "json":
                click.echo(json.dumps({"matches": rows}, indent=2))
            for m in rows if fmt != "json" else ():
                click.echo(f"{m['person']}  {m['list']} row {m['row']}  {m['matched_by']}  "
                           f"{m['decision']}  since {m['since']}"
                           + (f"  until {m['until']}" if m["until"] else ""))
            return
        person, decision = (confirm, "confirmed") if confirm else (dismiss, "dismissed")
        n = nervecenter.decide_screening(ws, _actor(), person, decision)
        click.echo(f"{person}: {n} possible match{'es' if n != 1 else ''} {decision}"
                   + ("; their cases are blocked from the exclusion date." if confirm else "."))
