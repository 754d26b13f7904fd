"""Messages that can be followed: every command a planned alert or digest suggests runs as written
against the example practice; the email a mail parser reads has a short subject and an HTML part
that is a complete document; a sentence that promises a list is followed by it."""

from __future__ import annotations

import email
import re
from datetime import date
from email.policy import default
from html.parser import HTMLParser

import click
import pytest
from kit.practice import copy_example

from nervecenter.alerts import messages, sizing
from nervecenter.cli import cli, main
from nervecenter.service import runner
from nervecenter.service.workspace import open_workspace

DAY = date(2026, 12, 1)
COMMAND = re.compile(r"nervecenter [a-z][^\n]*")  # a command ends its paragraph


@pytest.fixture
def example(tmp_path, monkeypatch):
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    return copy_example(tmp_path / "example")


def _planned(config):
    ws = open_workspace(config)
    _, alerts, _ = runner.plan(ws, DAY, digest=True)
    return [a.message for a in alerts]


def _failures(commands, example, capsys) -> list[str]:
    failures = []
    for command in commands:
        argv = command.split()[1:]
        # --config goes after the command's name: `alerts log`, a group's command, has two words
        words = 2 if isinstance(cli.get_command(None, argv[0]), click.Group) else 1
        with pytest.raises(SystemExit) as exit_:
            main([*argv[:words], "--config", str(example), *argv[words:]])
        _, err = capsys.readouterr()
        if exit_.value.code != 0:
            failures.append(f"{command}: {err.strip()}")
    return failures


def test_every_suggested_command_runs_as_written(example, capsys):
    msgs = _planned(example)
    commands = sorted({c.rstrip(".") for m in msgs for c in COMMAND.findall(m.text)})
    assert len(commands) >= 5, commands  # the example has renewals to start and record
    assert _failures(commands, example, capsys) == []
    assert any("--scope" in c for c in commands)  # facility- and state-scoped types name theirs
    assert "nervecenter alerts log --person dana" in commands  # a first-run summary's


def test_the_commands_that_list_what_a_digest_cut_run_as_written(example, capsys, monkeypatch):
    monkeypatch.setattr(messages, "LIST_ITEMS", 1)  # every list of the digest cut short
    monkeypatch.setattr(messages, "THIN_LIMIT", 1)
    [digest] = [m for m in _planned(example) if m.title.startswith("Digest 2026-12-01")][:1]
    commands = [c for line in digest.text.splitlines() if line.startswith("… and ")
                for c in COMMAND.findall(line)]
    assert sorted(commands) == ["nervecenter cases", "nervecenter conflicts",
                                "nervecenter coverage --weeks 4",
                                "nervecenter status --within 90"]
    assert _failures(commands, example, capsys) == []


def test_a_promised_list_is_there(example):
    for m in _planned(example):
        if "plan cover for the cases below" in m.text:
            assert "Cases it endangers:" in m.text, m.title


class _Doc(HTMLParser):
    def __init__(self):
        super().__init__()
        self.decl, self.tags, self.lang, self.title = None, [], None, ""
        self._in_title = False

    def handle_decl(self, decl):
        self.decl = decl

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def test_mail_subjects_are_short_and_html_parts_are_documents(example):
    msgs = _planned(example)
    grouped = sizing.group(msgs[:5], "Dana Lee")
    for m in [*msgs, grouped]:
        mail = email.message.EmailMessage(policy=default)
        mail["Subject"] = m.title
        mail.set_content(m.text)
        mail.add_alternative(m.html, subtype="html")
        parsed = email.message_from_bytes(mail.as_bytes(), policy=default)
        assert len(m.title) <= messages.SUBJECT_MAX, m.title
        assert " ".join(str(parsed["Subject"]).split()) == m.title
        doc = _Doc()
        doc.feed(parsed.get_body(("html",)).get_content())
        assert doc.decl.lower() == "doctype html"
        assert doc.tags[:3] == ["html", "head", "meta"] and "main" in doc.tags
        assert doc.lang == "en" and doc.title.strip()
    digest = next(m for m in msgs if m.title.startswith("Digest "))
    # the most urgent first: cases that cannot go ahead lead the subject
    assert re.match(r"Digest 2026-12-01: \d+ cases not cleared, \d+ credentials due", digest.title)


def test_a_long_title_is_cut_at_a_word_and_kept_whole_in_the_body():
    title = "Elise Adams, MD: " + "Facility credentialing / privileges at Ochsner " * 3
    m = messages.render(title, ["Body."])
    whole = " ".join(title.split())
    assert len(m.title) <= 78 and m.title.endswith("…")
    assert whole.startswith(m.title[:-1]) and whole[len(m.title) - 1] == " "  # cut at a word
    assert m.text.startswith(whole)
