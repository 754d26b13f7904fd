"""`cases`, `status`, `conflicts`: the evaluation of a date, for people or machines (docs/contract.md).

Thin: nervecenter.rules decides, nervecenter.data.report renders.
"""

from __future__ import annotations

import os
import sys

import click

from nervecenter.commands.options import (
    config_option,
    date_option,
    format_option,
    on_option,
    workspace,
)


def _color() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _workspace(config_dir):
    return workspace(config_dir)


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
    from nervecenter.data import report

    if start and end and start > end:
        raise click.BadParameter(f"--from {start} is after --to {end}", param_hint="--from")
    ws = _workspace(config_dir)
    # only the clearances are shown: due dates and conflicts are not computed
    ev = ws.evaluate(on, start=start, end=end, due=False, conflicts=False,
                     case=case_id if start is None and end is None else None)
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
    from nervecenter.core.errors import NerveCenterError
    from nervecenter.data import report

    ws = _workspace(config_dir)
    ev = ws.evaluate(on, clearances=False, conflicts=False)  # due dates alone
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
    from nervecenter.core.errors import NerveCenterError
    from nervecenter.data import report

    ws = _workspace(config_dir)
    ev = ws.evaluate(on, clearances=False, due=False)  # conflicts alone
    if type_id and type_id not in ws.practice.credential_types:
        raise NerveCenterError(f"no credential type {type_id!r}; `nervecenter plugins` lists them")
    click.echo(report.render_conflicts(ev, ws.practice, fmt, type_id=type_id,
                                       color=_color() and fmt == "table"))
