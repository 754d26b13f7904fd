"""Alert commands: run, alerts plan | log | silence, daemon."""

from __future__ import annotations

import getpass
import json
import sys

import click

from nervecenter.commands.options import (
    config_option,
    date_option,
    format_option,
    on_option,
    workspace,
)
from nervecenter.core import clock


def _workspace(config_dir):
    return workspace(config_dir)


def _table(rows: list[dict], columns: list[str]) -> str:
    from nervecenter.data.report import table_text

    return "\n".join(table_text(columns, [[r.get(c) for c in columns] for r in rows])) \
        if rows else "(none)"


def _csv(rows: list[dict], columns: list[str]) -> str:
    from nervecenter.data.report import csv_text

    return csv_text(columns, rows)


PLAN_COLUMNS = ["key", "kind", "person", "stage", "recipients", "title"]
TABLE_COLUMNS = ["kind", "about", "stage", "recipients", "title"]  # keys: --format json/csv


def _print_plan(as_of, alerts, fmt: str) -> None:
    if fmt == "json":
        rows = [a.as_dict() for a in alerts]
        click.echo(json.dumps({"as_of": as_of.isoformat(), "alerts": rows}, indent=2))
    elif fmt == "csv":
        click.echo(_csv([a.as_dict() for a in alerts], PLAN_COLUMNS))
    elif not alerts:
        click.echo("(none)")
    else:  # a line at a time: a first run plans 63,000 alerts at 5,000 people
        from nervecenter.data.report import table_lines

        def rows():
            for a in alerts:
                r = a.as_dict()
                r |= {"recipients": ", ".join(r["recipients"]),
                      "about": r["credential"] or (f"case {r['case']}" if r["case"] else "")}
                yield [r[c] for c in TABLE_COLUMNS]

        for line in table_lines(TABLE_COLUMNS, rows):
            click.echo(line)


@click.command()
@config_option
@on_option
@click.option("--once", is_flag=True,
              help="One pass: deliver what is due now and exit; retries wait for the next run.")
@click.option("--dry-run", is_flag=True,
              help="Plan and print from the database as it is; write and send nothing.")
@format_option
def run(config_dir, on, once, dry_run, fmt):
    """Import sources, evaluate, plan and deliver alerts, retry failed deliveries.

    Without --once it stays until this run's retries are sent or have failed for good."""
    import time

    from nervecenter.commands.progress import Progress
    from nervecenter.service import runner
    from nervecenter.service.daemon import configure_logging
    from nervecenter.store import lock as dblock

    configure_logging()
    ws = _workspace(config_dir)
    if dry_run:
        result = runner.run(ws, on=on, dry_run=True)
        _print_plan(result.as_of, result.alerts, fmt)
        click.echo(f"{result.line()}; nothing written or sent", err=fmt != "table")
        return
    lock = dblock.acquire_now(ws.store.engine, "run")
    try:
        with Progress() as progress:
            result = runner.run(ws, on=on, progress=progress)
        _print_plan(result.as_of, result.alerts, fmt)
        click.echo(result.line(), err=fmt != "table")
        for failure in result.rule_errors:
            click.echo(f"warning: {failure}", err=True)
        while not once:
            due = runner.next_retry(ws)
            if due is None:
                break
            time.sleep(max(0.0, (due - clock.utcnow()).total_seconds()))
            out = runner.retry(ws)
            click.echo(f"retry: {out.sent} sent, {out.retrying} to retry, {out.failed} failed",
                       err=fmt != "table")
    finally:
        lock.release()


@click.group()
def alerts():
    """Plan, list and silence alerts."""


@alerts.command("plan")
@config_option
@on_option
@format_option
@click.option("--digest/--no-digest", default=None,
              help="Include the managers' digest (default: when schedule.digest ticks that day).")
def plan_(config_dir, on, fmt, digest):
    """What would be sent now (no alert is written, nothing is sent)."""
    from nervecenter.service import runner

    ws = _workspace(config_dir)
    day = ws.today(on)
    _, planned, _ = runner.plan(ws, day, digest=digest)
    _print_plan(day, planned, fmt)


