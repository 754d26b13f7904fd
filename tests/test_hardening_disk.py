"""Issue 13, point 13: a full disk. Before, a write on a full disk was a 6 KB traceback that
dumped the SQL statement and its parameters. Now every command, the daemon and the web say one
line, the transaction is rolled back, and the outbox keeps what was planned: once space is freed,
every message goes out. The disk is real: a small tmpfs, filled to its last byte (root only)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from kit import servers, web
from kit.cli import run_process
from kit.daemon import killed_while_sending, start, statuses, stop, wait_for
from kit.practice import DAEMON_PEOPLE, copy_example, daemon_practice
from kit.state import db_digest

http_server = servers.http_server  # pytest fixture
ON = "2026-12-01"


class Disk:
    """A mounted tmpfs of a few MB that can be filled to the last byte and freed again."""

    def __init__(self, path: Path):
        self.path, self.filler = path, path / "filler"

    def fill(self) -> None:
        with open(self.filler, "ab", buffering=0) as f:
            for block in (65536, 4096, 512, 64, 1):
                try:
                    while f.write(b"\0" * block):
                        pass
                except OSError:
                    pass

    def free(self) -> None:
        self.filler.unlink()

    def line(self, db: Path) -> str:
        return f"the disk holding {db} is full: free space and run again; nothing was lost"


@pytest.fixture
def disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)],
                          check=False, capture_output=True)
    if done.returncode:
        pytest.skip(f"mounting a small tmpfs needs root: {done.stderr.decode().strip()}")
    try:
        yield Disk(mount)
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_every_writing_command_says_one_line_and_writes_nothing(disk):
    config = copy_example(disk.path / "practice")
    assert run_process("import", "--config", ".", "people.yaml", "cases.csv",
                       cwd=config).returncode == 0
    db = (config / ".nervecenter" / "state.db").resolve()
    (config / "more.csv").write_text("person,name,role,type,expires\n"
                                     "t-new,Tess New,technologist,bls,2027-06-30\n")
    before = db_digest(db)
    disk.fill()
    for command in (["import", "more.csv"], ["renew", "t-price", "bls", "--expires", "2028-12-31"],
                    ["run", "--on", ON], ["cases", "--on", ON]):
        done = run_process(command[0], "--config", ".", *command[1:], cwd=config)
        assert (done.returncode, done.stderr) == (1, disk.line(db) + "\n"), command
    disk.free()
    assert db_digest(db) == before
    for command in (["import", "more.csv"], ["renew", "t-price", "bls", "--expires", "2028-12-31"],
                    ["run", "--on", ON]):
        done = run_process(command[0], "--config", ".", *command[1:], cwd=config)
        assert done.returncode == 0, (command, done.stderr)


def test_the_daemon_says_one_line_and_its_outbox_is_intact(disk, http_server, tmp_path):
    """Killed in the middle of sending, restarted on a full disk: one line, nothing changed;
    started again once space is free: every planned message reaches its person."""
    config = daemon_practice(disk.path / "practice", http_server)
    db = (config / ".nervecenter" / "state.db").resolve()
    log = tmp_path / "daemon.log"
    killed_while_sending(config, log, http_server, "/p2")
    planned = statuses(db)
    assert len(planned) == DAEMON_PEOPLE + 1  # a first contact: one summary each, and the manager
    before = db_digest(db)
    disk.fill()
    second = start(config, log)
    try:
        wait_for(lambda: disk.line(db) in log.read_text(), what="the disk-full line")
    finally:
        stop(second)
    disk.free()
    assert db_digest(db) == before
    http_server.stalled.clear()
    http_server.release()
    third = start(config, log)
    try:
        wait_for(lambda: all(s == "sent" for _, s, _ in statuses(db)), what="every delivery sent")
    finally:
        stop(third)
    assert len(statuses(db)) == len(planned)
    for path in ["/dana", *(f"/p{i}" for i in range(DAEMON_PEOPLE))]:
        assert 1 <= len(http_server.to(path)) <= 2, path  # at most the one in flight twice
    text = log.read_text()
    assert "Traceback" not in text and "[SQL" not in text and "parameters" not in text


def test_the_web_answers_one_line_and_changes_nothing(disk):
    config = copy_example(disk.path / "practice")
    server = web.start(config, {"dana": ("manager", None)})
    try:
        db = (config / ".nervecenter" / "state.db").resolve()
        client = server.login("dana")
        token = web.csrf_of(client.get("/people/t-price").text)
        before = db_digest(db)
        disk.fill()
        r = client.post("/people/t-price/credentials/t-price:bls/renew",
                        data={"csrf_token": token, "expires": "2028-12-31"})
        assert r.status_code == 503 and disk.line(db) in r.text
        r = client.post("/people/t-price/credentials/t-price:bls/renew",
                        data={"csrf_token": token, "expires": "2028-12-31"},
                        files={"document": ("card.pdf", b"%PDF-1.4\n" + b"x" * 200_000,
                                            "application/pdf")})
        assert r.status_code == 503 and "is full: free space and run again" in r.text
        disk.free()
        assert db_digest(db) == before
        r = client.post("/people/t-price/credentials/t-price:bls/renew",
                        data={"csrf_token": token, "expires": "2028-12-31"})
        assert r.status_code == 303
    finally:
        server.stop()
