"""What alerts say: a title, a plain-text body and an HTML body (for email), per alert kind.

A message names who, which credential, the due date, why it is due (a facility's rule), the cases
it endangers and what to do. Bodies are built from blocks (paragraphs, bullet lists, headings)
rendered twice, so the text and the HTML always say the same thing.
"""

from __future__ import annotations

import html as _html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from nervecenter.core.model import Case, Credential, Practice, Snapshot, SourceProblem

Block = str | list | tuple  # paragraph | bullet list | ("h", heading)
THIN_LIMIT = 50  # lines of the digest's "thin or short" section; short weeks and the soonest first


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    html: str | None  # None: the text alone (a message cut to fit its channel)


@dataclass(frozen=True)
class MessageContext:
    practice: Practice
    snapshot: Snapshot
    name: Callable[[str], str]  # recipient/person id -> display name
    cases: dict[str, Case]
    today: date


SUBJECT_MAX = 78  # characters; RFC 5322's line length, and what a phone's mail list shows


def subject(title: str, room: int = SUBJECT_MAX) -> str:
    """`title` cut to `room` characters at a word, with an ellipsis when cut."""
    title = " ".join(title.split())
    if len(title) <= room:
        return title
    return title[:room - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-") + "…"


def page(title: str, body: str) -> str:
    """A complete HTML document (mail clients and screen readers need the language and title)."""
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_html.escape(title)}</title>\n</head>\n"
            f"<body style=\"font-family: sans-serif\">\n<main>\n{body}\n</main>\n</body>\n</html>")


def render(title: str, blocks: Sequence[Block]) -> Message:
    """The message: the full title heads the body; the subject is the title, short."""
    text_parts, html_parts = [], []
    for b in blocks:
        if isinstance(b, tuple):
            text_parts.append(f"{b[1]}\n" + "-" * len(b[1]))
            html_parts.append(f"<h2>{_html.escape(b[1])}</h2>")
        elif isinstance(b, list):
            text_parts.append("\n".join(f"- {item}" for item in b) if b else "- (none)")
            lis = "".join(f"<li>{_html.escape(item)}</li>" for item in b) or "<li>(none)</li>"
            html_parts.append(f"<ul>{lis}</ul>")
        else:
            text_parts.append(b)
            html_parts.append(f"<p>{_html.escape(b)}</p>")
    short = subject(title)
    text = "\n\n".join(([title] if short != title else []) + text_parts)
    body = "\n".join(html_parts)
    return Message(short, text, page(title, f"<h1>{_html.escape(title)}</h1>\n{body}"))


def as_line(title: str, text: str) -> str:
    """An alert as one line of a list: its whole title (render() opens the text with it when
    the subject is cut) and, when it goes to the managers instead, the note that says so."""
    first = text.split("\n\n", 2)
    note = first[0].split(_INSTEAD)[0] if first[0].startswith("No channel for ") else None
    if title.endswith("…"):
        title = next((p for p in first[:2] if p.startswith(title[:-1])), title)
    return title + (f" — {note}{_INSTEAD[:-1]}" if note else "")


_INSTEAD = ": this goes to the managers instead."


def stranded(names: Sequence[str]) -> str:
    """The note in front of an alert whose recipients no channel reaches."""
    return (f"No channel for {' and '.join(names)}{_INSTEAD} Give them `notify`, or an email or "
            "phone with `contacts:` in practice.yaml.")


def with_note(msg: Message, note: str) -> Message:
    """The message with a paragraph in front (e.g. who it could not reach)."""
    marker = "</h2>\n"
    at = msg.html.find(marker) + len(marker)
    page = f"{msg.html[:at]}<p><strong>{_html.escape(note)}</strong></p>\n{msg.html[at:]}"
    return Message(msg.title, f"{note}\n\n{msg.text}", page)


LIST_ITEMS = 25  # items a message lists (alerts of a group, lines of a digest's section)


def dashboard(practice: Practice, path: str) -> str | None:
    """An absolute link to a page of the dashboard, only from practice.yaml's `base_url` (never
    from a request's Host header); None without it."""
    return f"{practice.base_url}{path}" if practice.base_url else None


def more(n: int, url: str | None, command: str) -> str:
    """The line closing a list cut at LIST_ITEMS: how many more, the dashboard's page that shows
    them and the command that lists them (last, so that it can be copied as written)."""
    return f"… and {n} more, not written out here: " + (f"{url}, or " if url else "") + command


# ---------------------------------------------------------------- describing things


def _days(n: int) -> str:
    return f"{n} day" if abs(n) == 1 else f"{n} days"


