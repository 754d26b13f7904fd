"""The README's "A morning with NerveCenter" is real: each command runs on a copy of the example
practice, and the lines the README shows under it are what it prints — in order, each run of
lines between two `...` one after the other."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

from kit.cli import run

README = Path(__file__).resolve().parents[1] / "README.md"
NOT_RUN = {"serve"}  # a server that runs until stopped; docs/web.md and the web tests cover it


def morning() -> list[tuple[str, list[str]]]:
    """(command line, the lines shown under it) of the README's morning, in order."""
    text = README.read_text()
    section = text[text.index("## A morning with NerveCenter"):]
    block = re.search(r"```\n(.*?)```", section, re.DOTALL).group(1)
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line.rstrip())
    return [(command, _trimmed(shown)) for command, shown in steps]


def _trimmed(lines: list[str]) -> list[str]:
    while lines and not lines[-1]:
        lines.pop()
    return lines


def runs(shown: list[str]) -> list[list[str]]:
    """The shown lines cut at each `...`: runs that must appear whole, in order."""
    found: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == "...":
            found.append([])
        else:
            found[-1].append(line)
    return [r for r in found if r]


def missing(printed: list[str], shown: list[str]) -> list[str] | None:
    """The first run of shown lines not found (in order) in what was printed; None when all are."""
    at = 0
    for lines in runs(shown):
        n = len(lines)
        starts = [i for i in range(at, len(printed) - n + 1) if printed[i:i + n] == lines]
        if not starts:
            return lines
        at = starts[0] + n
    return None


def test_the_readme_morning_prints_what_the_readme_shows(example, monkeypatch):
    steps = morning()
    assert [c.split()[0] for c, _ in steps][:2] == ["export", "nervecenter"]
    ran, wrong = 0, []
    for command, shown in steps:
        piped = None
        if " | " in command:
            feed, command = command.split(" | ", 1)
            piped = shlex.split(feed)[1] + "\n"  # echo "text"
        argv = shlex.split(command, comments=True)
        if argv[0] == "export":
            name, _ = argv[1].split("=", 1)
            monkeypatch.setenv(name, str(example))
            continue
        assert argv[0] == "nervecenter", command
        if argv[1] in NOT_RUN:
            continue
        if piped is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(piped))
        code, out, err = run(*argv[1:])
        assert code == 0, (command, err)
        printed = [line.rstrip() for line in out.splitlines()]
        gone = missing(printed, shown)
        if gone is not None:
            wrong.append(f"README shows under `{command}`:\n" + "\n".join(gone)
                         + "\n\nbut it printed:\n" + out)
        ran += 1
    assert not wrong, "\n\n".join(wrong)
    assert ran >= 7


def test_a_line_the_command_does_not_print_is_caught():
    printed = ["a", "b", "c", "d"]
    assert missing(printed, ["a", "b", "...", "d"]) is None
    assert missing(printed, ["b", "...", "a"]) == ["a"]  # out of order
    assert missing(printed, ["a", "c"]) == ["a", "c"]  # not one after the other
    assert missing(printed, ["a", "...", "x"]) == ["x"]
