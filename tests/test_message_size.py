"""Messages sized for their channel: a grouped message writes out at most 25 alerts, the most
urgent first, and says how many more there are and where to read them (the dashboard's link only
from practice.yaml's base_url); a channel kind may set its own limit, and a message over it is cut
to fit, never in the middle of an item, and never refused by the server."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import date

import pytest
from kit import servers, web
from kit.practice import copy_example
from nervecenter.plugins.channels.apprise import AppriseChannel
from nervecenter.plugins.channels.file import FileChannel

from nervecenter.alerts import messages, outbox
from nervecenter.alerts.messages import Message
from nervecenter.alerts.sizing import fit, group
from nervecenter.cli import main
from nervecenter.core.channels import ChannelKind, Channels, DeliveryError

http_server = servers.http_server  # pytest fixture
LOG = "https://nc.example.org/alerts"


def _msgs(n: int, name: str = "Dana Lee") -> list[Message]:
    return [Message(f"{name}: alert {i}", f"text {i}\n\nCases it endangers:\n\n- C-{i} on a day",
                    f"<!doctype html><html><body><main><h1>alert {i}</h1><p>text {i}</p>"
                    "</main></body></html>") for i in range(n)]


def test_a_short_group_is_written_out_whole():
    m = group(_msgs(3), "Dana Lee")
    assert m.title == "3 alerts for Dana Lee: alert 0"
    assert [f"text {i}" in m.text and f"text {i}" in m.html for i in range(3)] == [True] * 3
    assert "more alerts" not in m.text


def test_a_long_group_lists_25_then_how_many_more_with_the_link_only_from_base_url():
    plain, linked = group(_msgs(30), "Dana Lee"), group(_msgs(30), "Dana Lee", log_url=LOG)
    for m in (plain, linked):
        assert len(re.findall(r"^Dana Lee: alert \d+\n=+$", m.text, re.MULTILINE)) == 25
    assert plain.text.endswith("... and 5 more alerts, not written out here: every one is in the "
                               "dashboard's alert log (or `nervecenter alerts log`).")
    assert "https://" not in plain.text + plain.html
    assert linked.text.endswith("... and 5 more alerts, not written out here: every one is in "
                                f"the dashboard's alert log at {LOG} (or `nervecenter alerts "
                                "log`).")
    assert f'<a href="{LOG}">{LOG}</a>' in linked.html


def test_a_message_over_its_limit_is_cut_between_items_and_never_over_it():
    many = _msgs(40)
    whole = group(many, "Dana Lee", log_url=LOG)
    for limit in [*range(1, 400, 7), *range(400, len(whole.text) + 50, 97)]:
        m = group(many, "Dana Lee", limit=limit, log_url=LOG)
        assert len(m.text) <= limit, limit
        assert m.html is None or len(m.html) <= limit
        if limit >= len(whole.text):
            assert m == whole
        elif limit >= 200:  # the short form: one whole line per alert, then how many more
            listed = re.findall(r"^- alert (\d+)$", m.text, re.MULTILINE)
            assert listed == [str(i) for i in range(len(listed))] and listed
            assert m.text.endswith(f"... and {40 - len(listed)} more alerts, not written out "
                                   f"here: every one is in the dashboard's alert log at {LOG} "
                                   "(or `nervecenter alerts log`).")
    single = _msgs(1)[0]
    cut = fit(single, 60)
    assert len(cut.text) <= 60 and cut.html is None


def test_one_long_message_keeps_its_first_whole_lines():
    digest = Message("Digest", "Intro.\n\nCases not cleared\n-----------------\n\n"
                     + "\n".join(f"- C-{i}: blocked — some problem" for i in range(100)),
                     "<html></html>")
    m = fit(digest, 300, LOG)
    assert len(m.text) <= 300
    kept = re.findall(r"^- C-(\d+): blocked — some problem$", m.text, re.MULTILINE)
    assert kept == [str(i) for i in range(len(kept))] and kept
    assert m.text.endswith(f"... and {100 - len(kept)} more lines, not written out here: the "
                           f"whole message is in the dashboard's alert log at {LOG} (or "
                           "`nervecenter alerts log`).")


class SMS(ChannelKind):
    """An SMS-like channel kind, as a plugin writes one: 1,600 characters at most, posted as JSON
    to a gateway (the local webhook)."""

    id = "sms-test"
    schemes = ("sms",)
    max_length = 1600

    def send(self, url, title, body, html):
        gateway = "http://" + url.split("://", 1)[1]
        request = urllib.request.Request(gateway, json.dumps({"title": title, "message": body})
                                         .encode(), {"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except OSError as e:
            raise DeliveryError(f"sms gateway: {e}") from None


def test_each_channel_kind_sets_its_limit_else_the_default():
    channels = Channels([SMS(), FileChannel(), AppriseChannel()])
    assert outbox.max_length(channels, "sms://127.0.0.1:1/dana") == 1600
    assert outbox.max_length(channels, "json://127.0.0.1:1/dana") == outbox.DEFAULT_MAX_LENGTH
    assert outbox.max_length(channels, "mailto://a:b@example.org") == outbox.DEFAULT_MAX_LENGTH
    assert outbox.max_length(channels, "file://x.jsonl") == outbox.DEFAULT_MAX_LENGTH
    # what Apprise knows of a service: its own limit, less the title where it joins the body
    apprise = AppriseChannel()
    assert apprise.max_length("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js") == 2000
    assert apprise.max_length("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ") == 35000
    assert apprise.max_length("twilio://AC123456789012345678901234567890:abcdef0123456789abcdef"
                              "0123456789@12345678901/12345678901") == 80
    assert apprise.max_length("mailto://a:b@example.org") is None


def _example(tmp_path, http_server):
    """The example with a base_url; Dana on the SMS-like channel, Marcus on the webhook (json://,
    no limit of its own: the default)."""
    return copy_example(tmp_path / "example", practice={
        "base_url": "https://nc.example.org",
        "managers": [{"id": "dana", "name": "Dana Lee",
                      "notify": [f"sms://127.0.0.1:{http_server.port}/dana"]},
                     {"id": "marcus", "name": "Marcus Thibodeaux",
                      "notify": [http_server.url("/marcus")]}]})


def _run(config, day: date, http_server):
    from nervecenter.core.channels import load
    from nervecenter.service import runner
    from nervecenter.service.workspace import open_workspace

    ws = open_workspace(config)
    channels = load(ws.practice.config_dir)
    channels = Channels([SMS(), *channels.kinds], channels.base_dir)
    return runner.run(ws, on=day, channels=channels)


def test_after_a_long_downtime_each_channel_gets_a_message_it_takes(tmp_path, http_server,
                                                                    monkeypatch):
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    http_server.max_lengths["/dana"] = 1600  # the gateway refuses longer messages (413)
    config = _example(tmp_path, http_server)
    # a run in September reaches both managers (one alert each: sent as itself), then nothing
    # until December: 28 alerts for Dana, 20 for Marcus
    first = _run(config, date(2026, 9, 1), http_server)
    assert first.outcome.failed == 0 and first.outcome.retrying == 0
    http_server.requests.clear()
    result = _run(config, date(2026, 12, 1), http_server)
    assert result.outcome.retrying == 0 and result.outcome.failed == 0, result.outcome.errors
    [dana] = [r.body for r in http_server.to("/dana")]
    assert re.match(r"\d+ alerts for Dana Lee: ", dana["title"])
    total = int(dana["title"].split()[0])
    assert total > 25 and len(dana["message"]) <= 1600
    listed = [line for line in dana["message"].splitlines() if line.startswith("- ")]
    assert 1 <= len(listed) <= 25
    assert dana["message"].endswith(f"... and {total - len(listed)} more alerts, not written out "
                                    f"here: every one is in the dashboard's alert log at {LOG} "
                                    "(or `nervecenter alerts log`).")
    assert re.search(r"past due|lapsed", listed[0])  # the most urgent first
    # Marcus's webhook sets no limit: the default, his alerts in full
    [marcus] = [r.body for r in http_server.to("/marcus")]
    n = int(marcus["title"].split()[0])
    assert len(re.findall(r"^(.+)\n=+$", marcus["message"], re.MULTILINE)) == min(n, 25)
    assert len(marcus["message"]) > 1600


def test_the_example_after_a_downtime_groups_25_with_the_link(tmp_path, capsys):
    config = web.example_practice(tmp_path)
    (config / "practice.yaml").write_text((config / "practice.yaml").read_text()
                                          + "base_url: https://nc.example.org/\n")
    for day in ("2026-09-01", "2026-12-01"):
        with pytest.raises(SystemExit) as exit_:
            main(["run", "--once", "--config", str(config), "--on", day])
        assert exit_.value.code == 0
    capsys.readouterr()
    sent = [json.loads(line) for line in
            (config / ".nervecenter" / "outbox" / "dana.jsonl").read_text().splitlines()][-1]
    total = int(re.match(r"(\d+) alerts for Dana Lee", sent["title"])[1])
    assert total > 25
    sections = re.findall(r"^(.+)\n=+$", sent["body"], re.MULTILINE)
    assert len(sections) == 25
    assert sent["body"].endswith(f"... and {total - 25} more alerts, not written out here: every "
                                 f"one is in the dashboard's alert log at {LOG} (or `nervecenter "
                                 "alerts log`).")
    assert re.search(r"past due|lapsed", sections[0])  # the most urgent first


def test_a_digest_cuts_each_list_at_25_most_urgent_first_with_the_link(tmp_path, monkeypatch):
    from nervecenter.service import runner
    from nervecenter.service.workspace import open_workspace

    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    monkeypatch.setattr(messages, "LIST_ITEMS", 3)  # the example is small: lists of 3
    config = copy_example(tmp_path / "example", practice={"base_url": "https://nc.example.org"})
    ws = open_workspace(config)
    _, alerts, _ = runner.plan(ws, date(2026, 12, 1), digest=True)
    [digest] = [a.message.text for a in alerts if a.key == "digest:dana:2026-12-01"]
    due = re.search(r"Credentials due within 90 days\n-+\n\n(.*?)\n\nCases not", digest, re.DOTALL)[1]
    dates = re.findall(r": due (\d{4}-\d\d-\d\d) ", due)
    assert len(dates) == 3
    all_due = [d.due.isoformat() for d in ws.evaluate(date(2026, 12, 1)).due_dates
               if d.days_left <= 90 and d.credential.status != "revoked"]
    assert sorted(dates) == sorted(all_due)[:3]  # the three most urgent
    assert due.endswith(f"… and {len(all_due) - 3} more, not written out here: "
                        "https://nc.example.org/people, or nervecenter status --within 90")
    assert ("… and 10 more, not written out here: https://nc.example.org/cases?outcome="
            "not-cleared, or nervecenter cases") in digest