def credential_label(ctx: MessageContext, c: Credential) -> str:
    t = ctx.practice.credential_types.get(c.type)
    label = t.name if t else c.type
    if c.scope:
        f = ctx.practice.facilities.get(c.scope)
        label += f" at {f.name}" if f else f" ({c.scope})"
    if c.number:
        label += f" no. {c.number}"
    return label


def _facility_name(ctx: MessageContext, fid: str) -> str:
    f = ctx.practice.facilities.get(fid)
    return f.name if f else fid


def why_due(ctx: MessageContext, c: Credential, due: date, reason: str | None) -> str:
    """One sentence: when it is due and, when a facility made it earlier, why."""
    if not reason:
        return f"It expires on {c.expires.isoformat()}."
    where, _, rule = reason.partition(":")
    rule = rule.strip()
    name = _facility_name(ctx, where.strip()) if rule else None
    if rule.startswith("max_age_months"):
        months = rule.split()[-1]
        why = f"{name} accepts it only within {months} months of its issue date"
    elif rule.startswith("valid_days_after_case"):
        n = rule.split()[-1]
        why = f"{name} requires it to stay valid {n} days after each case there"
    else:
        why = reason
    return (f"It is due on {due.isoformat()} although it expires on {c.expires.isoformat()}: "
            f"{why}.")


def case_label(ctx: MessageContext, case: Case) -> str:
    return (f"{case.id} on {case.start.date().isoformat()} {case.start.strftime('%H:%M')} at "
            f"{_facility_name(ctx, case.facility)}" + (f" ({case.procedure})" if case.procedure else ""))


def _endangered(ctx: MessageContext, case_ids: Iterable[str]) -> list[Block]:
    cases = [ctx.cases[i] for i in case_ids if i in ctx.cases]
    if not cases:
        return []
    return ["Cases it endangers:", [case_label(ctx, c) for c in cases]]


def renew_command(c: Credential) -> str:
    """The `nervecenter renew` command line for `c`, with the scope its type needs."""
    scope = f" --scope {c.scope}" if c.scope else ""
    return f"nervecenter renew {c.person} {c.type}{scope}"


def _what_to_do(ctx: MessageContext, c: Credential) -> list[Block]:
    t = ctx.practice.credential_types.get(c.type)
    steps = []
    if c.status == "renewal_submitted":
        steps.append("A renewal is recorded as submitted; once the new card or certificate "
                     "arrives, record its new expiry date (Record renewal on the person's page).")
    elif t and t.renewal_lead_days:
        steps.append(f"Renewal usually takes {_days(t.renewal_lead_days)} to process; "
                     "start it now if you have not.")
    else:
        steps.append("Renew it and send the new card or certificate to your manager.")
    if t and t.verify_url:
        steps.append(f"Renew or verify at {t.verify_url}")
    return steps


# ---------------------------------------------------------------- alert kinds


def credential_stage(ctx: MessageContext, d) -> Message:
    c = d.credential
    who, what = ctx.name(c.person), credential_label(ctx, c)
    when = "today" if d.days_left == 0 else f"in {_days(d.days_left)} ({d.due.isoformat()})"
    verb = "expires" if d.days_left == 0 and not d.due_reason else "is due"
    title = f"{who}: {what} {verb} {when}"
    blocks: list[Block] = [f"{who}'s {what} {verb} {when}.", why_due(ctx, c, d.due, d.due_reason)]
    blocks += _endangered(ctx, d.cases)
    blocks += _what_to_do(ctx, c)
    return render(title, blocks)


def credential_lapsed(ctx: MessageContext, d) -> Message:
    c = d.credential
    who, what = ctx.name(c.person), credential_label(ctx, c)
    ago = -d.days_left
    if d.overdue == "past due":
        title = f"{who}: {what} is past due since {d.due.isoformat()} ({_days(ago)} ago)"
        first = (f"{who}'s {what} is past its due date of {d.due.isoformat()}, {_days(ago)} ago; "
                 f"it expires on {c.expires.isoformat()}, but the facility below no longer "
                 "accepts it. Cases there that require it are blocked until it is renewed.")
    else:
        title = f"{who}: {what} lapsed {_days(ago)} ago ({d.due.isoformat()})"
        first = (f"{who}'s {what} lapsed: it was good through {d.due.isoformat()}, {_days(ago)} "
                 "ago. Cases that require it are blocked until it is renewed.")
    blocks: list[Block] = [first, why_due(ctx, c, d.due, d.due_reason)]
    blocks += _endangered(ctx, d.cases)
    blocks += _what_to_do(ctx, c)
    blocks.append(f"This reminder repeats every "
                  f"{_days(ctx.practice.alerts.expired_repeat_days)} until it is renewed or silenced.")
    return render(title, blocks)


