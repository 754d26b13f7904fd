"""How to reach someone: their own `notify`, else the practice's `contacts:` templates filled
with their email and phone. Someone with neither is unreachable, and their alerts go to the
managers (alerts/planning.py) instead of vanishing."""

from __future__ import annotations

from urllib.parse import quote

from nervecenter.core.model import Channel

KINDS = ("email", "phone")


def channels(who, contacts: dict[str, str]) -> tuple[Channel, ...]:
    """`who` is a Person or a Manager. The value is URL-quoted where it is put in (`@` kept, so
    an address reads as one in the URL; `+` quoted, or a query string would read a space)."""
    if who is None:
        return ()
    if who.notify:
        return who.notify
    found = []
    for kind in KINDS:
        template, value = contacts.get(kind), getattr(who, kind, None)
        if template and value and value.strip():
            found.append(Channel(template.replace("{" + kind + "}", quote(value.strip(), safe="@"))))
    return tuple(found)


def unreachable(people, managers, contacts: dict[str, str]) -> list:
    """Everyone (people first, then managers) whom no channel reaches."""
    return [w for w in (*people, *managers) if not channels(w, contacts)]
