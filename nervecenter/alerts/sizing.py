"""Messages sized for their channel: the alerts due for one recipient on one channel as one
message (`group`), and a message cut to the channel's limit (`fit`), never in the middle of an
item, ending with how many more there are and where to read them all.

    msg = group(msgs, "Dana Lee", limit=1600, log_url="https://nc.example.org/alerts")

The forms, the largest that fits first: the message whole (a group: its first LIST_ITEMS alerts
in full, the most urgent first); a group's alerts one line each (their titles); a message's first
whole lines; the note alone. `limit` counts the characters of the text body; the HTML body (for
email) goes along only when it fits too, else the channel is given the text alone.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Sequence

from nervecenter.alerts.messages import LIST_ITEMS, SUBJECT_MAX, Message, page, subject


def group(msgs: Sequence[Message], recipient_name: str, *, limit: int | None = None,
          log_url: str | None = None, items: int = LIST_ITEMS) -> Message:
    """Several alerts for one recipient on one channel, as one message: the first `items` in
    full (they come most urgent first), then how many more there are and where to read them, so
    a long downtime never makes a message a mail server or a chat refuses; cut further to
    `limit` characters when the channel sets one."""
    if len(msgs) == 1:
        return fit(msgs[0], limit, log_url)
    # the most urgent first: the first message (the outbox orders them) leads the subject
    lead = f"{len(msgs)} alerts for {recipient_name}: "
    title = lead + subject(_short(msgs[0], recipient_name), SUBJECT_MAX - len(lead))
    heading = f"{len(msgs)} alerts for {recipient_name}"
    shown, more = msgs[:items], len(msgs) - len(msgs[:items])
    text = "\n\n".join(f"{m.title}\n{'=' * len(m.title)}\n\n{m.text}" for m in shown)
    sections = "\n<hr>\n".join(_demoted(_inner(m.html)) for m in shown)
    if more:
        text += "\n\n" + _more_alerts(more, log_url)
        sections += f"\n<hr>\n<p>{_more_alerts(more, log_url, html=True)}</p>"
    whole = Message(title, text, page(heading, f"<h1>{_html.escape(heading)}</h1>\n{sections}"))
    if limit is None or len(whole.text) <= limit:
        return _html_within(whole, limit)
    # one line per alert (its title), as many as fit
    lines = [_short(m, recipient_name) for m in msgs[:items]]
    for k in range(len(lines), 0, -1):
        left = len(msgs) - k
        text = "\n".join(f"- {line}" for line in lines[:k])
        if left:
            text += "\n\n" + _more_alerts(left, log_url)
        if len(text) <= limit:
            lis = "".join(f"<li>{_html.escape(line)}</li>" for line in lines[:k])
            note = f"<p>{_more_alerts(left, log_url, html=True)}</p>" if left else ""
            return _html_within(Message(title, text, page(
                heading, f"<h1>{_html.escape(heading)}</h1>\n<ul>{lis}</ul>\n{note}")), limit)
    return Message(title, _least(len(msgs), "alerts", limit, log_url), None)


def fit(msg: Message, limit: int | None, log_url: str | None = None) -> Message:
    """`msg` within `limit` characters of text: whole when it fits, else its first whole lines
    (a paragraph and a list item are each one line) and how many more lines there are."""
    if limit is None or len(msg.text) <= limit:
        return _html_within(msg, limit)
    lines = msg.text.split("\n")
    ends, total = [], 0  # ends[j]: the length of the first j + 1 lines joined
    for line in lines:
        total += len(line) + (1 if ends else 0)
        ends.append(total)
    left = 0  # lines of text (not blank, not an underline) in lines[j:]
    for j in range(len(lines) - 1, 0, -1):  # keep lines[:j]
        left += _counts(lines[j])
        last = lines[j - 1].rstrip()
        if _UNDERLINE.match(lines[j]) or _UNDERLINE.match(last) or not last or last[-1] == ":":
            continue  # never after a heading, nor after a line that announces what follows
        note = _more_lines(left, log_url)
        if ends[j - 1] + 2 + len(note) <= limit:
            return Message(msg.title, "\n".join(lines[:j]) + "\n\n" + note, None)
    return Message(msg.title, _least(left + _counts(lines[0]), "lines", limit, log_url), None)


def _counts(line: str) -> int:
    return 1 if line.strip() and not _UNDERLINE.match(line) else 0


_UNDERLINE = re.compile(r"^[-=]+$")


def _short(msg: Message, recipient_name: str) -> str:
    return msg.title.removeprefix(f"{recipient_name}: ")


def _html_within(msg: Message, limit: int | None) -> Message:
    """The HTML goes along only when it fits as well (the channel then gets the text alone)."""
    if limit is None or msg.html is None or len(msg.html) <= limit:
        return msg
    return Message(msg.title, msg.text, None)


def _where(log_url: str | None, html: bool) -> str:
    if not log_url:
        return "the dashboard's alert log"
    return "the dashboard's alert log at " + (
        f'<a href="{_html.escape(log_url)}">{_html.escape(log_url)}</a>' if html else log_url)


def _more_alerts(n: int, log_url: str | None, html: bool = False) -> str:
    return (f"... and {n} more alerts, not written out here: every one is in "
            f"{_where(log_url, html)} (or `nervecenter alerts log`).")


def _more_lines(n: int, log_url: str | None) -> str:
    return (f"... and {n} more lines, not written out here: the whole message is in "
            f"{_where(log_url, False)} (or `nervecenter alerts log`).")


def _least(n: int, what: str, limit: int, log_url: str | None) -> str:
    """The note alone, as short as it gets; at a word within `limit` when even that is over."""
    for note in (_more_alerts(n, log_url) if what == "alerts" else _more_lines(n, log_url),
                 f"{n} {what}: {log_url or 'nervecenter alerts log'}"):
        if len(note) <= limit:
            return note
    return subject(note, max(1, limit))


def _demoted(body: str) -> str:
    """Headings one level down: each message's title becomes a section of the group."""
    for level in (2, 1):
        body = body.replace(f"<h{level}>", f"<h{level + 1}>").replace(f"</h{level}>",
                                                                     f"</h{level + 1}>")
    return body


def _inner(document: str) -> str:
    start, end = document.find("<main>"), document.rfind("</main>")
    return document[start + 6:end].strip() if start >= 0 else document