def renewal_deadline(ctx: MessageContext, d, lead: int) -> Message:
    c = d.credential
    who, what = ctx.name(c.person), credential_label(ctx, c)
    if d.days_left < lead:
        title = f"{who}: too late for the usual {lead}-day renewal of {what}"
        first = (f"{what} is due on {d.due.isoformat()}, in {_days(d.days_left)}, but its renewal "
                 f"usually takes {_days(lead)}: the usual processing time has already run out. "
                 "Start the renewal today and ask for expedited processing"
                 + (", or plan cover for the cases below." if _endangered(ctx, d.cases) else "."))
    else:
        title = f"{who}: start renewing {what} now"
        first = (f"{what} is due on {d.due.isoformat()}, in {_days(d.days_left)}, and its renewal "
                 f"usually takes {_days(lead)}: the renewal must start now.")
    blocks: list[Block] = [first, why_due(ctx, c, d.due, d.due_reason)]
    blocks += _endangered(ctx, d.cases)
    t = ctx.practice.credential_types.get(c.type)
    if t and t.verify_url:
        blocks.append(f"Renew or verify at {t.verify_url}")
    blocks.append(f"When it is submitted, record it: {renew_command(c)} --submitted")
    return render(title, blocks)


def _problem_lines(ctx: MessageContext, clearance) -> list[str]:
    return [p.detail for p in clearance.problems]


def _backups(ctx: MessageContext, clearance) -> str:
    if not clearance.backups:
        return "No cleared backup is available."
    return "Cleared backups: " + ", ".join(f"{ctx.name(b)} ({b})" for b in clearance.backups) + "."


def case_problems(ctx: MessageContext, clearance) -> Message:
    c = clearance.case
    title = f"Case {c.id} on {c.start.date().isoformat()} at {_facility_name(ctx, c.facility)} " \
            f"is {clearance.outcome}"
    staff = ", ".join(f"{role} {ctx.name(pid)}" for role, pid in
                      (("technologist", c.technologist), ("reader", c.reader)) if pid)
    blocks: list[Block] = [f"Case {case_label(ctx, c)}: {staff or 'nobody assigned'}."]
    if clearance.outcome == "unstaffed":
        blocks.append("No technologist is assigned.")
    if clearance.problems:
        blocks += ["Problems:", _problem_lines(ctx, clearance)]
    blocks.append(_backups(ctx, clearance))
    return render(title, blocks)


def case_cleared(ctx: MessageContext, clearance) -> Message:
    c = clearance.case
    title = f"Case {c.id} on {c.start.date().isoformat()} is now cleared"
    return render(title, [(f"Case {case_label(ctx, c)} now meets every requirement; "
                          "the problems reported earlier are resolved.")])


def rule_error(ctx: MessageContext, rule_kind: str, failures: Sequence) -> Message:
    """A plugin's rule kind raised: which, why, and the cases it blocks (one per case)."""
    n = len({cl.case.id for cl, _ in failures})
    title = (f"Rule kind {rule_kind} is broken: {n} {'case is' if n == 1 else 'cases are'} "
             "blocked until it is fixed")
    first = failures[0][1].detail
    blocked = {cl.case.id: cl.case for cl, _ in failures}
    advice = ("Everything else was evaluated and sent as usual. Update or switch off the plugin "
              "(NERVECENTER_DISABLE_PLUGINS), or remove the rule.")
    return render(title, [first[0].upper() + first[1:], "Blocked cases:",
                          [case_label(ctx, c) for c in blocked.values()], advice])


def case_assigned(ctx: MessageContext, clearance, person: str) -> Message:
    c = clearance.case
    role = "technologist" if c.technologist == person else "reader"
    title = (f"{ctx.name(person)}: you are the {role} for case {c.id} on "
             f"{c.start.date().isoformat()} {c.start.strftime('%H:%M')}")
    blocks: list[Block] = [f"You are scheduled as the {role} for case {case_label(ctx, c)}."]
    if clearance.problems:
        blocks += ["This case has credential problems:", _problem_lines(ctx, clearance)]
    else:
        blocks.append(f"The case is {clearance.outcome}.")
    return render(title, blocks)


