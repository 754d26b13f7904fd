"""Messages sized for their channel: a grouped message writes out at most 25 alerts, the most
urgent first, and says how many more there are and where to read them (a first run on the
example practice sends its managers one such message, not the whole backlog)."""

from __future__ import annotations

import json
import re

import pytest
from kit import web

from nervecenter.alerts.messages import Message, group
from nervecenter.cli import main


def test_a_short_group_is_written_out_whole():
    msgs = [Message(f"Dana Lee: alert {i}", f"text {i}", f"<html><body><h2>alert {i}</h2>"
                    f"<p>text {i}</p></body></html>") for i in range(3)]
    m = group(msgs, "Dana Lee")
    assert m.title == "3 alerts for Dana Lee: alert 0"
    assert [f"text {i}" in m.text and f"text {i}" in m.html for i in range(3)] == [True] * 3
    assert "more alerts" not in m.text


def test_the_first_run_of_the_example_sends_short_messages(tmp_path, capsys):
    config = web.example_practice(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--once", "--config", str(config), "--on", "2026-12-01"])
    assert exit_.value.code == 0
    capsys.readouterr()
    [sent] = [json.loads(line) for line in
              (config / ".nervecenter" / "outbox" / "dana.jsonl").read_text().splitlines()]
    total = int(re.match(r"(\d+) alerts for Dana Lee", sent["title"])[1])
    assert total > 25
    sections = re.findall(r"^(.+)\n=+$", sent["body"], re.MULTILINE)
    assert len(sections) == 25
    assert sent["body"].endswith(f"... and {total - 25} more alerts, not written out here: every "
                                 "one is in the dashboard's alert log (or `nervecenter alerts "
                                 "log`).")
    assert re.search(r"past due|lapsed", sections[0])  # the most urgent first
