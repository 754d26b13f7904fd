"""`coverage` and `whatif`: the weeks ahead, as they stand and as a change would leave them
(docs/contract.md). Thin: nervecenter.rules decides, nervecenter.data renders."""

from __future__ import annotations

import click

from nervecenter.commands.evaluate import _color, _workspace
from nervecenter.commands.options import config_option, date_option, format_option, on_option


@click.command()
@config_option
@on_option
@format_option
@click.option("--facility", metavar="ID", help="Only this facility.")
@click.option("--weeks", type=click.IntRange(min=1, max=104), default=12, show_default=True,
              help="How many weeks ahead, the first the week holding --on.")
def coverage(config_dir, on, fmt, facility, weeks):
    """Who is cleared at each facility, per role and week, against the cases booked.

    A person counts for a week when they would be cleared for a case there on every day of it,
    from the credentials on record (no renewal is assumed; a submitted one is shown). Each week
    is flagged short (fewer cleared than the cases running at once), thin (one lapse from short,
    or a single person) or ok. Requirements with `when:` get their own lines."""
    from nervecenter.data import coverage as render

    ws = _workspace(config_dir)
    cov = ws.coverage(on, weeks=weeks, facility=facility)
    click.echo(render.render(cov, fmt, color=_color() and fmt == "table"))


@click.command()
@config_option
@on_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@click.option("--without", metavar="PERSON", help="The practice without this person ...")
@date_option("--from", "since", help="... from this day (default: the --on date).")
@click.option("--lapse", metavar="CREDENTIAL",
              help="This credential (person:type[:scope]) lapses on the --on date.")
@click.option("--renew", metavar="CREDENTIAL", help="This credential is renewed ...")
@date_option("--expires", help="... to this expiry (with --renew).")
@click.option("--facility-rules", type=click.Path(dir_okay=False), metavar="FILE",
              help="A facility's YAML replacing the one with its id (new hospital rules).")
@click.option("--weeks", type=click.IntRange(min=1, max=104), default=12, show_default=True,
              help="Coverage weeks compared.")
def whatif(config_dir, on, fmt, without, since, lapse, renew, expires, facility_rules, weeks):
    """What a change would do: the cases and coverage weeks it changes. Nothing is written.

    The practice is evaluated twice, as it is and with the change, over the case horizon; the
    cases whose outcome, problems or backups differ are listed with both sides, and the
    coverage weeks whose flag differs. A person who leaves keeps their cases, so the engine
    shows which are left without a cleared person; none of their credentials holds from
    --from."""
    from nervecenter.data import whatif as render
    from nervecenter.rules.whatif import Change

    if since and not without:
        raise click.UsageError("--from goes with --without")
    if (renew is None) != (expires is None):
        raise click.UsageError("--renew and --expires go together")
    change = Change(without=without, since=since, lapse=lapse, renew=renew, expires=expires,
                    facility_rules=facility_rules)
    if change.is_empty():
        raise click.UsageError("say what changes: --without, --lapse, --renew with --expires, "
                               "or --facility-rules")
    ws = _workspace(config_dir)
    result = ws.whatif(change, on, weeks=weeks, facility_file=facility_rules)
    people = ws.snapshot(result.as_of).people
    click.echo(render.render(result, ws.practice, fmt,
                             name=lambda pid: people[pid].name if pid in people else pid))