def digest(ctx: MessageContext, manager: str, due: Sequence, open_cases: Sequence, failed: Sequence,
           conflicts: Sequence, thin: Sequence | None = None) -> Message:
    """The manager's digest; `thin` is coverage ahead's flagged weeks (Coverage.flagged), its
    section left out when coverage was not computed."""
    # the most urgent first: cases that cannot go ahead, then what falls due
    title = (f"Digest {ctx.today.isoformat()}: {len(open_cases)} cases not cleared, {len(due)} "
             "credentials due within 90 days")
    by_person: dict[str, list] = {}
    # the most urgent LIST_ITEMS, shown by person
    urgent = sorted(due, key=lambda d: (d.due, d.credential.person))[:LIST_ITEMS]
    for d in sorted(urgent, key=lambda d: (d.credential.person, d.due)):
        by_person.setdefault(d.credential.person, []).append(d)
    blocks: list[Block] = [f"{ctx.practice.name}, for {ctx.name(manager)}."]
    blocks.append(("h", "Credentials due within 90 days"))
    if not by_person:
        blocks.append("None.")
    for pid, items in by_person.items():
        blocks.append(f"{ctx.name(pid)} ({pid}):")
        blocks.append([f"{credential_label(ctx, d.credential)}: due {d.due.isoformat()} "
                       + (f"({d.overdue} {_days(-d.days_left)} ago)" if d.overdue
                          else f"(in {_days(d.days_left)})")
                       + (f" — {d.due_reason}" if d.due_reason else "")
                       + (" — renewal submitted" if d.credential.status == "renewal_submitted" else "")
                       for d in items])
    if len(due) > LIST_ITEMS:
        blocks.append(more(len(due) - LIST_ITEMS, dashboard(ctx.practice, "/people"),
                           "nervecenter status --within 90"))
    blocks.append(("h", "Cases not cleared"))
    blocks += _listed([f"{case_label(ctx, cl.case)}: {cl.outcome}"
                       + (f" — {'; '.join(p.detail for p in cl.problems)}" if cl.problems else "")
                       for cl in open_cases[:LIST_ITEMS]], len(open_cases),
                      dashboard(ctx.practice, "/cases?outcome=not-cleared"), "nervecenter cases")
    blocks.append(("h", "Failed deliveries"))
    blocks += _listed([f"{f.alert} to {ctx.name(f.recipient)} via {f.channel}: {f.error}"
                       for f in failed[-LIST_ITEMS:]], len(failed),  # the latest
                      dashboard(ctx.practice, "/alerts?status=failed"),
                      "nervecenter alerts log --status failed")
    blocks.append(("h", "Conflicting facility requirements"))
    blocks += _listed([f"{c.type} {c.attribute}: "
                       + ", ".join(f"{_facility_name(ctx, k)} {v}"
                                   for k, v in sorted(c.values.items()))
                       + (f" — affects {', '.join(c.affected)}" if c.affected else "")
                       for c in conflicts[:LIST_ITEMS]], len(conflicts),
                      dashboard(ctx.practice, "/"), "nervecenter conflicts")
    if thin is not None:
        blocks.append(("h", "Thin or short in the next 4 weeks"))
        ordered = sorted(thin, key=lambda t: (t[3].flag != "short", t[3].week, t[0].name, t[2]))
        blocks += _listed([_thin_line(ctx, *item) for item in ordered[:THIN_LIMIT]],
                          len(ordered), dashboard(ctx.practice, "/facilities"),
                          "nervecenter coverage --weeks 4")
    return render(title, blocks)


def _listed(items: list[str], total: int, url: str | None, command: str) -> list[Block]:
    """A list cut short, then how many more and where they all are."""
    return [items] + ([more(total - len(items), url, command)] if total > len(items) else [])


def _thin_line(ctx: MessageContext, facility, label: str, role: str, week) -> str:
    who = ", ".join(ctx.name(p) for p in week.cleared) or "nobody"
    line = (f"{facility.name}, {role}s ({label}), week of {week.week.isoformat()}: {week.flag}"
            f" — {len(week.cleared)} cleared ({who}), {week.cases} cases booked,"
            f" {week.peak} at once")
    if week.renewal_submitted:
        line += "; renewal submitted: " + ", ".join(ctx.name(p) for p in week.renewal_submitted)
    return line


def delivery_failed(alert_title: str, recipient: str, channel: str, error: str,
                    attempts: int) -> Message:
    title = f"Delivery failed: \"{alert_title}\" to {recipient}"
    return render(title, [
        (f"NerveCenter could not deliver \"{alert_title}\" to {recipient} via {channel} after "
        f"{attempts} attempts. Last error: {error}"),
        ("Check the channel's address in the configuration (nervecenter alerts log shows every "
        "attempt); the alert is not retried again.")])


