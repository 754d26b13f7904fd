"""Calendar feeds as a calendar application reads them (icalendar, the strict parser): the
calendar's name keeps its comma, every due date brings a reminder, and under a fixed day
(`serve --on`) the feed is stamped with that day, not the wall clock."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from kit import web
from kit.practice import example_practice


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = web.start(example_practice(tmp_path_factory.mktemp("ics")),
                      {"dana": ("manager", None)})
    yield s
    s.stop()


def test_a_feed_named_with_a_comma_and_reminders_stamped_with_the_fixed_day(server):
    dana = server.login("dana")
    r = dana.post("/calendar", data={"csrf_token": web.csrf_of(dana.get("/calendar").text)})
    [link] = re.findall(r'value="([^"]+/people/r-adams\.ics\?token=[^"]+)"', r.text)
    with server.client() as c:
        raw = c.get(link.removeprefix(server.url)).content
    assert b"X-WR-CALNAME:Elise Adams\\, MD: due dates" in raw  # TEXT escapes its commas
    cal = Calendar.from_ical(raw)
    # an X- property is TEXT to the calendar applications that show it (icalendar keeps it raw):
    # every comma escaped
    assert re.search(r"(?<!\\),", str(cal["X-WR-CALNAME"])) is None
    events = cal.walk("VEVENT")
    assert events
    for event in events:
        assert event["DTSTAMP"].dt == datetime(2026, 12, 1, tzinfo=UTC)  # serve --on 2026-12-01
        [alarm] = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY" and str(alarm["DESCRIPTION"])
        assert alarm["TRIGGER"].dt <= -timedelta(days=30)
    licence = next(e for e in events if "state_license:LA" in str(e["UID"]))
    # the reminder comes when the renewal should start: the type's lead time, at least 30 days
    assert licence.walk("VALARM")[0]["TRIGGER"].dt == -timedelta(
        days=max(30, server.workspace.practice.credential_types["state_license"]
                 .renewal_lead_days))
