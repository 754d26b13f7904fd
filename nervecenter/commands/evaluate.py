"""`cases`, `status`, `conflicts`: the evaluation of a date, for people or machines (SPEC.md 11).

Thin: nervecenter.rules decides, nervecenter.core.report renders.
"""

from __future__ import annotations

import os
import sys

import click

from nervecenter.commands.options import config_option, date_option, format_option, on_option


def _color() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _evaluation(config_dir, on, start=None, end=None):
    """The workspace and its evaluation of `on` (over [start, end] when either is given)."""
    from nervecenter.core.workspace import open_workspace

    ws = open_workspace(config_dir)
    if start is None and end is None:
        return ws, ws.evaluate(on)
    from nervecenter.rules import evaluate

    ws.sync_sources()
    day = ws.today(on)
    return ws, evaluate(ws.practice, ws.snapshot(day), day, start=start, end=end)


@click.command()
@config_option
@on_option
@format_option
@date_option("--from", "start", help="First day of cases to show (default: the --on date).")
@date_option("--to", "end", help="Last day of cases to show (default: the end of the horizon).")
@click.option("--case", "case_id", metavar="ID", help="Only this case (wherever it falls).")
@click.option("--outcome", type=click.Choice(["cleared", "warning", "blocked", "unstaffed"]),
              help="Only cases with this outcome.")
def cases(config_dir, on, fmt, start, end, case_id, outcome):
    """Clearance of upcoming cases, with problems and backups.

    Every case from --from to --to (by default the practice's case horizon from today) is checked
    against its facility's and state's requirements. Each problem is one sentence; cases that
    are not cleared list up to three backups who are qualified and free."""
    from nervecenter.core import report
    from nervecenter.core.errors import NerveCenterError

    if start and end and start > end:
        raise click.BadParameter(f"--from {start} is after --to {end}", param_hint="--from")
    if case_id and start is None and end is None:
        from nervecenter.core.workspace import open_workspace

        ws = open_workspace(config_dir)
        ws.sync_sources()
        day = ws.today(on)
        snapshot = ws.snapshot(day)
        found = next((c for c in snapshot.cases if c.id == case_id), None)
        if found is None:
            raise NerveCenterError(f"no case {case_id!r} in the schedule; "
                                   f"`nervecenter cases` lists the upcoming ones")
        from nervecenter.rules import evaluate

        when = found.start.date()
        ev = evaluate(ws.practice, snapshot, day, start=when, end=when)
    else:
        ws, ev = _evaluation(config_dir, on, start, end)
    click.echo(report.render_cases(ev, ws.practice, fmt, color=_color() and fmt == "table",
                                   case=case_id, outcome=outcome))


@click.command()
@config_option
@on_option
@format_option
@click.option("--within", type=click.IntRange(min=0), default=90, show_default=True,
              metavar="DAYS", help="Credentials due within this many days (lapsed ones too).")
@click.option("--person", metavar="ID", help="Only this person's credentials.")
def status(config_dir, on, fmt, within, person):
    """Credentials due soon, by person: due date, why it is earlier than the expiry, stage.

    A credential is due on its expiry, or earlier where a facility its holder works at requires
    it younger (max_age_months) or valid for some time after a case (valid_days_after_case)."""
    from nervecenter.core import report
    from nervecenter.core.errors import NerveCenterError

    ws, ev = _evaluation(config_dir, on)
    if person and person not in ev.people:
        raise NerveCenterError(f"no person {person!r} in the roster; check the id in people.yaml")
    click.echo(report.render_status(ev, ws.practice, fmt, within=within, person=person,
                                    color=_color() and fmt == "table"))


@click.command()
@config_option
@on_option
@format_option
@click.option("--type", "type_id", metavar="TYPE", help="Only this credential type.")
def conflicts(config_dir, on, fmt, type_id):
    """Facilities whose requirements for the same credential type differ, and who is affected.

    For each type: the facilities that disagree on max_age_months, valid_days_after_case,
    issuers, accepted alternatives (any_of) or enforcement, and the people whose credential
    meets the most lenient facility's rule but not the strictest's."""
    from nervecenter.core import report
    from nervecenter.core.errors import NerveCenterError

    ws, ev = _evaluation(config_dir, on)
    if type_id and type_id not in ws.practice.credential_types:
        raise NerveCenterError(f"no credential type {type_id!r}; `nervecenter plugins` lists them")
    click.echo(report.render_conflicts(ev, ws.practice, fmt, type_id=type_id,
                                       color=_color() and fmt == "table"))