LOG_COLUMNS = ["planned_at", "kind", "key", "recipient", "channel", "status", "attempts",
               "last_error"]


@alerts.command("log")
@config_option
@format_option
@click.option("--person", help="Only alerts about or to this person.")
@click.option("--kind", help="Only alerts of this kind (stage, lapsed, case...).")
@click.option("--status", type=click.Choice(["pending", "sent", "failed", "dropped",
                                             "summarized"]),  # alerts.ledger.STATUSES
              help="Only alerts with a delivery in this status.")
@date_option("--since", help="Only alerts planned on or after this date.")
@click.option("--limit", type=int, default=200, show_default=True)
def log_(config_dir, fmt, person, kind, status, since, limit):
    """What was sent, to whom, on which channel, and how it went (secrets masked)."""
    from nervecenter.alerts.ledger import Ledger

    ws = _workspace(config_dir)
    entries = Ledger(ws.store.engine).log(person=person, kind=kind, status=status, since=since,
                                          limit=limit)
    if fmt == "json":
        click.echo(json.dumps({"alerts": entries}, indent=2))
        return
    rows = []
    for a in entries:
        for d in a["deliveries"] or [{}]:
            rows.append({"planned_at": a["planned_at"], "kind": a["kind"], "key": a["key"],
                         "recipient": d.get("recipient"), "channel": d.get("channel"),
                         "status": d.get("status", "no channel"), "attempts": d.get("attempts"),
                         "last_error": d.get("last_error")})
    click.echo(_csv(rows, LOG_COLUMNS) if fmt == "csv" else _table(rows, LOG_COLUMNS))


@alerts.command("silence")
@config_option
@on_option
@click.option("--person", help="Silence every credential alert of this person.")
@click.option("--type", "type_", help="Silence alerts for this credential type.")
@click.option("--credential", help="Silence one credential (e.g. t-price:bls).")
@date_option("--until", help="Last day of the silence (inclusive).")
@click.option("--reason", default="", help="Why (shown in the log and on the dashboard).")
@click.option("--by", "by", default=None, help="Who silences (default: your user name).")
@click.option("--list", "list_", is_flag=True, help="List the silences in force instead.")
def silence(config_dir, on, person, type_, credential, until, reason, by, list_):
    """Silence a person's, a type's or a credential's alerts until a date."""
    from nervecenter.alerts.ledger import Ledger
    from nervecenter.service import actions

    ws = _workspace(config_dir)
    ledger = Ledger(ws.store.engine)
    day = ws.today(on)
    if list_:
        rows = [{"person": s.person, "type": s.type, "credential": s.credential,
                 "until": s.until.isoformat(), "reason": s.reason, "by": s.by}
                for s in ledger.silences(day)]
        click.echo(_table(rows, ["person", "type", "credential", "until", "reason", "by"]))
        return
    if not (person or type_ or credential):
        raise click.UsageError("name what to silence: --person, --type and/or --credential")
    if until is None:
        raise click.UsageError("give --until YYYY-MM-DD (the last silenced day)")
    who = by or _user()
    actions.silence(ws, f"cli:{who}", until=until, person=person, type_id=type_,
                    credential=credential, reason=reason, on=on)
    what = ", ".join(f"{k} {v}" for k, v in (("person", person), ("type", type_),
                                             ("credential", credential)) if v)
    click.echo(f"silenced {what} through {until.isoformat()} (by {who})")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@click.command()
@config_option
@click.option("--poll-seconds", type=float, default=30.0, show_default=True, hidden=True,
              help="How often to look for due retries and configuration changes.")
@click.option("--standby-poll-seconds", type=float, default=10.0, show_default=True, hidden=True,
              help="How often a PostgreSQL standby tries to take over.")
@click.option("--workers", type=int, default=4, show_default=True,
              help="Deliveries sent at the same time.")
def daemon(config_dir, poll_seconds, standby_poll_seconds, workers):
    """Run on schedule: evaluations, digests, retries. Stops cleanly on SIGTERM/SIGINT."""
    from nervecenter.service.daemon import main

    sys.exit(main(config_dir, poll_seconds=poll_seconds,
                  standby_poll_seconds=standby_poll_seconds, workers=workers))
