"""`coverage` and `whatif`: the weeks ahead, as they stand and as a change would leave them
(docs/contract.md). Thin: nervecenter.rules decides, nervecenter.data renders."""

from __future__ import annotations

import click

from nervecenter.commands.evaluate import _color, _workspace
from nervecenter.commands.options import config_option, format_option, on_option


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