def source_error(p: SourceProblem) -> Message:
    title = f"{p.file} does not import: NerveCenter goes on with what it last gave"
    return render(title, [
        f"The first problem: {p.problem}",
        (f"Until it is fixed, clearance and alerts use the people, credentials and cases "
         f"{p.file} gave at its last good import; changes made in it since are not seen. "
         "`nervecenter check` lists every problem. You hear again when the problem changes "
         "and when the file imports again."),
    ])


def source_fixed(file: str) -> Message:
    return render(f"{file} imports again", [
        f"{file} imported again: what it says now is in force for clearance and alerts."])
def excluded(ctx: MessageContext, x) -> Message:
    """A person confirmed on an exclusion list: to the managers, at once."""
    name = ctx.name(x.person)
    where = {"LEIE": "the OIG exclusion list (LEIE)", "SAM": "the SAM.gov exclusion list"}
    kind = f" ({x.kind})" if x.kind else ""
    return render(f"{name} is on {where.get(x.list, x.list)}, excluded from {x.since.isoformat()}", [
        (f"{name} is on {where.get(x.list, x.list)}, excluded from {x.since.isoformat()}{kind}. "
         "Every case they are assigned from that date is blocked; no federal health care "
         "program pays for an excluded person's work."),
        ("Check the listing at the OIG or SAM.gov; a reinstatement clears them from its date. "
         "The blocked cases, each with backups: nervecenter cases --outcome blocked")])


def ce_shortfall(ctx: MessageContext, s) -> Message:
    """Hours short of a credential's CE requirement with `s.stage` months or less left."""
    name = ctx.name(s.person)
    t = ctx.practice.credential_types.get(s.type)
    type_name = t.name if t else s.type
    needs = s.needs(type_name)
    return render(f"{name}: {s.missing:g} CE hours still needed for {type_name}", [
        f"{name}: {needs}. The cycle ends within {s.stage} months.",
        ("Record hours as they are earned (the ce list in people.yaml, or the CE "
         "spreadsheet). What counts so far: nervecenter ce " + s.person)])


# (singular, plural) of what a first-run summary counts, in the order it names them
_COUNTED = {
    "lapsed": ("past its due date", "past their due date"),
    "stage": ("due", "due"),
    "renewal_deadline": ("renewal to start now", "renewals to start now"),
    "ce_shortfall": ("short of CE hours", "short of CE hours"),
    "case": ("case not cleared", "cases not cleared"),
    "case_assigned": ("case assigned", "cases assigned"),
    "case_cleared": ("case now cleared", "cases now cleared"),
    "excluded": ("person on an exclusion list", "people on an exclusion list"),
    "rule_error": ("broken rule kind", "broken rule kinds"),
    "source_error": ("source file that does not import", "source files that do not import"),
    "source_fixed": ("source file imported again", "source files imported again"),
    "digest": ("digest", "digests"),
}


def first_run(practice: Practice, recipient: str, name: str,
              items: Sequence[tuple[str, int | None, str]]) -> Message:
    """A recipient's first message: one summary of the alerts due for them (each a (kind,
    stage, title), the most urgent first; only the first LIST_ITEMS titles are read) instead
    of a message for each; every one of them stays in full in the alert log."""
    manager = any(m.id == recipient for m in practice.managers)
    counts: dict[str, int] = {}
    for kind, _, _ in items:
        counts[kind] = counts.get(kind, 0) + 1
    stages = [stage for kind, stage, _ in items if kind == "stage" and stage is not None]
    said = []
    for kind in sorted(counts, key=lambda k: list(_COUNTED).index(k) if k in _COUNTED else 99):
        one, many = _COUNTED.get(kind, (kind, kind))
        n = counts[kind]
        if kind == "stage":
            many = one = "due today" if max(stages, default=0) == 0 else \
                f"due within {_days(max(stages))}"
        said.append(f"{n} {one if n == 1 else many}")
    watched = practice.name if manager else "your credentials"
    title = f"NerveCenter is now watching {watched}: " + ", ".join(said)
    shown = items[:LIST_ITEMS]
    blocks: list[Block] = [
        (f"{name}: this is NerveCenter's first message to you, one summary of the {len(items)} "
         "alerts it has for you today instead of a message for each. From now on each new alert "
         "comes on its own, as it falls due."),
        "All of them, the most urgent first:" if len(shown) == len(items) else
        f"The {len(shown)} most urgent of them:",
        [_capital(t.removeprefix(f"{name}: ")) for _, _, t in shown]]
    url, command = dashboard(practice, "/alerts"), f"nervecenter alerts log --person {recipient}"
    blocks.append(more(len(items) - len(shown), url, command) if len(items) > len(shown) else
                  "Each in full, with what to do: " + (f"{url}, or " if url else "") + command)
    return render(title, blocks)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
