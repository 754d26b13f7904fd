"""Pictures of time, drawn on the server as inline SVG: no script, nothing fetched, colours from
style.css by class (the content-security policy allows neither inline scripts nor inline styles).

Each picture is `role="img"` with a <title> and a <desc> that says in words what it shows, for
screen readers; every bar also carries a <title> (the browser shows it on hover).

    due_chart(picture)                  # overview: credentials coming due per week, 26 weeks
    coverage_chart(weeks, role)         # facility: cleared per week as steps, the booked peak over it
    timeline(picture, person_id)        # person: each credential's validity, stages, cases, gaps
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, timedelta
from html import escape

from markupsafe import Markup

from nervecenter.rules.coverage import Week

URGENCY = ("critical", "urgent", "soon", "later")  # stacked bottom up; `lapsed` stands alone
DUE_WEEKS = 26
_ids = itertools.count(1)  # ids for aria-labelledby, unique within any page


def _svg(kind: str, width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    uid = f"{kind}-{next(_ids)}"
    return Markup(
        f'<svg class="chart {kind}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d"><title id="{uid}-t">{escape(title)}</title>'
        f'<desc id="{uid}-d">{escape(desc)}</desc>' + "".join(body) + "</svg>")


def _rect(x, y, w, h, cls: str, tip: str, escaped: bool = False) -> str:
    return (f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" '
            f'height="{max(h, 0):.1f}"><title>{tip if escaped else escape(tip)}</title></rect>')


def _text(x, y, text: str, cls: str = "label", anchor: str = "middle",
          escaped: bool = False) -> str:
    return (f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">'
            f"{text if escaped else escape(text)}</text>")


# ---------------------------------------------------------------- overview


def due_buckets(due_dates, today: date, weeks: int = DUE_WEEKS, urgency=None):
    """(lapsed count, [Counter of urgency] per week): week n holds days 7n..7n+6 from today."""
    lapsed = 0
    per_week = [Counter() for _ in range(weeks)]
    for d in due_dates:
        if d.days_left < 0:
            lapsed += 1
        elif d.days_left < weeks * 7:
            per_week[d.days_left // 7][urgency(d)] += 1
    return lapsed, per_week


def due_chart(due_dates, today: date, urgency) -> Markup:
    """Credentials coming due per week for 26 weeks, stacked by urgency, lapsed at the left.
    `urgency(due_date)` is the page's class for it (picture.stage_class)."""
    lapsed, per_week = due_buckets(due_dates, today, urgency=urgency)
    width, height, left, bottom, top = 760, 230, 46, 34, 12
    columns = DUE_WEEKS + 1
    step = (width - left - 8) / columns
    bar = step * 0.72
    top_value = max([lapsed, *(sum(c.values()) for c in per_week), 1])
    scale = (height - bottom - top) / top_value
    base = height - bottom
    body = [f'<line class="axis" x1="{left}" y1="{base}" x2="{width - 8}" y2="{base}"/>']
    for value in sorted({0, top_value // 2, top_value}):
        y = base - value * scale
        body.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}"/>')
        body.append(_text(left - 6, y + 4, str(value), anchor="end"))
    x = left + (step - bar) / 2
    if lapsed:
        body.append(_rect(x, base - lapsed * scale, bar, lapsed * scale, "bar lapsed",
                          f"{lapsed} lapsed or past due"))
    body.append(_text(x + bar / 2, base + 14, "lapsed"))
    said = [f"{lapsed} lapsed or past due"]
    for n, counts in enumerate(per_week):
        x = left + (n + 1) * step + (step - bar) / 2
        start = today + timedelta(weeks=n)
        y = base
        for level in URGENCY:
            k = counts.get(level, 0)
            if k:
                y -= k * scale
                body.append(_rect(x, y, bar, k * scale, f"bar {level}",
                                  f"week of {start.isoformat()}: {k} {level}"))
        if n % 4 == 2:
            body.append(_text(x + bar / 2, base + 14, start.strftime("%m-%d")))
        if counts:
            said.append(f"week of {start.isoformat()}: "
                        + ", ".join(f"{counts[u]} {u}" for u in URGENCY if counts.get(u)))
    body.append(_text(left + (width - left) / 2, height - 4,
                      f"weeks from {today.isoformat()}", cls="axis-title"))
    total = sum(sum(c.values()) for c in per_week)
    return _svg("due", width, height,
                f"Credentials coming due per week, next {DUE_WEEKS} weeks: {total} due, "
                f"{lapsed} lapsed", "; ".join(said) + ".", body)


# ---------------------------------------------------------------- facility


def coverage_chart(weeks: tuple[Week, ...], label: str) -> Markup:
    """People cleared per week as a step line (weeks shaded by flag), the booked peak drawn
    over it as a dashed step line."""
    width, height, left, bottom, top = 760, 200, 46, 34, 12
    n = max(len(weeks), 1)
    step = (width - left - 8) / n
    top_value = max([1, *(len(w.cleared) for w in weeks), *(w.peak for w in weeks)]) + 1
    scale = (height - bottom - top) / top_value
    base = height - bottom
    body = []
    for i, w in enumerate(weeks):
        x = left + i * step
        body.append(_rect(x, top, step, base - top, f"week {w.flag}",
                          f"week of {w.week.isoformat()}: {w.flag}, {len(w.cleared)} cleared, "
                          f"{w.cases} cases, {w.peak} at once"))
        if i % 2 == 0:
            body.append(_text(x + step / 2, base + 14, w.week.strftime("%m-%d")))
    for value in range(0, top_value + 1, max(1, top_value // 4)):
        y = base - value * scale
        body.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}"/>')
        body.append(_text(left - 6, y + 4, str(value), anchor="end"))
    body.append(f'<line class="axis" x1="{left}" y1="{base}" x2="{width - 8}" y2="{base}"/>')
    body.append(_steps(weeks, [len(w.cleared) for w in weeks], left, step, base, scale,
                       "cleared"))
    body.append(_steps(weeks, [w.peak for w in weeks], left, step, base, scale, "peak"))
    body.append(_text(left + 4, height - 4, "— cleared", cls="legend cleared", anchor="start"))
    body.append(_text(left + 90, height - 4, "- - most cases at once", cls="legend peak",
                      anchor="start"))
    said = "; ".join(f"week of {w.week.isoformat()}: {len(w.cleared)} cleared, {w.peak} at once, "
                     f"{w.flag}" for w in weeks)
    short = sum(w.flag == "short" for w in weeks)
    thin = sum(w.flag == "thin" for w in weeks)
    return _svg("coverage", width, height,
                f"Coverage ahead, {label}: {short} short and {thin} thin weeks of {len(weeks)}",
                said + ".", body)


def _steps(weeks, values, left, step, base, scale, cls: str) -> str:
    points = []
    for i, v in enumerate(values):
        y = base - v * scale
        points.append(f"{left + i * step:.1f},{y:.1f}")
        points.append(f"{left + (i + 1) * step:.1f},{y:.1f}")
    return f'<polyline class="{cls}" points="{" ".join(points)}"/>'


# ---------------------------------------------------------------- person


def timeline(credentials, cases, today: date, label, stages_for, *,
             before: int = 365, after: int = 730) -> Markup:
    """Each credential's validity from issue to expiry, its alert stages as ticks, the gap after
    an expiry with no renewal on record in red; the person's cases as ticks on the top row.
    `label(credential)` names it; `stages_for(type)` gives its alert stages (days before)."""
    first, last = today - timedelta(days=before), today + timedelta(days=after)
    span = (last - first).days
    left, right, row, top = 270, 12, 24, 30
    width = 900
    height = top + row * (len(credentials) + 1) + 24

    f0, l0 = first.toordinal(), last.toordinal()

    def xof(day: int) -> float:  # `day` as its ordinal (a person page draws ~150 of them)
        return left + (width - left - right) * (min(max(day, f0), l0) - f0) / span

    body = []
    for year in range(first.year + 1, last.year + 1):
        x = xof(date(year, 1, 1).toordinal())
        body.append(f'<line class="grid" x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" '
                    f'y2="{height - 20}"/>')
        body.append(_text(x, height - 6, str(year)))
    body.append(_text(left - 8, top + row * 0.6, "cases", anchor="end"))
    shown = [c for c in cases if first <= c.start.date() <= last]
    for c in shown:
        x = xof(c.start.toordinal())
        body.append(f'<line class="case" x1="{x:.1f}" y1="{top + 2}" x2="{x:.1f}" '
                    f'y2="{top + row - 6}"><title>{escape(c.id)} {c.start:%Y-%m-%d} '
                    f'{escape(c.facility)}</title></line>')
    said = [f"{len(shown)} cases"]
    for i, cred in enumerate(credentials, start=1):
        y = top + i * row
        name = label(cred)
        shown_name = escape(name)  # once: in the label, the bars' and the ticks' titles
        short = shown_name if len(name) <= 42 else escape(name[:41] + "…")
        body.append(_text(left - 8, y + row * 0.6, short, anchor="end", escaped=True))
        start = cred.issued.toordinal() if cred.issued else f0
        expires = cred.expires.toordinal()
        cls = "valid submitted" if cred.status == "renewal_submitted" else "valid"
        if cred.status == "revoked":
            cls = "gap"
        body.append(_rect(xof(start), y + 4, xof(expires) - xof(start), row - 10, cls,
                          shown_name + escape(f": {cred.issued or 'issue date unknown'} to "
                                              f"{cred.expires} ({cred.status})"),
                          escaped=True))
        if expires < l0:
            body.append(_rect(xof(expires + 1), y + 4, xof(l0) - xof(expires + 1), row - 10,
                              "gap", f"{shown_name}: no valid version on record after "
                                     f"{cred.expires}", escaped=True))
        for days in stages_for(cred.type):
            if not f0 <= expires - days <= l0:
                continue
            x = f"{xof(expires - days):.1f}"
            body.append(f'<line class="stage" x1="{x}" y1="{y + 2}" x2="{x}" '
                        f'y2="{y + row - 4}"><title>{shown_name}: alert {days} days '
                        f"before expiry</title></line>")
        state = "lapsed" if cred.expires < today else "valid"
        said.append(f"{name}: issued {cred.issued or 'unknown'}, expires {cred.expires} "
                    f"({state}{', renewal submitted' if cred.status == 'renewal_submitted' else ''})")
    x = xof(today.toordinal())
    body.append(f'<line class="today" x1="{x:.1f}" y1="{top - 10}" x2="{x:.1f}" '
                f'y2="{height - 20}"/>')
    body.append(_text(x, top - 14, f"today {today.isoformat()}"))
    return _svg("timeline", width, height,
                f"Credential timeline, {first.isoformat()} to {last.isoformat()}",
                "; ".join(said) + ".", body)
